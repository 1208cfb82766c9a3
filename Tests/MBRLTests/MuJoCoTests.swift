import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLRollouts
import MBRLTestSupport
import XCTest

/// The MuJoCo tasks against Gymnasium (fixtures of scripts/make_mujoco_vectors.py: MuJoCo 2.3.7 in
/// Python, Gymnasium 1.0.0, NumPy 1.26, which are bit-identical to Debian's MuJoCo 2.2.2).
final class MuJoCoTests: XCTestCase {
    /// What a replay of one fixture measured.
    struct Parity: CustomStringConvertible {
        var steps = 0, recordedStates = 0, terminations = 0, truncations = 0
        var maxInitialStateError = 0.0, maxStateError = 0.0, maxRewardError = 0.0, maxObservationError: Float = 0
        var description: String {
            "\(steps) steps (\(recordedStates) states compared, \(terminations) terminated, \(truncations) truncated): "
                + "max |Δstate| \(maxStateError) (after reset(toState:) \(maxInitialStateError)), max relative "
                + "|Δreward| \(maxRewardError), max |Δobservation| \(maxObservationError)"
        }
    }

    /// Replays every episode of `fixture` from its stored initial state with its stored actions, and
    /// compares every recorded state, every observation, reward and flag with Gymnasium's.
    func replay<E: MuJoCoEnvironment>(
        _ fixture: String, _ make: () -> E, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Parity {
        let root = try HDF5File.open(at: Repository.fixture(fixture)).root
        var env = make()
        XCTAssertEqual(try root.stringAttribute("env"), env.id, file: file, line: line)
        XCTAssertEqual(try root.doubleAttribute("dt"), env.dt, "dt", file: file, line: line)
        let initialStates = try root.read("initial_states", as: Double.self)
        let initialObservations = try root.read("initial_observations", as: Double.self)
        let limits = try root.read("episode_limits", as: Int64.self).values
        let lengths = try root.read("episode_lengths", as: Int64.self).values
        let actions = try root.read("actions", as: Float.self)
        let rewards = try root.read("rewards", as: Double.self).values
        let terminated = try root.read("terminated", as: UInt8.self).values
        let truncated = try root.read("truncated", as: UInt8.self).values
        let recorded = try root.read("recorded", as: UInt8.self).values
        let states = try root.read("states", as: Double.self)
        let observations = try root.read("observations", as: Double.self)
        XCTAssertEqual(initialStates.columns, env.stateSize, file: file, line: line)
        XCTAssertEqual(states.columns, env.stateSize, file: file, line: line)
        XCTAssertEqual(observations.columns, env.observationSize, file: file, line: line)
        XCTAssertEqual(actions.columns, env.actionSize, file: file, line: line)
        XCTAssertEqual(env.stateNames.count, env.stateSize, file: file, line: line)
        XCTAssertEqual(env.observationNames.count, env.observationSize, file: file, line: line)

        var parity = Parity()
        var row = 0, stored = 0
        for e in 0..<initialStates.rows {
            env.episodeLimit = Int(limits[e])
            let start = env.reset(toState: Array(initialStates.row(e)))
            XCTAssertEqual(
                start, initialObservations.row(e).map { Float($0) }, "episode \(e) start", file: file, line: line)
            // The stored start is Gymnasium's qpos after `set_state`'s mj_forward, which normalizes
            // the free joint's quaternion in place; normalizing it again may move it by an ulp.
            for (j, value) in initialStates.row(e).enumerated() {
                parity.maxInitialStateError = max(parity.maxInitialStateError, abs(env.state[j] - value))
            }
            for t in 0..<Int(lengths[e]) {
                let result = env.step(Array(actions.row(row)))
                let where_ = "episode \(e) step \(t + 1)"
                let expected = rewards[row]
                let rewardError = abs(result.reward - expected) / max(abs(expected), 1)
                parity.maxRewardError = max(parity.maxRewardError, rewardError)
                XCTAssertLessThanOrEqual(
                    rewardError, 1e-9, "reward, \(where_): \(result.reward) vs \(expected)", file: file, line: line)
                XCTAssertEqual(result.terminated, terminated[row] == 1, "terminated, \(where_)", file: file, line: line)
                XCTAssertEqual(result.truncated, truncated[row] == 1, "truncated, \(where_)", file: file, line: line)
                if recorded[row] == 1 {
                    let state = env.state
                    for (j, value) in states.row(stored).enumerated() {
                        parity.maxStateError = max(parity.maxStateError, abs(state[j] - value))
                    }
                    for (j, value) in observations.row(stored).enumerated() {
                        parity.maxObservationError = max(
                            parity.maxObservationError, abs(result.observation[j] - Float(value)))
                    }
                    parity.recordedStates += 1
                    stored += 1
                }
                if result.terminated { parity.terminations += 1 }
                if result.truncated { parity.truncations += 1 }
                parity.steps += 1
                row += 1
            }
        }
        XCTAssertEqual(row, actions.rows, file: file, line: line)
        XCTAssertEqual(stored, states.rows, file: file, line: line)
        XCTAssertLessThanOrEqual(parity.maxStateError, 1e-12, "states", file: file, line: line)
        XCTAssertLessThanOrEqual(
            parity.maxInitialStateError, 1e-15, "states after reset(toState:)", file: file, line: line)
        XCTAssertEqual(
            parity.maxObservationError, 0, "observations (Float32 of Gymnasium's float64)", file: file, line: line)
        print("\(env.id) parity with Gymnasium: \(parity)")
        return parity
    }

    func testHalfCheetahMatchesGymnasium() throws {
        let parity = try replay("mujoco_halfcheetah.h5") { HalfCheetah() }
        XCTAssertGreaterThanOrEqual(parity.truncations, 3)
    }

    func testHopperMatchesGymnasium() throws {
        let parity = try replay("mujoco_hopper.h5") { Hopper() }
        XCTAssertGreaterThanOrEqual(parity.terminations, 5, "the vectors must end in unhealthy states")
    }

    func testSwimmerMatchesGymnasium() throws {
        let parity = try replay("mujoco_swimmer.h5") { Swimmer() }
        XCTAssertGreaterThanOrEqual(parity.truncations, 3)
    }

    func testAntMatchesGymnasium() throws {
        let parity = try replay("mujoco_ant.h5") { Ant() }
        XCTAssertGreaterThanOrEqual(parity.terminations, 3, "the vectors must end in unhealthy states")
        XCTAssertGreaterThanOrEqual(parity.truncations, 1, "one 1,000-step episode")
    }

    /// The embedded models are the vendored files, which are Gymnasium's (the fixtures record the
    /// SHA-256 of the files Gymnasium itself loaded).
    func testVendoredModelsAreGymnasiumsFiles() throws {
        let tasks: [(fixture: String, file: String, text: String)] = [
            ("mujoco_halfcheetah.h5", HalfCheetah.modelFileName, HalfCheetah.modelText),
            ("mujoco_hopper.h5", Hopper.modelFileName, Hopper.modelText),
            ("mujoco_swimmer.h5", Swimmer.modelFileName, Swimmer.modelText),
            ("mujoco_ant.h5", Ant.modelFileName, Ant.modelText)
        ]
        for task in tasks {
            let root = try HDF5File.open(at: Repository.fixture(task.fixture)).root
            XCTAssertEqual(try root.stringAttribute("xml_file"), task.file)
            let gymnasium = try root.stringAttribute("xml_sha256")
            let vendored = try Data(
                contentsOf: Repository.root.appendingPathComponent("ThirdParty/gymnasium-mujoco/\(task.file)"))
            var fileHash = SHA256(), embeddedHash = SHA256()
            fileHash.update(vendored)
            embeddedHash.update(Array(task.text.utf8))
            XCTAssertEqual(
                fileHash.hexDigest(), gymnasium,
                "ThirdParty/gymnasium-mujoco/\(task.file) is not "
                    + "Gymnasium's file")
            XCTAssertEqual(
                embeddedHash.hexDigest(), gymnasium,
                "the embedded \(task.file) is not the vendored "
                    + "file: run scripts/embed_mujoco_models.py")
        }
    }

    /// Short names and Gymnasium ids of the four tasks, and their sizes.
    func testEnvironmentNames() {
        let expected: [(EnvironmentName, String, Int, Int, Int)] = [
            (.halfcheetah, "HalfCheetah-v4", 17, 6, 18), (.hopper, "Hopper-v4", 11, 3, 12),
            (.swimmer, "Swimmer-v4", 8, 2, 10), (.ant, "Ant-v4", 27, 8, 29)
        ]
        for (name, id, observationSize, actionSize, stateSize) in expected {
            XCTAssertEqual(EnvironmentName(id: id), name)
            let env = name.make()
            XCTAssertEqual(env.id, id)
            XCTAssertEqual(env.observationSize, observationSize)
            XCTAssertEqual(env.actionSize, actionSize)
            XCTAssertEqual(env.stateSize, stateSize)
            XCTAssertEqual(env.episodeLimit, 1000)
            XCTAssertEqual(env.actionLow, [Float](repeating: -1, count: actionSize))
            XCTAssertEqual(env.actionHigh, [Float](repeating: 1, count: actionSize))
            XCTAssertTrue(env.rewardReadsNextObservation)
            XCTAssertEqual(env.canTerminate, name == .hopper || name == .ant)
        }
        XCTAssertEqual(Ant().stateNames.prefix(3), ["qpos root.x", "qpos root.y", "qpos root.z"])
        XCTAssertEqual(Ant().observationNames.first, "qpos root.z")
        XCTAssertEqual(HalfCheetah().observationNames.first, "qpos rootz")
        XCTAssertEqual(HalfCheetah().observationNames[HalfCheetah.xVelocityIndex], "qvel rootx")
        XCTAssertEqual(Hopper().observationNames[Hopper.xVelocityIndex], "qvel rootx (clipped to ±10)")
        XCTAssertEqual(Swimmer().observationNames[Swimmer.xVelocityIndex], "qvel slider1")
        XCTAssertEqual(Ant().observationNames[Ant.xVelocityIndex], "qvel root.vx")
    }

    /// Seeded resets are reproducible, start near the model's rest pose, and copies of an environment
    /// step independently (each owns its simulation data).
    func testResetsAndCopies() {
        var a = HalfCheetah(), b = HalfCheetah()
        XCTAssertEqual(a.reset(seed: 3), b.reset(seed: 3))
        XCTAssertNotEqual(a.reset(seed: 3), a.reset(seed: 4))
        var hopper = Hopper()
        _ = hopper.reset(seed: 1)
        XCTAssertEqual(hopper.state[1], 1.25, accuracy: 0.005)
        XCTAssertTrue(hopper.isHealthy)

        _ = a.reset(seed: 5)
        var copy = a
        let action: [Float] = [0.5, -0.5, 0.25, -0.25, 1, -1]
        let first = copy.step(action)
        XCTAssertEqual(a.step(action).observation, first.observation, "the copy stepped the original's data")
        XCTAssertEqual(a.state, copy.state)
    }

    /// The control cost is numpy's `weight * np.sum(np.square(action))` on a float32 action: Float32
    /// squares summed pairwise from 8 values (Ant), left to right below 8, then the weight in Float64.
    func testControlCostFollowsNumpysOrder() {
        // Squares for which the two orders round differently in Float32.
        let action: [Float] = [1, 0x1p-12, 0x1p-12, 0x1p-12, 0x1p-12, 0x1p-12, 0x1p-12, 0x1p-12]
        let q = action.map { $0 * $0 }
        var sequential: Float = 0
        for x in q { sequential += x }
        let pairwise = ((q[0] + q[1]) + (q[2] + q[3])) + ((q[4] + q[5]) + (q[6] + q[7]))
        XCTAssertNotEqual(sequential, pairwise)
        XCTAssertEqual(MuJoCoTask.controlCost(action, weight: 0.5), 0.5 * Double(pairwise))
        XCTAssertEqual(
            MuJoCoTask.controlCost(Array(action.prefix(6)), weight: 0.1),
            0.1 * Double(q.prefix(6).reduce(Float(0), +)))
        // Beyond 8: blocks of 8 accumulated lane by lane, then the remainder left to right.
        let long = (0..<21).map { Float($0) * 0.37 }
        var lanes = Array(long.prefix(8))
        for j in 0..<8 { lanes[j] += long[8 + j] }
        var expected = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
        for x in long[16...] { expected += x }
        XCTAssertEqual(
            long.withUnsafeBufferPointer { MuJoCoTask.numpyPairwiseSum($0.baseAddress!, count: 21) }, expected)
    }

    /// The approximate reward on observations alone (what the planner uses for models without Δx)
    /// against the true reward, on real random-action transitions (40 episodes of at most 200 steps per
    /// task from seeded resets), and its termination against the step's. The bounds are what this
    /// measured, rounded up; the end-of-step velocity alone (mbrl-lib's choice) is checked to be
    /// further off. (The exact reward on Δx: `ExactRewardTests`.)
    func testApproximateRewardOnObservations() {
        // Bounds on the absolute reward error: (maximum, mean).
        let cases: [(make: () -> any MuJoCoEnvironment, velocity: Int, maxBound: Double, meanBound: Double)] = [
            // Measured: max 0.674, mean 0.143 (std of the true reward 0.67).
            ({ HalfCheetah() }, HalfCheetah.xVelocityIndex, 0.75, 0.16),
            // Measured: max 0.031, mean 0.0017 (std 0.36).
            ({ Hopper() }, Hopper.xVelocityIndex, 0.04, 0.0025),
            // Measured: max 0.249, mean 0.0050 (std 0.32).
            ({ Swimmer() }, Swimmer.xVelocityIndex, 0.3, 0.006),
            // Measured: max 0.658, mean 0.059 (std 0.91).
            ({ Ant() }, Ant.xVelocityIndex, 0.75, 0.07)
        ]
        for c in cases {
            var env = c.make()
            var rng = RandomGenerator(seed: 2024)
            env.episodeLimit = 200
            var observations: [Float] = [], actions: [Float] = [], next: [Float] = []
            var truth: [Double] = [], terminals: [Bool] = []
            for episode in 0..<40 {
                var observation = env.reset(seed: UInt64(episode))
                while true {
                    let action = (0..<env.actionSize).map { _ in Float(rng.uniform(-1, 1)) }
                    let result = env.step(action)
                    observations += observation
                    actions += action
                    next += result.observation
                    truth.append(result.reward)
                    terminals.append(result.terminated)
                    observation = result.observation
                    if result.terminated || result.truncated { break }
                }
            }
            let n = truth.count, o = env.observationSize
            var approximate = [Float](repeating: 0, count: n)
            env.rewards(
                observations: observations, actions: actions, nextObservations: next, count: n, into: &approximate)
            var maxError = 0.0, sumError = 0.0, sumEndError = 0.0
            for i in 0..<n {
                let error = abs(Double(approximate[i]) - truth[i])
                maxError = max(maxError, error)
                sumError += error
                // The end-of-step velocity instead of the mean of start and end.
                let end =
                    Double(approximate[i]) + 0.5 * Double(next[i * o + c.velocity] - observations[i * o + c.velocity])
                sumEndError += abs(end - truth[i])
            }
            let meanError = sumError / Double(n), meanEndError = sumEndError / Double(n)
            let spread = (truth.map { $0 * $0 }.reduce(0, +) / Double(n) - pow(truth.reduce(0, +) / Double(n), 2))
                .squareRoot()
            print(
                "\(env.id) batched reward on \(n) random transitions: |error| max \(maxError), mean \(meanError) "
                    + "(end-of-step velocity: mean \(meanEndError)); std of the true reward \(spread)")
            XCTAssertLessThanOrEqual(maxError, c.maxBound, env.id)
            XCTAssertLessThanOrEqual(meanError, c.meanBound, env.id)
            XCTAssertLessThan(meanError, meanEndError, env.id)

            var terminal = [Bool](repeating: false, count: n)
            env.isTerminal(nextObservations: next, count: n, into: &terminal)
            XCTAssertEqual(terminal, terminals, "\(env.id): termination on observations")
            if env.canTerminate { XCTAssertGreaterThan(terminals.filter { $0 }.count, 5, env.id) }
        }
    }

    /// Transitions of MuJoCo tasks carry D4RL's infos/qpos and infos/qvel (Float64, the state at each
    /// row's observation) through a file and back; Pendulum's carry none and its files have no infos/.
    func testTransitionsRecordSimulatorStates() throws {
        let dir = TemporaryDirectory()
        let provenance = try Provenance(
            format: FileFormat.transitions.rawValue, seed: 1, command: ["collect"], config: [:], inputPaths: [])
        for (name, positionsLeftOut) in [(EnvironmentName.ant, 2), (.hopper, 1), (.pendulum, 0)] {
            var env = name.make()
            env.episodeLimit = 60
            var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
            let data = try Rollout(episodes: 3, seed: 7).run(&policy, in: &env)
            let path = dir.file("\(name).h5")
            let file = try HDF5File.create(at: path)
            try data.write(to: try file.root, provenance: provenance)
            try file.close()
            let back = try Transitions.read(from: path)
            let root = try HDF5File.open(at: path).root
            guard let mujoco = env as? any MuJoCoEnvironment else {
                XCTAssertFalse(back.hasSimulatorStates)
                XCTAssertFalse(root.contains("infos"))
                continue
            }
            let nq = mujoco.nq, nv = mujoco.stateSize - mujoco.nq
            XCTAssertEqual(back.qposSize, nq)
            XCTAssertEqual(back.qvelSize, nv)
            XCTAssertEqual(back.infoQpos, data.infoQpos)
            XCTAssertEqual(back.infoQvel, data.infoQvel)
            XCTAssertEqual(try root.read("infos/qpos", as: Double.self).shape, [data.count, nq])
            XCTAssertEqual(try root.read("infos/qvel", as: Double.self).shape, [data.count, nv])
            // The state is the one at the row's observation: the observation is made of it.
            for i in 0..<back.count {
                let qpos = back.infoQpos[(i * nq)..<((i + 1) * nq)], qvel = back.infoQvel[(i * nv)..<((i + 1) * nv)]
                var expected = qpos.dropFirst(positionsLeftOut).map { Float($0) } + qvel.map { Float($0) }
                if name == .hopper {
                    expected = qpos.dropFirst(1).map { Float($0) } + qvel.map { Float(min(max($0, -10), 10)) }
                }
                XCTAssertEqual(
                    Array(back.observations[(i * env.observationSize)..<((i + 1) * env.observationSize)]), expected,
                    "\(name) row \(i)")
            }
        }
    }

    /// `visibleGeoms(qpos:)`, the geometry the report's side view draws: the same geoms (kinds, sizes)
    /// whatever the pose; unit, orthogonal axes; a root moved along x moves every centre by as much;
    /// non-finite values read as the reference pose's; Ant's free-joint quaternion read as a rotation
    /// whatever its length.
    func testVisibleGeomsArePlacedByForwardKinematics() throws {
        let ant = Ant(), q0 = ant.referenceQpos
        let reference = ant.visibleGeoms(qpos: q0)
        XCTAssertFalse(reference.isEmpty)
        for geom in reference {
            for i in 0..<3 {
                for j in 0..<3 {
                    let dot = (0..<3).map { geom.axes[i][$0] * geom.axes[j][$0] }.reduce(0, +)
                    XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-9)
                }
            }
        }
        var moved = q0
        moved[0] += 1.5
        for (a, b) in zip(ant.visibleGeoms(qpos: moved), reference) {
            XCTAssertEqual(a.kind, b.kind)
            XCTAssertEqual(a.size, b.size)
            XCTAssertEqual(a.center[0], b.center[0] + 1.5, accuracy: 1e-12)
            XCTAssertEqual(a.center[2], b.center[2], accuracy: 1e-12)
        }
        var turned = q0
        turned[3...6] = [0.8, 0, 0.6, 0]  // a rotation about y, as a unit quaternion...
        var scaled = turned
        scaled[3...6] = [2.4, 0, 1.8, 0]  // ...and three times it
        let unit = ant.visibleGeoms(qpos: turned)
        XCTAssertNotEqual(unit.map(\.center), reference.map(\.center))
        for (a, b) in zip(ant.visibleGeoms(qpos: scaled), unit) {
            for k in 0..<3 { XCTAssertEqual(a.center[k], b.center[k], accuracy: 1e-12) }
        }
        XCTAssertEqual(ant.visibleGeoms(qpos: q0.map { _ in .nan }), reference)
        XCTAssertEqual(HalfCheetah().floorHeight, 0)
    }
}
