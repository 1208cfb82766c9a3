import Dispatch
import Foundation
import MBRLCore
import MBRLModels

/// The improved cross-entropy method, iCEM (Pinneri et al. 2020, "Sample-efficient Cross-Entropy
/// Method for Real-time Planning", arXiv 2008.06389, Algorithm 1), on a Gaussian over action sequences
/// with a diagonal covariance (per step and action component).
///
/// Per control step: σ restarts at `initialStd` × half the width of the action bounds; μ is the
/// previous step's, shifted by one with its last step repeated (the center of the bounds after
/// `reset`). Then `iterations` rounds, round i:
/// 1. Nᵢ = max(⌊N·γ⁻ⁱ⌋, 2K) sequences μ + σ ⊙ colored noise (`ColoredNoise`, exponent β along the
///    horizon, independently per action component), clipped to the bounds. In the last round
///    candidate 0 is μ itself (clipped), as the paper's code substitutes it for one sample.
/// 2. Round 0 adds the first ⌊ξK⌋ elites of the previous control step, shifted by one step, the new
///    last step drawn from the current distribution (the last step of one more colored sample per
///    elite and component, clipped); rounds i > 0 add the first ⌊ξK⌋ elites of round i − 1 with the
///    returns they were scored with (they are not scored again).
/// 3. The K best of all those become the elites (best first; NaN returns last; equal returns keep
///    the lower index, the kept elites counting after the new samples), and
///    μ ← α·μ + (1 − α)·mean(elites), σ ← α·σ + (1 − α)·std(elites) (the population standard
///    deviation of each step and component).
///
/// The executed action is the first action of the best sequence scored in the step's rounds; if no
/// return was larger than −∞ (a diverging model), the first step of μ, clipped.
///
/// Random numbers: every colored sample draws `horizon` standard normals from the planner's
/// generator (sequence by sequence, component by component), a round's all at once (`NormalDraws`,
/// whose values do not depend on the threads that transform them), then the evaluator's seed per round
/// when the dynamics are stochastic. So the actions do not depend on `threads`.
public final class ICEMPlanner: Planner {
    public let common: PlannerConfiguration
    public let objective: PlanningObjective
    /// Nᵢ for each round.
    public let populationSizes: [Int]
    /// ⌊ξK⌋: elites carried to the next round and, shifted, to the next control step.
    public let keptElites: Int
    let noise: ColoredNoise
    let evaluator: TrajectoryEvaluator
    /// One round's scored candidates, (H, count, act) as `TrajectoryEvaluator` reads them.
    let sequences: Buffer<Float>
    /// μ and σ, (H, act).
    let mean: Buffer<Float>, std: Buffer<Float>
    /// The elites of the last round, (K, H, act) best first, and their returns; `spare` receives the
    /// next selection (which may copy from `elites`).
    private var elites: Buffer<Float>, spare: Buffer<Float>
    private var eliteReturns: Buffer<Float>, spareReturns: Buffer<Float>
    /// Elites held (0 after `reset`: the first step shifts none).
    private var eliteCount = 0
    /// A round's standard normals, `horizon` per sequence and component.
    let normals: NormalDraws
    /// Scratch: one colored sample per thread, and candidate indices for the selection.
    private let colored: Buffer<Float>
    private let order: Buffer<Int>
    private let center: [Float], initialStd: [Float]

    /// What one round did, for tests and diagnostics: the population scored, the elites' returns
    /// (best first), and μ and σ after the update.
    struct Round {
        var scored: Int
        var eliteReturns: [Float]
        var mean: [Float], std: [Float]
    }

    /// Called after every round (tests).
    var onRound: ((Round) -> Void)?

