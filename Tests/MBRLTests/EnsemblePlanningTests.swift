import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// The ensemble's fit (bootstrap, per-member best epochs, elites) and its propagation in the planners.
final class EnsemblePlanningTests: XCTestCase {
    func pendulumData(episodes: Int, seed: UInt64) throws -> Transitions {
        var env: any Environment = Pendulum()
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        return try Rollout(episodes: episodes, seed: seed).run(&policy, in: &env)
    }

    /// One fit shared by the tests (debug builds train slowly); each test gets its own copy.
    static var fitted: (EnsembleModel, ModelFitting.Result, Transitions)?

    func trainedEnsemble() throws -> (EnsembleModel, ModelFitting.Result, Transitions) {
        if let (model, result, data) = Self.fitted { return (model.copy(), result, data) }
        let fit = try fitEnsemble()
        Self.fitted = fit
        return (fit.0.copy(), fit.1, fit.2)
    }

    func fitEnsemble(members: Int = 3, epochs: Int = 6) throws -> (EnsembleModel, ModelFitting.Result, Transitions) {
        let data = try pendulumData(episodes: 6, seed: 3)
        let model = EnsembleModel(
            stats: NormalizationStats(of: [data]), hidden: 16, depth: 2, members: members, seed: 2)
        var fitting = ModelFitting()
        fitting.batchSize = 64
        fitting.epochs = epochs
        fitting.validationFraction = 0.34
        fitting.elites = 2
        fitting.optimizer.learningRate = 3e-3
        return (model, try fitting.fit(model, on: [data]), data)
    }

    func testFitKeepsEachMembersBestEpochAndTheBestAsElites() throws {
        let (model, result, data) = try trainedEnsemble()
        XCTAssertEqual(result.trainingRows, 800)
        XCTAssertEqual(result.validationRows, 400)
        XCTAssertEqual(
            result.samplesSeen, 3 * 800 * result.epochsRun,
            "every member walks its bootstrap of 800 "
                + "rows per epoch")
        XCTAssertLessThan(result.validationLossCurve.last!, result.validationLossCurve.first!)
        XCTAssertEqual(result.elites.count, 2)
        XCTAssertEqual(model.elites, result.elites)
        let sorted = (0..<3).sorted { result.memberLosses[$0] < result.memberLosses[$1] }
        XCTAssertEqual(Array(sorted.prefix(2)), result.elites)
        // The members hold their best epoch's weights: their validation MSE is the recorded one.
        var splitRNG = RandomGenerator(seed: 0, stream: RandomStreams.validationSplit)
        let split = EpisodeSplit(data, validationFraction: 0.34, rng: &splitRNG)
        let validation = ModelTrainer.Examples(normalizing: data, rows: split.validationRows, stats: model.stats)
        let measured = EnsembleFittingSession.validationMSE(model.network, validation, width: 4, outputs: 3)
        for m in 0..<3 { XCTAssertEqual(measured[m], result.memberLosses[m], accuracy: 1e-6 * result.memberLosses[m]) }
        // Bootstraps differ, so the members differ.
        XCTAssertNotEqual(measured[0], measured[1])
    }

