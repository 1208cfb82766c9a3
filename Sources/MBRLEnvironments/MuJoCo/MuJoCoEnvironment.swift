/// A Gymnasium MuJoCo locomotion task: an `Environment` whose internal state is MuJoCo's (qpos, qvel)
/// in Float64 and whose reward is forward progress, a healthy reward and a control cost.
///
/// A task gives its constants, its observation, where its forward position is read and when it is
/// healthy; the extension below implements the step, the planner's batched rewards (exact, from a
/// predicted forward displacement Δx; or approximate, from observations alone) and termination from
/// them, and the extension in MuJoCoTaskCore.swift the state, bounds and resets.
public protocol MuJoCoEnvironment: Environment, ForwardReward {
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
    /// The model file's limited hinges whose angle is in the observation (as `qpos <joint>`).
    public var jointRanges: [JointRange] {
        core.simulation.model.limitedHinges.compactMap { hinge in
            observationNames.firstIndex(of: "qpos \(hinge.name)").map {
                JointRange(name: hinge.name, observationIndex: $0, low: Float(hinge.low), high: Float(hinge.high))
            }
        }
    }

    public var simulatorWarning: String? { core.simulation.warning }
    public var forwardPosition: Double { core.simulation.qpos(0) }
    public var isHealthy: Bool { true }
    public static var healthyReward: Double { 0 }
    public var rewardReadsNextObservation: Bool { true }

    /// One environment step, as Gymnasium's v4 locomotion tasks take it: `frameSkip` physics steps with
    /// the action as controls, then the reward of the step's forward displacement x' − x
    /// (`reward(deltaX:action:actionSize:)`), terminated when the task can terminate and is unhealthy
    /// after the step, truncated at `episodeLimit` steps.
    public mutating func step(_ action: [Float]) -> StepResult {
        precondition(action.count == actionSize, "\(id) takes \(actionSize) action values")
        let xBefore = forwardPosition
        core.simulation.step(action)
        let deltaX = forwardPosition - xBefore
        let stepReward: Double = action.withUnsafeBufferPointer {
            self.reward(deltaX: deltaX, action: $0.baseAddress!, actionSize: actionSize)
        }
        core.elapsedSteps += 1
        return StepResult(
            observation: observation, reward: stepReward,
            terminated: canTerminate && !isHealthy, truncated: core.elapsedSteps >= episodeLimit)
    }

    /// The task's reward for a step that moved the forward position by `deltaX` (metres) under `action`:
    ///
    ///     reward = (forwardRewardWeight · (deltaX / dt) + healthyReward) − controlCostWeight · Σ a²
    ///
    /// in Float64 and in Gymnasium's order of operations (Σ a² in Float32 as numpy sums it,
    /// `MuJoCoTask.controlCost`), so rewards match Gymnasium's to the bit; the healthy reward is paid
    /// on every step, the last included. `step` and the planner's exact reward both call this.
    @inline(__always)
    public func reward(deltaX: Double, action: UnsafePointer<Float>, actionSize a: Int) -> Double {
        let xVelocity = deltaX / dt
        let rewards = Self.forwardRewardWeight * xVelocity + Self.healthyReward
        return rewards - MuJoCoTask.controlCost(action, count: a, weight: Self.controlCostWeight)
    }

    /// The part of Δx the observations give: the trapezoid dt·(s[v] + s'[v])/2 of the root's x
    /// velocity (v = `xVelocityIndex`) in the observations before and after the step, in Float64.
    @inline(__always)
    public func trapezoid(observation: UnsafePointer<Float>, next: UnsafePointer<Float>) -> Double {
        let v = Self.xVelocityIndex
        return dt * ((Double(observation[v]) + Double(next[v])) / 2)
    }

