import MBRLCore
import MBRLData

/// A trained dynamics model, whatever its kind: the single network (`DynamicsModel`, `mbrl.model/2`,
/// or `/3` with Δx) or a PETS ensemble (`EnsembleModel`, `mbrl.ensemble/1`, or `/2` with Δx). What
/// `evaluate` and `report` work with: `ModelFile.read` opens a file of either kind, and each kind
/// makes its own predictions. A new kind of model is one type conforming to this protocol (and a case
/// in `ModelFile.read`), and to `PlanningModel` in MBRLPlanning, which adds its planning engine.
public protocol LearnedModel: AnyObject {
    /// The statistics the model was trained with: they normalize its inputs and give its sizes.
    var stats: NormalizationStats { get }
    /// The `format` attribute of the model's file.
    var fileFormatVersion: String { get }
    /// The architecture, e.g. `4-64-64-3 with batch norm` or `5 × 4-200-200-200-200-(3+3) silu, Gaussian`.
    var description: String { get }
    /// Whether the model predicts a variance (a Gaussian ensemble).
    var isProbabilistic: Bool { get }

    /// Writes the weights, statistics and architecture attributes into `root` (a file's root group).
    func write(to root: HDF5Group, env: String) throws

    /// The deterministic one-step dynamics used for open-loop predictions (evaluation, report), for
    /// `capacity` rows at a time: the folded network, or the mean over the elites of their means.
    func meanDynamics(capacity: Int) -> BatchDynamics

    /// Bytes `meanDynamics(capacity:)` allocates, or nil on overflow: checked with `MemoryBudget` before
    /// a stage builds them.
    func meanDynamicsByteCount(capacity: Int) -> Int?

    /// Bytes the calibration of the predicted variance (`Calibration(model:data:)`) allocates for
    /// `rows` rows at its peak, or nil on overflow; 0 for a model without a variance (`isProbabilistic`
    /// false), which has none. Checked with `MemoryBudget` before `evaluate` measures it.
    func calibrationByteCount(rows: Int) -> Int?

    /// The predictive distribution of the next observation of every (observation, action) row, per
    /// component (count × obs values each): for an ensemble the mixture of the elites' Gaussians
    /// matched by its first two moments (mean of the means; mean of the variances plus the variance of
    /// the means); a single network gives its prediction and variance 0.
    func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double])

    /// Every elite member's own prediction of the next observation of every row (count × obs means and
    /// variances each), best member first; empty for a model without members (the single network).
    func elitePredictions(
        observations: [Float], actions: [Float]
    ) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)]
}

extension LearnedModel {
    public var observationSize: Int { stats.observationSize }
    public var actionSize: Int { stats.actionSize }
    /// Whether the model also predicts Δx, which the MuJoCo tasks' exact planning reward reads.
    public var predictsDeltaX: Bool { stats.hasDeltaX }

    /// Throws unless the model fits observations and actions of these sizes, naming `path` (the
    /// model's file) and `other` (the file or environment it is used with).
    public func checkCompatible(observationSize obs: Int, actionSize act: Int, path: String, with other: String) throws
    {
        guard observationSize == obs, actionSize == act else {
            throw HDF5Error(
                path: path,
                "model is for observations of size \(observationSize) and actions of "
                    + "size \(actionSize), but \(other) has \(obs) and \(act)")
        }
    }
}

/// Model files of every kind.
public enum ModelFile {
    /// Reads a model file of either kind (chosen by its `format` attribute) and its `env` attribute.
    public static func read(fromFile path: String) throws -> (model: any LearnedModel, env: String) {
        try read(fromFile: path, single: { $0 }, ensemble: { $0 })
    }

    /// `read(fromFile:)` for a caller that needs more of a model than `LearnedModel` says: each kind
    /// is handed to its own closure, which returns it as the protocol the caller extends both kinds
    /// with (MBRLPlanning's `PlanningModel`), so the compiler checks that every kind conforms.
    public static func read<Model>(
        fromFile path: String, single: (DynamicsModel) -> Model,
        ensemble: (EnsembleModel) -> Model
    ) throws -> (model: Model, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let isEnsemble =
            try root.hasAttribute("format") && FileFormat(anyVersion: root.stringAttribute("format")) == .ensemble
        try file.close()
        if isEnsemble {
            let (model, env) = try EnsembleModel.read(fromFile: path)
            return (ensemble(model), env)
        }
        let (model, env) = try DynamicsModel.read(fromFile: path)
        return (single(model), env)
    }
}
