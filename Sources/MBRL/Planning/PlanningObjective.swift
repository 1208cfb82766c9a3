/// What a planner maximizes, from the environment: Σₕ γʰ · r(sₕ, aₕ, sₕ₊₁) over the horizon on the
/// model's predicted observations, with no reward after a predicted terminal state, and actions in
/// the bounds. (The discount γ is the planner's setting, `PlannerConfiguration.discount`.)
public struct PlanningObjective {
    /// Rewards of `count` (observation, action, next observation) rows (see `Environment.rewards`).
    public typealias RewardFunction = (_ observations: UnsafePointer<Float>, _ actions: UnsafePointer<Float>,
                                       _ nextObservations: UnsafePointer<Float>, _ count: Int,
                                       _ rewards: UnsafeMutablePointer<Float>) -> Void
    /// Terminal flags of `count` next observations (see `Environment.isTerminal`).
    public typealias TerminationFunction = (_ nextObservations: UnsafePointer<Float>, _ count: Int,
                                            _ terminal: UnsafeMutablePointer<Bool>) -> Void

    public var observationSize: Int
    public var actionSize: Int
    public var actionLow: [Float]
    public var actionHigh: [Float]
    public var rewards: RewardFunction
    /// Whether `rewards` reads its next observations; when false the planner may pass a buffer of
    /// unspecified content there (and skips the prediction only that reward would need).
    public var rewardReadsNextObservation: Bool
    public var isTerminal: TerminationFunction?

    public init(observationSize: Int, actionSize: Int, actionLow: [Float], actionHigh: [Float],
                rewardReadsNextObservation: Bool = true, rewards: @escaping RewardFunction,
                isTerminal: TerminationFunction? = nil) {
        precondition(actionLow.count == actionSize && actionHigh.count == actionSize)
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.actionLow = actionLow
        self.actionHigh = actionHigh
        self.rewardReadsNextObservation = rewardReadsNextObservation
        self.rewards = rewards
        self.isTerminal = isTerminal
    }

    /// The objective of an environment: its batched reward and termination functions and action
    /// bounds. An environment that never terminates (`canTerminate` false) skips the termination check.
    public init(environment env: any Environment) {
        self.init(observationSize: env.observationSize, actionSize: env.actionSize, actionLow: env.actionLow,
                  actionHigh: env.actionHigh, rewardReadsNextObservation: env.rewardReadsNextObservation,
                  rewards: { o, a, next, n, r in env.rewards(observations: o, actions: a, nextObservations: next, count: n, into: r) },
                  isTerminal: env.canTerminate ? { next, n, t in env.isTerminal(nextObservations: next, count: n, into: t) } : nil)
    }
}
