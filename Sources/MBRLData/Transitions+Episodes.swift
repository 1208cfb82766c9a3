import Foundation
import MBRLCore
import MBRLEnvironments

/// Whole episodes out of a transitions set: the seeded held-out split of an offline dataset, and the
/// simulator states its episodes start from.
extension Transitions {
    /// The indices of the episodes held out of `episodes`, ascending: `round(fraction × episodes)`
    /// of them (at least one when `fraction > 0` and there are two or more episodes, never all),
    /// chosen by a shuffle seeded with `seed` on its own stream, so the same seed always holds out
    /// the same episodes whatever else the run draws.
    public static func heldOutEpisodes(of episodes: Int, fraction: Double, seed: UInt64) -> [Int] {
        precondition(fraction >= 0 && fraction < 1)
        var order = Array(0..<episodes)
        var rng = RandomGenerator(seed: seed, stream: RandomStreams.heldOutEpisodes)
        rng.shuffle(&order)
        var held = Int((fraction * Double(episodes)).rounded())
        if fraction > 0 && episodes >= 2 { held = max(held, 1) }
        held = min(held, max(episodes - 1, 0))
        return order.prefix(held).sorted()
    }

    /// The episodes at `indices` (ascending, each < `episodeRanges.count`), with their rows, summaries
    /// and simulator states, in that order.
    public func episodes(_ indices: [Int]) -> Transitions {
        let ranges = episodeRanges
        var subset = Transitions(
            observationSize: observationSize, actionSize: actionSize, env: env, policy: policy,
            qposSize: qposSize, qvelSize: qvelSize)
        for i in indices {
            let rows = ranges[i]
            subset.observations +=
                observations[(rows.lowerBound * observationSize)..<(rows.upperBound * observationSize)]
            subset.nextObservations +=
                nextObservations[(rows.lowerBound * observationSize)..<(rows.upperBound * observationSize)]
            subset.actions += actions[(rows.lowerBound * actionSize)..<(rows.upperBound * actionSize)]
            subset.rewards += rewards[rows]
            subset.terminals += terminals[rows]
            subset.timeouts += timeouts[rows]
            subset.infoQpos += infoQpos[(rows.lowerBound * qposSize)..<(rows.upperBound * qposSize)]
            subset.infoQvel += infoQvel[(rows.lowerBound * qvelSize)..<(rows.upperBound * qvelSize)]
            subset.episodeReturns.append(episodeReturns[i])
            subset.episodeLengths.append(episodeLengths[i])
            subset.episodeSeeds.append(episodeSeeds[i])
        }
        return subset
    }

    /// The internal state (`Environment.stateNames`) each episode starts from, one row per episode,
    /// or nil when the rows do not determine it: a MuJoCo task's (qpos, qvel) at the episode's first
    /// row (nil without `infos/`); Pendulum's (θ, θ̇) from its first observation (cos θ, sin θ, θ̇),
    /// θ = atan2(sin θ, cos θ) of the Float32 values.
    public func episodeStartStates(in name: EnvironmentName) -> [[Double]]? {
        let starts = episodeRanges.map(\.lowerBound)
        switch name {
        case .pendulum:
            return starts.map { r in
                let o = observations[(r * observationSize)..<((r + 1) * observationSize)].map(Double.init)
                return [atan2(o[1], o[0]), o[2]]
            }
        case .halfcheetah, .hopper, .swimmer, .ant:
            guard hasSimulatorStates else { return nil }
            return starts.map { r in
                Array(infoQpos[(r * qposSize)..<((r + 1) * qposSize)] + infoQvel[(r * qvelSize)..<((r + 1) * qvelSize)])
            }
        }
    }
}

extension Transitions {
    /// The episodes of `sets` one after another (same environment, sizes and simulator-state sizes;
    /// the caller checks), with the policy of the first and the last one's `lastEpisodeCutOff`; nil for
    /// no sets.
    public static func concatenating(_ sets: [Transitions]) -> Transitions? {
        guard var all = sets.first else { return nil }
        for t in sets.dropFirst() {
            precondition(
                t.observationSize == all.observationSize && t.actionSize == all.actionSize && t.qposSize == all.qposSize
            )
            all.observations += t.observations
            all.nextObservations += t.nextObservations
            all.actions += t.actions
            all.rewards += t.rewards
            all.terminals += t.terminals
            all.timeouts += t.timeouts
            all.infoQpos += t.infoQpos
            all.infoQvel += t.infoQvel
            all.episodeReturns += t.episodeReturns
            all.episodeLengths += t.episodeLengths
            all.episodeSeeds += t.episodeSeeds
            all.lastEpisodeCutOff = t.lastEpisodeCutOff
        }
        return all
    }
}
