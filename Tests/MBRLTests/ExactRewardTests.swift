import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// The MuJoCo tasks' exact planning reward and termination against the environment, on real
/// transitions of the Swift environments (which match Gymnasium's to the bit, `MuJoCoTests`); Δx as a
/// model output through the statistics, the files, the folded network, the ensemble and the planner.
final class ExactRewardTests: XCTestCase {
    /// Transitions of random-action episodes from seeded resets, with what the environment knows and a
    /// transitions file does not: the true Δx of each step (the forward position the reward read,
    /// after minus before, Float64) and the reward in Float64.
    struct RealTransitions {
        var observations: [Float] = [], actions: [Float] = [], next: [Float] = []
        var rewards: [Double] = [], deltaX: [Double] = [], terminated: [Bool] = []
        var count: Int { rewards.count }
    }

    static func realTransitions(
        _ make: () -> any MuJoCoEnvironment, episodes: Int = 30, steps: Int = 150, seed: UInt64 = 2025
    ) -> RealTransitions {
        var env = make()
        env.episodeLimit = steps
        var rng = RandomGenerator(seed: seed)
        var t = RealTransitions()
        for episode in 0..<episodes {
            var observation = env.reset(seed: seed &+ UInt64(episode))
            while true {
                // Mostly in the bounds, some beyond (the control cost reads the action as given).
                let action = (0..<env.actionSize).map { _ in Float(rng.uniform(-1.2, 1.2)) }
                let before = env.forwardPosition
                let result = env.step(action)
                t.observations += observation
                t.actions += action
                t.next += result.observation
                t.rewards.append(result.reward)
                t.deltaX.append(env.forwardPosition - before)
                t.terminated.append(result.terminated)
                observation = result.observation
                if result.terminated || result.truncated { break }
            }
        }
        return t
    }

    static let tasks: [() -> any MuJoCoEnvironment] = [{ HalfCheetah() }, { Hopper() }, { Swimmer() }, { Ant() }]

    /// Given the true next observation and the true Δx, the planning reward is the environment's reward
    /// up to the Float32 roundings the planner's buffers impose, and planning termination is the
    /// environment's, for every MuJoCo task.
    ///
    /// Tolerance: the planner receives the model's Δx output, ρ = Δx − dt·(s[v] + s'[v])/2, in Float32
    /// (relative error ≤ 2⁻²⁴, so the forward term moves by ≤ 2⁻²⁴·|w·ρ/dt|) and writes the reward in
    /// Float32 (≤ 2⁻²⁴ of its magnitude); adding the trapezoid back in Float64 costs a few Float64 ulps
    /// of w·Δx/dt; the rest is the environment's own Float64 arithmetic in its own order. So
    /// |planning − environment| ≤ 2⁻²⁴·(|w·ρ/dt| + |reward|)·1.001 + 2⁻⁵⁰·(|w·Δx/dt| + 1), and the
    /// same reward function given the Float64 Δx gives the environment's reward bit for bit.
    func testPlanningRewardAndTerminationAreTheEnvironments() {
        for make in Self.tasks {
            let env = make()
            let t = Self.realTransitions(make)
            let n = t.count, a = env.actionSize
            let objective = PlanningObjective(environment: env, predictsDeltaX: true)
            XCTAssertEqual(objective.auxiliarySize, 1)
            // The model's Δx output is the residual beyond the trapezoid of the observations' x velocities,
            // written out here as the documentation states it.
            let residuals = (0..<n).map { i in t.deltaX[i] - Self.trapezoid(env, t.observations, t.next, row: i) }
            var planned = [Float](repeating: .nan, count: n)
            objective.rewards(
                observations: t.observations, actions: t.actions, nextObservations: t.next,
                auxiliary: residuals.map { Float($0) },
                count: n, into: &planned)
            var worst = 0.0, worstRatio = 0.0, worstRow = 0, inexact = 0
            for i in 0..<n {
                let w = Self.forwardWeight(env)
                let bound =
                    0x1p-24 * (abs(w * residuals[i] / env.dt) + abs(t.rewards[i])) * 1.001 + 0x1p-50
                    * (abs(w * t.deltaX[i] / env.dt) + 1)
                let error = abs(Double(planned[i]) - t.rewards[i])
                worst = max(worst, error)
                if error / bound > worstRatio { (worstRatio, worstRow) = (error / bound, i) }
                let exact = t.actions.withUnsafeBufferPointer {
                    env.reward(deltaX: t.deltaX[i], action: $0.baseAddress! + i * a, actionSize: a)
                }
                if exact.bitPattern != t.rewards[i].bitPattern { inexact += 1 }
            }
            print(
                "\(env.id): planning reward on the true Δx against the environment's on \(n) transitions: max "
                    + "|error| \(worst), at most \(worstRatio) of the Float32 bound")
            XCTAssertLessThanOrEqual(
                worstRatio, 1,
                "\(env.id) row \(worstRow): planning \(planned[worstRow]), "
                    + "environment \(t.rewards[worstRow])")
            XCTAssertEqual(
                inexact, 0,
                "\(env.id): rows where the reward of the Float64 Δx is not the environment's "
                    + "to the bit")

            var terminal = [Bool](repeating: true, count: n)
            if let isTerminal = objective.isTerminal {
                t.next.withUnsafeBufferPointer { isTerminal($0.baseAddress!, n, &terminal) }
                XCTAssertGreaterThan(
                    t.terminated.filter { $0 }.count, 5,
                    "\(env.id): the transitions must hold "
                        + "terminations")
            } else {
                XCTAssertFalse(env.canTerminate, env.id)
                terminal = [Bool](repeating: false, count: n)
            }
            XCTAssertEqual(terminal, t.terminated, "\(env.id): planning termination on the true next observations")
        }
    }