    /// Uses `candidates` (N), `horizon`, `discount`, `threads`, `iterations`, `elites` (K), `alpha`,
    /// `beta`, `populationDecay` (γ), `keepFraction` (ξ) and `initialStd`.
    public init(dynamics: BatchDynamics, objective: PlanningObjective, configuration settings: PlannerConfiguration) {
        let k = settings.elites, horizon = settings.horizon, a = objective.actionSize
        precondition(
            k >= 1 && 2 * k <= settings.candidates && settings.iterations > 0 && settings.alpha >= 0
                && settings.alpha < 1)
        precondition(
            settings.populationDecay >= 1 && settings.keepFraction >= 0 && settings.keepFraction <= 1
                && settings.initialStd > 0)
        common = settings
        self.objective = objective
        populationSizes = settings.populationSizes
        keptElites = settings.keptElites
        noise = ColoredNoise(horizon: horizon, beta: settings.beta)
        evaluator = TrajectoryEvaluator(
            dynamics: dynamics, objective: objective, capacity: settings.population,
            horizon: horizon, discount: settings.discount, threads: settings.threads)
        sequences = Buffer(count: settings.population * horizon * a)
        mean = Buffer(count: horizon * a)
        std = Buffer(count: horizon * a)
        elites = Buffer(count: k * horizon * a)
        spare = Buffer(count: k * horizon * a)
        eliteReturns = Buffer(count: k)
        spareReturns = Buffer(count: k)
        colored = Buffer(count: settings.threads * horizon)
        normals = NormalDraws(capacity: settings.population * horizon * a, threads: settings.threads)
        order = Buffer(count: settings.population + keptElites)
        center = zip(objective.actionLow, objective.actionHigh).map { ($0 + $1) / 2 }
        initialStd = zip(objective.actionLow, objective.actionHigh).map { settings.initialStd * ($1 - $0) / 2 }
        reset()
    }

    public var name: String { "icem" }

    /// Multiply-adds of colored noise below which a chunk of candidates is not handed to another thread.
    static let minimumSamplingWork = 1 << 18

    public func reset() {
        let a = objective.actionSize
        for h in 0..<common.horizon { for j in 0..<a { mean[h * a + j] = center[j] } }
        eliteCount = 0
    }

    public func action(for observation: [Float], rng: inout RandomGenerator) -> [Float] {
        plan(
            from: observation, normals: { normals.draw($0, using: &rng) },
            evaluationSeed: { evaluator.seed(using: &rng) })
    }