    /// The planner's exact reward on `count` rows: the task's reward (`reward(deltaX:action:actionSize:)`)
    /// of Δx = `trapezoid(observation:next:)` + `deltaXResiduals[i]` (the model's Δx output: Δx beyond
    /// the trapezoid, `Transitions.deltaXResiduals`) and action row i, rounded to Float32.
    ///
    /// Given the true next observation and the true residual, this equals the environment's reward up
    /// to two roundings: the residual to Float32 (relative 2⁻²⁴ of its share of the forward term) and the
    /// result to Float32 (relative 2⁻²⁴ of the reward); `ExactRewardTests` checks it on real transitions.
    public func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        deltaXResiduals: UnsafePointer<Float>, count: Int, into rewards: UnsafeMutablePointer<Float>
    ) {
        let a = actionSize, o = observationSize
        for i in 0..<count {
            let deltaX =
                trapezoid(observation: observations + i * o, next: nextObservations + i * o)
                + Double(deltaXResiduals[i])
            rewards[i] = Float(reward(deltaX: deltaX, action: actions + i * a, actionSize: a))
        }
    }

    /// The forward displacement x' − x of each of `count` recorded steps, recovered from its reward
    /// (Float32, as transitions files store it) and action by inverting the reward:
    ///
    ///     x' − x = dt · (reward − healthyReward + controlCostWeight · Σ a²) / forwardRewardWeight
    ///
    /// This is the x that the reward read, which the recorded states cannot always give: Ant's is the
    /// torso's position of MuJoCo's last forward pass, a physics step behind qpos, and the last row of
    /// an episode has no next `infos/qpos`. Its error is the reward's Float32 rounding times dt
    /// (below dt · 2⁻²⁴ · (|reward| + control cost + healthy reward) / forwardRewardWeight).
    public func forwardDisplacements(
        rewards: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int
    ) -> [Double] {
        let a = actionSize
        return (0..<count).map { i in
            let cost = MuJoCoTask.controlCost(actions + i * a, count: a, weight: Self.controlCostWeight)
            return dt * ((Double(rewards[i]) - Self.healthyReward + cost) / Self.forwardRewardWeight)
        }
    }

    /// The reward on predicted observations alone, an approximation for models that do not predict Δx
    /// (files trained before Δx was a target; `MuJoCoTask.locomotionRewards`): the forward term is the
    /// mean of the root's x velocity before and after the step,
    ///
    ///     reward ≈ forwardRewardWeight · (obs[v] + next[v]) / 2 + healthyReward − controlCostWeight · Σ a²
    ///
    /// with v = `xVelocityIndex`.
    public func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        count: Int, into rewards: UnsafeMutablePointer<Float>
    ) {
        MuJoCoTask.locomotionRewards(
            observations: observations, actions: actions, nextObservations: nextObservations, count: count,
            into: rewards,
            observationSize: observationSize, actionSize: actionSize, xVelocityIndex: Self.xVelocityIndex,
            forwardRewardWeight: Self.forwardRewardWeight, healthyReward: Self.healthyReward,
            controlCostWeight: Self.controlCostWeight)
    }
}

/// Tasks that never terminate: no predicted observation is terminal.
extension MuJoCoEnvironment {
    /// MuJoCo's (qpos, qvel), recorded by rollouts.
    public var simulatorState: [Double]? { state }
    public var simulatorStateSizes: (qpos: Int, qvel: Int) { (nq, stateSize - nq) }

    /// `rewards(observations:actions:nextObservations:deltaXResiduals:count:into:)`.
    public var deltaXRewards: DeltaXRewardFunction? {
        { s, a, next, residual, n, r in
            rewards(observations: s, actions: a, nextObservations: next, deltaXResiduals: residual, count: n, into: r)
        }
    }

    /// The task itself: its `forwardDisplacements(rewards:actions:count:)` and `trapezoid(observation:next:)`.
    public var forwardReward: (any ForwardReward)? { self }

    public func isTerminal(
        nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>
    ) {
        precondition(!canTerminate, "\(id) can terminate: it must implement isTerminal(nextObservations:count:into:)")
        terminal.update(repeating: false, count: count)
    }
}
