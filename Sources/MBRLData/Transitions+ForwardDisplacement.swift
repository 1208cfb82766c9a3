import MBRLEnvironments

extension Transitions {
    /// Δx of every row: the change of the x position that the step's reward read (metres), for the
    /// transitions of a MuJoCo task (`env` one of their Gymnasium ids); nil for any other environment.
    ///
    /// Recovered from each row's reward and action by inverting the task's reward
    /// (`ForwardReward.forwardDisplacements`, a MuJoCo task's), exact up to the reward's Float32 rounding. It is the
    /// target of the model's Δx output: a planner given it computes the task's reward exactly. (The
    /// recorded `infos/qpos` give the root's x at each observation, which is that x for HalfCheetah,
    /// Hopper and Swimmer but not for Ant, whose reward reads the torso's position of MuJoCo's last
    /// forward pass, and give no x after an episode's last row; the rewards cover every row of every
    /// task, files without `infos/` included.)
    public var forwardDisplacements: [Double]? {
        guard let environment = EnvironmentName(id: env)?.make(), let task = environment.forwardReward,
            environment.observationSize == observationSize, environment.actionSize == actionSize
        else { return nil }
        guard count > 0 else { return [] }
        return rewards.withUnsafeBufferPointer { r in
            actions.withUnsafeBufferPointer { a in
                task.forwardDisplacements(rewards: r.baseAddress!, actions: a.baseAddress!, count: count)
            }
        }
    }

    /// The model's Δx target of every row, ρ = Δx − dt·(s[v] + s'[v])/2: `forwardDisplacements` minus
    /// the trapezoid of the root's x velocity in the row's observations (`ForwardReward.trapezoid`),
    /// in Float64; nil for any other environment than a MuJoCo task.
    ///
    /// The trapezoid carries most of Δx and the observations give it, so the network learns only the
    /// rest (as it learns s' − s rather than s'): on random Hopper steps the trapezoid alone is off by
    /// 0.0017 reward units on average, where Δx itself spreads over 0.36.
    public var deltaXResiduals: [Double]? {
        guard let displacements = forwardDisplacements, let task = EnvironmentName(id: env)?.make().forwardReward else {
            return nil
        }
        let o = observationSize
        return observations.withUnsafeBufferPointer { s in
            nextObservations.withUnsafeBufferPointer { next in
                (0..<count).map { i in
                    displacements[i]
                        - task.trapezoid(observation: s.baseAddress! + i * o, next: next.baseAddress! + i * o)
                }
            }
        }
    }
}
