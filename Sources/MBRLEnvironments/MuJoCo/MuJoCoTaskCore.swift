import MBRLCore

/// What every MuJoCo task keeps besides its own constants: the simulation, the steps taken in the
/// episode, and the action bounds and state names read from the model. A task stores one as `core`;
/// `MuJoCoEnvironment`'s extension then gives it `state`, `nq`, `dt`, `actionLow`, `actionHigh`,
/// `stateNames` and `reset(toState:)`, so a task file holds only what is its own.
public struct MuJoCoTaskCore {
    /// How a task's reset draws the initial velocities (Gymnasium's tasks differ).
    public enum VelocityNoise {
        /// U[-scale, scale) per component.
        case uniform
        /// scale · N(0, 1) per component.
        case normal
    }

    var simulation: MuJoCoSimulation
    /// Steps taken since the last reset.
    var elapsedSteps = 0
    let actionLow: [Float]
    let actionHigh: [Float]
    /// `qpos <name>` for each generalized coordinate, then `qvel <name>` for each velocity.
    let stateNames: [String]

    /// The task's simulation of `model` with `frameSkip` physics steps per step, at the model's
    /// reference pose (qpos0, zero velocities).
    init(model: MuJoCoModel, frameSkip: Int) {
        simulation = MuJoCoSimulation(model: model, frameSkip: frameSkip)
        (actionLow, actionHigh) = model.controlRange
        let names = model.coordinateNames
        stateNames = names.qpos.map { "qpos \($0)" } + names.qvel.map { "qvel \($0)" }
        simulation.reset(toState: model.qpos0 + [Double](repeating: 0, count: model.nv))
    }

    /// Gymnasium's reset state with the project's generator seeded by `seed`: qpos0 + U[-scale, scale)
    /// (drawn first), then velocities drawn as `velocities` says.
    func noisyInitialState(seed: UInt64, scale: Double, velocities: VelocityNoise) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        let model = simulation.model
        let qpos = MuJoCoTask.uniformNoise(model.qpos0, scale: scale, &rng)
        let zero = [Double](repeating: 0, count: model.nv)
        let qvel =
            velocities == .normal
            ? MuJoCoTask.normalNoise(zero, scale: scale, &rng) : MuJoCoTask.uniformNoise(zero, scale: scale, &rng)
        return qpos + qvel
    }
}

extension MuJoCoEnvironment {
    public var state: [Double] { core.simulation.state }
    public var nq: Int { core.simulation.nq }
    public var dt: Double { core.simulation.dt }
    public var actionLow: [Float] { core.actionLow }
    public var actionHigh: [Float] { core.actionHigh }
    public var stateNames: [String] { core.stateNames }

    /// The state an observation shows, for a task whose observation is qpos without its first
    /// `stateSize − observationSize` coordinates (the root's position on the floor: x, and y for the
    /// tasks that move in the plane), then qvel, as all four tasks' is. The left-out coordinates are 0:
    /// the floor is flat and unbounded, so the dynamics and the reward's Δx do not depend on them. The
    /// observation's Float32 values are widened as they are; `observation` of the state returned is
    /// `observation` given.
    public func state(observation: UnsafePointer<Float>) -> [Double] {
        let hidden = stateSize - observationSize
        return [Double](repeating: 0, count: hidden) + (0..<observationSize).map { Double(observation[$0]) }
    }

    /// One step of the task's physics from `state` (qpos, then qvel) under `action`, as `step` would take
    /// it after `reset(toState:)` to that state: the observation and state after it and the forward
    /// position's change Δx (metres); nil when MuJoCo warned in the step (it then resets the simulation
    /// to its reference pose, so what follows is not the step's physics). The episode's step count is
    /// not touched.
    public mutating func simulatedStep(
        from state: [Double], action: [Float]
    ) -> (
        observation: [Float], state: [Double], deltaX: Double
    )? {
        core.simulation.restore(toState: state)
        let before = forwardPosition
        core.simulation.step(action)
        guard core.simulation.warning == nil else { return nil }
        return (observation, self.state, forwardPosition - before)
    }

    public mutating func reset(toState state: [Double]) -> [Float] {
        core.simulation.reset(toState: state)
        core.elapsedSteps = 0
        return observation
    }
}
