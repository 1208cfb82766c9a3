import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLModels
@testable import MBRLPlanning
import MBRLTestSupport
import XCTest

/// The terminal value: its targets, its fit, its file, and how the planner adds it.
final class ValueFunctionTests: XCTestCase {
    /// Statistics that leave a 1-D observation as it is.
    let identity = NormalizationStats(
        stateMean: [0], stateStd: [1], actionMean: [0], actionStd: [1], deltaStateMean: [0], deltaStateStd: [1],
        deltaXMean: [], deltaXStd: [], count: 1)

    /// Episodes of 1-D observations with the given rewards and endings.
    func transitions(_ episodes: [(rewards: [Float], terminal: Bool)], cutOff: Bool = false) -> Transitions {
        var t = Transitions(observationSize: 1, actionSize: 1, env: "Test-v0", policy: "random")
        for episode in episodes {
            for (i, r) in episode.rewards.enumerated() {
                let last = i == episode.rewards.count - 1
                t.append(
                    observation: [Float(i)], action: [0], reward: Double(r), nextObservation: [Float(i + 1)],
                    terminal: last && episode.terminal, timeout: last && !episode.terminal)
            }
        }
        t.lastEpisodeCutOff = cutOff
        return t
    }

    func testReturnsToGoStopAtEachEpisodesEndAndSkipACutOffEpisode() {
        let data = transitions([([1, 2, 3], true), ([4, 5], false), ([6, 7], false)], cutOff: true)
        let g = ValueFunction.returnsToGo(data, discount: 0.5)
        // 1 + .5·(2 + .5·3) = 2.75; 2 + .5·3 = 3.5; 3. Then 4 + .5·5 = 6.5; 5. The cut-off episode: none.
        XCTAssertEqual(g.map { $0 ?? .nan }.prefix(5), [2.75, 3.5, 3, 6.5, 5])
        XCTAssertEqual(g.suffix(2).map { $0 == nil }, [true, true])
        XCTAssertEqual(ValueFunction.returnsToGo(data, discount: 1)[0], 6)
    }

    func testAFitLearnsTheReturnsOfTheStatesAndTheFileKeepsIt() throws {
        // Every episode collects 1 per step for 10 steps from observation 0 up: the return-to-go of
        // observation i is 10 − i (γ 1), which a small network fits closely.
        let data = transitions(Array(repeating: (Array(repeating: 1, count: 10), true), count: 40))
        let stats = NormalizationStats(
            stateMean: [4.5], stateStd: [2.9], actionMean: [0], actionStd: [1], deltaStateMean: [1],
            deltaStateStd: [1], deltaXMean: [], deltaXStd: [], count: 400)
        let function = ValueFunction(stats: stats, discount: 1, hidden: 16, depth: 1, seed: 3)
        // Unfitted, it adds nothing: its last layer starts at zero.
        XCTAssertEqual(function.values(of: [0, 5, 9]), [0, 0, 0])
        var fitting = ValueFitting()
        fitting.epochs = 200
        fitting.batchSize = 32
        fitting.optimizer.learningRate = 3e-3
        let result = try function.fit([data], fitting)
        XCTAssertEqual(result.trainingRows + result.validationRows, 400)
        XCTAssertGreaterThan(result.validationRows, 0)
        XCTAssertEqual(function.returnMean, 5.5, accuracy: 1e-5)
        let values = function.values(of: [0, 5, 9])
        for (v, expected) in zip(values, [Float(10), 5, 1]) { XCTAssertEqual(v, expected, accuracy: 0.25, "\(values)") }

        let folder = TemporaryDirectory("mbrl-value")
        let path = folder.file("v.h5")
        let file = try HDF5File.create(at: path)
        let root = try file.root
        try root.setAttribute("format", ValueFunction.fileFormat)
        try function.write(to: root, env: "Test-v0")
        try file.close()
        let (read, env) = try ValueFunction.read(fromFile: path)
        XCTAssertEqual(env, "Test-v0")
        XCTAssertEqual(read.discount, 1)
        XCTAssertEqual(read.values(of: [0, 5, 9]), values)
    }

