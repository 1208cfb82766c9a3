/// A trained dynamics model, whatever its kind: the single network (`DynamicsModel`, `mbrl.model/2`,
/// or `/3` with Δx) or a PETS ensemble (`EnsembleModel`, `mbrl.ensemble/1`, or `/2` with Δx). What
/// `plan`, `evaluate` and `report` work with: `ModelFile.read` opens a file of either kind, and each
/// kind builds its own planning engine and predictions. A new kind of model is one type conforming
/// to this protocol (and a case in `ModelFile.read`).
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

    /// The dynamics `planner` scores its candidates on, with the ensemble `propagation` asked for (its
    /// defaults resolved by the model) and the arithmetic `precision` asked for (bf16: a single
    /// network's hidden-to-hidden products on AMX where the CPU has it, fp32 otherwise; the arithmetic
    /// used is in the engine's `config` whenever bf16 was asked for), and the bytes planning allocates.
    /// Throws `PlanningEngine.Failure` when the request does not fit this model.
    func planningEngine(for planner: PlannerConfiguration, propagation: PropagationRequest, precision: PlanningPrecision) throws -> PlanningEngine

    /// The deterministic one-step dynamics used for open-loop predictions (evaluation, report), for
    /// `capacity` rows at a time: the folded network, or the mean over the elites of their means.
    func meanDynamics(capacity: Int) -> BatchDynamics

    /// The predictive distribution of the next observation of every (observation, action) row, per
    /// component (count × obs values each): for an ensemble the mixture of the elites' Gaussians
    /// matched by its first two moments (mean of the means; mean of the variances plus the variance of
    /// the means); a single network gives its prediction and variance 0.
    func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double])

    /// Every elite member's own prediction of the next observation of every row (count × obs means and
    /// variances each), best member first; empty for a model without members (the single network).
    func elitePredictions(observations: [Float], actions: [Float]) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)]
}

extension LearnedModel {
    public var observationSize: Int { stats.observationSize }
    public var actionSize: Int { stats.actionSize }
    /// Whether the model also predicts Δx, which the MuJoCo tasks' exact planning reward reads.
    public var predictsDeltaX: Bool { stats.hasDeltaX }

    /// Throws unless the model fits observations and actions of these sizes, naming `path` (the
    /// model's file) and `other` (the file or environment it is used with).
    public func checkCompatible(observationSize obs: Int, actionSize act: Int, path: String, with other: String) throws {
        guard observationSize == obs, actionSize == act else {
            throw HDF5Error(path: path, "model is for observations of size \(observationSize) and actions of size \(actionSize), but \(other) has \(obs) and \(act)")
        }
    }
}

/// Model files of every kind.
public enum ModelFile {
    /// Reads a model file of either kind (chosen by its `format` attribute) and its `env` attribute.
    public static func read(fromFile path: String) throws -> (model: any LearnedModel, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let isEnsemble = try root.hasAttribute("format") && FileFormat(anyVersion: root.stringAttribute("format")) == .ensemble
        try file.close()
        if isEnsemble {
            let (model, env) = try EnsembleModel.read(fromFile: path)
            return (model, env)
        }
        let (model, env) = try DynamicsModel.read(fromFile: path)
        return (model, env)
    }
}

extension LearnedModel {
    /// `planningEngine(for:propagation:precision:)` in fp32.
    public func planningEngine(for planner: PlannerConfiguration, propagation: PropagationRequest) throws -> PlanningEngine {
        try planningEngine(for: planner, propagation: propagation, precision: .fp32)
    }
}
