@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLRollouts
import XCTest

/// A policy that returns a fixed action, or NaN from a given step on.
private struct ScriptedPolicy: Policy {
    let name = "scripted"
    var action: Float = 0.5
    var nanFromStep: Int? = nil
    var step = 0
    var seeds: [UInt64] = []

    mutating func beginEpisode(seed: UInt64) {
        seeds.append(seed)
        step = 0
    }

    mutating func action(for observation: [Float]) -> [Float] {
        step += 1
        if let nanFromStep, step >= nanFromStep { return [.nan] }
        return [action]
    }
}

/// The library's episode loop and training loop, which every stage, test and the bench share.
final class RolloutAndFittingTests: XCTestCase {
    func randomData(episodes: Int, seed: UInt64) throws -> Transitions {
        var env: any Environment = Pendulum()
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        return try Rollout(episodes: episodes, seed: seed).run(&policy, in: &env)
    }

    func testEpisodesEndAtTheLimitAndReplayFromTheirSeed() throws {
        var env: any Environment = Pendulum()
        env.episodeLimit = 7
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        let data = try Rollout(episodes: 3, seed: 5).run(&policy, in: &env)
        XCTAssertEqual(data.count, 21)
        XCTAssertEqual(data.episodeLengths, [7, 7, 7])
        XCTAssertEqual(data.episodeRanges, [0..<7, 7..<14, 14..<21])
        XCTAssertEqual(data.timeouts.enumerated().filter(\.element).map(\.offset), [6, 13, 20])
        XCTAssertEqual(data.terminals, Array(repeating: false, count: 21))
        XCTAssertNil(data.episodeProblem)
        // Episode 2 replays alone from its recorded seed.
        var alone = Pendulum()
        var replay = RandomPolicy(low: alone.actionLow, high: alone.actionHigh)
        let seed = UInt64(bitPattern: data.episodeSeeds[2])
        var observation = alone.reset(seed: seed)
        replay.beginEpisode(seed: seed)
        for t in 14..<21 {
            XCTAssertEqual(observation, Array(data.observations[(t * 3)..<(t * 3 + 3)]))
            let action = replay.action(for: observation)
            XCTAssertEqual(action, [data.actions[t]])
            observation = alone.step(action).observation
        }
    }

    /// A step budget records exactly its steps: the same episodes as an episode budget, one after
    /// another, the last cut off at the budget and flagged a timeout.
    func testAStepBudgetRecordsItsStepsAndCutsTheLastEpisode() throws {
        var env: any Environment = Pendulum()
        env.episodeLimit = 7
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        let budget = try Rollout(budget: .steps(17), seed: 5).run(&policy, in: &env)
        XCTAssertEqual(budget.count, 17)
        XCTAssertEqual(budget.episodeLengths, [7, 7, 3])
        XCTAssertEqual(budget.timeouts.enumerated().filter(\.element).map(\.offset), [6, 13, 16])
        XCTAssertNil(budget.episodeProblem)
        XCTAssertTrue(budget.lastEpisodeCutOff)
        XCTAssertEqual(budget.completeEpisodeReturns, Array(budget.episodeReturns.prefix(2)))
        // A budget that ends with an episode cuts nothing and starts no other.
        var whole = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        var rollout = Rollout(budget: .steps(14), seed: 5)
        var ends: [Bool] = [], recorded: [Int] = []
        rollout.onEpisodeEnd = {
            ends.append($0.cutOff)
            recorded.append($0.recorded)
        }
        let boundary = try rollout.run(&whole, in: &env)
        XCTAssertEqual(boundary.episodeLengths, [7, 7])
        XCTAssertEqual(boundary.timeouts.enumerated().filter(\.element).map(\.offset), [6, 13])
        XCTAssertFalse(boundary.lastEpisodeCutOff)
        XCTAssertEqual(ends, [false, false])
        XCTAssertEqual(recorded, [7, 14], "the transitions recorded so far, as a step budget counts them")
        var again = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        let episodes = try Rollout(episodes: 3, seed: 5).run(&again, in: &env)
        XCTAssertEqual(budget.episodeSeeds, episodes.episodeSeeds)
        XCTAssertEqual(budget.observations, Array(episodes.observations[..<(17 * 3)]))
        XCTAssertEqual(budget.actions, Array(episodes.actions[..<17]))
        XCTAssertEqual(
            Rollout(budget: .steps(17), seed: 5).byteCount(in: env),
            Transitions.byteCount(
                rows: 17, observationSize: 3, actionSize: 1))

        // On a task that terminates, a budget counts steps across episodes that end early; a
        // budget that ends where an episode terminates records the termination, not a timeout.
        var hopper: any Environment = EnvironmentName.hopper.make()
        var random = RandomPolicy(low: hopper.actionLow, high: hopper.actionHigh)
        let falls = try Rollout(budget: .steps(300), seed: 2).run(&random, in: &hopper)
        XCTAssertEqual(falls.count, 300)
        XCTAssertGreaterThan(falls.episodeLengths.count, 3, "random hoppers fall within a few dozen steps")
        XCTAssertEqual(falls.terminals.filter { $0 }.count, falls.episodeLengths.count - 1)
        XCTAssertTrue(falls.timeouts[299] && !falls.terminals[299])
        XCTAssertNil(falls.episodeProblem)
        let firstFall = Int(falls.episodeLengths[0])
        var replay = RandomPolicy(low: hopper.actionLow, high: hopper.actionHigh)
        let exact = try Rollout(budget: .steps(firstFall), seed: 2).run(&replay, in: &hopper)
        XCTAssertEqual(exact.episodeLengths, [Int64(firstFall)])
        XCTAssertTrue(exact.terminals[firstFall - 1] && !exact.timeouts[firstFall - 1])
    }

