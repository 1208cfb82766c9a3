/// Random shooting, the notebook's and the paper's controller (Nagabandi et al. 2017, §IV-C): K
/// action sequences of H steps drawn uniformly in the action bounds, with sequence 0 all zeros
/// (doing nothing is always a candidate); execute the first action of the sequence with the highest
/// predicted return.
public final class RandomShootingPlanner: Planner {
    public let common: PlannerSettings
    public let objective: PlanningObjective
    let evaluator: TrajectoryEvaluator
    let sequences: Buffer<Float>

    public init(dynamics: BatchDynamics, objective: PlanningObjective, settings: PlannerSettings) {
        common = settings
        self.objective = objective
        evaluator = TrajectoryEvaluator(dynamics: dynamics, objective: objective, capacity: settings.candidates,
                                        horizon: settings.horizon, threads: settings.threads)
        sequences = Buffer(count: settings.candidates * settings.horizon * objective.actionSize)
    }

    public var name: String { "rs" }

    public var settings: JSONValue {
        ["planner": "rs", "candidates": .int(common.candidates), "horizon": .int(common.horizon),
         "discount": .float(objective.discount), "threads": .int(common.threads)]
    }

    public func reset() {}

    public func action(for observation: [Float], rng: inout RandomGenerator) -> [Float] {
        let k = common.candidates, a = objective.actionSize, s = sequences.pointer
        for h in 0..<common.horizon {
            for c in 0..<k {
                for j in 0..<a {
                    let low = objective.actionLow[j], high = objective.actionHigh[j]
                    s[(h * k + c) * a + j] = c == 0 ? 0 : low + (high - low) * rng.nextUnitFloat()
                }
            }
        }
        evaluator.evaluate(from: observation, sequences: s, count: k)
        let best = argmax(evaluator.returns.pointer, count: k)
        return (0..<a).map { s[best * a + $0] }
    }
}
