/// A Gymnasium MuJoCo locomotion task: an `Environment` whose internal state is MuJoCo's (qpos, qvel)
/// in Float64 and whose reward is forward progress, a healthy reward and a control cost.
///
/// A task gives its constants, its observation, where its forward position is read and when it is
/// healthy; the extension below implements the step, the planner's batched reward and termination
/// from them, and the extension in MuJoCoTaskCore.swift the state, bounds and resets.
public protocol MuJoCoEnvironment: Environment {
    /// The simulation and the state every MuJoCo task keeps.
    var core: MuJoCoTaskCore { get set }
    /// The observation of the current state.
    var observation: [Float] { get }
    /// The current state: qpos (`nq` values), then qvel.
    var state: [Double] { get }
    /// The number of generalized coordinates, qpos's share of the state.
    var nq: Int { get }
    /// Seconds per environment step (physics time step × frame skip).
    var dt: Double { get }
    /// The vendored MJCF file the task is compiled from (ThirdParty/gymnasium-mujoco/): its name and
    /// the text embedded in the program.
    static var modelFileName: String { get }
    static var modelText: String { get }

    /// The x coordinate whose change per second is the forward reward (metres; the root joint's
    /// qpos[0] unless the task says otherwise).
    var forwardPosition: Double { get }
    /// Gymnasium's `is_healthy` on the current state (always true for tasks that never terminate).
    var isHealthy: Bool { get }
    /// The weights of the reward: forward progress, the healthy reward paid on every step (0 for
    /// tasks without one) and the control cost.
    static var forwardRewardWeight: Double { get }
    static var healthyReward: Double { get }
    static var controlCostWeight: Double { get }
    /// The index of the root's x velocity (qvel[0]) in the observation, which the planner's reward
    /// reads in place of the forward progress.
    static var xVelocityIndex: Int { get }
}

extension MuJoCoEnvironment {
    public var simulatorWarning: String? { core.simulation.warning }
    public var forwardPosition: Double { core.simulation.qpos(0) }
    public var isHealthy: Bool { true }
    public static var healthyReward: Double { 0 }
    public var rewardReadsNextObservation: Bool { true }

    /// One environment step, as Gymnasium's v4 locomotion tasks take it: `frameSkip` physics steps with
    /// the action as controls, then
    ///
    ///     reward = (forwardRewardWeight · (x' − x) / dt + healthyReward) − controlCostWeight · Σ a²
    ///
    /// in Gymnasium's order of operations (so rewards match to the bit; the healthy reward is paid on
    /// every step, the last included), terminated when the task can terminate and is unhealthy after
    /// the step, truncated at `episodeLimit` steps.
    public mutating func step(_ action: [Float]) -> StepResult {
        precondition(action.count == actionSize, "\(id) takes \(actionSize) action values")
        let xBefore = forwardPosition
        core.simulation.step(action)
        let xVelocity = (forwardPosition - xBefore) / core.simulation.dt
        let rewards = Self.forwardRewardWeight * xVelocity + Self.healthyReward
        let costs = MuJoCoTask.controlCost(action, weight: Self.controlCostWeight)
        core.elapsedSteps += 1
        return StepResult(observation: observation, reward: rewards - costs,
                          terminated: canTerminate && !isHealthy, truncated: core.elapsedSteps >= episodeLimit)
    }

    /// The reward on predicted observations, an approximation (`MuJoCoTask.locomotionRewards`): the
    /// forward term is the mean of the root's x velocity before and after the step,
    ///
    ///     reward ≈ forwardRewardWeight · (obs[v] + next[v]) / 2 + healthyReward − controlCostWeight · Σ a²
    ///
    /// with v = `xVelocityIndex`.
    public func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        count: Int, into rewards: UnsafeMutablePointer<Float>
    ) {
        MuJoCoTask.locomotionRewards(
            observations: observations, actions: actions, nextObservations: nextObservations, count: count, into: rewards,
            observationSize: observationSize, actionSize: actionSize, xVelocityIndex: Self.xVelocityIndex,
            forwardRewardWeight: Self.forwardRewardWeight, healthyReward: Self.healthyReward,
            controlCostWeight: Self.controlCostWeight)
    }
}

/// Tasks that never terminate: no predicted observation is terminal.
extension MuJoCoEnvironment {
    public func isTerminal(nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>) {
        precondition(!canTerminate, "\(id) can terminate: it must implement isTerminal(nextObservations:count:into:)")
        terminal.update(repeating: false, count: count)
    }
}
