import Foundation
import MBRLCore
import MBRLModels

/// Model predictive path integral control (Williams et al. 2017, "Information Theoretic MPC for
/// Model-Based Reinforcement Learning"), in the form used by MBRL baselines: perturb a nominal
/// sequence U with Gaussian noise of standard deviation σ (clipped to the bounds; candidate 0 is U
/// itself), score the K candidates, and set U to their average weighted by exp((R − max R)/λ).
/// The nominal sequence is warm-started from the previous step's, shifted by one.
public final class MPPIPlanner: Planner {
    public let common: PlannerConfiguration
    public let objective: PlanningObjective
    /// λ: lower follows the best candidates more greedily.
    public let temperature: Float
    /// σ of the perturbations, in action units.
    public let noise: Float
    public let iterations: Int
    let evaluator: TrajectoryEvaluator
    let sequences: Buffer<Float>
    let nominal: NominalSequence
    let weights: Buffer<Float>
    /// An iteration's perturbations, (H, act, K − 1) standard normals.
    let normals: NormalDraws

    /// Uses `candidates`, `horizon`, `discount`, `threads`, `temperature`, `noise` and `iterations`.
    public init(dynamics: BatchDynamics, objective: PlanningObjective, configuration settings: PlannerConfiguration) {
        let (temperature, noise, iterations) = (settings.temperature, settings.noise, settings.iterations)
        precondition(temperature > 0 && noise > 0 && iterations > 0)
        common = settings
        self.objective = objective
        self.temperature = temperature
        self.noise = noise
        self.iterations = iterations
        evaluator = TrajectoryEvaluator(
            dynamics: dynamics, objective: objective, capacity: settings.candidates,
            horizon: settings.horizon, discount: settings.discount, threads: settings.threads)
        sequences = Buffer(count: settings.candidates * settings.horizon * objective.actionSize)
        nominal = NominalSequence(horizon: settings.horizon, objective: objective)
        weights = Buffer(count: settings.candidates)
        normals = NormalDraws(
            capacity: (settings.candidates - 1) * settings.horizon * objective.actionSize, threads: settings.threads)
        reset()
    }

    public var name: String { "mppi" }

    public func reset() { nominal.reset() }

    public func action(for observation: [Float], rng: inout RandomGenerator) -> [Float] {
        let k = common.candidates, a = objective.actionSize, horizon = common.horizon
        let s = sequences.pointer, u = nominal.values.pointer, w = weights.pointer
        for _ in 0..<iterations {
            // The perturbations in (step, component, candidate) order, as they have always been drawn.
            let z = normals.draw((k - 1) * horizon * a, using: &rng)
            for h in 0..<horizon {
                for j in 0..<a {
                    let i = h * a + j, low = objective.actionLow[j], high = objective.actionHigh[j]
                    let perturbations = z + i * (k - 1) - 1
                    s[h * k * a + j] = u[i]
                    for c in 1..<k { s[(h * k + c) * a + j] = min(max(u[i] + noise * perturbations[c], low), high) }
                }
            }
            evaluator.evaluate(from: observation, sequences: s, count: k, seed: evaluator.seed(using: &rng))
            let returns = evaluator.returns.pointer
            let best = returns[argmax(returns, count: k)]
            // A diverging model can give no finite return at all: keep the current plan then.
            guard best.isFinite else { continue }
            var total: Float = 0
            for c in 0..<k {
                w[c] = returns[c].isFinite ? exp((returns[c] - best) / temperature) : 0
                total += w[c]
            }
            for h in 0..<horizon {
                for j in 0..<a {
                    var sum: Float = 0
                    for c in 0..<k { sum += w[c] * s[(h * k + c) * a + j] }
                    u[h * a + j] = sum / total
                }
            }
        }
        return nominal.advance()
    }
}
