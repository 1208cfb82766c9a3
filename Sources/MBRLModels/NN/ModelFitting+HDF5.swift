import MBRLCore

/// A fit's record in a model file (docs/FORMATS.md), the same for every kind of model.
extension ModelFitting.Result {
    /// Writes `training/train_loss` and `training/val_loss` into `root` (float64, one value per
    /// epoch run; validation NaN without validation rows).
    public func writeCurves(to root: HDF5Group) throws {
        let group = try root.createGroup("training")
        try group.write(trainLossCurve, shape: [trainLossCurve.count], to: "train_loss")
        try group.write(validationLossCurve, shape: [validationLossCurve.count], to: "val_loss")
    }

    /// Writes the root attributes `train_loss` (`trainLoss`: which epoch's is the model kind's
    /// choice), `val_loss` (NaN without validation), `epochs_run`, `best_epoch`, `samples_seen`,
    /// `training_rows` and `validation_rows`; with open-loop corrections also `correction_rows`,
    /// `correction_validation_rows` and `correction_first_epoch` (absent without, so that the files of
    /// fits without them keep their bytes).
    public func writeAttributes(to root: HDF5Group, trainLoss: Double) throws {
        try root.setAttribute("train_loss", trainLoss)
        try root.setAttribute("val_loss", validationLoss ?? Double.nan)
        try root.setAttribute("epochs_run", epochsRun)
        try root.setAttribute("best_epoch", bestEpoch)
        try root.setAttribute("samples_seen", samplesSeen)
        try root.setAttribute("training_rows", trainingRows)
        try root.setAttribute("validation_rows", validationRows)
        if let correctionRows {
            try root.setAttribute("correction_rows", correctionRows.training)
            try root.setAttribute("correction_validation_rows", correctionRows.validation)
            try root.setAttribute("correction_first_epoch", correctionRows.firstEpoch)
        }
    }
}
