import MBRLData

/// Rows that show the network its own open-loop errors and the way back from them (Venkatraman et
/// al. 2015, "data as demonstrator"; Talvitie 2017, "hallucinated replay"): what `ModelFitting`'s
/// `correctionHorizon` trains on after the first fit.
extension DynamicsModel {
    /// The correction rows of the episodes `episodes` (row ranges of `data`, each a whole episode).
    ///
    /// From every `horizon`-th row t of an episode (its first, then t + horizon, …) the model is fed
    /// its own predictions with the recorded actions, in evaluation mode: ŝ_{t+1} = f(s_t, a_t),
    /// ŝ_{t+2} = f(ŝ_{t+1}, a_{t+1}), … up to ŝ_{t+horizon−1}, never past the episode's last row. Each
    /// predicted ŝ_r becomes a row (ŝ_r, a_r, reward_r, s_{r+1}): the recorded action, reward and next
    /// observation with the predicted observation, so its state-change target s_{r+1} − ŝ_r leads from
    /// the prediction back onto the recorded trajectory, and its Δx target (`deltaXResiduals`, from the
    /// recorded reward and action) is the recorded step's displacement less the trapezoid of the
    /// predicted and recorded velocities. Every row of an episode but the first of each stretch is
    /// predicted once, at depth 1 to horizon − 1 from its stretch's start.
    ///
    /// The rows come stretch by stretch in the episodes' order, each stretch a timeout-flagged
    /// episode of its own (no simulator states). `horizon` ≥ 2; uses the network's working memory.
    public func openLoopCorrections(of data: Transitions, episodes: [Range<Int>], horizon: Int) -> Transitions {
        precondition(horizon >= 2)
        precondition(data.observationSize == observationSize && data.actionSize == actionSize)
        let o = observationSize, a = actionSize
        // Every stretch: its start row and its corrected rows start + 1 ..< end.
        let stretches = episodes.flatMap { episode in
            stride(from: episode.lowerBound, to: episode.upperBound, by: horizon).map { start in
                start..<min(start + horizon, episode.upperBound)
            }
        }
        var corrections = Transitions(observationSize: o, actionSize: a, env: data.env, policy: data.policy)
        // predicted[d]: ŝ at depth d + 1 of every stretch that reaches it, in stretch order.
        var predicted: [[Float]] = []
        var alive = stretches.filter { $0.count >= 2 }
        var states = alive.flatMap { data.observations[($0.lowerBound * o)..<(($0.lowerBound + 1) * o)] }
        for depth in 1..<horizon {
            guard !alive.isEmpty else { break }
            let actions = alive.flatMap { s in
                data.actions[((s.lowerBound + depth - 1) * a)..<((s.lowerBound + depth) * a)]
            }
            states = predictNextObservations(observations: states, actions: actions)
            predicted.append(states)
            // The stretches that go on to the next depth keep their rows, in order.
            let next = alive.indices.filter { alive[$0].lowerBound + depth + 1 < alive[$0].upperBound }
            alive = next.map { alive[$0] }
            states = next.flatMap { states[($0 * o)..<(($0 + 1) * o)] }
        }
        // Stretch by stretch: the row at depth d of a stretch is its index among those reaching d.
        var reached = [Int](repeating: 0, count: horizon)
        for stretch in stretches {
            for (depth, r) in zip(1..., stretch.dropFirst()) {
                let index = reached[depth]
                reached[depth] += 1
                corrections.observations += predicted[depth - 1][(index * o)..<((index + 1) * o)]
                corrections.actions += data.actions[(r * a)..<((r + 1) * a)]
                corrections.nextObservations += data.nextObservations[(r * o)..<((r + 1) * o)]
                corrections.rewards.append(data.rewards[r])
                corrections.terminals.append(false)
                corrections.timeouts.append(r == stretch.upperBound - 1)
            }
            if stretch.count >= 2 {
                let rewards = corrections.rewards.suffix(stretch.count - 1)
                corrections.episodeReturns.append(rewards.reduce(0.0) { $0 + Double($1) })
                corrections.episodeLengths.append(Int64(stretch.count - 1))
                corrections.episodeSeeds.append(-1)
            }
        }
        return corrections
    }
}
