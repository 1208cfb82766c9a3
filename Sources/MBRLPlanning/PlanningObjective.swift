import MBRLEnvironments
import MBRLModels

/// What a planner maximizes, from the environment: Σₕ γʰ · r(sₕ, aₕ, sₕ₊₁) over the horizon on the
/// model's predicted observations, with no reward after a predicted terminal state, and actions in
/// the bounds; with a `terminalValue`, plus γᴴ · V(s_H) for the candidates still alive after the
/// horizon's last step. (The discount γ is the planner's setting, `PlannerConfiguration.discount`.)
///
/// A reward may also read values the model predicts besides the observation (`auxiliarySize` per
/// row, `BatchDynamics.auxiliarySize`): the MuJoCo tasks' exact reward reads the predicted Δx, the
/// change of the x position their forward reward is made of, which no observation holds.
public struct PlanningObjective {
    /// Rewards of `count` (observation, action, next observation) rows (see `Environment.rewards`).
    public typealias RewardFunction = (
        _ observations: UnsafePointer<Float>, _ actions: UnsafePointer<Float>,
        _ nextObservations: UnsafePointer<Float>, _ count: Int,
        _ rewards: UnsafeMutablePointer<Float>
    ) -> Void
    /// Terminal flags of `count` next observations (see `Environment.isTerminal`).
    public typealias TerminationFunction = (
        _ nextObservations: UnsafePointer<Float>, _ count: Int,
        _ terminal: UnsafeMutablePointer<Bool>
    ) -> Void

    public var observationSize: Int
    public var actionSize: Int
    public var actionLow: [Float]
    public var actionHigh: [Float]
    public var rewards: RewardFunction
    /// Whether `rewards` reads its next observations; when false the planner may pass a buffer of
    /// unspecified content there (and skips the prediction only that reward would need).
    public var rewardReadsNextObservation: Bool
    public var isTerminal: TerminationFunction?
    /// What each predicted step after a terminal one costs (0: nothing, the task's rule); the bands'
    /// penalties (`penalizing`) add to it, so that a planned fall, after which no band is kept, cannot
    /// end their charges early.
    public private(set) var costAfterTermination: Float = 0
    /// Rewards of `count` rows that also read `auxiliary` (count × `auxiliarySize`, the model's
    /// auxiliary predictions for the step, e.g. Δx).
    public typealias AuxiliaryRewardFunction = (
        _ observations: UnsafePointer<Float>, _ actions: UnsafePointer<Float>,
        _ nextObservations: UnsafePointer<Float>, _ auxiliary: UnsafePointer<Float>,
        _ count: Int, _ rewards: UnsafeMutablePointer<Float>
    ) -> Void
    /// Auxiliary values per row that `auxiliaryRewards` reads; 0 when the rewards read none.
    public private(set) var auxiliarySize = 0
    /// The reward that reads the auxiliary values, used instead of `rewards` when `auxiliarySize` > 0.
    public private(set) var auxiliaryRewards: AuxiliaryRewardFunction?
    /// A learned estimate of the return after the horizon (`plan --value`), or nil: the return ends
    /// with the horizon's last reward. Its observation size must be `observationSize`.
    public var terminalValue: ValueFunction? {
        didSet { precondition(terminalValue.map { $0.observationSize == observationSize } ?? true) }
    }

    public init(
        observationSize: Int, actionSize: Int, actionLow: [Float], actionHigh: [Float],
        rewardReadsNextObservation: Bool = true, rewards: @escaping RewardFunction,
        isTerminal: TerminationFunction? = nil
    ) {
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
        self.init(
            observationSize: env.observationSize, actionSize: env.actionSize, actionLow: env.actionLow,
            actionHigh: env.actionHigh, rewardReadsNextObservation: env.rewardReadsNextObservation,
            rewards: { o, a, next, n, r in
                env.rewards(observations: o, actions: a, nextObservations: next, count: n, into: r)
            },
            isTerminal: env.canTerminate
                ? { next, n, t in env.isTerminal(nextObservations: next, count: n, into: t) } : nil)
    }

