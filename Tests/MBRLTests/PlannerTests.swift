import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
import MBRLTestSupport
import XCTest

/// A 1-D point mass x' = x + u with u in [-1, 1] and reward −(x − 0.3)² on the pre-step state: from
/// any x within reach, the unique optimal first action moves x to 0.3 exactly.
final class PointMass: BatchDynamics {
    let observationSize = 1, actionSize = 1, capacity: Int
    /// Rows per candidate, all following the same deterministic dynamics (1: one row a candidate).
    let particles: Int
    init(capacity: Int, particles: Int = 1) {
        self.capacity = capacity
        self.particles = particles
    }
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<count { next[r] = observations[r] + actions[r] }
    }
    func copy() -> BatchDynamics { PointMass(capacity: capacity, particles: particles) }

    static let objective = PlanningObjective(
        observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1],
        // The reward reads the next observation (the general case: H predictions per candidate).
        rewards: { _, _, next, n, r in for i in 0..<n { r[i] = -(next[i] - 0.3) * (next[i] - 0.3) } })
}

/// Pendulum-v1's true dynamics on observations, batched without allocation (θ from atan2).
final class TruePendulum: BatchDynamics {
    let observationSize = 3, actionSize = 1, capacity: Int
    init(capacity: Int) { self.capacity = capacity }
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<count {
            let theta = atan2(Double(observations[3 * r + 1]), Double(observations[3 * r]))
            let u = Double(min(max(actions[r], -2), 2))
            let speed = min(max(Double(observations[3 * r + 2]) + (15 * sin(theta) + 3 * u) * 0.05, -8), 8)
            let angle = theta + speed * 0.05
            next[3 * r] = Float(cos(angle)); next[3 * r + 1] = Float(sin(angle)); next[3 * r + 2] = Float(speed)
        }
    }
    func copy() -> BatchDynamics { TruePendulum(capacity: capacity) }
}

final class PlannerTests: XCTestCase {
    /// Every planner kind; `dynamics` must hold the candidates and iCEM's shifted elites (a tenth of
    /// them, at most).
    func planners(
        dynamics: BatchDynamics, objective: PlanningObjective, candidates: Int, horizon: Int, threads: Int = 1
    ) -> [Planner] {
        ([.rs, .cem, .mppi, .icem] as [PlannerKind]).map { kind in
            var c = PlannerConfiguration(kind: kind)
            c.candidates = candidates
            c.horizon = horizon
            c.threads = threads
            c.elites = max(candidates / 10, 2)
            c.noise = 0.5
            c.temperature = 0.01
            c.iterations = kind == .rs ? 1 : 5
            return c.make(dynamics: dynamics, objective: objective)
        }
    }

    func testEveryPlannerFindsThePointMassOptimum() {
        for threads in [1, 2] {
            for planner in planners(
                dynamics: PointMass(capacity: 2300), objective: PointMass.objective, candidates: 2048, horizon: 3,
                threads: threads)
            {
                var rng = RandomGenerator(seed: 1)
                for start: Float in [-0.5, 0, 0.9] {
                    planner.reset()
                    let u = planner.action(for: [start], rng: &rng)[0]
                    let tolerance: Float = planner.name == "rs" ? 0.1 : 0.03
                    XCTAssertEqual(
                        u, 0.3 - start, accuracy: tolerance, "\(planner.name) " + "from \(start), \(threads) threads")
                }
                // Closed loop from out of one step's reach: the state settles at the target.
                planner.reset()
                var x: Float = -1.6
                for _ in 0..<10 { x += planner.action(for: [x], rng: &rng)[0] }
                XCTAssertEqual(x, 0.3, accuracy: planner.name == "rs" ? 0.1 : 0.03, "\(planner.name) closed loop")
            }
        }
    }

    func testActionsStayWithinBounds() {
        for planner in planners(
            dynamics: PointMass(capacity: 300), objective: PointMass.objective, candidates: 256, horizon: 4)
        {
            var rng = RandomGenerator(seed: 2)
            for start: Float in [-50, 50] {
                let u = planner.action(for: [start], rng: &rng)[0]
                XCTAssert(u >= -1 && u <= 1, "\(planner.name): \(u)")
                XCTAssertEqual(abs(u), 1, accuracy: 0.35, "\(planner.name) should push hard from \(start)")
            }
        }
    }

