import Foundation
@testable import MBRLCore
@testable import MBRLModels
@testable import MBRLPlanning
import MBRLTestSupport
import XCTest

/// A clock: the observation is the time, and every step adds 1 whatever the action. With
/// `objective` the reward of action a at time t is −Σⱼ (aⱼ − 0.9·sin(0.7t + j))²: a known optimum that
/// moves with time (scripts/icem_reference.py scores the same).
final class Clock: BatchDynamics {
    let observationSize = 1, actionSize: Int, capacity: Int
    init(actionSize: Int, capacity: Int) {
        self.actionSize = actionSize
        self.capacity = capacity
    }
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<count { next[r] = observations[r] + 1 }
    }
    func copy() -> BatchDynamics { Clock(actionSize: actionSize, capacity: capacity) }

    static func target(time: Float, component j: Int) -> Float { Float(0.9 * sin(0.7 * Double(time) + Double(j))) }

    static func objective(low: [Float], high: [Float]) -> PlanningObjective {
        let a = low.count
        return PlanningObjective(
            observationSize: 1, actionSize: a, actionLow: low, actionHigh: high, rewardReadsNextObservation: false,
            rewards: { s, actions, _, n, r in
                for i in 0..<n {
                    var sum: Float = 0
                    for j in 0..<a {
                        let d = actions[i * a + j] - target(time: s[i], component: j)
                        sum += d * d
                    }
                    r[i] = -sum
                }
            })
    }
}

/// iCEM against the NumPy reference of the same algorithm on the same normals, its colored noise,
/// its population schedule, and its result on known optima.
final class ICEMTests: XCTestCase {
    /// Every round of every control step (scored population, elites' returns, μ, σ) and every
    /// executed action equal the reference's (scripts/icem_reference.py), which drew from the same
    /// pre-drawn normals in the same order; the Swift side consumes exactly as many.
    func testMatchesTheNumPyReference() throws {
        let file = try HDF5File.open(at: Repository.fixture("icem_reference.h5")).root
        for name in ["a", "b"] {
            let group = try file.openGroup(name)
            let settings = try group.read("settings", as: Double.self).values
            var c = PlannerConfiguration(kind: .icem)
            c.horizon = Int(settings[0])
            c.candidates = Int(settings[1])
            c.elites = Int(settings[2])
            c.iterations = Int(settings[3])
            c.alpha = Float(settings[4])
            c.beta = Float(settings[5])
            c.populationDecay = Float(settings[6])
            c.keepFraction = Float(settings[7])
            c.initialStd = Float(settings[8])
            let a = Int(settings[9]), steps = Int(settings[10]), h = c.horizon, k = c.elites, rounds = c.iterations
            let low = try group.read("action_low", as: Float.self).values,
                high = try group.read("action_high", as: Float.self).values
            let planner = ICEMPlanner(
                dynamics: Clock(actionSize: a, capacity: c.rowsPerWorker),
                objective: Clock.objective(low: low, high: high),
                configuration: c)
            XCTAssertLessThan(
                maxRelativeError(planner.noise.basis, try group.read("basis", as: Float.self).values, floor: 1).error,
                1e-6, name)

            let normals = try group.read("normals", as: Float.self).values
            var used = 0
            let drawn = Buffer<Float>(count: c.population * h * a)
            var recorded: [ICEMPlanner.Round] = []
            planner.onRound = { recorded.append($0) }
            let observations = try group.read("observations", as: Float.self).values
            let actions = try group.read("actions", as: Float.self).values
            for t in 0..<steps {
                let action = planner.plan(
                    from: [observations[t]],
                    normals: { count in
                        for i in 0..<count { drawn[i] = normals[used + i] }
                        used += count
                        return UnsafePointer(drawn.pointer)
                    }, evaluationSeed: { 0 })
                XCTAssertLessThan(
                    maxRelativeError(action, Array(actions[(t * a)..<((t + 1) * a)]), floor: 1).error, 1e-5,
                    "\(name) step \(t)")
            }
            XCTAssertEqual(used, Int(try group.readScalar("normals_used", as: Int64.self)), "\(name): normals drawn")

            XCTAssertEqual(
                recorded.map(\.scored), try group.read("scored", as: Int64.self).values.map { Int($0) }, name)
            let eliteReturns = try group.read("elite_returns", as: Float.self).values
            let means = try group.read("means", as: Float.self).values,
                stds = try group.read("stds", as: Float.self).values
            XCTAssertEqual(recorded.count, steps * rounds)
            for (r, round) in recorded.enumerated() {
                let what = "\(name) step \(r / rounds) round \(r % rounds)"
                XCTAssertLessThan(
                    maxRelativeError(round.eliteReturns, Array(eliteReturns[(r * k)..<((r + 1) * k)]), floor: 1).error,
                    1e-5, what)
                XCTAssertLessThan(
                    maxRelativeError(round.mean, Array(means[(r * h * a)..<((r + 1) * h * a)]), floor: 1).error, 1e-5,
                    what)
                XCTAssertLessThan(
                    maxRelativeError(round.std, Array(stds[(r * h * a)..<((r + 1) * h * a)]), floor: 1).error, 1e-5,
                    what)
            }
        }
    }