    /// The objective of an environment for a model that predicts Δx (`predictsDeltaX`): a MuJoCo
    /// task's exact reward on the predicted Δx, the trapezoid of the root's x velocity in the
    /// observation and the predicted next one plus the model's auxiliary value (the residual,
    /// `MuJoCoEnvironment.rewards(observations:actions:nextObservations:deltaXResiduals:…)`); its
    /// termination on the predicted observations as before. Without Δx, `init(environment:)`.
    public init(environment env: any Environment, predictsDeltaX: Bool) {
        self.init(environment: env)
        guard predictsDeltaX else { return }
        guard let rewards = env.deltaXRewards else { preconditionFailure("\(env.id) has no reward on Δx") }
        auxiliarySize = 1
        auxiliaryRewards = rewards
    }

    /// The rewards of `count` rows, written to `rewards`: `auxiliaryRewards` on `auxiliary` (which must
    /// then be given) when the objective reads auxiliary values, else `rewards`.
    @inline(__always)
    public func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        auxiliary: UnsafePointer<Float>?, count: Int, into rewards: UnsafeMutablePointer<Float>
    ) {
        if let auxiliaryRewards {
            guard let auxiliary else { preconditionFailure("this objective's rewards read auxiliary predictions") }
            auxiliaryRewards(observations, actions, nextObservations, auxiliary, count, rewards)
        } else {
            self.rewards(observations, actions, nextObservations, count, rewards)
        }
    }

    /// An interval [`low`, `high`] for the value at `index` of a predicted observation.
    public struct Band: Equatable {
        /// The value's index in the observation.
        public var index: Int
        /// The interval's ends, in the observation's units; `low` ≤ `high`.
        public var low: Float
        public var high: Float

        public init(index: Int, low: Float, high: Float) {
            self.index = index
            self.low = low
            self.high = high
        }
    }

    /// This objective with a cost on leaving bands: every predicted step whose next observation lies
    /// outside any of `bands` scores `penalty` less (once per step, however many bands it leaves), and
    /// so does every step after a predicted terminal state (`costAfterTermination`): a fallen runner is
    /// outside every band. The task's reward is unchanged inside; a planner ranks a candidate that
    /// leaves them below one that stays, unless the one that stays loses more than the penalty.
    /// (HalfCheetah's root pitch: a cheetah on its back runs slower, yet a short horizon's reward
    /// favours the flip, `plan --pitch-limit`; the joints' stops, `plan --joint-margin`.) A value that
    /// is not a number (a diverged prediction) is outside.
    ///
    /// - Precondition: every band's index < `observationSize` and low ≤ high; `penalty` ≥ 0.
    public func penalizing(outside bands: [Band], by penalty: Float) -> PlanningObjective {
        precondition(bands.allSatisfy { $0.index >= 0 && $0.index < observationSize && $0.low <= $0.high })
        precondition(penalty >= 0)
        let o = observationSize
        /// Subtracts the penalty from the rows whose next observation leaves a band.
        func penalize(_ next: UnsafePointer<Float>, _ count: Int, _ rewards: UnsafeMutablePointer<Float>) {
            for r in 0..<count {
                let row = next + r * o
                let outside = bands.contains { band in !(row[band.index] >= band.low && row[band.index] <= band.high) }
                if outside { rewards[r] -= penalty }
            }
        }
        var constrained = self
        constrained.costAfterTermination += penalty
        let rewards = self.rewards
        constrained.rewards = { observations, actions, next, count, out in
            rewards(observations, actions, next, count, out)
            penalize(next, count, out)
        }
        constrained.rewardReadsNextObservation = true
        if let auxiliaryRewards {
            constrained.auxiliaryRewards = { observations, actions, next, auxiliary, count, out in
                auxiliaryRewards(observations, actions, next, auxiliary, count, out)
                penalize(next, count, out)
            }
        }
        return constrained
    }

    /// `penalizing(outside:by:)` with the one band [−`limit`, `limit`] at `index`.
    public func penalizing(outside limit: Float, atObservationIndex index: Int, by penalty: Float) -> PlanningObjective
    {
        precondition(limit > 0)
        return penalizing(outside: [Band(index: index, low: -limit, high: limit)], by: penalty)
    }
}
