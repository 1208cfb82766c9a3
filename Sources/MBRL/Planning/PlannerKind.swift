/// The planners the `plan` stage knows by name, with their default settings.
public enum PlannerKind: String, CaseIterable {
    /// Random shooting (the notebook's method).
    case rs
    /// The cross-entropy method (PETS).
    case cem
    /// Model predictive path integral control.
    case mppi

    public var defaultCandidates: Int { self == .cem ? 500 : 1024 }
    public var defaultHorizon: Int { self == .cem ? 30 : 15 }
    public var defaultIterations: Int { self == .cem ? 5 : 1 }
}

/// Every setting a planner may use; each planner reads the ones it has.
public struct PlannerConfiguration {
    public var kind: PlannerKind
    public var candidates: Int
    public var horizon: Int
    public var discount: Float = 1
    public var threads: Int = 1
    public var iterations: Int
    /// CEM: elites per iteration, smoothing α.
    public var elites: Int = 50
    public var alpha: Float = 0.1
    /// MPPI: temperature λ and perturbation σ.
    public var temperature: Float = 0.1
    public var noise: Float = 1

    public init(kind: PlannerKind) {
        self.kind = kind
        candidates = kind.defaultCandidates
        horizon = kind.defaultHorizon
        iterations = kind.defaultIterations
    }

    /// Builds the planner on `dynamics` (whose capacity must hold candidates/threads rows).
    public func make(dynamics: BatchDynamics, objective: PlanningObjective) -> Planner {
        let common = PlannerSettings(candidates: candidates, horizon: horizon, threads: threads)
        var objective = objective
        objective.discount = discount
        switch kind {
        case .rs:
            return RandomShootingPlanner(dynamics: dynamics, objective: objective, settings: common)
        case .cem:
            return CEMPlanner(dynamics: dynamics, objective: objective, settings: common,
                              elites: elites, iterations: iterations, alpha: alpha)
        case .mppi:
            return MPPIPlanner(dynamics: dynamics, objective: objective, settings: common,
                               temperature: temperature, noise: noise, iterations: iterations)
        }
    }

    /// Bytes the planner allocates for a network of `model`'s shape (Float32): the candidate action
    /// sequences (with room for MPPI's perturbations and CEM's sorting), and per candidate row the
    /// folded network's activations and the trajectory evaluator's states, actions and returns; nil
    /// when the count overflows. Checked with `MemoryBudget` before planning starts.
    public func byteCount(model: MLPConfiguration, observationSize: Int, actionSize: Int) -> Int? {
        let sequences = MemoryBudget.product([3, candidates, horizon, actionSize])
        let widths = MemoryBudget.sum([MemoryBudget.product([model.depth, model.hidden]), model.inputSize, model.outputSize])
        let perRow = MemoryBudget.sum([widths, MemoryBudget.product([3, observationSize]), MemoryBudget.product([2, actionSize]), 4])
        let rows = MemoryBudget.product([rowsPerWorker, threads])
        return MemoryBudget.product([MemoryBudget.sum([sequences, MemoryBudget.product([rows ?? -1, perRow ?? -1])]) ?? -1, 4])
    }

    /// Rows each worker's dynamics must hold.
    public var rowsPerWorker: Int { (candidates + threads - 1) / threads }
}
