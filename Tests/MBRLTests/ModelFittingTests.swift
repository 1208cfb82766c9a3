import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// The one fitting loop: the single network driven by it as the one-member case gives, bit for bit,
/// what the single network's own loop gave (written out here as it was); the architecture decides the
/// kind; the config attribute lists each kind's settings.
final class ModelFittingTests: XCTestCase {
    func pendulumData(episodes: Int, seed: UInt64, steps: Int = 50) throws -> Transitions {
        var env: any Environment = Pendulum()
        env.episodeLimit = steps
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        return try Rollout(episodes: episodes, seed: seed).run(&policy, in: &env)
    }

    /// The single network's loop before the one fitting loop: split, pools, minibatch schedule, Adam
    /// steps, validation loss, the best epoch's weights, patience.
    static func directFit(
        _ model: DynamicsModel, _ f: ModelFitting, _ datasets: [Transitions]
    ) -> (curve: [Double], validation: [Double], best: Int) {
        let trainer = ModelTrainer(
            model: model, batchSize: f.bufferRows(forRows: datasets.reduce(0) { $0 + $1.count }), optimizer: f.optimizer
        )
        var splitRNG = RandomGenerator(seed: f.seed, stream: RandomStreams.validationSplit)
        var pools = [ModelTrainer.Examples.empty], validation = ModelTrainer.Examples.empty
        if f.newDataFraction != nil { pools.append(.empty) }
        for (index, data) in datasets.enumerated() {
            let split = EpisodeSplit(data, validationFraction: f.validationFraction, rng: &splitRNG)
            pools[f.newDataFraction != nil && index > 0 ? 1 : 0].append(
                trainer.examples(from: data, rows: split.trainingRows))
            validation.append(trainer.examples(from: data, rows: split.validationRows))
        }
        var batchRNG = RandomGenerator(seed: f.seed, stream: RandomStreams.minibatches)
        var schedule = MinibatchSchedule(
            pools: pools.map(\.count), batchSize: f.batchSize, newDataFraction: f.newDataFraction)
        var best = (loss: Double.infinity, epoch: 0, model: model.copy())
        var curve: [Double] = [], validationCurve: [Double] = []
        for epoch in 1...f.epochs {
            var sum = 0.0, batches = 0
            for batch in schedule.epoch(using: &batchRNG) {
                sum +=
                    batch.count == 1
                    ? trainer.step(on: pools[0], rows: batch[0][...])
                    : trainer.step(on: pools[0], rows: batch[0][...], and: pools[1], rows: batch[1][...])
                batches += 1
            }
            curve.append(sum / Double(batches))
            let loss = validation.count > 0 ? trainer.loss(on: validation) : curve.last!
            validationCurve.append(validation.count > 0 ? loss : .nan)
            if loss < best.loss {
                best = (loss, epoch, best.model)
                best.model.load(from: model)
            }
            if validation.count > 0 && epoch - best.epoch >= f.patience { break }
        }
        model.load(from: best.model)
        return (curve, validationCurve, best.epoch)
    }

    func testSingleNetworkIsTheOneMemberCase() throws {
        let older = try pendulumData(episodes: 6, seed: 1), newer = try pendulumData(episodes: 3, seed: 2)
        let stats = NormalizationStats(of: [older, newer])
        for (name, newDataFraction, validationFraction) in [
            ("pooled", nil, 0.34), ("aggregated", 0.5, 0.34), ("no validation", nil, 0.0)
        ] {
            var f = ModelFitting()
            f.batchSize = 32
            f.epochs = 6
            f.patience = 2
            f.optimizer.learningRate = 0.02
            f.validationFraction = validationFraction
            f.newDataFraction = newDataFraction
            f.seed = 5
            let model = DynamicsModel(stats: stats, hidden: 8, depth: 2, seed: 3), direct = model.copy()
            let result = try f.fit(model, on: [older, newer])
            let expected = Self.directFit(direct, f, [older, newer])
            XCTAssertEqual(result.trainLossCurve, expected.curve, name)
            XCTAssertEqual(result.validationLossCurve.map(\.bitPattern), expected.validation.map(\.bitPattern), name)
            XCTAssertEqual(result.bestEpoch, expected.best, name)
            XCTAssertEqual(result.elites, [0], name)
            XCTAssertEqual(model.network.parameters.array, direct.network.parameters.array, name)
            XCTAssertEqual(model.network.buffers.array, direct.network.buffers.array, name)
        }
    }

    func testArchitectureDecidesTheKind() {
        let stats = NormalizationStats(
            stateMean: [0, 0, 0], stateStd: [1, 1, 1], actionMean: [0], actionStd: [1],
            deltaStateMean: [0, 0, 0], deltaStateStd: [1, 1, 1], count: 2)
        let single = ModelArchitecture(hidden: 8, depth: 2).make(stats: stats, seed: 0)
        XCTAssertEqual((single as? DynamicsModel)?.config.batchNorm, true)
        XCTAssertEqual(
            (ModelArchitecture(hidden: 8, depth: 2, batchNorm: false, members: 1, gaussian: false, activation: .relu)
                .make(stats: stats, seed: 0) as? DynamicsModel)?.config.batchNorm, false)
        for (architecture, gaussian, activation) in [
            (ModelArchitecture(hidden: 8, depth: 2, members: 3), true, Activation.silu),
            (ModelArchitecture(hidden: 8, depth: 2, gaussian: true), true, .silu),
            (ModelArchitecture(hidden: 8, depth: 2, activation: .silu), false, .silu),
            (ModelArchitecture(hidden: 8, depth: 2, members: 2, gaussian: false, activation: .relu), false, .relu)
        ] {
            XCTAssertTrue(architecture.isEnsemble)
            let ensemble = architecture.make(stats: stats, seed: 0) as? EnsembleModel
            XCTAssertEqual(ensemble?.config.deterministic, !gaussian)
            XCTAssertEqual(ensemble?.config.activation, activation)
            XCTAssertEqual(ensemble?.memberCount, architecture.members)
        }
    }

