/// Every setting of a planner, with its default: the one value that `plan`'s options fill, that
/// builds the planner (`make`), and whose `json` is recorded in the rollouts' `config`.
///
/// Each planner reads the settings it has: all use `candidates`, `horizon`, `discount` and
/// `threads`; CEM adds `elites`, `iterations` and `alpha`; MPPI adds `temperature`, `noise` and
/// `iterations`. The thread count changes the speed only, never the actions, so it is not recorded.
public struct PlannerConfiguration: Equatable {
    public var kind: PlannerKind
    /// Candidate sequences scored per iteration (K, or CEM's population); default 1024 (CEM 500).
    public var candidates: Int
    /// Steps per sequence (H); default 15 (CEM 30).
    public var horizon: Int
    /// γ in (0, 1] of the rewards along the horizon.
    public var discount: Float = 1
    /// Workers that split the candidates.
    public var threads: Int = 1
    /// Optimization rounds per control step; default 1 (CEM 5).
    public var iterations: Int
    /// CEM: elite sequences per iteration.
    public var elites: Int = 50
    /// CEM: smoothing α of mean and variance (new = α·old + (1−α)·elites).
    public var alpha: Float = 0.1
    /// MPPI: temperature λ of the exponential weights.
    public var temperature: Float = 0.1
    /// MPPI: σ of the action perturbations, in action units.
    public var noise: Float = 1

    /// The defaults of `kind`.
    public init(kind: PlannerKind) {
        self.kind = kind
        candidates = kind.defaultCandidates
        horizon = kind.defaultHorizon
        iterations = kind.defaultIterations
    }

    /// Builds the planner on `dynamics` (whose capacity must hold `rowsPerWorker` rows).
    public func make(dynamics: BatchDynamics, objective: PlanningObjective) -> Planner {
        switch kind {
        case .rs: return RandomShootingPlanner(dynamics: dynamics, objective: objective, configuration: self)
        case .cem: return CEMPlanner(dynamics: dynamics, objective: objective, configuration: self)
        case .mppi: return MPPIPlanner(dynamics: dynamics, objective: objective, configuration: self)
        }
    }

    /// The settings `kind` uses, for the `config` attribute of the files the planner produces.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "planner": .string(kind.rawValue), "candidates": .int(candidates), "horizon": .int(horizon),
            "discount": .float(discount),
        ]
        switch kind {
        case .rs: break
        case .cem: members.merge(["elites": .int(elites), "iterations": .int(iterations), "alpha": .float(alpha)]) { $1 }
        case .mppi: members.merge(["temperature": .float(temperature), "noise": .float(noise), "iterations": .int(iterations)]) { $1 }
        }
        return .object(members)
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
