import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// `DynamicsModel.openLoopCorrections` and `ModelFitting.correctionHorizon`: the correction rows are
/// the model's own open-loop predictions along the recorded episodes, with the recorded action,
/// reward and next observation; the fit with them is the plain fit followed by a second fit that
/// keeps whichever weights score best on the corrected validation rows.
final class OpenLoopCorrectionsTests: XCTestCase {
    func rollout(_ name: EnvironmentName, episodes: Int, steps: Int, seed: UInt64) throws -> Transitions {
        var env = name.make()
        env.episodeLimit = steps
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        return try Rollout(episodes: episodes, seed: seed).run(&policy, in: &env)
    }

    /// Every k-th row of each episode starts a stretch of at most k rows; each later row of a stretch
    /// holds the chained prediction from the stretch's start (`ModelEvaluation.openLoop`, one row at a
    /// time), and the recorded action, reward and next observation; each stretch is an episode of the
    /// result, which is a valid transitions set; the Δx each row's reward implies is the recorded one.
    func testCorrectionsAreTheModelsOwnOpenLoopPredictions() throws {
        for name in [EnvironmentName.pendulum, .halfcheetah] {
            let data = try rollout(name, episodes: 3, steps: 23, seed: 4)
            let stats = NormalizationStats(of: [data])
            XCTAssertEqual(stats.hasDeltaX, name != .pendulum)
            let model = DynamicsModel(stats: stats, hidden: 16, depth: 2, seed: 7)
            let episodes = [data.episodeRanges[0], data.episodeRanges[2]]
            let horizon = 5
            let corrections = model.openLoopCorrections(of: data, episodes: episodes, horizon: horizon)

            // 23 rows: stretches of 5, 5, 5, 5 and 3 rows, each correcting all rows but its first.
            XCTAssertEqual(corrections.count, 2 * (4 * 4 + 2), "\(name)")
            XCTAssertEqual(corrections.episodeRanges.count, 2 * 5, "\(name)")
            XCTAssertNil(corrections.problem, "\(name)")
            XCTAssertEqual(corrections.env, data.env)

            let o = data.observationSize, a = data.actionSize
            var row = 0
            var recordedRows: [Int] = []
            for episode in episodes {
                for start in stride(from: episode.lowerBound, to: episode.upperBound, by: horizon) {
                    let end = min(start + horizon, episode.upperBound)
                    let chain = ModelEvaluation.openLoop(model: model, data: data, rows: start..<(end - 1))
                    for (depth, r) in zip(1..., (start + 1)..<end) {
                        let predicted = corrections.observations[(row * o)..<((row + 1) * o)]
                        for (x, y) in zip(predicted, chain[depth]) {
                            XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), "\(name) row \(r) depth \(depth)")
                        }
                        XCTAssertEqual(
                            Array(corrections.actions[(row * a)..<((row + 1) * a)]),
                            Array(data.actions[(r * a)..<((r + 1) * a)]))
                        XCTAssertEqual(
                            Array(corrections.nextObservations[(row * o)..<((row + 1) * o)]),
                            Array(data.nextObservations[(r * o)..<((r + 1) * o)]))
                        XCTAssertEqual(corrections.rewards[row], data.rewards[r])
                        XCTAssertEqual(corrections.timeouts[row], r == end - 1)
                        recordedRows.append(r)
                        row += 1
                    }
                }
            }
            XCTAssertEqual(row, corrections.count)
            // The predictions are not the recorded observations (the model is untrained).
            let recorded = recordedRows.flatMap { data.observations[($0 * o)..<(($0 + 1) * o)] }
            XCTAssertNotEqual(corrections.observations, recorded)
            if name == .halfcheetah {
                let displacements = try XCTUnwrap(data.forwardDisplacements)
                XCTAssertEqual(try XCTUnwrap(corrections.forwardDisplacements), recordedRows.map { displacements[$0] })
            }
        }
    }

    /// The fit with corrections: its first epochs are the plain fit's, to the bit; then a second fit
    /// on the plain fit's corrections, whose rows the result counts; the weights kept score no worse on
    /// the corrected validation rows than the plain fit's, and are the plain fit's when no epoch of the
    /// second fit beat them; the config records the horizon.
    func testCorrectionsFitAgainFromTheFirstFitsBestWeights() throws {
        let data = try rollout(.pendulum, episodes: 6, steps: 40, seed: 1)
        // Both outcomes of the second fit are reached: at 0.02 one of its epochs beats the first fit's
        // weights; at 1e-4 it barely moves them, and none does.
        XCTAssertTrue(try checkCorrectedFit(on: data, learningRate: 0.02))
        XCTAssertFalse(try checkCorrectedFit(on: data, learningRate: 0.0001))
    }

    /// The checks of `testCorrectionsFitAgainFromTheFirstFitsBestWeights` on `data` at `learningRate`;
    /// returns whether a second-fit epoch's weights were kept (else the first fit's).
    func checkCorrectedFit(on data: Transitions, learningRate: Float) throws -> Bool {
        let stats = NormalizationStats(of: [data])
        var f = ModelFitting()
        f.batchSize = 32
        f.epochs = 5
        f.patience = 2
        f.optimizer.learningRate = learningRate
        f.validationFraction = 0.34
        f.seed = 5
        let plain = DynamicsModel(stats: stats, hidden: 8, depth: 2, seed: 3), corrected = plain.copy()
        let plainResult = try f.fit(plain, on: [data])
        XCTAssertNil(plainResult.correctionRows)
        XCTAssertNil(f.json["correction_horizon"])
        f.correctionHorizon = 4
        XCTAssertEqual(f.json["correction_horizon"], .int(4))
        var epochs: [ModelFitting.Epoch] = []
        let result = try f.fit(corrected, on: [data]) { epochs.append($0) }

        let first = plainResult.epochsRun
        XCTAssertEqual(Array(result.trainLossCurve.prefix(first)), plainResult.trainLossCurve)
        XCTAssertEqual(
            Array(result.validationLossCurve.prefix(first)).map(\.bitPattern),
            plainResult.validationLossCurve.map(\.bitPattern))
        let rows = try XCTUnwrap(result.correctionRows)
        XCTAssertEqual(rows.firstEpoch, first + 1)
        XCTAssertGreaterThan(result.epochsRun, first)
        XCTAssertLessThanOrEqual(result.epochsRun, first + f.epochs)
        XCTAssertEqual(epochs.map(\.epoch), Array(1...result.epochsRun))
        XCTAssertEqual(epochs.map(\.correcting), (1...result.epochsRun).map { $0 > first })
        XCTAssertTrue(epochs.allSatisfy { $0.epochs == 2 * f.epochs })

        // The corrections of the plain fit's model, on the same split's episodes.
        var splitRNG = RandomGenerator(seed: f.seed, stream: RandomStreams.validationSplit)
        let split = EpisodeSplit(data, validationFraction: f.validationFraction, rng: &splitRNG)
        func episodes(_ rows: [Int]) -> [Range<Int>] { data.episodeRanges.filter { rows.contains($0.lowerBound) } }
        let trainingCorrections = plain.openLoopCorrections(
            of: data, episodes: episodes(split.trainingRows), horizon: 4)
        let validationCorrections = plain.openLoopCorrections(
            of: data, episodes: episodes(split.validationRows), horizon: 4)
        XCTAssertEqual(rows.training, trainingCorrections.count)
        XCTAssertEqual(rows.validation, validationCorrections.count)
        XCTAssertEqual(result.trainingRows, plainResult.trainingRows)
        XCTAssertEqual(result.validationRows, plainResult.validationRows)

        // Scored on the validation rows and their corrections, the kept weights are no worse.
        var validation = ModelTrainer.Examples(normalizing: data, rows: split.validationRows, stats: stats)
        validation.append(
            ModelTrainer.Examples(
                normalizing: validationCorrections, rows: Array(0..<validationCorrections.count), stats: stats))
        func score(_ model: DynamicsModel) -> Double {
            ModelTrainer(model: model.copy(), batchSize: 32, optimizer: f.optimizer).loss(on: validation)
        }
        let kept = score(corrected), before = score(plain)
        XCTAssertEqual(kept, try XCTUnwrap(result.validationLoss), accuracy: 1e-9)
        XCTAssertLessThanOrEqual(kept, before)
        if result.bestEpoch < rows.firstEpoch {
            XCTAssertEqual(corrected.network.parameters.array, plain.network.parameters.array)
            return false
        }
        XCTAssertLessThan(kept, before)
        XCTAssertEqual(kept, result.validationLossCurve[result.bestEpoch - 1], accuracy: 1e-9)
        return true
    }
}
