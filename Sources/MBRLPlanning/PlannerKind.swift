/// The planners the `plan` stage knows by name (`--planner rs|cem|mppi|icem`), with the settings whose
/// default depends on the planner.
public enum PlannerKind: String, CaseIterable, Sendable {
    /// Random shooting (the notebook's method).
    case rs
    /// The cross-entropy method (PETS).
    case cem
    /// Model predictive path integral control.
    case mppi
    /// The improved cross-entropy method (Pinneri et al. 2020).
    case icem

    public var defaultCandidates: Int {
        switch self {
        case .rs, .mppi: return 1024
        case .cem: return 500
        case .icem: return 300
        }
    }

    public var defaultHorizon: Int { self == .cem || self == .icem ? 30 : 15 }

    public var defaultIterations: Int {
        switch self {
        case .rs, .mppi: return 1
        case .cem: return 5
        case .icem: return 3
        }
    }

    /// CEM's population keeps 10%; iCEM's paper keeps 10 elites of a few hundred samples.
    public var defaultElites: Int { self == .icem ? 10 : 50 }
}
