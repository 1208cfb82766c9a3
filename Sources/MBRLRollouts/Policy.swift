import MBRLCore

/// What chooses the actions of a rollout, episode by episode: the random policy of `collect` or a
/// model-predictive controller (`PlannerPolicy`) of `plan`.
public protocol Policy {
    /// The name recorded as a transitions file's `policy` attribute (`random`, `rs`, `cem`, `mppi`, `icem`).
    var name: String { get }
    /// Starts an episode. `seed` is the episode's own seed (drawn from the run's seed), for a policy
    /// whose randomness is per episode.
    mutating func beginEpisode(seed: UInt64)
    /// The action (length `actionSize`) to take in `observation` (length `observationSize`).
    mutating func action(for observation: [Float]) -> [Float]
}

/// Uniform random actions in the environment's bounds, from a generator seeded by the episode's seed
/// (stream `RandomStreams.actions`), so an episode replays alone from its recorded seed.
public struct RandomPolicy: Policy {
    public let name = "random"
    private let low: [Float]
    private let high: [Float]
    private var rng = RandomGenerator(seed: 0)

    /// Actions in `[low[j], high[j])` for each component j.
    public init(low: [Float], high: [Float]) {
        precondition(low.count == high.count, "one bound per action component")
        self.low = low
        self.high = high
    }

    public mutating func beginEpisode(seed: UInt64) {
        rng = RandomGenerator(seed: seed, stream: RandomStreams.actions)
    }

    public mutating func action(for observation: [Float]) -> [Float] {
        (0..<low.count).map { j in low[j] + (high[j] - low[j]) * rng.nextUnitFloat() }
    }
}