    /// Colored noise of `count` sequences of `horizon` steps, from a seeded generator.
    func coloredSamples(horizon: Int, beta: Float, count: Int) -> [[Float]] {
        let noise = ICEMPlanner.ColoredNoise(horizon: horizon, beta: beta)
        var rng = RandomGenerator(seed: 11)
        let normals = NormalDraws(capacity: horizon, threads: 1)
        var out = [Float](repeating: 0, count: horizon)
        return (0..<count).map { _ in
            let z = normals.draw(horizon, using: &rng)
            out.withUnsafeMutableBufferPointer { noise.sample(into: $0.baseAddress!, from: z) }
            return out
        }
    }

    /// The mean periodogram |DFT(x)ₖ|² of the samples for k = 0...H/2.
    func meanPeriodogram(_ samples: [[Float]]) -> [Double] {
        let n = samples[0].count
        return (0...(n / 2)).map { k in
            samples.map { x in
                var re = 0.0, im = 0.0
                for t in 0..<n {
                    let angle = 2 * Double.pi * Double(k * t % n) / Double(n)
                    re += Double(x[t]) * cos(angle)
                    im -= Double(x[t]) * sin(angle)
                }
                return re * re + im * im
            }.reduce(0, +) / Double(samples.count)
        }
    }

    /// The least-squares slope of log power against log frequency over 0 < k < H/2.
    func spectralSlope(_ power: [Double], horizon n: Int) -> Double {
        let points = (1..<((n + 1) / 2)).map { (log(Double($0)), log(power[$0])) }
        let mx = points.map(\.0).reduce(0, +) / Double(points.count),
            my = points.map(\.1).reduce(0, +) / Double(points.count)
        let sxy = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +),
            sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        return sxy / sxx
    }

    /// A colored sample is the basis's rows weighted by the normals and summed row by row, each step
    /// `0 + z₀·b₀ₜ + z₁·b₁ₜ + …` rounded as written, to the bit, for horizons that fill whole vectors
    /// and horizons that leave part of one (as `plan` files from before the vector loop hold).
    func testColoredSampleIsTheRowByRowSumToTheBit() {
        var rng = RandomGenerator(seed: 12)
        for horizon in [1, 5, 8, 13, 16, 30, 50, 100] {
            let noise = ICEMPlanner.ColoredNoise(horizon: horizon, beta: 1.5)
            for _ in 0..<20 {
                let z = (0..<horizon).map { _ in Float(rng.normal()) }
                var expected = [Float](repeating: 0, count: horizon)
                for r in 0..<horizon {
                    for t in 0..<horizon { expected[t] += z[r] * noise.basis[r * horizon + t] }
                }
                // One element past the end is a guard: the sample writes exactly `horizon` values.
                var got = [Float](repeating: .nan, count: horizon + 1)
                z.withUnsafeBufferPointer { zp in
                    got.withUnsafeMutableBufferPointer { noise.sample(into: $0.baseAddress!, from: zp.baseAddress!) }
                }
                XCTAssertEqual(got.prefix(horizon).map(\.bitPattern), expected.map(\.bitPattern), "H \(horizon)")
                XCTAssert(got[horizon].isNaN, "H \(horizon): wrote past the end")
            }
        }
    }

    /// Each step is a standard normal, and the power spectrum falls as 1/f^β: white (flat, no
    /// correlation between neighbours) at β = 0; at β = 2 slope −2, most of the power in the two
    /// lowest frequencies and neighbours strongly correlated.
    func testColoredNoiseHasThePowerLawSpectrum() {
        let horizon = 32, count = 3000
        var lowFraction: [Float: Double] = [:], correlation: [Float: Double] = [:]
        for beta: Float in [0, 1, 2] {
            let samples = coloredSamples(horizon: horizon, beta: beta, count: count)
            for t in [0, 13, 31] {
                let variance = samples.map { Double($0[t] * $0[t]) }.reduce(0, +) / Double(count)
                XCTAssertEqual(variance, 1, accuracy: 0.08, "β \(beta), step \(t)")
            }
            let power = meanPeriodogram(samples)
            XCTAssertEqual(spectralSlope(power, horizon: horizon), -Double(beta), accuracy: 0.1, "β \(beta)")
            lowFraction[beta] = (power[0] + power[1] + power[2]) / power.reduce(0, +)
            correlation[beta] =
                samples.map { x in (0..<(horizon - 1)).map { Double(x[$0] * x[$0 + 1]) }.reduce(0, +) }.reduce(0, +)
                / Double(count * (horizon - 1))
        }
        XCTAssertEqual(correlation[0]!, 0, accuracy: 0.03, "white noise: neighbours uncorrelated")
        XCTAssertLessThan(lowFraction[0]!, 0.2)
        XCTAssertGreaterThan(lowFraction[2]!, 0.7, "β = 2: mostly the lowest frequencies")
        XCTAssertGreaterThan(correlation[2]!, 0.8, "β = 2: neighbours move together")
    }

    /// β = 0 is exactly white: the matrix is orthogonal (its rows are orthonormal).
    func testWhiteNoiseBasisIsOrthogonal() {
        for horizon in [1, 2, 5, 6, 30] {
            let b = ICEMPlanner.ColoredNoise.basis(horizon: horizon, beta: 0)
            for r in 0..<horizon {
                for q in 0..<horizon {
                    let dot = (0..<horizon).map { b[r * horizon + $0] * b[q * horizon + $0] }.reduce(0, +)
                    XCTAssertEqual(dot, r == q ? 1 : 0, accuracy: 1e-12, "H \(horizon): rows \(r), \(q)")
                }
            }
        }
    }

    /// Nᵢ = max(⌊N·γ⁻ⁱ⌋, 2K); ⌊ξK⌋ elites kept, a product that is whole in decimal counting whole.
    func testPopulationScheduleAndKeptElites() {
        var c = PlannerConfiguration(kind: .icem)
        c.candidates = 300
        c.iterations = 4
        c.elites = 10
        c.populationDecay = 1.25
        XCTAssertEqual(c.populationSizes, [300, 240, 192, 153])
        c.elites = 80
        XCTAssertEqual(c.populationSizes, [300, 240, 192, 160])
        c.elites = 10
        for (fraction, kept) in [(Float(0.3), 3), (0.7, 7), (0, 0), (1, 10), (0.25, 2)] {
            c.keepFraction = fraction
            XCTAssertEqual(c.keptElites, kept, "ξ \(fraction)")
        }
        c.keepFraction = 0.3
        XCTAssertEqual(c.population, 303, "the first round also scores the shifted elites")
    }

    /// On the clock's moving quadratic (8 action values per sequence), iCEM's executed actions track
    /// the clipped targets: within 0.1 from the cold start, within 0.05 once the plan is warm-started
    /// from the previous step's shifted μ and elites.
    func testFindsTheMovingQuadraticsOptimum() {
        var c = PlannerConfiguration(kind: .icem)
        c.candidates = 300
        c.horizon = 4
        c.elites = 10
        c.iterations = 6
        c.beta = 1
        let low: [Float] = [-1, -0.5], high: [Float] = [1, 0.8]
        let planner = c.make(
            dynamics: Clock(actionSize: 2, capacity: c.rowsPerWorker), objective: Clock.objective(low: low, high: high))
        var rng = RandomGenerator(seed: 4)
        for t in 0..<6 {
            let u = planner.action(for: [Float(t)], rng: &rng)
            for j in 0..<2 {
                let optimum = min(max(Clock.target(time: Float(t), component: j), low[j]), high[j])
                XCTAssertEqual(u[j], optimum, accuracy: t == 0 ? 0.1 : 0.05, "step \(t), component \(j)")
            }
        }
    }

    /// The executed action is the first action of the best sequence scored in the step's rounds, not
    /// μ's first step: on a reward that only the first action earns, −(u − 0.3)², the executed u
    /// scores exactly the best elite return of all rounds, which μ's first step does not reach.
    func testExecutesTheBestSequenceNotTheMean() {
        var c = PlannerConfiguration(kind: .icem)
        c.candidates = 40
        c.horizon = 3
        c.elites = 5
        c.iterations = 3
        c.alpha = 0.5
        let objective = PlanningObjective(
            observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1], rewardReadsNextObservation: false,
            rewards: { s, a, _, n, r in for i in 0..<n { r[i] = s[i] == 0 ? -(a[i] - 0.3) * (a[i] - 0.3) : 0 } })
        let planner = ICEMPlanner(
            dynamics: Clock(actionSize: 1, capacity: c.rowsPerWorker), objective: objective, configuration: c)
        var rounds: [ICEMPlanner.Round] = []
        planner.onRound = { rounds.append($0) }
        var rng = RandomGenerator(seed: 5)
        let u = planner.action(for: [0], rng: &rng)[0]
        let best = rounds.map { $0.eliteReturns[0] }.max()!
        XCTAssertEqual(-(u - 0.3) * (u - 0.3), best)
        let m = rounds.last!.mean[0]
        XCTAssertLessThan(-(m - 0.3) * (m - 0.3), best, "μ's first step scores less than the executed action")
    }
}
