/// Gymnasium's `Ant-v4` with its default arguments (`use_contact_forces=False`), step for step
/// (MuJoCo 2.2.2, Gymnasium's `ant.xml`).
///
/// State (qpos, qvel): 15 + 14 values in Float64 (the free root joint's position and quaternion, then
/// `hip_1 ankle_1 … hip_4 ankle_4`; its linear and angular velocity, then the joints'). Observation,
/// Float32, 27 values: qpos without the root's x and y, then qvel. Action: 8 torques in [-1, 1]
/// (MuJoCo clamps out-of-range controls; the control cost reads the action as given, as Gymnasium's
/// does). One step is 5 physics steps of 0.01 s (dt = 0.05 s):
///
///     reward = ((x' − x) / dt + 1) − 0.5 · Σ a²        (+ 1: the healthy reward)
///
/// where x is the torso's position as MuJoCo's last forward pass left it (`xpos`, Gymnasium's
/// `get_body_com("torso")`): before the step, that of the previous step's last physics step (or of the
/// reset); after it, that of this step's last physics step, before its integration. Computed as
/// Gymnasium computes it (Σ a² of 8 values in numpy's pairwise order), so rewards match to the bit.
/// The episode terminates when the ant is unhealthy after the step: every qpos and qvel value finite
/// and 0.2 ≤ z = qpos[2] ≤ 1.0. Truncated after 1,000 steps. Reset: qpos0 + U[-0.1, 0.1) (the
/// quaternion too, as Gymnasium does) and 0.1 · N(0, 1) velocities, from the project's generator.
public struct Ant: MuJoCoEnvironment {
    public static let forwardRewardWeight = 1.0
    public static let controlCostWeight = 0.5
    public static let healthyReward = 1.0
    public static let healthyZRange = (0.2, 1.0)
    public static let resetNoiseScale = 0.1
    public static let frameSkip = 5

    public let id = "Ant-v4"
    public let observationSize = 27
    public let actionSize = 8
    public let stateSize = 29
    public let observationNames: [String]
    public let canTerminate = true
    public var episodeLimit: Int

    /// The simulation, the episode's step count, the bounds and state names (`MuJoCoTaskCore`).
    public var core: MuJoCoTaskCore
    private let torso: Int

    public init(episodeLimit: Int = 1000) {
        self.episodeLimit = episodeLimit
        core = MuJoCoTaskCore(model: .ant, frameSkip: Self.frameSkip)
        torso = core.simulation.model.bodyID("torso")
        observationNames = Array(core.stateNames.dropFirst(2))
    }

    /// The torso's x as MuJoCo's last forward pass left it (Gymnasium's `get_body_com("torso")[0]`).
    public var forwardPosition: Double { core.simulation.bodyPosition(torso, axis: 0) }

    public static var modelFileName: String { MuJoCoModelFiles.ant.name }
    public static var modelText: String { MuJoCoModelFiles.ant.text }

    public var observation: [Float] {
        (2..<core.simulation.nq).map { Float(core.simulation.qpos($0)) }
            + (0..<core.simulation.nv).map { Float(core.simulation.qvel($0)) }
    }

    /// Gymnasium's `is_healthy` on the current state.
    public var isHealthy: Bool {
        let finite =
            (0..<core.simulation.nq).allSatisfy { core.simulation.qpos($0).isFinite }
            && (0..<core.simulation.nv).allSatisfy { core.simulation.qvel($0).isFinite }
        let z = core.simulation.qpos(2)
        return finite && Self.healthyZRange.0 <= z && z <= Self.healthyZRange.1
    }

    public mutating func reset(seed: UInt64) -> [Float] {
        reset(toState: core.noisyInitialState(seed: seed, scale: Self.resetNoiseScale, velocities: .normal))
    }

    /// The index of the root's x velocity (qvel[0], in the world frame) in the observation.
    public static let xVelocityIndex = 13

    /// Gymnasium's health check on the next observation, whose first value is z = qpos[2]: terminal
    /// unless every value is finite and 0.2 ≤ z ≤ 1.0. (Gymnasium also requires the root's x and y,
    /// which the observation leaves out, to be finite.)
    public func isTerminal(
        nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>
    ) {
        let o = observationSize
        let minZ = Float(Self.healthyZRange.0), maxZ = Float(Self.healthyZRange.1)
        for i in 0..<count {
            let row = nextObservations + i * o
            var healthy = minZ <= row[0] && row[0] <= maxZ
            for j in 0..<o { healthy = healthy && row[j].isFinite }
            terminal[i] = !healthy
        }
    }
}
