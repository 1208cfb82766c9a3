import MBRLCore
import MBRLModels

/// Random shooting, the notebook's and the paper's controller (Nagabandi et al. 2017, §IV-C): K
/// action sequences of H steps drawn uniformly in the action bounds, with sequence 0 all zeros
/// (doing nothing is always a candidate); execute the first action of the sequence with the highest
/// predicted return.
public final class RandomShootingPlanner: Planner {
    public let common: PlannerConfiguration
    public let objective: PlanningObjective
    let evaluator: TrajectoryEvaluator
    let sequences: Buffer<Float>
    /// Lower bound and width of each action component.
    private let low: [Float], width: [Float]

    /// Uses `candidates`, `horizon`, `discount` and `threads` of `settings`.
    public init(dynamics: BatchDynamics, objective: PlanningObjective, configuration settings: PlannerConfiguration) {
        common = settings
        self.objective = objective
        evaluator = TrajectoryEvaluator(
            dynamics: dynamics, objective: objective, capacity: settings.candidates,
            horizon: settings.horizon, discount: settings.discount, threads: settings.threads)
        sequences = Buffer(count: settings.candidates * settings.horizon * objective.actionSize)
        low = objective.actionLow
        width = zip(objective.actionLow, objective.actionHigh).map { $1 - $0 }
    }

    public var name: String { "rs" }

    public func reset() {}

    public func action(for observation: [Float], rng: inout RandomGenerator) -> [Float] {
        let k = common.candidates, a = objective.actionSize, s = sequences.pointer
        // Candidate 0 is all zeros; the others are uniform in the bounds, drawn in (step, candidate,
        // component) order.
        for h in 0..<common.horizon {
            let step = s + h * k * a
            step.update(repeating: 0, count: a)
            for i in a..<(k * a) {
                let j = i % a
                step[i] = low[j] + width[j] * rng.nextUnitFloat()
            }
        }
        evaluator.evaluate(from: observation, sequences: s, count: k, seed: evaluator.seed(using: &rng))
        let best = argmax(evaluator.returns.pointer, count: k)
        return (0..<a).map { s[best * a + $0] }
    }
}