    static func forwardWeight(_ env: any MuJoCoEnvironment) -> Double { type(of: env).forwardRewardWeight }

    /// dt·(s[v] + s'[v])/2 of row `row`, v the task's x-velocity index (8, 5, 3, 13).
    static func trapezoid(_ env: any MuJoCoEnvironment, _ observations: [Float], _ next: [Float], row: Int) -> Double {
        let v = [8, 5, 3, 13][[HalfCheetah().id, Hopper().id, Swimmer().id, Ant().id].firstIndex(of: env.id)!]
        let o = env.observationSize
        return env.dt * ((Double(observations[row * o + v]) + Double(next[row * o + v])) / 2)
    }

    /// Δx recovered from a transitions file's Float32 rewards (the model's training target) is the true
    /// Δx within the reward's rounding, dt·2⁻²⁴·(|reward| + cost + healthy)/w; for HalfCheetah, Hopper and
    /// Swimmer it is also the change of infos/qpos[0] between consecutive rows, and for Ant it is not
    /// (its reward reads the torso's position of the last forward pass, a physics step behind qpos).
    func testForwardDisplacementsFromRewards() throws {
        for make in Self.tasks {
            var env: any Environment = make()
            let task = make()
            env.episodeLimit = 120
            var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
            let data = try Rollout(episodes: 6, seed: 31).run(&policy, in: &env)
            let derived = try XCTUnwrap(data.forwardDisplacements, task.id)
            XCTAssertEqual(derived.count, data.count)
            // The model's target: Δx beyond the trapezoid of the root's x velocity.
            let residuals = try XCTUnwrap(data.deltaXResiduals, task.id)
            for i in 0..<data.count {
                XCTAssertEqual(
                    residuals[i], derived[i] - Self.trapezoid(task, data.observations, data.nextObservations, row: i),
                    accuracy: 1e-15, task.id)
            }
            // The true Δx: replay the episodes from their seeds with the recorded actions.
            var replay = make()
            replay.episodeLimit = 120
            var row = 0, worstQposGap = 0.0
            let nq = task.nq, a = task.actionSize
            for (e, length) in data.episodeLengths.enumerated() {
                _ = replay.reset(seed: UInt64(bitPattern: data.episodeSeeds[e]))
                for _ in 0..<Int(length) {
                    let before = replay.forwardPosition
                    _ = replay.step(Array(data.actions[(row * a)..<((row + 1) * a)]))
                    let truth = replay.forwardPosition - before
                    let cost = data.actions.withUnsafeBufferPointer {
                        MuJoCoTask.controlCost(
                            $0.baseAddress! + row * a, count: a, weight: type(of: task).controlCostWeight)
                    }
                    let bound =
                        task.dt * 0x1p-24 * (abs(Double(data.rewards[row])) + cost + type(of: task).healthyReward)
                        / Self.forwardWeight(task) * 1.001
                    XCTAssertLessThanOrEqual(abs(derived[row] - truth), bound, "\(task.id) row \(row)")
                    if row + 1 < Int(length) + Int(data.episodeLengths[..<e].reduce(0, +)) {
                        let qposGap = abs((data.infoQpos[(row + 1) * nq] - data.infoQpos[row * nq]) - truth)
                        worstQposGap = max(worstQposGap, qposGap)
                    }
                    row += 1
                }
            }
            print("\(task.id): largest |Δqpos[0] − Δx of the reward| between consecutive rows: \(worstQposGap) m")
            if task is Ant {
                XCTAssertGreaterThan(
                    worstQposGap, 1e-4,
                    "Ant's reward reads the torso's xpos, not qpos[0] at the "
                        + "observation")
            } else {
                XCTAssertLessThanOrEqual(worstQposGap, 1e-12, "\(task.id): the reward's x is qpos[0]")
            }
        }
        var pendulum: any Environment = Pendulum()
        var policy = RandomPolicy(low: pendulum.actionLow, high: pendulum.actionHigh)
        XCTAssertNil(try Rollout(episodes: 1, seed: 1).run(&policy, in: &pendulum).forwardDisplacements)
    }