    func testAFileThatIsNotAValueIsRefusedByName() throws {
        let folder = TemporaryDirectory("mbrl-value-bad")
        let function = ValueFunction(stats: identity, discount: 0.9, hidden: 4, depth: 1, seed: 0)
        let cases: [(String, (HDF5Group) throws -> Void, String)] = [
            (
                "format", { try $0.setAttribute("format", "mbrl.model/2") },
                "has format 'mbrl.model/2', expected a value file"
            ),
            ("discount", { try $0.setAttribute("discount", 1.5) }, "@discount: must be in (0, 1], is 1.5"),
            ("std", { try $0.setAttribute("return_std", 0.0) }, "@return_std: must be positive and finite"),
            ("size", { try $0.setAttribute("input_size", 2) }, "has 1 values, expected input_size 2")
        ]
        for (name, damage, message) in cases {
            let path = folder.file("\(name).h5")
            let file = try HDF5File.create(at: path)
            let root = try file.root
            try root.setAttribute("format", ValueFunction.fileFormat)
            try function.write(to: root, env: "Test-v0")
            try damage(root)
            try file.close()
            XCTAssertThrowsError(try ValueFunction.read(fromFile: path), name) { error in
                XCTAssertTrue("\(error)".contains(path), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(name): \(error)")
            }
        }
    }

    /// V(s) = s exactly: no hidden layer, weight 1, bias 0, returns unscaled.
    func identityValue() -> ValueFunction {
        let v = ValueFunction(stats: identity, discount: 1, hidden: 1, depth: 0, seed: 0)
        v.network.parameters[v.network.layout.weightOffset[0]] = 1
        return v
    }

    /// The evaluator adds γᴴ·V(s_H) to the candidates the horizon did not end, and nothing to one
    /// that ended at any step, the last included; on one or two workers, with one or two particles.
    func testThePlannerAddsTheDiscountedValueOfTheLastStateOfLiveCandidates() {
        var objective = PlanningObjective(
            observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1],
            rewards: { _, _, _, n, r in for i in 0..<n { r[i] = 0 } },
            isTerminal: { next, n, t in for i in 0..<n { t[i] = next[i] > 0.5 } })
        objective.terminalValue = identityValue()
        let gamma: Float = 0.9
        // (H, K, act): candidate 0 steps +0.1 (0.3 at the end), 1 steps +0.2 (0.6: ends at the last
        // step), 2 goes +0.3, +0.3, −0.3 (ends at step 1, back at 0.3), 3 steps −0.1.
        let sequences: [Float] = [0.1, 0.2, 0.3, -0.1, 0.1, 0.2, 0.3, -0.1, 0.1, 0.2, -0.3, -0.1]
        let weight = 1 * gamma * gamma * gamma
        let end0: Float = 0 + 0.1 + 0.1 + 0.1, end3: Float = 0 - 0.1 - 0.1 - 0.1
        for (dynamics, threads) in [
            (PointMass(capacity: 4), 1), (PointMass(capacity: 4), 2), (PointMass(capacity: 8, particles: 2), 2)
        ] as [(BatchDynamics, Int)] {
            let evaluator = TrajectoryEvaluator(
                dynamics: dynamics, objective: objective, capacity: 4, horizon: 3, discount: gamma, threads: threads)
            sequences.withUnsafeBufferPointer { evaluator.evaluate(from: [0], sequences: $0.baseAddress!, count: 4) }
            XCTAssertEqual(
                Array(UnsafeBufferPointer(start: evaluator.returns.pointer, count: 4)),
                [weight * end0, 0, 0, weight * end3],
                "\(threads) threads, \(dynamics.particles) particles")
        }
    }

    /// An unfitted value (it estimates 0 everywhere) leaves every planner's actions as they were.
    func testAnUnfittedValueChangesNoPlan() {
        var objective = PointMass.objective
        objective.terminalValue = ValueFunction(stats: identity, discount: 1, hidden: 8, depth: 2, seed: 1)
        for kind in [PlannerKind.rs, .mppi, .icem] {
            var c = PlannerConfiguration(kind: kind)
            c.candidates = 64
            c.horizon = 4
            c.elites = 6
            c.iterations = kind == .rs ? 1 : 2
            let plain = c.make(dynamics: PointMass(capacity: 80), objective: PointMass.objective)
            let valued = c.make(dynamics: PointMass(capacity: 80), objective: objective)
            var rng1 = RandomGenerator(seed: 4), rng2 = RandomGenerator(seed: 4)
            for x: Float in [0, 0.7, -0.4] {
                XCTAssertEqual(plain.action(for: [x], rng: &rng1), valued.action(for: [x], rng: &rng2), "\(kind)")
            }
        }
    }
}