    /// Random shooting on Pendulum's true dynamics swings the pendulum up from hanging down at rest
    /// and holds it there.
    func testRandomShootingSwingsThePendulumUp() {
        var env = Pendulum()
        var config = PlannerConfiguration(kind: .rs)
        config.candidates = 400
        config.horizon = 20
        let planner = config.make(dynamics: TruePendulum(capacity: 400), objective: PlanningObjective(environment: env))
        var rng = RandomGenerator(seed: 3)
        var observation = env.reset(toState: [Double.pi, 0])
        var lateReturn = 0.0
        for step in 0..<150 {
            let result = env.step(planner.action(for: observation, rng: &rng))
            observation = result.observation
            if step >= 100 { lateReturn += result.reward }
        }
        XCTAssertGreaterThan(observation[0], 0.95, "the pendulum should be upright (cos θ near 1)")
        XCTAssertGreaterThan(lateReturn, -5, "upright and still over the last 50 steps")
    }

    /// The folded network predicts what the model predicts (batch norm, normalization folded), for
    /// every depth and for widths that leave SIMD remainders.
    func testFoldedNetworkMatchesTheModel() {
        let stats = NormalizationStats(
            stateMean: [0.1, -0.2, 0.5], stateStd: [0.7, 0.6, 3], actionMean: [0.05], actionStd: [1.1],
            deltaStateMean: [0.01, 0.02, -0.03], deltaStateStd: [0.2, 0.15, 0.6], count: 1)
        for (hidden, depth, batchNorm) in [(16, 2, true), (20, 3, true), (24, 1, false), (8, 0, true), (64, 4, false)] {
            let model = DynamicsModel(stats: stats, hidden: hidden, depth: depth, batchNorm: batchNorm, seed: 4)
            var rng = RandomGenerator(seed: 5)
            for i in 0..<model.network.buffers.count { model.network.buffers[i] = 0.5 + Float(rng.nextUnit()) }
            for i in 0..<model.network.parameters.count { model.network.parameters[i] += 0.1 * Float(rng.normal()) }
            let observations = (0..<60).map { _ in Float(rng.normal()) },
                actions = (0..<20).map { _ in Float(rng.uniform(-2, 2)) }
            let expected = model.predictNextObservations(observations: observations, actions: actions)
            let folded = ModelDynamics(model, capacity: 20)
            var got = [Float](repeating: 0, count: 60)
            folded.predict(observations: observations, actions: actions, count: 20, into: &got)
            XCTAssertLessThan(
                maxRelativeError(got, expected, floor: 1).error, 1e-5,
                "hidden \(hidden), "
                    + "depth \(depth), batch norm \(batchNorm)")
        }
    }

    /// The same for a locomotion task's widths (HalfCheetah's 17 observations and 6 actions), where
    /// the first and the last layer are SGEMMs rather than the thin loops (`FoldedNetwork`'s
    /// `thinInputWidth`, `thinOutputWidth`).
    func testFoldedNetworkMatchesTheModelForManyInputsAndOutputs() {
        let o = 17, a = 6, rows = 30
        var rng = RandomGenerator(seed: 6)
        let stats = NormalizationStats.random(observations: o, actions: a, using: &rng)
        XCTAssertGreaterThan(o + a, FoldedNetwork.thinInputWidth)
        XCTAssertGreaterThan(o, FoldedNetwork.thinOutputWidth)
        for (depth, batchNorm) in [(2, true), (3, false), (1, true)] {
            let model = DynamicsModel(stats: stats, hidden: 40, depth: depth, batchNorm: batchNorm, seed: 7)
            for i in 0..<model.network.buffers.count { model.network.buffers[i] = 0.5 + Float(rng.nextUnit()) }
            for i in 0..<model.network.parameters.count { model.network.parameters[i] += 0.1 * Float(rng.normal()) }
            let observations = (0..<(rows * o)).map { _ in Float(rng.normal()) }
            let actions = (0..<(rows * a)).map { _ in Float(rng.uniform(-1, 1)) }
            let expected = model.predictNextObservations(observations: observations, actions: actions)
            let folded = ModelDynamics(model, capacity: rows)
            var got = [Float](repeating: 0, count: rows * o)
            folded.predict(observations: observations, actions: actions, count: rows, into: &got)
            XCTAssertLessThan(
                maxRelativeError(got, expected, floor: 1).error, 1e-5,
                "depth \(depth), batch "
                    + "norm \(batchNorm)")
        }
    }

