import MBRLCore

/// A model `ModelFitting.fit` can train: the single network (one member) or an ensemble (members
/// side by side). `train` builds one (`ModelArchitecture.make`), optionally starts it from a file,
/// fits it, and writes it with its training record.
public protocol TrainableModel: LearnedModel {
    /// Members trained side by side, each keeping the weights of its own best epoch (1: the single
    /// network).
    var memberCount: Int { get }

    /// The architecture's settings, for the `config` attribute of the model's file.
    var architectureJSON: [String: JSONValue] { get }

    /// Rows the training buffers hold for `rows` rows of data under `fitting`, and their bytes (nil
    /// on overflow), checked with `MemoryBudget` before training.
    func trainingBufferRows(_ fitting: ModelFitting, rows: Int) -> Int
    func trainingBytes(bufferRows: Int) -> Int?

    /// The model's side of a fit on the split examples (`training`: one entry per transitions set, in
    /// order; `totalRows`: the rows of all sets). Throws `ModelFitting.Failure` when the examples
    /// cannot be trained on.
    func fittingSession(
        _ fitting: ModelFitting, training: [ModelTrainer.Examples], validation: ModelTrainer.Examples,
        totalRows: Int
    ) throws -> FittingSession

    /// Copies the weights of the model file at `path`, which must hold a model of this kind and
    /// architecture (a warm start); errors name the file and the difference.
    func loadWeights(fromFile path: String) throws

    /// The first weight the model's file readers would refuse (e.g. `model.network.1.running_var holds
    /// an infinity at row 0`), or nil.
    var stateDictProblem: String? { get }

    /// Writes a fit's record beside the model (`write(to:env:)` first): the training curves in
    /// `training/`, the members' scores for an ensemble, and the root attributes `train_loss`,
    /// `val_loss`, `epochs_run`, `best_epoch`, `samples_seen`, `training_rows`, `validation_rows`.
    func writeTraining(_ result: ModelFitting.Result, to root: HDF5Group) throws
}

/// One fit's state on the model's side (`TrainableModel.fittingSession`): the minibatch steps of an
/// epoch, each member's score, and each member's best weights. `ModelFitting.fit` drives it.
public protocol FittingSession: AnyObject {
    /// Training rows of the fit, and the rows (member rows for an ensemble) one epoch trains on.
    var trainingRows: Int { get }
    var samplesPerEpoch: Int { get }

    /// One epoch of minibatch steps with Adam, in an order drawn from `rng`: the mean minibatch loss,
    /// the rows seen, and when `scoringMembers` each member's training score of the epoch (its
    /// stand-in for a validation score; otherwise empty).
    func trainEpoch(
        using rng: inout RandomGenerator, scoringMembers: Bool
    ) -> (loss: Double, samples: Int, memberScores: [Double])

    /// Each member's score on the validation rows (lower is better).
    func validationScores(_ validation: ModelTrainer.Examples) -> [Double]

    /// Keeps member `member`'s current weights as its best.
    func keepBest(member: Int)

    /// Puts every member's best weights back into the model, and the elites (best first).
    func restoreBest(elites: [Int])
}