    /// One control step with the standard normals and evaluation seeds from the given sources (the
    /// planner's generator, or a test's pre-drawn numbers): `normals(n)` gives the next n in order.
    func plan(
        from observation: [Float], normals: (Int) -> UnsafePointer<Float>, evaluationSeed: () -> UInt64
    ) -> [Float] {
        let a = objective.actionSize, horizon = common.horizon, kElites = common.elites, alpha = common.alpha
        let s = sequences.pointer, m = mean.pointer, sd = std.pointer, x = colored.pointer
        let low = objective.actionLow, high = objective.actionHigh
        for h in 0..<horizon { for j in 0..<a { sd[h * a + j] = initialStd[j] } }
        var bestReturn = -Float.infinity
        var bestAction: [Float]?
        let rounds = populationSizes.count
        for round in 0..<rounds {
            let n = populationSizes[round]
            let shifted = round == 0 ? min(keptElites, eliteCount) : 0
            let count = n + shifted
            // Every sequence's normals, in the order they are used below.
            let z = normals(count * a * horizon)
            // New samples: μ + σ ⊙ colored noise, clipped. Each candidate's are its own arithmetic on its
            // own normals, so contiguous chunks of candidates are built on the planner's threads.
            func sampleCandidates(_ range: Range<Int>, scratch x: UnsafeMutablePointer<Float>) {
                for c in range {
                    for j in 0..<a {
                        noise.sample(into: x, from: z + (c * a + j) * horizon)
                        for h in 0..<horizon {
                            let i = h * a + j
                            s[(h * count + c) * a + j] = min(max(m[i] + sd[i] * x[h], low[j]), high[j])
                        }
                    }
                }
            }
            let chunks = max(1, min(common.threads, n * a * horizon * horizon / Self.minimumSamplingWork))
            if chunks == 1 {
                sampleCandidates(0..<n, scratch: x)
            } else {
                let chunk = (n + chunks - 1) / chunks
                DispatchQueue.concurrentPerform(iterations: chunks) { t in
                    sampleCandidates((t * chunk)..<min((t + 1) * chunk, n), scratch: x + t * horizon)
                }
            }
            if round == rounds - 1 {
                for h in 0..<horizon {
                    for j in 0..<a { s[h * count * a + j] = min(max(m[h * a + j], low[j]), high[j]) }
                }
            }
            // The previous step's first elites, one step later, with a new last step.
            let e = elites.pointer
            for q in 0..<shifted {
                let c = n + q
                for j in 0..<a {
                    noise.sample(into: x, from: z + (c * a + j) * horizon)
                    for h in 0..<(horizon - 1) { s[(h * count + c) * a + j] = e[(q * horizon + h + 1) * a + j] }
                    let i = (horizon - 1) * a + j
                    s[((horizon - 1) * count + c) * a + j] = min(max(m[i] + sd[i] * x[horizon - 1], low[j]), high[j])
                }
            }
            evaluator.evaluate(from: observation, sequences: s, count: count, seed: evaluationSeed())
            // Select among the scored candidates and the kept elites of the previous round.
            let kept = round > 0 ? min(keptElites, eliteCount) : 0
            let returns = evaluator.returns.pointer
            let total = count + kept
            func score(_ index: Int) -> Float { index < count ? returns[index] : eliteReturns[index - count] }
            for i in 0..<total { order[i] = i }
            var indices = UnsafeMutableBufferPointer(start: order.pointer, count: total)
            indices.sort { x, y in
                let rx = score(x), ry = score(y)
                if rx.isNaN { return false }
                if ry.isNaN { return true }
                return rx > ry || (rx == ry && x < y)
            }
            let next = spare.pointer
            for q in 0..<kElites {
                let index = order[q]
                spareReturns[q] = score(index)
                for h in 0..<horizon {
                    for j in 0..<a {
                        next[(q * horizon + h) * a + j] =
                            index < count ? s[(h * count + index) * a + j] : e[((index - count) * horizon + h) * a + j]
                    }
                }
            }
            swap(&elites, &spare)
            swap(&eliteReturns, &spareReturns)
            eliteCount = kElites
            let best = elites.pointer
            if eliteReturns[0] > bestReturn {
                bestReturn = eliteReturns[0]
                bestAction = (0..<a).map { best[$0] }
            }
            // Refit μ and σ to the elites, with momentum α.
            for h in 0..<horizon {
                for j in 0..<a {
                    var sum: Float = 0
                    for q in 0..<kElites { sum += best[(q * horizon + h) * a + j] }
                    let eliteMean = sum / Float(kElites)
                    var squares: Float = 0
                    for q in 0..<kElites {
                        let d = best[(q * horizon + h) * a + j] - eliteMean
                        squares += d * d
                    }
                    let i = h * a + j
                    m[i] = alpha * m[i] + (1 - alpha) * eliteMean
                    sd[i] = alpha * sd[i] + (1 - alpha) * (squares / Float(kElites)).squareRoot()
                }
            }
            onRound?(
                Round(
                    scored: count, eliteReturns: eliteReturns.array,
                    mean: Array(UnsafeBufferPointer(start: m, count: horizon * a)),
                    std: Array(UnsafeBufferPointer(start: sd, count: horizon * a))))
        }
        let action = bestAction ?? (0..<a).map { min(max(m[$0], low[$0]), high[$0]) }
        // Warm start: μ one step ahead, its last step repeated.
        m.update(from: m + a, count: (horizon - 1) * a)
        return action
    }
}