    func testConfigListsEachKindsSettings() {
        let stats = NormalizationStats(
            stateMean: [0, 0, 0], stateStd: [1, 1, 1], actionMean: [0], actionStd: [1],
            deltaStateMean: [0, 0, 0], deltaStateStd: [1, 1, 1], count: 2)
        var f = ModelFitting()
        let common: Set = [
            "batch_size", "lr", "beta1", "beta2", "weight_decay", "epochs", "val_fraction", "patience", "seed",
            "hidden", "depth", "data", "stats", "init"
        ]
        guard
            case .object(let single) = f.config(
                of: DynamicsModel(stats: stats, hidden: 8, depth: 2, seed: 0), data: ["a.h5"],
                stats: "s.h5", initialModel: nil)
        else { return XCTFail() }
        XCTAssertEqual(Set(single.keys), common.union(["new_data_fraction", "batch_norm"]))
        f.elites = 2
        guard
            case .object(let ensemble) = f.config(
                of: EnsembleModel(stats: stats, hidden: 8, depth: 2, members: 3, seed: 0), data: ["a.h5"],
                stats: "s.h5", initialModel: "m.h5")
        else { return XCTFail() }
        XCTAssertEqual(Set(ensemble.keys), common.union(["elites", "members", "activation", "deterministic"]))
        XCTAssertEqual(ensemble["elites"], .int(2))
        XCTAssertEqual(ensemble["members"], .int(3))
        XCTAssertEqual(ensemble["init"], .string("m.h5"))
    }

    /// `inputNoise`: each observation input moves by a draw ε of N(0, σ²) from the noise's own stream,
    /// and its state-change target by −ε·σ_state/σ_Δstate (the perturbed state's change to the same next
    /// state); actions and the Δx target stay; the config records it only when set; the fit without it
    /// is the fit it always was (the other tests and scripts/stage-checksums).
    func testInputNoiseMovesTheObservationsAndCorrectsTheirTargets() throws {
        let stats = NormalizationStats(
            stateMean: [0, 0], stateStd: [2, 0.5], actionMean: [0], actionStd: [1],
            deltaStateMean: [0, 0], deltaStateStd: [0.25, 0.5], deltaXMean: [0], deltaXStd: [1], count: 2)
        let model = DynamicsModel(stats: stats, hidden: 8, depth: 1, seed: 0)
        let rows = 64
        let inputs = (0..<(rows * 3)).map { Float($0 % 7) * 0.25 - 0.5 }
        let targets = (0..<(rows * 3)).map { Float($0 % 5) * 0.5 - 1 }
        let examples = ModelTrainer.Examples(inputs: inputs, targets: targets, count: rows)
        let σ: Float = 0.5
        let trainer = ModelTrainer(
            model: model, batchSize: rows, optimizer: AdamConfiguration(),
            inputNoise: ModelTrainer.InputNoise(std: σ, seed: 3))
        let batch = trainer.gatheredBatch(examples, rows: Array(0..<rows)[...])
        var rng = RandomGenerator(seed: 3, stream: RandomStreams.inputNoise)
        var sum = 0.0, squares = 0.0
        for r in 0..<rows {
            for j in 0..<2 {
                let e = σ * Float(rng.normal())
                XCTAssertEqual(batch.inputs[r * 3 + j], inputs[r * 3 + j] + e, "row \(r) observation \(j)")
                let scale = stats.stateStd[j] / stats.deltaStateStd[j]  // 8 and 1
                XCTAssertEqual(batch.targets[r * 3 + j], targets[r * 3 + j] - e * scale, "row \(r) target \(j)")
                sum += Double(e)
                squares += Double(e * e)
            }
            XCTAssertEqual(batch.inputs[r * 3 + 2], inputs[r * 3 + 2], "row \(r): the action has no noise")
            XCTAssertEqual(batch.targets[r * 3 + 2], targets[r * 3 + 2], "row \(r): the Δx target is the step's")
        }
        let n = Double(rows * 2)
        XCTAssertEqual(sum / n, 0, accuracy: 0.15)
        XCTAssertEqual((squares / n).squareRoot(), Double(σ), accuracy: 0.1)
        // The next minibatch draws new noise.
        XCTAssertNotEqual(trainer.gatheredBatch(examples, rows: Array(0..<rows)[...]).inputs, batch.inputs)
        // Without noise the batch is the rows as they are.
        let plain = ModelTrainer(model: model, batchSize: rows, optimizer: AdamConfiguration())
        XCTAssertEqual(plain.gatheredBatch(examples, rows: Array(0..<rows)[...]).inputs, inputs)

        var fitting = ModelFitting()
        XCTAssertNil(fitting.json["input_noise"])
        fitting.inputNoise = 0.25
        XCTAssertEqual(fitting.json["input_noise"], .float(0.25))
    }
}
