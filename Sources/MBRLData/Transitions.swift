import MBRLCore

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
    /// Whether the last episode was cut off where a step budget ran out (`collect`, `plan --steps`):
    /// not terminated and shorter than the episode limit, so its return is partial. Files do not store
    /// it as such; a reader derives it from the file's `config` (`steps` and `max_steps`).
    public var lastEpisodeCutOff = false

    /// The Gymnasium id of the environment, e.g. `Pendulum-v1`.
    public var env: String
    /// The policy that acted: `random` or a planner's name.
    public var policy: String

    /// Sizes of the simulator state recorded with each row (MuJoCo tasks: nq and nv), or 0 when none
    /// is recorded (Pendulum).
    public let qposSize: Int
    public let qvelSize: Int
    /// The simulator state at each row's observation, as D4RL's `infos/qpos` and `infos/qvel`:
    /// `count × qposSize` and `count × qvelSize` Float64 values, row-major; empty when the sizes are 0.
    public var infoQpos: [Double] = []
    public var infoQvel: [Double] = []

    public init(
        observationSize: Int, actionSize: Int, env: String, policy: String, qposSize: Int = 0, qvelSize: Int = 0
    ) {
        precondition(qposSize >= 0 && qvelSize >= 0 && (qposSize == 0) == (qvelSize == 0))
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.env = env
        self.policy = policy
        self.qposSize = qposSize
        self.qvelSize = qvelSize
    }

    /// Whether each row carries the simulator state (`infos/qpos`, `infos/qvel`).
    public var hasSimulatorStates: Bool { qposSize > 0 }

    /// The number of rows.
    public var count: Int { rewards.count }

    /// Appends one transition; `state` is the simulator state at `observation`, (qpos, qvel) of
    /// `qposSize + qvelSize` values, given exactly when these transitions record states.
    public mutating func append(
        observation: [Float], state: [Double]? = nil, action: [Float], reward: Double, nextObservation: [Float],
        terminal: Bool, timeout: Bool
    ) {
        precondition(observation.count == observationSize && nextObservation.count == observationSize)
        precondition(action.count == actionSize)
        precondition(
            (state?.count ?? 0) == qposSize + qvelSize,
            "a simulator state exactly when the transitions "
                + "record one")
        if let state {
            infoQpos += state[..<qposSize]
            infoQvel += state[qposSize...]
        }
        observations += observation
        actions += action
        nextObservations += nextObservation
        rewards.append(Float(reward))
        terminals.append(terminal)
        timeouts.append(timeout)
    }

    /// The returns of the episodes that ran to their end: every episode but a last one a step budget
    /// cut off (`lastEpisodeCutOff`), which is kept when it is the only one. What a mean return is of.
    public var completeEpisodeReturns: [Double] {
        lastEpisodeCutOff && episodeReturns.count > 1 ? Array(episodeReturns.dropLast()) : episodeReturns
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

    /// Bytes that `rows` transitions of these sizes take in memory (Float32 values, one byte per
    /// flag, `stateSize` Float64 values of simulator state per row when recorded), or nil when the
    /// count overflows: what `collect` and `plan` check before they start.
    public static func byteCount(rows: Int, observationSize: Int, actionSize: Int, stateSize: Int = 0) -> Int? {
        let floatsPerRow = MemoryBudget.sum([MemoryBudget.product([2, observationSize]), actionSize, 1])
        return MemoryBudget.sum([
            MemoryBudget.product([rows, floatsPerRow ?? -1, 4]), MemoryBudget.product([rows, 2]),
            MemoryBudget.product([rows, stateSize, 8])
        ])
    }

    /// Why the episode summaries disagree with the rows, or nil when they agree.
    ///
    /// The lengths must add up to the rows and each episode must end exactly at a row flagged
    /// terminal or timeout, with no flag before its end (a final episode may end unflagged: cut
    /// off); each return must be finite and equal, within rounding, the sum of its rewards (rewards
    /// are stored in Float32, returns are summed in Float64).
    public var episodeProblem: String? {
        guard episodeLengths.count == episodeReturns.count, episodeSeeds.count == episodeReturns.count else {
            return "returns, lengths and seeds differ in length"
        }
        var start = 0
        for (index, length) in episodeLengths.enumerated() {
            guard length >= 1, length <= Int64(count - start) else {
                return "lengths do not add up to the \(count) rows (episode \(index) has length \(length))"
            }
            let end = start + Int(length)
            if let early = (start..<(end - 1)).first(where: { terminals[$0] || timeouts[$0] }) {
                return "lengths disagree with terminals/timeouts: episode \(index) (rows \(start)..<\(end)) has an "
                    + "end flag at row \(early)"
            }
            if !(terminals[end - 1] || timeouts[end - 1]) && end != count {
                return "lengths disagree with terminals/timeouts: episode \(index) ends at row \(end - 1), which "
                    + "has no end flag"
            }
            let stored = episodeReturns[index]
            guard stored.isFinite else { return "the return of episode \(index) is not finite" }
            var sum = 0.0, magnitude = 0.0
            for r in start..<end {
                sum += Double(rewards[r])
                magnitude += abs(Double(rewards[r]))
            }
            guard abs(stored - sum) <= 1e-6 * magnitude + 1e-9 * Double(length) + 1e-12 else {
                return "the return of episode \(index) (\(stored)) is not the sum of its rewards (\(sum))"
            }
            start = end
        }
        guard start == count else { return "lengths add up to \(start) rows, the file has \(count)" }
        return nil
    }

    /// Why these transitions cannot be written as a valid file (non-finite values, episode summaries
    /// that disagree with the rows), or nil: the same rules `read(from:)` enforces, checked by the
    /// writer so that no stage writes a file the next one refuses.
    public var problem: String? {
        for (name, values, width) in [
            ("observations", observations, observationSize), ("actions", actions, actionSize),
            ("next_observations", nextObservations, observationSize), ("rewards", rewards, 1)
        ] {
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                return "\(name) would hold \(values[bad].isNaN ? "NaN" : "an infinity") at row \(bad / max(width, 1))"
            }
        }
        if hasSimulatorStates {
            for (name, values, width) in [("infos/qpos", infoQpos, qposSize), ("infos/qvel", infoQvel, qvelSize)] {
                guard values.count == count * width else {
                    return "\(name) has \(values.count / width) rows, "
                        + "not \(count)"
                }
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    return "\(name) would hold \(values[bad].isNaN ? "NaN" : "an infinity") at row \(bad / width)"
                }
            }
        }
        return episodeProblem
    }

    /// Episode summaries derived from the end flags, for files that carry none: one episode per
    /// flagged row (and a final unflagged one), its return the sum of its rewards, its seed −1.
    public mutating func deriveEpisodes() {
        episodeReturns = []
        episodeLengths = []
        episodeSeeds = []
        for range in episodeRanges {
            episodeReturns.append(range.reduce(0.0) { $0 + Double(rewards[$1]) })
            episodeLengths.append(Int64(range.count))
            episodeSeeds.append(-1)
        }
    }
}