    /// Random HalfCheetah (or another task's) transitions in a `Transitions` value.
    static func data(_ name: EnvironmentName, episodes: Int = 4, steps: Int = 60) throws -> Transitions {
        var env = name.make()
        env.episodeLimit = steps
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        return try Rollout(episodes: episodes, seed: 5).run(&policy, in: &env)
    }

    /// Statistics of MuJoCo data cover Δx (one more target), Pendulum's do not; a stats file and a
    /// model file carry them, a model with Δx is written as mbrl.model/3 or mbrl.ensemble/2 and read
    /// back, and a file whose version and statistics disagree is refused by name.
    func testStatisticsAndModelFilesCarryDeltaX() throws {
        let data = try Self.data(.halfcheetah)
        let stats = NormalizationStats(of: [data])
        XCTAssertTrue(stats.hasDeltaX)
        XCTAssertEqual(stats.targetSize, 18)
        let residuals = try XCTUnwrap(data.deltaXResiduals)
        let mean = residuals.reduce(0, +) / Double(residuals.count)
        XCTAssertEqual(Double(stats.deltaXMean[0]), mean, accuracy: 1e-6)
        XCTAssertFalse(NormalizationStats(of: [try Self.data(.pendulum)]).hasDeltaX)

        let dir = TemporaryDirectory()
        let statsFile = try HDF5File.create(at: dir.file("stats.h5"))
        try stats.write(to: try statsFile.root)
        try statsFile.close()
        let statsRoot = try HDF5File.open(at: dir.file("stats.h5")).root
        XCTAssertEqual(try NormalizationStats.read(from: statsRoot), stats)

        let single = DynamicsModel(stats: stats, hidden: 16, depth: 2, seed: 3)
        XCTAssertEqual(single.config.outputSize, 18)
        XCTAssertEqual(single.fileFormatVersion, "mbrl.model/3")
        let ensemble = EnsembleModel(stats: stats, hidden: 16, depth: 2, members: 3, seed: 3)
        XCTAssertEqual(ensemble.config.outputSize, 18)
        XCTAssertEqual(ensemble.fileFormatVersion, "mbrl.ensemble/2")
        let writers: [(String, String, String, (HDF5Group) throws -> Void)] = [
            ("single.h5", single.fileFormatVersion, "mbrl.model/2", { try single.write(to: $0, env: data.env) }),
            (
                "ensemble.h5", ensemble.fileFormatVersion, "mbrl.ensemble/1",
                { try ensemble.write(to: $0, env: data.env) }
            )
        ]
        for (name, version, versionWithoutDeltaX, write) in writers {
            for format in [version, versionWithoutDeltaX] {
                let file = try HDF5File.create(at: dir.file(format.replacingOccurrences(of: "/", with: "-") + name))
                try file.root.setAttribute("format", format)
                try write(try file.root)
                try file.close()
            }
            let (model, env) = try ModelFile.read(
                fromFile: dir.file(version.replacingOccurrences(of: "/", with: "-") + name))
            XCTAssertEqual(env, "HalfCheetah-v4")
            XCTAssertTrue(model.predictsDeltaX, name)
            XCTAssertEqual(model.stats, stats, name)
            // The version without Δx on a model with Δx: refused, naming the disagreement.
            XCTAssertThrowsError(
                try ModelFile.read(
                    fromFile: dir.file(versionWithoutDeltaX.replacingOccurrences(of: "/", with: "-") + name))
            ) { error in
                XCTAssertTrue("\(error)".contains("its statistics have Δx"), "\(error)")
            }
        }
    }

