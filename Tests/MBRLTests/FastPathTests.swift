@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// The fast paths (folded network with hand-written thin layers, threaded evaluator) must choose what
/// a straightforward reference chooses: the unfolded network in evaluation mode, one row at a time.
final class ReferenceDynamics: BatchDynamics {
    let model: DynamicsModel
    let capacity: Int
    init(_ model: DynamicsModel, capacity: Int) { self.model = model; self.capacity = capacity }
    var observationSize: Int { model.observationSize }
    var actionSize: Int { model.actionSize }
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>
    ) {
        let o = observationSize, a = actionSize
        let result = model.predictNextObservations(
            observations: Array(UnsafeBufferPointer(start: observations, count: count * o)),
            actions: Array(UnsafeBufferPointer(start: actions, count: count * a)))
        for i in 0..<(count * o) { next[i] = result[i] }
    }
    func copy() -> BatchDynamics { ReferenceDynamics(model, capacity: capacity) }
}

final class FastPathTests: XCTestCase {
    /// A model trained briefly on random Pendulum data, so its predictions are meaningful.
    func trainedModel() -> DynamicsModel {
        var env: any Environment = Pendulum()
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        let data = try! Rollout(episodes: 5, seed: 21).run(&policy, in: &env)
        let model = DynamicsModel(stats: NormalizationStats(of: [data]), hidden: 32, seed: 1)
        var fitting = ModelFitting()
        fitting.batchSize = 64
        fitting.optimizer.learningRate = 3e-3
        fitting.epochs = 5
        fitting.validationFraction = 0
        _ = try! fitting.fit(model, on: [data])
        return model
    }

    func testFastPlannersChooseTheReferenceActions() {
        let model = trainedModel()
        for kind in [PlannerKind.rs, .cem, .mppi] {
            var config = PlannerConfiguration(kind: kind)
            config.candidates = 256
            config.horizon = 10
            config.iterations = kind == .rs ? 1 : 3
            config.elites = 20
            var fastConfig = config
            fastConfig.threads = 2
            let objective = PlanningObjective(environment: Pendulum())
            let fast = fastConfig.make(
                dynamics: ModelDynamics(model, capacity: fastConfig.rowsPerWorker), objective: objective)
            let reference = config.make(dynamics: ReferenceDynamics(model, capacity: 256), objective: objective)
            var fastRNG = RandomGenerator(seed: 8), referenceRNG = RandomGenerator(seed: 8)
            var env = Pendulum()
            var observation = env.reset(toState: [2.5, 0.3])
            var largest: Float = 0
            for _ in 0..<25 {
                let a = fast.action(for: observation, rng: &fastRNG)
                let b = reference.action(for: observation, rng: &referenceRNG)
                largest = max(largest, abs(a[0] - b[0]))
                observation = env.step(b).observation
            }
            // Random shooting picks among identical candidates: the same one. CEM and MPPI average
            // candidates weighted by returns that agree to rounding.
            XCTAssertLessThanOrEqual(largest, kind == .rs ? 0 : 1e-3, "\(kind): largest action difference \(largest)")
        }
    }

    func testEvaluatorReturnsMatchTheReference() {
        let model = trainedModel()
        let objective = PlanningObjective(environment: Pendulum())
        let fast = TrajectoryEvaluator(
            dynamics: ModelDynamics(model, capacity: 150), objective: objective, capacity: 300, horizon: 12, threads: 2)
        let reference = TrajectoryEvaluator(
            dynamics: ReferenceDynamics(model, capacity: 300), objective: objective, capacity: 300, horizon: 12)
        var rng = RandomGenerator(seed: 4)
        let sequences = (0..<(300 * 12)).map { _ in Float(rng.uniform(-2, 2)) }
        fast.evaluate(from: [0.3, -0.95, 1.2], sequences: sequences, count: 300)
        reference.evaluate(from: [0.3, -0.95, 1.2], sequences: sequences, count: 300)
        XCTAssertLessThan(maxRelativeError(fast.returns.array, reference.returns.array, floor: 1).error, 1e-4)
    }

    /// Training in Float32 (the fast path) gives the losses of the same steps in Float64.
    func testFloatTrainingFollowsDoubleTraining() {
        let config = MLPConfiguration(inputSize: 4, outputSize: 3, hidden: 32, depth: 2, batchNorm: true)
        let single = MLP<Float>(config, capacity: 64), double = MLP<Double>(config, capacity: 64)
        var rng = RandomGenerator(seed: 6)
        single.initialize(using: &rng)
        for i in 0..<single.parameters.count { double.parameters[i] = Double(single.parameters[i]) }
        let adamConfig = AdamConfiguration(learningRate: 1e-3)
        let adamSingle = Adam<Float>(parameterCount: single.parameters.count, config: adamConfig)
        let adamDouble = Adam<Double>(parameterCount: double.parameters.count, config: adamConfig)
        for step in 0..<100 {
            let x = (0..<(64 * 4)).map { _ in rng.normal() }
            var y: [Double] = []
            for r in 0..<64 {
                let a: Double = x[4 * r], b: Double = x[4 * r + 1], c: Double = x[4 * r + 2], d: Double = x[4 * r + 3]
                y += [sin(a) + 0.1 * d, b * c, cos(c)]
            }
            single.forward(x.map { Float($0) }, count: 64, training: true)
            let lossSingle = single.mseLoss(target: y.map { Float($0) })
            single.backward()
            adamSingle.update(parameters: single.parameters, gradients: single.gradients)
            double.forward(x, count: 64, training: true)
            let lossDouble = double.mseLoss(target: y)
            double.backward()
            adamDouble.update(parameters: double.parameters, gradients: double.gradients)
            XCTAssertEqual(lossSingle, lossDouble, accuracy: 1e-4 * max(1, lossDouble), "step \(step)")
        }
    }
}
