/// The planners the `plan` stage knows by name (`--planner rs|cem|mppi`), with the settings whose
/// default depends on the planner.
public enum PlannerKind: String, CaseIterable, Sendable {
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
