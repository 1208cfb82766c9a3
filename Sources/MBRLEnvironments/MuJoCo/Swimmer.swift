/// Gymnasium's `Swimmer-v4` with its default arguments, step for step (MuJoCo 2.2.2, Gymnasium's
/// `swimmer.xml`).
///
/// State (qpos, qvel): 5 + 5 values in Float64 (`slider1 slider2 free_body_rot motor1_rot motor2_rot`).
/// Observation, Float32, 8 values: qpos without the root's x and y (slider1, slider2), then qvel.
/// Action: 2 torques in [-1, 1] (MuJoCo clamps out-of-range controls; the control cost reads the
/// action as given, as Gymnasium's does). One step is 4 physics steps of 0.01 s (dt = 0.04 s):
///
///     reward = (x' − x) / dt − 1e-4 · Σ a²        (x = qpos[0] before and after the step)
///
/// computed as Gymnasium computes it, so rewards match to the bit. Never terminates; truncated after
/// 1,000 steps. Reset: qpos0 + U[-0.1, 0.1) and U[-0.1, 0.1) velocities, from the project's generator.
public struct Swimmer: MuJoCoEnvironment {
    public static let forwardRewardWeight = 1.0
    public static let controlCostWeight = 1e-4
    public static let resetNoiseScale = 0.1
    public static let frameSkip = 4

    public let id = "Swimmer-v4"
    public let observationSize = 8
    public let actionSize = 2
    public let stateSize = 10
    public let observationNames: [String]
    public let canTerminate = false
    public var episodeLimit: Int

    /// The simulation, the episode's step count, the bounds and state names (`MuJoCoTaskCore`).
    public var core: MuJoCoTaskCore

    public init(episodeLimit: Int = 1000) {
        self.episodeLimit = episodeLimit
        core = MuJoCoTaskCore(model: .swimmer, frameSkip: Self.frameSkip)
        observationNames = Array(core.stateNames.dropFirst(2))
    }

    public static var modelFileName: String { MuJoCoModelFiles.swimmer.name }
    public static var modelText: String { MuJoCoModelFiles.swimmer.text }

    public var observation: [Float] {
        (2..<core.simulation.nq).map { Float(core.simulation.qpos($0)) }
            + (0..<core.simulation.nv).map { Float(core.simulation.qvel($0)) }
    }

    public mutating func reset(seed: UInt64) -> [Float] {
        reset(toState: core.noisyInitialState(seed: seed, scale: Self.resetNoiseScale, velocities: .uniform))
    }

    /// The index of the root's x velocity (qvel[0], slider1) in the observation.
    public static let xVelocityIndex = 3
}
