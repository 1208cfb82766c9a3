/// What a planner maximizes: the discounted sum over the horizon of the environment's reward,
/// Σₕ γʰ · r(sₕ, aₕ), with each reward computed on the pre-step (predicted) state and the action as
/// Gym computes it, and no reward after a predicted terminal state.
public struct PlanningObjective {
    /// Rewards of `count` (observation, action) rows (see `Environment.rewards`).
    public typealias RewardFunction = (_ observations: UnsafePointer<Float>, _ actions: UnsafePointer<Float>, _ count: Int,
                                       _ rewards: UnsafeMutablePointer<Float>) -> Void
    /// Terminal flags of `count` observations (see `Environment.isTerminal`).
    public typealias TerminationFunction = (_ observations: UnsafePointer<Float>, _ count: Int,
                                            _ terminal: UnsafeMutablePointer<Bool>) -> Void

    public var observationSize: Int
    public var actionSize: Int
    public var actionLow: [Float]
    public var actionHigh: [Float]
    public var rewards: RewardFunction
    public var isTerminal: TerminationFunction?
    /// γ in (0, 1].
    public var discount: Float

    public init(observationSize: Int, actionSize: Int, actionLow: [Float], actionHigh: [Float], discount: Float = 1,
                rewards: @escaping RewardFunction, isTerminal: TerminationFunction? = nil) {
        precondition(actionLow.count == actionSize && actionHigh.count == actionSize)
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.actionLow = actionLow
        self.actionHigh = actionHigh
        self.discount = discount
        self.rewards = rewards
        self.isTerminal = isTerminal
    }

    /// The objective of an environment: its batched reward and termination functions and action bounds.
    /// Environments that never terminate may pass `terminates: false` to skip the termination check.
    public init(environment env: any Environment, discount: Float = 1, terminates: Bool = true) {
        self.init(observationSize: env.observationSize, actionSize: env.actionSize, actionLow: env.actionLow,
                  actionHigh: env.actionHigh, discount: discount,
                  rewards: { o, a, n, r in env.rewards(observations: o, actions: a, count: n, into: r) },
                  isTerminal: terminates ? { o, n, t in env.isTerminal(observations: o, count: n, into: t) } : nil)
    }
}