    /// The folded network and the ensemble's planning dynamics predict the Δx that the unfolded models
    /// predict, as their auxiliary output, beside the same next observations.
    func testPlanningDynamicsPredictDeltaX() throws {
        let data = try Self.data(.ant, episodes: 3, steps: 40)
        let stats = NormalizationStats(of: [data])
        let n = 50, o = data.observationSize, a = data.actionSize
        let observations = Array(data.observations[..<(n * o)]), actions = Array(data.actions[..<(n * a)])
        let single = DynamicsModel(stats: stats, hidden: 32, depth: 2, seed: 4)
        let ensemble = EnsembleModel(stats: stats, hidden: 32, depth: 2, members: 2, seed: 4)
        // The single network: ModelDynamics against DynamicsModel.predict.
        let expected = single.predict(observations: observations, actions: actions)
        let dynamics = ModelDynamics(single, capacity: n)
        XCTAssertEqual(dynamics.auxiliarySize, 1)
        var next = [Float](repeating: 0, count: n * o), deltaX = [Float](repeating: .nan, count: n)
        dynamics.predict(
            observations: observations, actions: actions, count: n, into: &next, auxiliary: &deltaX,
            context: PredictionContext(seed: 0, step: 0, firstCandidate: 0))
        for i in 0..<n {
            XCTAssertEqual(deltaX[i], expected.deltaX[i], accuracy: 1e-4 * max(1, abs(expected.deltaX[i])), "row \(i)")
        }
        for i in 0..<(n * o) {
            XCTAssertEqual(next[i], expected.next[i], accuracy: 1e-4 * max(1, abs(expected.next[i])))
        }
        // The ensemble: the expectation is the mean of the members' Δx (their mean outputs, unnormalized).
        let members = ensemble.predictMembersDeltaX(observations: observations, actions: actions)
        let expectation = EnsembleDynamics(
            ensemble, settings: PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean),
            capacity: n)
        XCTAssertEqual(expectation.auxiliarySize, 1)
        expectation.predict(
            observations: observations, actions: actions, count: n, into: &next, auxiliary: &deltaX,
            context: PredictionContext(seed: 0, step: 0, firstCandidate: 0))
        for i in 0..<n {
            XCTAssertEqual(
                deltaX[i], (members[i] + members[n + i]) / 2, accuracy: 1e-4 * max(1, abs(members[i])), "row \(i)")
        }
        // TS-∞ with sampled particles: each particle's Δx is its member's mean plus its member's noise.
        let sampled = EnsembleDynamics(
            ensemble, settings: PropagationSettings(propagation: .tsInf, particles: 2, prediction: .sample),
            capacity: 2 * n)
        var next2 = [Float](repeating: 0, count: 2 * n * o), deltaX2 = [Float](repeating: .nan, count: 2 * n)
        let twice = observations + observations, twiceActions = actions + actions
        sampled.predict(
            observations: twice, actions: twiceActions, count: 2 * n, into: &next2, auxiliary: &deltaX2,
            context: PredictionContext(seed: 9, step: 0, firstCandidate: 0))
        XCTAssertTrue(deltaX2.allSatisfy(\.isFinite))
        XCTAssertNotEqual(Array(deltaX2[..<n]), Array(members[..<n]), "sampled, not the mean")
    }

    /// The trajectory evaluator scores a candidate with the exact reward on the model's predicted Δx:
    /// its return is the sum of `MuJoCoEnvironment.rewards(…deltaXResiduals:…)` along the model's own rollout of
    /// the candidate, for the single network and the ensemble.
    func testEvaluatorScoresThePredictedDeltaX() throws {
        let data = try Self.data(.halfcheetah, episodes: 2, steps: 40)
        let stats = NormalizationStats(of: [data])
        let env = HalfCheetah(), o = env.observationSize, a = env.actionSize, horizon = 4, candidates = 3
        let objective = PlanningObjective(environment: env, predictsDeltaX: true)
        var rng = RandomGenerator(seed: 12)
        // Step-major (H, K, act) sequences.
        let sequences = (0..<(horizon * candidates * a)).map { _ in Float(rng.uniform(-1, 1)) }
        let start = Array(data.observations[..<o])
        let single = DynamicsModel(stats: stats, hidden: 16, depth: 2, seed: 6)
        let ensemble = EnsembleModel(stats: stats, hidden: 16, depth: 2, members: 2, seed: 6)
        let cases: [(String, BatchDynamics, any LearnedModel)] = [
            ("single", ModelDynamics(single, capacity: candidates), single),
            (
                "ensemble",
                EnsembleDynamics(
                    ensemble, settings: PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean),
                    capacity: candidates), ensemble
            )
        ]
        for (name, dynamics, model) in cases {
            let evaluator = TrajectoryEvaluator(
                dynamics: dynamics, objective: objective, capacity: candidates, horizon: horizon)
            evaluator.evaluate(from: start, sequences: sequences, count: candidates)
            for c in 0..<candidates {
                var state = start, total: Float = 0
                for h in 0..<horizon {
                    let action = Array(sequences[((h * candidates + c) * a)..<((h * candidates + c + 1) * a)])
                    let (next, deltaX) = Self.meanPrediction(model, observation: state, action: action)
                    var reward: Float = 0
                    env.rewards(
                        observations: state, actions: action, nextObservations: next, deltaXResiduals: [deltaX],
                        count: 1, into: &reward)
                    total += reward
                    state = next
                }
                XCTAssertEqual(
                    evaluator.returns[c], total, accuracy: 1e-3 * max(1, abs(total)), "\(name) candidate \(c)")
            }
        }
    }

    /// The next observation and Δx of one row from the unfolded model (the ensemble: the elites' mean).
    static func meanPrediction(_ model: any LearnedModel, observation: [Float], action: [Float]) -> ([Float], Float) {
        if let m = model as? DynamicsModel {
            let p = m.predict(observations: observation, actions: action)
            return (p.next, p.deltaX[0])
        } else {
            let m = model as! EnsembleModel
            let (means, _) = m.predictMembers(observations: observation, actions: action)
            let deltaX = m.predictMembersDeltaX(observations: observation, actions: action)
            let o = observation.count, e = Float(m.elites.count)
            let next = (0..<o).map { j in m.elites.reduce(Float(0)) { $0 + means[$1 * o + j] } / e }
            return (next, m.elites.reduce(Float(0)) { $0 + deltaX[$1] } / e)
        }
    }

    /// A planner on the Δx model picks actions, and `plan`'s objective for a model without Δx is the
    /// approximate reward on observations (older model files keep planning as they did).
    func testObjectivesWithAndWithoutDeltaX() {
        let env = Hopper()
        let approximate = PlanningObjective(environment: env, predictsDeltaX: false)
        XCTAssertEqual(approximate.auxiliarySize, 0)
        XCTAssertNil(approximate.auxiliaryRewards)
        XCTAssertNotNil(approximate.isTerminal)
        let exact = PlanningObjective(environment: env, predictsDeltaX: true)
        XCTAssertNotNil(exact.isTerminal)
        // One row: x velocity 0.1 m/s before and after (the trapezoid: 0.0008 m in 0.008 s) and a
        // residual of 0.008 m: Δx 0.0088 m, 1.1 m/s; plus the healthy reward, minus the cost.
        let obs = [Float](repeating: 0.1, count: 11), action: [Float] = [0.5, 0, 0]
        var r: Float = 0
        exact.rewards(observations: obs, actions: action, nextObservations: obs, auxiliary: [0.008], count: 1, into: &r)
        XCTAssertEqual(r, 1.1 + 1 - 0.001 * 0.25, accuracy: 1e-6)
    }
}