    func testFixedStartsAreUsedAndRecordedByRow() throws {
        var env: any Environment = Pendulum()
        env.episodeLimit = 3
        var policy = ScriptedPolicy()
        let starts: [[Double]] = [[0.5, 0], [-1, 2]]
        let data = try Rollout(episodes: 2, seed: 9, initialStates: starts).run(&policy, in: &env)
        XCTAssertEqual(Array(data.observations[0..<3]), [Float(cos(0.5)), Float(sin(0.5)), 0])
        XCTAssertEqual(Array(data.observations[9..<12]), [Float(cos(-1.0)), Float(sin(-1.0)), 2])
        XCTAssertEqual(data.episodeSeeds, [0, 1])
        XCTAssertEqual(policy.seeds.count, 2, "the policy starts every episode")
        XCTAssertEqual(data.policy, "scripted")
    }

    func testNonFiniteValuesStopTheRollout() throws {
        var env: any Environment = Pendulum()
        var policy = ScriptedPolicy(nanFromStep: 4)
        XCTAssertThrowsError(try Rollout(episodes: 1, seed: 0).run(&policy, in: &env)) { error in
            XCTAssertEqual("\(error)", "no finite action in episode 1, step 4")
        }
        var fine = ScriptedPolicy()
        XCTAssertThrowsError(try Rollout(episodes: 1, seed: 0, initialStates: [[0, 1e300]]).run(&fine, in: &env)) {
            error in
            XCTAssertEqual("\(error)", "the start of episode 1 gives a non-finite observation")
        }
        XCTAssertThrowsError(try Rollout(episodes: 1, seed: 0, initialStates: [[0, 1e38]]).run(&fine, in: &env)) {
            error in
            XCTAssertEqual("\(error)", "episode 1 reaches a non-finite observation or reward at step 1")
        }
    }

    func testFitKeepsTheBestEpochAndStopsEarly() throws {
        let data = try randomData(episodes: 6, seed: 3)
        let model = DynamicsModel(stats: NormalizationStats(of: [data]), hidden: 16, seed: 2)
        var fitting = ModelFitting()
        fitting.batchSize = 32
        fitting.optimizer.learningRate = 0.05  // large, so the validation loss soon stops improving
        fitting.epochs = 200
        fitting.patience = 3
        fitting.validationFraction = 0.34
        var reported: [Int] = []
        let result = try fitting.fit(model, on: [data]) { reported.append($0.epoch) }
        XCTAssertEqual(reported, Array(1...result.epochsRun))
        XCTAssertEqual(result.trainLossCurve.count, result.epochsRun)
        XCTAssertEqual(result.validationRows, 400, "two of six episodes held out")
        XCTAssertEqual(result.trainingRows, 800)
        XCTAssertTrue(result.stoppedEarly)
        XCTAssertEqual(result.epochsRun - result.bestEpoch, 3)
        XCTAssertEqual(result.validationLoss, result.validationLossCurve.min())
        XCTAssertEqual(result.validationLossCurve[result.bestEpoch - 1], result.validationLoss)
        // The model holds the best epoch's weights: its validation loss is the best one.
        var splitRNG = RandomGenerator(seed: fitting.seed, stream: RandomStreams.validationSplit)
        let split = EpisodeSplit(data, validationFraction: 0.34, rng: &splitRNG)
        let trainer = ModelTrainer(model: model, batchSize: 512, optimizer: AdamConfiguration())
        XCTAssertEqual(
            trainer.loss(on: trainer.examples(from: data, rows: split.validationRows)), result.validationLoss!,
            accuracy: 1e-6 * result.validationLoss!)
    }

    func testFitIsReproducibleAndRefusesTooLittleData() throws {
        let data = try randomData(episodes: 3, seed: 4)
        var fitting = ModelFitting()
        fitting.epochs = 3
        fitting.seed = 11
        func weights() throws -> [Float] {
            let model = DynamicsModel(stats: NormalizationStats(of: [data]), hidden: 8, seed: 1)
            _ = try fitting.fit(model, on: [data])
            return model.network.parameters.array
        }
        XCTAssertEqual(try weights(), try weights(), "the same seed gives the same weights")

        var one = Transitions(observationSize: 3, actionSize: 1, env: "Pendulum-v1", policy: "random")
        one.append(
            observation: [1, 0, 0], action: [0], reward: 0, nextObservation: [1, 0, 0], terminal: false, timeout: true)
        one.endEpisode(return: 0, length: 1, seed: 0)
        let model = DynamicsModel(stats: NormalizationStats(of: [data]), hidden: 8, seed: 1)
        XCTAssertThrowsError(try fitting.fit(model, on: [one])) { error in
            XCTAssertEqual(error as? ModelFitting.Failure, .tooFewRows(1))
        }
        fitting.newDataFraction = 0.5
        XCTAssertThrowsError(try fitting.fit(model, on: [one, data])) { error in
            XCTAssertEqual(error as? ModelFitting.Failure, .tooFewOlderRows(1))
        }
    }
}
