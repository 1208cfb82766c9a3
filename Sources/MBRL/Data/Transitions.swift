/// A set of environment transitions in the D4RL layout: row i is (observation, action, reward,
/// next observation, terminal, timeout), and rows are grouped into consecutive episodes.
///
/// Observations are `count × observationSize` and actions `count × actionSize` Float32 values,
/// row-major. An episode ends at a row whose `terminals` or `timeouts` flag is set; per-episode
/// summaries (return, length, the seed the episode was reset with) are kept alongside.
public struct Transitions {
    public let observationSize: Int
    public let actionSize: Int
    public var observations: [Float] = []
    public var actions: [Float] = []
    public var nextObservations: [Float] = []
    public var rewards: [Float] = []
    public var terminals: [Bool] = []
    public var timeouts: [Bool] = []

    /// Per episode, in order.
    public var episodeReturns: [Double] = []
    public var episodeLengths: [Int64] = []
    public var episodeSeeds: [Int64] = []

    /// The Gymnasium id of the environment, e.g. `Pendulum-v1`.
    public var env: String
    /// The policy that acted: `random` or a planner's name.
    public var policy: String

    public init(observationSize: Int, actionSize: Int, env: String, policy: String) {
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.env = env
        self.policy = policy
    }

    /// The number of rows.
    public var count: Int { rewards.count }

    /// Appends one transition.
    public mutating func append(
        observation: [Float], action: [Float], reward: Double, nextObservation: [Float],
        terminal: Bool, timeout: Bool
    ) {
        precondition(observation.count == observationSize && nextObservation.count == observationSize)
        precondition(action.count == actionSize)
        observations += observation
        actions += action
        nextObservations += nextObservation
        rewards.append(Float(reward))
        terminals.append(terminal)
        timeouts.append(timeout)
    }

    /// Records the summary of the episode whose rows were just appended.
    public mutating func endEpisode(return episodeReturn: Double, length: Int, seed: UInt64) {
        episodeReturns.append(episodeReturn)
        episodeLengths.append(Int64(length))
        episodeSeeds.append(Int64(bitPattern: seed))
    }

    /// Row ranges of the episodes, from the end flags. Rows after the last flagged row (an episode
    /// cut off without a flag) form a final episode.
    public var episodeRanges: [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<count where terminals[i] || timeouts[i] {
            ranges.append(start..<(i + 1))
            start = i + 1
        }
        if start < count { ranges.append(start..<count) }
        return ranges
    }

    /// Appends all rows and episodes of `other` (same sizes and environment).
    public mutating func append(contentsOf other: Transitions) {
        precondition(other.observationSize == observationSize && other.actionSize == actionSize)
        observations += other.observations
        actions += other.actions
        nextObservations += other.nextObservations
        rewards += other.rewards
        terminals += other.terminals
        timeouts += other.timeouts
        episodeReturns += other.episodeReturns
        episodeLengths += other.episodeLengths
        episodeSeeds += other.episodeSeeds
    }
}
