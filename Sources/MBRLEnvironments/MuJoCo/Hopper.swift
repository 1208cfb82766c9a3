/// Gymnasium's `Hopper-v4` with its default arguments, step for step (MuJoCo 2.2.2, Gymnasium's
/// `hopper.xml`).
///
/// State (qpos, qvel): 6 + 6 values in Float64 (`rootx rootz rooty thigh_joint leg_joint foot_joint`).
/// Observation, Float32, 11 values: qpos without rootx, then qvel clipped to [-10, 10]. Action: 3
/// torques in [-1, 1] (MuJoCo clamps out-of-range controls; the control cost reads the action as given,
/// as Gymnasium's does). One step is 4 physics steps of 0.002 s (dt = 0.008 s):
///
///     reward = ((x' − x) / dt + 1) − 0.001 · Σ a²        (x = qpos[0]; + 1: the healthy reward)
///
/// computed as Gymnasium computes it, so rewards match to the bit. The episode terminates when the
/// hopper is unhealthy after the step: healthy means z = qpos[1] > 0.7, −0.2 < rooty = qpos[2] < 0.2,
/// and every value of qpos[2...] and of the (unclipped) qvel strictly inside (−100, 100). Truncated
/// after 1,000 steps. Reset: qpos0 + U[-0.005, 0.005) and U[-0.005, 0.005) velocities, from the
/// project's generator.
public struct Hopper: MuJoCoEnvironment {
    public static let forwardRewardWeight = 1.0
    public static let controlCostWeight = 1e-3
    public static let healthyReward = 1.0
    public static let healthyStateRange = (-100.0, 100.0)
    public static let healthyZRange = (0.7, Double.infinity)
    public static let healthyAngleRange = (-0.2, 0.2)
    public static let resetNoiseScale = 5e-3
    public static let velocityClip = 10.0
    public static let frameSkip = 4

    public let id = "Hopper-v4"
    public let observationSize = 11
    public let actionSize = 3
    public let stateSize = 12
    public let observationNames: [String]
    public let canTerminate = true
    public var episodeLimit: Int

    /// The simulation, the episode's step count, the bounds and state names (`MuJoCoTaskCore`).
    public var core: MuJoCoTaskCore

    public init(episodeLimit: Int = 1000) {
        self.episodeLimit = episodeLimit
        core = MuJoCoTaskCore(model: .hopper, frameSkip: Self.frameSkip)
        let names = core.simulation.model.coordinateNames
        observationNames =
            names.qpos.dropFirst().map { "qpos \($0)" } + names.qvel.map { "qvel \($0) (clipped to ±10)" }
    }

    public static var modelFileName: String { MuJoCoModelFiles.hopper.name }
    public static var modelText: String { MuJoCoModelFiles.hopper.text }

    public var observation: [Float] {
        let clip = Self.velocityClip
        return (1..<core.simulation.nq).map { Float(core.simulation.qpos($0)) }
            + (0..<core.simulation.nv).map { Float(min(max(core.simulation.qvel($0), -clip), clip)) }
    }

    /// Gymnasium's `is_healthy` on the current state.
    public var isHealthy: Bool {
        let (low, high) = Self.healthyStateRange
        let stateOK =
            (2..<core.simulation.nq).allSatisfy { low < core.simulation.qpos($0) && core.simulation.qpos($0) < high }
            && (0..<core.simulation.nv).allSatisfy { low < core.simulation.qvel($0) && core.simulation.qvel($0) < high }
        let z = core.simulation.qpos(1), angle = core.simulation.qpos(2)
        return stateOK && Self.healthyZRange.0 < z && z < Self.healthyZRange.1
            && Self.healthyAngleRange.0 < angle && angle < Self.healthyAngleRange.1
    }

    public mutating func reset(seed: UInt64) -> [Float] {
        reset(toState: core.noisyInitialState(seed: seed, scale: Self.resetNoiseScale, velocities: .uniform))
    }

    /// The index of the root's x velocity (qvel[0], clipped to ±10) in the observation.
    public static let xVelocityIndex = 5

    /// `rooty` (qpos[2]), the observation's second value, which the health check bounds to ±0.2.
    public var rootPitchIndex: Int? { 1 }

    /// Gymnasium's health check on the next observation `[z, rooty, thigh, leg, foot, clipped qvel…]`:
    /// terminal unless 0.7 < z, −0.2 < rooty < 0.2 and every value from index 1 on lies in (−100, 100).
    /// The velocities in the observation are clipped to ±10, so the (−100, 100) test on them always
    /// passes: a velocity beyond ±100, which ends a real episode, is not seen here (it does not happen
    /// in the data this was tested on). A non-finite value is terminal.
    public func isTerminal(
        nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>
    ) {
        let o = observationSize
        let low = Float(Self.healthyStateRange.0), high = Float(Self.healthyStateRange.1)
        let minZ = Float(Self.healthyZRange.0)
        let minAngle = Float(Self.healthyAngleRange.0), maxAngle = Float(Self.healthyAngleRange.1)
        for i in 0..<count {
            let row = nextObservations + i * o
            var healthy = minZ < row[0] && row[0] < .infinity && minAngle < row[1] && row[1] < maxAngle
            for j in 1..<o { healthy = healthy && low < row[j] && row[j] < high }
            terminal[i] = !healthy
        }
    }
}
