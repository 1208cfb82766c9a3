import MBRLModels

/// The arithmetic a planning engine computes in, against the one asked for, and why they differ: the
/// planning engine's own decision (`PlanningEngine.precision`), so a program reports it without
/// redoing the checks that made it.
public struct PrecisionDecision: Equatable, Sendable {
    /// Why an engine asked for bf16 plans in fp32.
    public enum Fallback: Equatable, Sendable {
        /// This CPU, or Linux's permission for this process, gives no AMX-BF16
        /// (`BF16Matrix.isAvailable` is false).
        case noAMX
        /// The network has no product between two hidden layers (it has one hidden layer or none),
        /// and those products are the only ones bf16 computes (`PlanningPrecision`).
        case noHiddenToHiddenProduct
    }

    /// The precision asked for (`plan --precision`).
    public let requested: PlanningPrecision
    /// The precision the engine computes in.
    public let used: PlanningPrecision
    /// Why `used` differs from `requested`; nil when they are equal.
    public let fallback: Fallback?

    public init(requested: PlanningPrecision, used: PlanningPrecision, fallback: Fallback?) {
        precondition((fallback == nil) == (requested == used), "a fallback exactly when the precision differs")
        self.requested = requested
        self.used = used
        self.fallback = fallback
    }

    /// fp32 asked for and used.
    public static let fp32 = PrecisionDecision(requested: .fp32, used: .fp32, fallback: nil)
}