extension ICEMPlanner {
    /// Gaussian noise along a horizon of H steps whose power spectrum falls as 1/f^β, each step with
    /// unit variance: β = 0 is white noise, β = 1 pink, β = 2 red (Brownian-like); larger β puts more
    /// of the power into the slow components of a sequence.
    ///
    /// Exact construction (a real inverse DFT of random Fourier coefficients, as Timmer & König 1995
    /// describe, written as a fixed H × H matrix): with frequencies fₖ = k/H and amplitudes
    /// sₖ = max(fₖ, 1/H)^(−β/2) (the constant component takes the lowest frequency's amplitude),
    /// the H standard normals z drawn for one sequence are, in order, the constant component's z₀,
    /// then a cosine and a sine coefficient for each k with 0 < k < H/2, then (H even) the alternating
    /// component's. Step t is
    ///
    ///     x_t = (s₀·z₀ + Σₖ √2·sₖ·(z_cos,k·cos(2πkt/H) + z_sin,k·sin(2πkt/H)) + s_{H/2}·z_alt·(−1)ᵗ) / norm
    ///
    /// with norm² = s₀² + Σₖ 2sₖ² + s_{H/2}², which makes every x_t a standard normal (the sequence is
    /// stationary on the circle). With β = 0 the matrix is orthogonal and x is white noise.
    struct ColoredNoise {
        let horizon: Int
        let beta: Float
        /// Row r: what normal r adds to each of the H steps, (H, H).
        let basis: [Float]
        /// `basis` with every row padded with zeros to `width` steps, (H, width), for whole-vector loads.
        private let paddedBasis: [Float]
        /// H rounded up to a whole number of vectors (`Vector`).
        private let width: Int
        typealias Vector = SIMD8<Float>

        init(horizon: Int, beta: Float) {
            precondition(horizon > 0 && beta >= 0)
            self.horizon = horizon
            self.beta = beta
            let basis = Self.basis(horizon: horizon, beta: Double(beta)).map { Float($0) }
            let width = (horizon + Vector.scalarCount - 1) / Vector.scalarCount * Vector.scalarCount
            self.basis = basis
            self.width = width
            paddedBasis = (0..<(horizon * width)).map { i in
                i % width < horizon ? basis[i / width * horizon + i % width] : 0
            }
        }

        /// The normalized matrix in Double, (H, H) row-major.
        static func basis(horizon n: Int, beta: Double) -> [Double] {
            func amplitude(_ k: Int) -> Double { pow(Double(max(k, 1)) / Double(n), -beta / 2) }
            var rows: [[Double]] = [Array(repeating: amplitude(0), count: n)]
            var power = amplitude(0) * amplitude(0)
            for k in stride(from: 1, to: (n + 1) / 2, by: 1) {
                let s = 2.0.squareRoot() * amplitude(k)
                // (k·t) mod H keeps the angle small, so cos and sin are as exact for large k as for small.
                rows.append((0..<n).map { t in s * cos(2 * Double.pi * Double((k * t) % n) / Double(n)) })
                rows.append((0..<n).map { t in s * sin(2 * Double.pi * Double((k * t) % n) / Double(n)) })
                power += s * s
            }
            if n % 2 == 0 {
                let s = amplitude(n / 2)
                rows.append((0..<n).map { t in t % 2 == 0 ? s : -s })
                power += s * s
            }
            let norm = power.squareRoot()
            return rows.flatMap { $0.map { $0 / norm } }
        }

        /// One sequence into `out[0..<horizon]`, from the `horizon` standard normals at `z`.
        ///
        /// Step t is the sum 0 + z₀·b₀ₜ + z₁·b₁ₜ + … in that order, each product rounded before it is
        /// added, as a loop over t inside a loop over r computes it; the sums of a vector of steps are
        /// kept in a register across r rather than stored and reloaded for every r.
        @inline(__always)
        func sample(into out: UnsafeMutablePointer<Float>, from z: UnsafePointer<Float>) {
            let n = horizon, width = width, lanes = Vector.scalarCount
            paddedBasis.withUnsafeBytes { rows in
                for first in stride(from: 0, to: n, by: lanes) {
                    var sum = Vector(repeating: 0)
                    for r in 0..<n {
                        let row = rows.loadUnaligned(fromByteOffset: (r * width + first) * 4, as: Vector.self)
                        sum = sum + Vector(repeating: z[r]) * row
                    }
                    if first + lanes <= n {
                        UnsafeMutableRawPointer(out + first).storeBytes(of: sum, as: Vector.self)
                    } else {
                        for l in 0..<(n - first) { out[first + l] = sum[l] }
                    }
                }
            }
        }
    }
}
