import MBRLCore
import MBRLModels

/// The cross-entropy method as PETS uses it (Chua et al. 2018, "Deep Reinforcement Learning in a
/// Handful of Trials"): per control step, `iterations` rounds of sampling a population from a
/// Gaussian over action sequences (truncated at 2σ, variance capped so samples stay in the bounds),
/// keeping the `elites` best, and moving mean and variance toward theirs with smoothing α
/// (`new = α·old + (1−α)·elite`). The mean is warm-started from the previous step's, shifted by one;
/// the variance restarts at ((high − low)/4)². Executes the first action of the final mean.
public final class CEMPlanner: Planner {
    public let common: PlannerConfiguration
    public let objective: PlanningObjective
    public let elites: Int
    public let iterations: Int
    public let alpha: Float
    let evaluator: TrajectoryEvaluator
    let sequences: Buffer<Float>
    let mean: NominalSequence
    let variance: Buffer<Float>
    /// Candidate indices, best first after `selectElites`.
    let order: Buffer<Int>
    /// A round's truncated normals, drawn at once in the order the population uses them.
    let normals: NormalDraws

    /// Uses `candidates`, `horizon`, `discount`, `threads`, `elites`, `iterations` and `alpha`.
    public init(dynamics: BatchDynamics, objective: PlanningObjective, configuration settings: PlannerConfiguration) {
        let (elites, iterations, alpha) = (settings.elites, settings.iterations, settings.alpha)
        precondition(elites > 0 && elites <= settings.candidates && iterations > 0 && alpha >= 0 && alpha < 1)
        common = settings
        self.objective = objective
        self.elites = elites
        self.iterations = iterations
        self.alpha = alpha
        evaluator = TrajectoryEvaluator(
            dynamics: dynamics, objective: objective, capacity: settings.candidates,
            horizon: settings.horizon, discount: settings.discount, threads: settings.threads)
        let n = settings.horizon * objective.actionSize
        sequences = Buffer(count: settings.candidates * n)
        mean = NominalSequence(horizon: settings.horizon, objective: objective)
        variance = Buffer(count: n)
        order = Buffer(count: settings.candidates)
        normals = NormalDraws(capacity: settings.candidates * n, threads: settings.threads)
        reset()
    }

    public var name: String { "cem" }

    public func reset() { mean.reset() }

    public func action(for observation: [Float], rng: inout RandomGenerator) -> [Float] {
        let k = common.candidates, a = objective.actionSize, horizon = common.horizon
        let s = sequences.pointer, m = mean.values.pointer, v = variance.pointer
        for h in 0..<horizon {
            for j in 0..<a {
                let width = objective.actionHigh[j] - objective.actionLow[j]
                v[h * a + j] = width * width / 16
            }
        }
        for _ in 0..<iterations {
            // The round's normals in the order the loop below takes them (step, action, candidate).
            let z = normals.drawTruncated(horizon * a * k, using: &rng)
            for h in 0..<horizon {
                for j in 0..<a {
                    let i = h * a + j, low = objective.actionLow[j], high = objective.actionHigh[j]
                    // Cap the variance so that mean ± 2σ stays inside the bounds.
                    let room = min(m[i] - low, high - m[i]) / 2
                    let sigma = min(v[i], room * room).squareRoot()
                    let zi = z + i * k
                    for c in 0..<k {
                        s[(h * k + c) * a + j] = min(max(m[i] + sigma * zi[c], low), high)
                    }
                }
            }
            evaluator.evaluate(from: observation, sequences: s, count: k, seed: evaluator.seed(using: &rng))
            selectElites(count: k)
            for h in 0..<horizon {
                for j in 0..<a {
                    var sum: Float = 0, sumSquares: Float = 0
                    for e in 0..<elites {
                        let x = s[(h * k + order[e]) * a + j]
                        sum += x
                        sumSquares += x * x
                    }
                    let eliteMean = sum / Float(elites)
                    let eliteVariance = max(sumSquares / Float(elites) - eliteMean * eliteMean, 0)
                    let i = h * a + j
                    m[i] = alpha * m[i] + (1 - alpha) * eliteMean
                    v[i] = alpha * v[i] + (1 - alpha) * eliteVariance
                }
            }
        }
        // Warm start: the next step begins from this mean, shifted by one.
        return mean.advance()
    }

    /// Puts the indices of the `elites` highest returns first in `order` (NaN returns last).
    private func selectElites(count k: Int) {
        let returns = evaluator.returns.pointer
        for i in 0..<k { order[i] = i }
        var buffer = UnsafeMutableBufferPointer(start: order.pointer, count: k)
        func better(_ x: Int, _ y: Int) -> Bool {
            let rx = returns[x], ry = returns[y]
            if rx.isNaN { return false }
            if ry.isNaN { return true }
            return rx > ry || (rx == ry && x < y)
        }
        // Partial selection: the elites are few; a full sort of K indices costs little more and is simple.
        buffer.sort(by: better)
    }
}