    /// The folded network's products start from the bias (SGEMM with β = 1) instead of adding it after
    /// a product into zeros: its predictions keep every bit of that plain form, layer by layer from the
    /// same folded weights (Pendulum's thin first and last layers, HalfCheetah's wide ones, one and
    /// three hidden products, and hidden layers wider than `biasFirstDepth`, which OpenBLAS sums in
    /// blocks), on more rows than one product block of the kernel.
    func testFoldedProductsFromTheBiasKeepTheBitsOfAddingItAfter() {
        var rng = RandomGenerator(seed: 11)
        XCTAssertLessThan(FoldedNetwork.biasFirstDepth, 400)
        let cases = [(3, 1, 64, 2), (17, 6, 200, 2), (17, 6, 48, 4), (27, 8, 40, 1), (17, 6, 400, 2), (3, 1, 400, 2)]
        for (o, a, hidden, depth) in cases {
            let stats = NormalizationStats.random(observations: o, actions: a, using: &rng)
            let model = DynamicsModel(stats: stats, hidden: hidden, depth: depth, batchNorm: false, seed: 3)
            let rows = 300, width = o + a
            let network = FoldedNetwork(model, capacity: rows)
            let inputs = (0..<(rows * width)).map { _ in Float(rng.normal()) }
            let got = inputs.withUnsafeBufferPointer { x in
                let delta = network.predictDelta(inputs: x.baseAddress!, count: rows)
                return Array(UnsafeBufferPointer(start: delta, count: rows * o))
            }
            // The plain form: each layer a product into zeros, then the bias, then the ReLU.
            var x = inputs
            for l in 0...depth {
                let input = network.widths[l], output = network.widths[l + 1]
                var z = [Float](repeating: 0, count: rows * output)
                BLAS.gemm(
                    transposeA: false, transposeB: true, m: rows, n: output, k: input, a: x,
                    b: network.weights[l].pointer, beta: 0, c: &z)
                for r in 0..<rows {
                    for j in 0..<output {
                        let y = z[r * output + j] + network.biases[l][j]
                        z[r * output + j] = l < depth ? max(y, 0) : y
                    }
                }
                x = z
            }
            let thin = o + a <= FoldedNetwork.thinInputWidth || o <= FoldedNetwork.thinOutputWidth
            if thin {
                // The thin loops sum in another order than the product: equal to rounding, not to the bit.
                XCTAssertLessThan(maxRelativeError(got, x, floor: 1).error, 1e-5, "\(o)-\(hidden)×\(depth)")
            } else {
                let differing = zip(got, x).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "values differing in their bits, \(o)-\(hidden)×\(depth)")
            }
        }
    }

    /// A component that never varies gets std 1 (not a tiny floor), so folding its normalization into
    /// the first layer keeps Float32 precision: folded and unfolded predictions agree on data where a
    /// state component is constant.
    func testFoldedNetworkKeepsPrecisionForAConstantComponent() {
        var data = Transitions(observationSize: 3, actionSize: 1, env: "Pendulum-v1", policy: "random")
        var rng = RandomGenerator(seed: 8)
        for _ in 0..<200 {
            let o: [Float] = [Float(rng.normal()), 0.25, Float(rng.normal())]
            data.append(
                observation: o, action: [Float(rng.uniform(-2, 2))], reward: 0,
                nextObservation: [o[0] + 0.1, 0.25, o[2] - 0.1 * Float(rng.normal())], terminal: false, timeout: false)
        }
        let stats = NormalizationStats(of: [data])
        XCTAssertEqual(stats.stateStd[1], 1)
        XCTAssertEqual(stats.deltaStateStd[1], 1)
        let model = DynamicsModel(stats: stats, hidden: 32, depth: 2, batchNorm: true, seed: 3)
        for i in 0..<model.network.parameters.count { model.network.parameters[i] += 0.1 * Float(rng.normal()) }
        let expected = model.predictNextObservations(observations: data.observations, actions: data.actions)
        let folded = ModelDynamics(model, capacity: 200)
        var got = [Float](repeating: 0, count: 600)
        folded.predict(observations: data.observations, actions: data.actions, count: 200, into: &got)
        XCTAssertLessThan(maxRelativeError(got, expected, floor: 1).error, 1e-5)
    }
}

