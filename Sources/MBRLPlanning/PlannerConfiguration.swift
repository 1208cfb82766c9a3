import Foundation
import MBRLCore
import MBRLModels

/// Every setting of a planner, with its default: the one value that `plan`'s options fill, that
/// builds the planner (`make`), and whose `json` is recorded in the rollouts' `config`.
///
/// Each planner reads the settings it has: all use `candidates`, `horizon`, `discount` and
/// `threads`; CEM adds `elites`, `iterations` and `alpha`; MPPI adds `temperature`, `noise` and
/// `iterations`; iCEM adds to CEM's `beta`, `populationDecay`, `keepFraction` and `initialStd`. The
/// thread count changes the speed only, never the actions, so it is not recorded.
public struct PlannerConfiguration: Equatable {
    public var kind: PlannerKind
    /// Candidate sequences scored per iteration (K, or CEM's population; iCEM's first iteration's,
    /// N); default 1024 (CEM 500, iCEM 300).
    public var candidates: Int
    /// Steps per sequence (H); default 15 (CEM and iCEM 30).
    public var horizon: Int
    /// γ in (0, 1] of the rewards along the horizon.
    public var discount: Float = 1
    /// Workers that split the candidates.
    public var threads: Int = 1
    /// Optimization rounds per control step; default 1 (CEM 5, iCEM 3).
    public var iterations: Int
    /// CEM and iCEM: elite sequences per iteration (K); default 50 (iCEM 10).
    public var elites: Int
    /// CEM and iCEM: smoothing α of mean and variance (CEM) or standard deviation (iCEM),
    /// new = α·old + (1−α)·elites.
    public var alpha: Float = 0.1
    /// iCEM: exponent β of the colored noise's power spectrum 1/f^β along the horizon (0 white).
    public var beta: Float = 2
    /// iCEM: γ ≥ 1, the population of iteration i is max(⌊N·γ⁻ⁱ⌋, 2K).
    public var populationDecay: Float = 1.25
    /// iCEM: ξ in [0, 1], the fraction of the elites kept for the next iteration and, shifted by one
    /// step, for the next control step.
    public var keepFraction: Float = 0.3
    /// iCEM: the standard deviation σ every control step starts from, as a fraction of half the width
    /// of the action bounds.
    public var initialStd: Float = 0.5
    /// MPPI: temperature λ of the exponential weights.
    public var temperature: Float = 0.1
    /// MPPI: σ of the action perturbations, in action units.
    public var noise: Float = 1
    /// Every planner: the costs on leaving bands of the predicted observations (none by default).
    /// `make` does not apply them, since they need the task: the objective passed to it must be
    /// `constraints.applied(to:on:)` of the task's.
    public var constraints = PlanningConstraints()

    /// The defaults of `kind`.
    public init(kind: PlannerKind) {
        self.kind = kind
        candidates = kind.defaultCandidates
        horizon = kind.defaultHorizon
        iterations = kind.defaultIterations
        elites = kind.defaultElites
    }

    /// Builds the planner on `dynamics` (whose capacity must hold `rowsPerWorker` rows).
    public func make(dynamics: BatchDynamics, objective: PlanningObjective) -> Planner {
        switch kind {
        case .rs: return RandomShootingPlanner(dynamics: dynamics, objective: objective, configuration: self)
        case .cem: return CEMPlanner(dynamics: dynamics, objective: objective, configuration: self)
        case .mppi: return MPPIPlanner(dynamics: dynamics, objective: objective, configuration: self)
        case .icem: return ICEMPlanner(dynamics: dynamics, objective: objective, configuration: self)
        }
    }

    /// The settings `kind` uses, for the `config` attribute of the files the planner produces.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "planner": .string(kind.rawValue), "candidates": .int(candidates), "horizon": .int(horizon),
            "discount": .float(discount)
        ]
        switch kind {
        case .rs: break
        case .cem:
            members.merge(["elites": .int(elites), "iterations": .int(iterations), "alpha": .float(alpha)]) { $1 }
        case .mppi:
            members.merge(["temperature": .float(temperature), "noise": .float(noise), "iterations": .int(iterations)])
            { $1 }
        case .icem:
            members.merge([
                "elites": .int(elites), "iterations": .int(iterations), "alpha": .float(alpha), "beta": .float(beta),
                "population_decay": .float(populationDecay), "keep_fraction": .float(keepFraction),
                "initial_std": .float(initialStd)
            ]) { $1 }
        }
        members.merge(constraints.members) { $1 }
        return .object(members)
    }

    /// Bytes of the planner's own buffers besides the dynamics (Float32): the candidate action
    /// sequences with room for CEM's sorting, and CEM's and MPPI's normals (`NormalDraws`); or iCEM's
    /// population, its two elite sets, its colored-noise matrix (H × H) and its population's normals; nil
    /// when the count overflows.
    public func planningBytes(actionSize: Int) -> Int? {
        let floats: Int?, normals: Int?
        switch kind {
        case .rs, .cem, .mppi:
            floats = MemoryBudget.product([3, candidates, horizon, actionSize])
            normals = kind == .rs ? 0 : MemoryBudget.product([candidates, horizon, actionSize])
        case .icem:
            floats = MemoryBudget.sum([
                MemoryBudget.product([MemoryBudget.sum([population, 2 * elites]) ?? -1, horizon, actionSize]),
                MemoryBudget.product([horizon, horizon])
            ])
            normals = MemoryBudget.product([population, horizon, actionSize])
        }
        return MemoryBudget.sum([
            MemoryBudget.product([floats ?? -1, 4]), NormalDraws.byteCount(capacity: normals ?? -1)
        ])
    }

    /// The most candidates one iteration scores: `candidates`, and for iCEM also the previous step's
    /// shifted elites.
    public var population: Int { kind == .icem ? candidates + keptElites : candidates }

    /// Rows each worker's dynamics must hold.
    public var rowsPerWorker: Int { (population + threads - 1) / threads }

    /// iCEM: ⌊ξK⌋, the elites kept between iterations and control steps. A product within 10⁻⁴ of a
    /// whole number counts as that number, so ξ = 0.7 of 10 elites keeps 7 whatever ξ's rounding to
    /// Float.
    public var keptElites: Int { min(elites, Int((Double(elites) * Double(keepFraction) + 1e-4).rounded(.down))) }

    /// iCEM: the population of each iteration, Nᵢ = max(⌊N·γ⁻ⁱ⌋, 2K) for i = 0..<iterations.
    public var populationSizes: [Int] {
        (0..<iterations).map { i in
            max(Int((Double(candidates) / pow(Double(populationDecay), Double(i))).rounded(.down)), 2 * elites)
        }
    }
}
