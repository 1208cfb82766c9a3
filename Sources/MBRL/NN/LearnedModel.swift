/// A trained model file of either kind: the single network (`mbrl.model/2`, or `/3` with Δx) or a
/// PETS ensemble (`mbrl.ensemble/1`, or `/2` with Δx). What `plan`, `evaluate` and `report` read.
public enum LearnedModel {
    case single(DynamicsModel)
    case ensemble(EnsembleModel)

    /// Reads a model file of either format (chosen by its `format` attribute).
    public static func read(fromFile path: String) throws -> (model: LearnedModel, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let isEnsemble = try root.hasAttribute("format") && FileFormat(anyVersion: root.stringAttribute("format")) == .ensemble
        try file.close()
        if isEnsemble {
            let (model, env) = try EnsembleModel.read(fromFile: path)
            return (.ensemble(model), env)
        }
        let (model, env) = try DynamicsModel.read(fromFile: path)
        return (.single(model), env)
    }

    public var stats: NormalizationStats {
        switch self {
        case .single(let m): return m.stats
        case .ensemble(let m): return m.stats
        }
    }

    public var observationSize: Int { stats.observationSize }
    public var actionSize: Int { stats.actionSize }
    /// Whether the model also predicts Δx, which the MuJoCo tasks' exact planning reward reads.
    public var predictsDeltaX: Bool { stats.hasDeltaX }

    /// Whether the model predicts a variance (a Gaussian ensemble).
    public var isProbabilistic: Bool {
        if case .ensemble(let m) = self { return !m.config.deterministic }
        return false
    }

    /// e.g. `4-64-64-3 with batch norm` or `5 × 4-200-200-200-200-(3+3) silu, Gaussian`.
    public var description: String {
        switch self {
        case .single(let m): return m.config.description
        case .ensemble(let m): return m.config.description
        }
    }

    /// Throws unless the model fits observations and actions of these sizes, naming `path`.
    public func checkCompatible(observationSize obs: Int, actionSize act: Int, path: String, with other: String) throws {
        guard observationSize == obs, actionSize == act else {
            throw HDF5Error(path: path, "model is for observations of size \(observationSize) and actions of size \(actionSize), but \(other) has \(obs) and \(act)")
        }
    }

    /// The deterministic one-step dynamics used for open-loop predictions (evaluation, report): the
    /// folded network, or the mean over the elites of their means.
    public func meanDynamics(capacity: Int) -> BatchDynamics {
        switch self {
        case .single(let m): return ModelDynamics(m, capacity: capacity)
        case .ensemble(let m):
            return EnsembleDynamics(m, settings: PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean), capacity: capacity)
        }
    }

    /// The predictive distribution of the next observation for `count` rows, per component: the
    /// mixture of the elites' Gaussians matched by its first two moments (mean of the means; mean of
    /// the variances plus the variance of the means). A single network gives variance 0.
    public func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double]) {
        switch self {
        case .single(let m):
            let next = m.predictNextObservations(observations: observations, actions: actions)
            return (next.map(Double.init), [Double](repeating: 0, count: next.count))
        case .ensemble(let m):
            let (means, variances) = m.predictMembers(observations: observations, actions: actions)
            let size = observations.count
            var mean = [Double](repeating: 0, count: size), variance = mean
            let e = Double(m.elites.count)
            for i in 0..<size {
                var s = 0.0, s2 = 0.0, v = 0.0
                for g in m.elites {
                    let x = Double(means[g * size + i])
                    s += x
                    s2 += x * x
                    v += Double(variances[g * size + i])
                }
                mean[i] = s / e
                variance[i] = v / e + max(s2 / e - (s / e) * (s / e), 0)
            }
            return (mean, variance)
        }
    }
}
