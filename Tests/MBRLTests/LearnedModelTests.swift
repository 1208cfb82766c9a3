import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
import MBRLTestSupport
import XCTest

/// The one model abstraction: either kind read from its file as a `LearnedModel`, each kind's planning
/// engine (propagation defaults, refusals, the memory budget it reports) and predictions.
final class LearnedModelTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-learned-model")

    func stats() -> NormalizationStats {
        NormalizationStats(
            stateMean: [0.1, -0.2, 0.3], stateStd: [0.7, 0.6, 3], actionMean: [0.05], actionStd: [1.1],
            deltaStateMean: [0.01, 0, -0.02], deltaStateStd: [0.1, 0.2, 0.5], count: 10)
    }

    func testPropagationDefaults() {
        let gaussian = PropagationSettings(PropagationRequest(), deterministic: false)
        XCTAssertEqual(gaussian, PropagationSettings(propagation: .tsInf, particles: 20, prediction: .sample))
        XCTAssertEqual(PropagationSettings(PropagationRequest(), deterministic: true).prediction, .mean)
        XCTAssertEqual(
            PropagationSettings(PropagationRequest(propagation: .expectation), deterministic: false),
            PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean))
        XCTAssertEqual(
            PropagationSettings(
                PropagationRequest(propagation: .ts1, particles: 6, prediction: .mean), deterministic: false),
            PropagationSettings(propagation: .ts1, particles: 6, prediction: .mean))
        XCTAssertTrue(PropagationRequest().isEmpty)
        XCTAssertFalse(PropagationRequest(prediction: .mean).isEmpty)
    }

    func testSingleNetworkEngine() throws {
        let model = DynamicsModel(stats: stats(), hidden: 8, depth: 2, seed: 1)
        var planner = PlannerConfiguration(kind: .cem)
        planner.candidates = 30
        planner.threads = 2
        let engine = try model.planningEngine(for: planner, propagation: PropagationRequest())
        let perWorker =
            try XCTUnwrap(ModelDynamics.byteCount(model.config, capacity: 15))
            + XCTUnwrap(TrajectoryEvaluator.workerBytes(rows: 15, observationSize: 3, actionSize: 1))
        XCTAssertEqual(engine.byteCount, try XCTUnwrap(planner.planningBytes(actionSize: 1)) + 2 * perWorker)
        XCTAssertEqual(engine.particles, 1)
        XCTAssertEqual(engine.makeDynamics().capacity, 15)
        XCTAssertTrue(engine.config.isEmpty)
        XCTAssertThrowsError(try model.planningEngine(for: planner, propagation: PropagationRequest(particles: 4))) {
            error in
            XCTAssertEqual(error as? PlanningEngine.Failure, .propagationNeedsEnsemble)
        }
    }

    func testEnsembleEngine() throws {
        let model = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 1)
        model.elites = [2, 0]
        var planner = PlannerConfiguration(kind: .rs)
        planner.candidates = 10
        planner.threads = 2
        let engine = try model.planningEngine(for: planner, propagation: PropagationRequest(particles: 4))
        let settings = PropagationSettings(propagation: .tsInf, particles: 4, prediction: .sample)
        XCTAssertEqual(engine.particles, 4)
        let dynamics = engine.makeDynamics()
        XCTAssertEqual(dynamics.particles, 4)
        XCTAssertEqual(dynamics.capacity, 5 * 4)
        XCTAssertEqual(engine.config, settings.json)
        let perWorker =
            try XCTUnwrap(EnsembleDynamics.byteCount(model.config, settings: settings, elites: 2, capacity: 20))
            + XCTUnwrap(TrajectoryEvaluator.workerBytes(rows: 20, observationSize: 3, actionSize: 1))
        XCTAssertEqual(engine.byteCount, try XCTUnwrap(planner.planningBytes(actionSize: 1)) + 2 * perWorker)
        XCTAssertThrowsError(try model.planningEngine(for: planner, propagation: PropagationRequest(particles: 3))) {
            error in
            XCTAssertEqual(
                error as? PlanningEngine.Failure,
                .propagation(
                    "--particles 3 must be a multiple of the model's 2 elite members (each "
                        + "member takes an equal share)"))
        }
        planner.candidates = 20_000
        XCTAssertThrowsError(try model.planningEngine(for: planner, propagation: PropagationRequest(particles: 10_000)))
        { error in
            XCTAssertEqual(error as? PlanningEngine.Failure, .tooManyRowsPerWorker(particles: 10_000))
        }
    }

    /// Each engine's count holds every worker's copy of the weights, so a model too large to copy is
    /// refused by the memory check before `makeDynamics()` allocates it: with wide layers, the weights
    /// dominate, and a count without them (as before) would be far below these bounds.
    func testEngineCountsTheWeightsOfEveryWorker() throws {
        var planner = PlannerConfiguration(kind: .rs)
        planner.candidates = 4
        planner.horizon = 2
        planner.threads = 2
        let single = DynamicsModel(stats: stats(), hidden: 300, depth: 2, batchNorm: false, seed: 1)
        let foldedWeights = 4 * (4 * 300 + 300 + 300 * 300 + 300 + 300 * 3 + 3)
        let singleBytes = try XCTUnwrap(
            single.planningEngine(for: planner, propagation: PropagationRequest()).byteCount)
        XCTAssertGreaterThanOrEqual(singleBytes, 2 * 2 * foldedWeights)
        let ensemble = EnsembleModel(stats: stats(), hidden: 300, depth: 2, members: 4, seed: 1)
        ensemble.elites = [0, 1, 3]
        let head = ensemble.config.headWidth
        let memberWeights = 4 * (4 * 300 + 300 + 300 * 300 + 300 + 300 * head + head)
        let ensembleBytes = try XCTUnwrap(
            ensemble.planningEngine(for: planner, propagation: PropagationRequest(particles: 3)).byteCount)
        XCTAssertGreaterThanOrEqual(ensembleBytes, 2 * 3 * 2 * memberWeights)
    }

    /// `evaluate`'s memory check counts a Gaussian ensemble's calibration (the Float64 moments of every
    /// row, held while every member's means and variances are predicted again), and nothing for the
    /// models without a variance.
    func testEvaluationCountsAGaussianEnsemblesCalibration() throws {
        let rows = 100_000, o = 3
        func bytes(_ model: any LearnedModel) throws -> (total: Int, rest: Int) {
            let total = try XCTUnwrap(
                ModelEvaluation.byteCount(model: model, rows: rows, observationSize: o, actionSize: 1))
            let rest = try XCTUnwrap(model.meanDynamicsByteCount(capacity: 4096)) + rows * (4 * o + 1) * 4
            return (total, rest)
        }
        let gaussian = try bytes(EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 1))
        XCTAssertGreaterThanOrEqual(gaussian.total - gaussian.rest, rows * o * 16 + 3 * rows * 2 * o * 4)
        let deterministic = try bytes(
            EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, deterministic: true, seed: 1))
        XCTAssertEqual(deterministic.total, deterministic.rest)
        let single = try bytes(DynamicsModel(stats: stats(), hidden: 8, depth: 2, seed: 1))
        XCTAssertEqual(single.total, single.rest)
    }

    /// `ModelFile.read` gives each kind back as itself, predicting as the model written.
    func testEitherKindReadsBack() throws {
        let single = DynamicsModel(stats: stats(), hidden: 8, depth: 2, seed: 2)
        let ensemble = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 2)
        ensemble.elites = [1, 2]
        let observations: [Float] = [0.2, -0.1, 1, 0.5, 0.4, -2], actions: [Float] = [0.3, -0.7]
        for (name, model) in [("single.h5", single as any LearnedModel), ("ensemble.h5", ensemble)] {
            let file = try HDF5File.create(at: dir.file(name))
            try file.root.setAttribute("format", model.fileFormatVersion)
            try model.write(to: file.root, env: "Pendulum-v1")
            try file.close()
            let (read, env) = try ModelFile.read(fromFile: dir.file(name))
            XCTAssertEqual(env, "Pendulum-v1")
            XCTAssertTrue(type(of: read) == type(of: model), name)
            XCTAssertEqual(read.description, model.description)
            XCTAssertEqual(read.isProbabilistic, name == "ensemble.h5")
            let written = model.predictiveMoments(observations: observations, actions: actions)
            let back = read.predictiveMoments(observations: observations, actions: actions)
            XCTAssertEqual(back.mean, written.mean, name)
            XCTAssertEqual(back.variance, written.variance, name)
            XCTAssertEqual(
                read.elitePredictions(observations: observations, actions: actions).count, name == "ensemble.h5" ? 2 : 0
            )
        }
    }

    /// `ModelFile.read(fromFile:single:ensemble:)` hands each kind to its own closure: the plan stage
    /// opens either kind as a `PlanningModel`, and an ensemble's warm start refuses a single network.
    func testEachKindOpensAsAPlanningModelAndOnlyAnEnsembleWarmStartsAnEnsemble() throws {
        let single = DynamicsModel(stats: stats(), hidden: 8, depth: 2, seed: 2)
        let ensemble = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 2)
        for (name, model) in [("single.h5", single as any LearnedModel), ("ensemble.h5", ensemble)] {
            let file = try HDF5File.create(at: dir.file(name))
            try file.root.setAttribute("format", model.fileFormatVersion)
            try model.write(to: file.root, env: "Pendulum-v1")
            try file.close()
            let (read, env) = try ModelFile.readPlanningModel(fromFile: dir.file(name))
            XCTAssertEqual(env, "Pendulum-v1")
            XCTAssertTrue(type(of: read) == type(of: model), name)
        }
        let other = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 5)
        XCTAssertNoThrow(try other.loadWeights(fromFile: dir.file("ensemble.h5")))
        XCTAssertThrowsError(try other.loadWeights(fromFile: dir.file("single.h5"))) { error in
            XCTAssertEqual(
                "\(error)",
                dir.file("single.h5") + ": is a single-network model, but this training builds "
                    + "the ensemble \(other.config)")
        }
    }

    /// The mixture's moments are those of the elites' own predictions.
    func testMomentsAreTheElitesMixture() {
        let ensemble = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 3)
        ensemble.elites = [2, 0]
        let observations: [Float] = [0.2, -0.1, 1], actions: [Float] = [0.3]
        let elites = ensemble.elitePredictions(observations: observations, actions: actions)
        let (mean, variance) = ensemble.predictiveMoments(observations: observations, actions: actions)
        for i in 0..<3 {
            let m = elites.map { Double($0.mean[$0.mean.startIndex + i]) },
                v = elites.map { Double($0.variance[$0.variance.startIndex + i]) }
            let mu = (m[0] + m[1]) / 2
            XCTAssertEqual(mean[i], mu, accuracy: 1e-9)
            XCTAssertEqual(
                variance[i], (v[0] + v[1]) / 2 + ((m[0] - mu) * (m[0] - mu) + (m[1] - mu) * (m[1] - mu)) / 2,
                accuracy: 1e-6)
        }
    }
}