    /// TS-∞ with the mean: particle q of every candidate follows elite q / (P/E); the expectation is
    /// the mean over the elites of their means.
    func testPropagationFollowsTheMembers() throws {
        let (model, _, data) = try trainedEnsemble()
        let n = 4, o = 3
        let obs = Array(data.observations[0..<(n * o)]), act = Array(data.actions[0..<n])
        let (means, _) = model.predictMembers(observations: obs, actions: act)
        let tsInf = EnsembleDynamics(
            model, settings: PropagationSettings(propagation: .tsInf, particles: 4, prediction: .mean), capacity: 16)
        var next = [Float](repeating: 0, count: 16 * o)
        tsInf.predict(
            observations: Array(repeating: obs, count: 4).flatMap { $0 },
            actions: Array(repeating: act, count: 4).flatMap { $0 },
            count: 16, into: &next)
        for q in 0..<4 {
            let member = model.elites[q / 2]
            for i in 0..<(n * o) {
                XCTAssertEqual(next[q * n * o + i], means[member * n * o + i], accuracy: 2e-5, "particle \(q)")
            }
        }
        let mean = EnsembleDynamics(
            model, settings: PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean),
            capacity: n)
        mean.predict(observations: obs, actions: act, count: n, into: &next)
        for i in 0..<(n * o) {
            let expected = model.elites.map { means[$0 * n * o + i] }.reduce(0, +) / Float(model.elites.count)
            XCTAssertEqual(next[i], expected, accuracy: 2e-5)
        }
    }

    /// The hidden products started from the bias (β = 1) give the bits of products into zeros with
    /// the bias added in the activation's pass, for PETS's shapes (SiLU members of 3 × 200, 23 inputs,
    /// a Gaussian head of 17 outputs) under TS-∞ and the expectation.
    func testProductsFromTheBiasKeepTheBitsOfAddingItInTheActivation() throws {
        try XCTSkipIf(FoldedNetwork.biasFirstDepth < 200, "this OpenBLAS kernel keeps every product into zeros")
        var rng = RandomGenerator(seed: 12)
        let o = 17, a = 6, rows = 100
        let model = EnsembleModel(
            stats: NormalizationStats.random(observations: o, actions: a, using: &rng), hidden: 200, depth: 3,
            members: 5, activation: .silu, seed: 4)
        // Biases start at zero; move every parameter so that the products' biases matter.
        for i in 0..<model.network.parameters.count { model.network.parameters[i] += 0.05 * Float(rng.normal()) }
        let observations = (0..<(rows * o)).map { _ in Float(rng.normal()) }
        let actions = (0..<(rows * a)).map { _ in Float(rng.uniform(-1, 1)) }
        for settings in [
            PropagationSettings(propagation: .tsInf, particles: 5, prediction: .mean),
            PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean)
        ] {
            var outputs: [[Float]] = []
            for fromBias in [true, false] {
                let dynamics = EnsembleDynamics(model, settings: settings, capacity: rows)
                XCTAssertTrue(dynamics.productsFromBias)
                dynamics.productsFromBias = fromBias
                var next = [Float](repeating: 0, count: rows * o)
                dynamics.predict(observations: observations, actions: actions, count: rows, into: &next)
                outputs.append(next)
            }
            let differing = zip(outputs[0], outputs[1]).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "\(settings.propagation)")
        }
    }

    /// Sampled TS-1 and TS-∞: the same seed gives the same actions on 1 and 2 threads.
    func testStochasticPropagationIsIndependentOfThreads() throws {
        let (model, _, _) = try trainedEnsemble()
        let objective = PlanningObjective(environment: Pendulum())
        for propagation in [Propagation.tsInf, .ts1] {
            for kind in PlannerKind.allCases {
                var actions: [[Float]] = []
                for threads in [1, 2] {
                    var c = PlannerConfiguration(kind: kind)
                    c.candidates = 40
                    c.horizon = 5
                    c.iterations = kind == .rs ? 1 : 2
                    c.elites = 5
                    c.threads = threads
                    let settings = PropagationSettings(propagation: propagation, particles: 4, prediction: .sample)
                    let dynamics = EnsembleDynamics(model, settings: settings, capacity: c.rowsPerWorker * 4)
                    let planner = c.make(dynamics: dynamics, objective: objective)
                    var rng = RandomGenerator(seed: 9)
                    actions.append(
                        planner.action(for: [0.6, 0.8, -1], rng: &rng)
                            + planner.action(for: [0.5, 0.86, 0.3], rng: &rng))
                }
                // The particles' random numbers do not depend on the split; the member groups' GEMMs
                // have other row counts, which can move MPPI's weighted average in the last bits.
                for (a, b) in zip(actions[0], actions[1]) {
                    XCTAssertEqual(a, b, accuracy: kind == .mppi ? 1e-5 : 0, "\(kind) \(propagation)")
                }
            }
        }
    }

    /// iCEM on every propagation (sampled TS-∞ and TS-1, the expectation) and on a single network:
    /// the same seed gives the same actions over several control steps (the warm start, the kept
    /// and shifted elites), on 1 and 2 threads alike.
    func testICEMIsReproducibleAndIndependentOfThreadsOnEveryModel() throws {
        let (model, _, data) = try trainedEnsemble()
        let objective = PlanningObjective(environment: Pendulum())
        let single = DynamicsModel(
            stats: NormalizationStats(of: [data]), hidden: 16, depth: 2, batchNorm: false, seed: 6)
        let cases: [(String, PropagationSettings?)] = [
            ("ts-inf", PropagationSettings(propagation: .tsInf, particles: 4, prediction: .sample)),
            ("ts-1", PropagationSettings(propagation: .ts1, particles: 4, prediction: .sample)),
            ("expectation", PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean)),
            ("single network", nil)
        ]
        for (name, settings) in cases {
            var runs: [[Float]] = []
            for threads in [1, 2, 2] {
                var c = PlannerConfiguration(kind: .icem)
                c.candidates = 40
                c.horizon = 6
                c.elites = 5
                c.iterations = 3
                c.threads = threads
                let dynamics: BatchDynamics =
                    settings.map { EnsembleDynamics(model, settings: $0, capacity: c.rowsPerWorker * $0.particles) }
                    ?? ModelDynamics(single, capacity: c.rowsPerWorker)
                let planner = c.make(dynamics: dynamics, objective: objective)
                var rng = RandomGenerator(seed: 9)
                runs.append(
                    [[0.6, 0.8, -1], [0.5, 0.86, 0.3], [0.2, 0.98, 1.1]].flatMap { planner.action(for: $0, rng: &rng) })
            }
            XCTAssertEqual(runs[0], runs[1], "\(name): 1 and 2 threads")
            XCTAssertEqual(runs[1], runs[2], "\(name): the same seed")
        }
    }

    /// A candidate's return is the mean of its particles' returns: on dynamics whose particles differ
    /// by a known offset, the evaluator's return is the average.
    func testCandidateReturnIsTheMeanOverParticles() {
        final class Offsets: BatchDynamics {
            let observationSize = 1, actionSize = 1, capacity = 64
            var particles: Int { 4 }
            func predict(
                observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                into next: UnsafeMutablePointer<Float>
            ) {
                let n = count / 4
                for r in 0..<count { next[r] = observations[r] + actions[r] + Float(r / n) }
            }
            func copy() -> BatchDynamics { Offsets() }
        }
        let objective = PlanningObjective(
            observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1],
            rewards: { _, _, next, n, r in for i in 0..<n { r[i] = next[i] } })
        let evaluator = TrajectoryEvaluator(dynamics: Offsets(), objective: objective, capacity: 3, horizon: 1)
        let sequences: [Float] = [0, 0.5, -1]
        evaluator.evaluate(from: [1], sequences: sequences, count: 3)
        // Particle q: 1 + a + q; the mean over q = 0...3 is 1 + a + 1.5.
        for c in 0..<3 { XCTAssertEqual(evaluator.returns[c], 2.5 + sequences[c], accuracy: 1e-6) }
    }
}