extension PlannerTests {
    /// MPPI and iCEM draw their normals in bulk and transform them on their threads (`NormalDraws`),
    /// and iCEM builds its colored samples there too: with enough of them to split, 1 and 2 threads
    /// still plan the same bits.
    func testSamplingPlannersPlanTheSameBitsOnOneAndTwoThreads() {
        var actions: [[Float]] = []
        for threads in [1, 2] {
            var sequence: [Float] = []
            for planner in planners(
                dynamics: PointMass(capacity: 700), objective: PointMass.objective, candidates: 640, horizon: 30,
                threads: threads) where planner.name == "mppi" || planner.name == "icem"
            {
                XCTAssertGreaterThan(
                    (planner as? MPPIPlanner)?.normals.capacity ?? (planner as? ICEMPlanner)?.normals.capacity ?? 0,
                    2 * NormalDraws.minimumPerThread, "\(planner.name): enough normals to split")
                if let icem = planner as? ICEMPlanner {
                    XCTAssertGreaterThanOrEqual(
                        icem.populationSizes[0] * 30 * 30, 2 * ICEMPlanner.minimumSamplingWork,
                        "enough colored noise to split")
                }
                var rng = RandomGenerator(seed: 8)
                var x: Float = -1.2
                for _ in 0..<4 {
                    let u = planner.action(for: [x], rng: &rng)[0]
                    sequence.append(u)
                    x += u
                }
            }
            actions.append(sequence)
        }
        XCTAssertEqual(actions[0].count, 8)
        XCTAssertEqual(actions[0].map(\.bitPattern), actions[1].map(\.bitPattern))
    }
}

extension PlannerTests {
    /// MPPI's perturbations are the generator's normals in (step, component, candidate) order, as
    /// one `rng.normal()` a time drew them before `NormalDraws`: candidate 0 is the nominal sequence
    /// (the bounds' center on a fresh planner), candidate c of step h and component j its value plus σ
    /// times the next normal, clipped.
    func testMPPIPerturbationsKeepTheirDrawOrder() {
        let (k, horizon, a): (Int, Int, Int) = (37, 5, 2)
        var c = PlannerConfiguration(kind: .mppi)
        c.candidates = k
        c.horizon = horizon
        c.iterations = 1
        c.noise = 0.7
        let planner = MPPIPlanner(
            dynamics: Clock(actionSize: a, capacity: k), objective: Clock.objective(low: [-1, -2], high: [1.5, 2]),
            configuration: c)
        var rng = RandomGenerator(seed: 23), reference = RandomGenerator(seed: 23)
        _ = planner.action(for: [0], rng: &rng)
        let low: [Float] = [-1, -2], high: [Float] = [1.5, 2], center: [Float] = [0.25, 0]
        for h in 0..<horizon {
            for j in 0..<a {
                XCTAssertEqual(planner.sequences[h * k * a + j], center[j], "candidate 0, step \(h)")
                for candidate in 1..<k {
                    let expected = min(max(center[j] + 0.7 * Float(reference.normal()), low[j]), high[j])
                    XCTAssertEqual(
                        planner.sequences[(h * k + candidate) * a + j].bitPattern, expected.bitPattern,
                        "step \(h), component \(j), candidate \(candidate)")
                }
            }
        }
    }
}

extension NormalizationStats {
    /// Statistics of `o` observations and `a` actions for tests of the folded network: means ~ N(0, 1),
    /// standard deviations in [0.5, 1.5), state changes with means ~ N(0, 0.1²) and standard deviations
    /// in [0.2, 1.2), actions centred with standard deviation 0.58.
    static func random(observations o: Int, actions a: Int, using rng: inout RandomGenerator) -> NormalizationStats {
        NormalizationStats(
            stateMean: (0..<o).map { _ in Float(rng.normal()) },
            stateStd: (0..<o).map { _ in 0.5 + Float(rng.nextUnit()) },
            actionMean: [Float](repeating: 0, count: a), actionStd: [Float](repeating: 0.58, count: a),
            deltaStateMean: (0..<o).map { _ in 0.1 * Float(rng.normal()) },
            deltaStateStd: (0..<o).map { _ in 0.2 + Float(rng.nextUnit()) }, count: 1)
    }
}
