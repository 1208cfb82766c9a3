import MBRLCore
import MBRLRollouts

/// A planner as a rollout policy: model-predictive control, one planner call per step. The planner's
/// random numbers come from one generator for the whole rollout (stream `RandomStreams.planner` of the
/// run's seed); the planner's warm start is reset at every episode.
public struct PlannerPolicy: Policy {
    public let planner: Planner
    private var rng: RandomGenerator

    public init(_ planner: Planner, seed: UInt64) {
        self.planner = planner
        rng = RandomGenerator(seed: seed, stream: RandomStreams.planner)
    }

    public var name: String { planner.name }

    public mutating func beginEpisode(seed: UInt64) {
        planner.reset()
    }

    public mutating func action(for observation: [Float]) -> [Float] {
        planner.action(for: observation, rng: &rng)
    }
}
