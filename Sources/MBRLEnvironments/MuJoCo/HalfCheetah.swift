/// Gymnasium's `HalfCheetah-v4` with its default arguments, step for step (MuJoCo 2.2.2, Gymnasium's
/// `half_cheetah.xml`).
///
/// State (qpos, qvel): 9 + 9 values in Float64 (`rootx rootz rooty bthigh bshin bfoot fthigh fshin
/// ffoot`). Observation, Float32, 17 values: qpos without rootx, then qvel. Action: 6 torques in
/// [-1, 1] (MuJoCo clamps out-of-range controls; the control cost reads the action as given, as
/// Gymnasium's does). One step is 5 physics steps of 0.01 s (dt = 0.05 s):
///
///     reward = (x' − x) / dt − 0.1 · Σ a²        (x = qpos[0] before and after the step)
///
/// computed as Gymnasium computes it (`MuJoCoTask.controlCost`), so rewards match to the bit. Never
/// terminates; truncated after 1,000 steps. Reset: qpos0 + U[-0.1, 0.1) and 0.1 · N(0, 1) velocities,
/// from the project's generator.
public struct HalfCheetah: MuJoCoEnvironment {
    public static let forwardRewardWeight = 1.0
    public static let controlCostWeight = 0.1
    public static let resetNoiseScale = 0.1
    public static let frameSkip = 5

    public let id = "HalfCheetah-v4"
    public let observationSize = 17
    public let actionSize = 6
    public let stateSize = 18
    public let observationNames: [String]
    public let canTerminate = false
    public var episodeLimit: Int

    /// The simulation, the episode's step count, the bounds and state names (`MuJoCoTaskCore`).
    public var core: MuJoCoTaskCore

    public init(episodeLimit: Int = 1000) {
        self.episodeLimit = episodeLimit
        core = MuJoCoTaskCore(model: .halfCheetah, frameSkip: Self.frameSkip)
        observationNames = Array(core.stateNames.dropFirst())
    }

    public static var modelFileName: String { MuJoCoModelFiles.halfCheetah.name }
    public static var modelText: String { MuJoCoModelFiles.halfCheetah.text }

    public var observation: [Float] {
        (1..<core.simulation.nq).map { Float(core.simulation.qpos($0)) }
            + (0..<core.simulation.nv).map { Float(core.simulation.qvel($0)) }
    }

    public mutating func reset(seed: UInt64) -> [Float] {
        reset(toState: core.noisyInitialState(seed: seed, scale: Self.resetNoiseScale, velocities: .normal))
    }

    /// The index of the root's x velocity (qvel[0]) in the observation.
    public static let xVelocityIndex = 8

    /// `rooty` (qpos[2]), the observation's second value: beyond ±π/2 the cheetah is on its back. The
    /// hinge has no limit and the angle is not wrapped, so after a full turn it reads about ±2π.
    public var rootPitchIndex: Int? { 1 }
}
