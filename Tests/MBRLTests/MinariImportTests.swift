import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLTestSupport
import XCTest

/// Minari datasets read through the project's HDF5 layer: the fixtures Minari's own DataCollector
/// wrote (scripts/make_minari_fixtures.py) import to exactly the values Minari stores, and what the
/// project cannot use is refused with one line.
final class MinariImportTests: XCTestCase {
    let pendulum = Repository.fixture("minari/pendulum-random-v0")
    let halfcheetah = Repository.fixture("minari/halfcheetah-random-v0")

    /// Every row against the stored Float64 values, read raw: observation t and t + 1 of the
    /// episode, the action, the reward (Float32 of Minari's Float64), the flags; the returns are
    /// Minari's sums as scripts/make_minari_fixtures.py printed them.
    func testPendulumImportsTheStoredValues() throws {
        let dataset = try MinariDataset(at: pendulum)
        XCTAssertEqual(dataset.metadata.envID, "Pendulum-v1")
        XCTAssertEqual(dataset.metadata.minariVersion, "0.5.3")
        let data = try dataset.transitions(as: try dataset.environment(override: nil))
        XCTAssertEqual(data.env, "Pendulum-v1")
        XCTAssertEqual(data.episodeLengths, [20, 20, 20, 12])
        XCTAssertEqual(data.episodeSeeds, [0, 1, 2, 3])
        // Summed in order; NumPy's pairwise np.sum may differ in the last bit.
        for (sum, minari) in zip(
            data.episodeReturns, [-114.1132112324294, -111.67400615922853, -117.18542560719405, -100.65321886590112])
        {
            XCTAssertEqual(sum, minari, accuracy: 1e-13 * abs(minari))
        }
        XCTAssertFalse(data.hasSimulatorStates)
        try checkRows(data, against: dataset.dataFile, observationSize: 3, actionSize: 1)
    }

    func testHalfCheetahImportsTheStoredValuesAndSimulatorStates() throws {
        let dataset = try MinariDataset(at: halfcheetah + "/data/main_data.hdf5")
        let data = try dataset.transitions(as: .halfcheetah)
        XCTAssertEqual(data.episodeLengths, [15, 15, 15])
        for (sum, minari) in zip(data.episodeReturns, [-0.028486566961455684, -5.641347581331709, -5.855662056504019]) {
            XCTAssertEqual(sum, minari, accuracy: 1e-13)
        }
        XCTAssertEqual(
            Array(data.observations[0..<3]),
            [-0.04604265724722594, -0.09180529521276107, -0.09669447289429418].map { Float($0) })
        XCTAssertEqual(data.qposSize, 9)
        XCTAssertEqual(data.qvelSize, 9)
        try checkRows(data, against: dataset.dataFile, observationSize: 17, actionSize: 6)
        let file = try HDF5File.open(at: dataset.dataFile)
        let root = try file.root
        var row = 0
        for e in 0..<3 {
            let qpos = try root.read("episode_\(e)/infos/qpos", as: Double.self),
                qvel = try root.read("episode_\(e)/infos/qvel", as: Double.self)
            for t in 0..<15 {
                XCTAssertEqual(Array(data.infoQpos[(row * 9)..<((row + 1) * 9)]), Array(qpos.row(t)))
                XCTAssertEqual(Array(data.infoQvel[(row * 9)..<((row + 1) * 9)]), Array(qvel.row(t)))
                row += 1
            }
        }
        // The starts plan uses: (qpos, qvel) of each episode's first row, the state Gymnasium reset to.
        let starts = try XCTUnwrap(data.episodeStartStates(in: .halfcheetah))
        XCTAssertEqual(
            starts[1],
            Array(try root.read("episode_1/infos/qpos", as: Double.self).row(0))
                + Array(try root.read("episode_1/infos/qvel", as: Double.self).row(0)))
        try file.close()
    }

    /// Also each return, the Float64 sum of the Float64 rewards, in order.
    func checkRows(
        _ data: Transitions, against path: String, observationSize o: Int, actionSize a: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let h5 = try HDF5File.open(at: path)
        let root = try h5.root
        var row = 0
        for (e, length) in data.episodeLengths.enumerated() {
            let observations = try root.read("episode_\(e)/observations", as: Double.self)
            let actions = try root.read("episode_\(e)/actions", as: Double.self)
            let rewards = try root.read("episode_\(e)/rewards", as: Double.self)
            let truncations = try root.read("episode_\(e)/truncations", as: Bool.self)
            for t in 0..<Int(length) {
                XCTAssertEqual(
                    Array(data.observations[(row * o)..<((row + 1) * o)]), observations.row(t).map { Float($0) },
                    file: file, line: line)
                XCTAssertEqual(
                    Array(data.nextObservations[(row * o)..<((row + 1) * o)]),
                    observations.row(t + 1).map { Float($0) }, file: file, line: line)
                XCTAssertEqual(
                    Array(data.actions[(row * a)..<((row + 1) * a)]), actions.row(t).map { Float($0) }, file: file,
                    line: line)
                XCTAssertEqual(data.rewards[row], Float(rewards.values[t]), file: file, line: line)
                XCTAssertEqual(data.timeouts[row], truncations.values[t], file: file, line: line)
                XCTAssertFalse(data.terminals[row], file: file, line: line)
                row += 1
            }
            XCTAssertEqual(data.episodeReturns[e], rewards.values.reduce(0, +), file: file, line: line)
        }
        XCTAssertEqual(row, data.count, file: file, line: line)
        try h5.close()
    }

    func testPendulumStartStatesAreTheAnglesOfTheFirstObservations() throws {
        let dataset = try MinariDataset(at: pendulum)
        let starts = try XCTUnwrap(try dataset.transitions(as: .pendulum).episodeStartStates(in: .pendulum))
        XCTAssertEqual(starts.count, 4)
        // Episode 0 starts at (cos θ, sin θ, θ̇) = (0.652016282081604, 0.758204996585846, -0.46042656898498535).
        XCTAssertEqual(starts[0][0], atan2(0.758204996585846, 0.652016282081604), accuracy: 1e-12)
        XCTAssertEqual(starts[0][1], -0.46042656898498535)
    }

    func testHeldOutEpisodesAreSeededAndNeverAll() {
        let a = Transitions.heldOutEpisodes(of: 10, fraction: 0.2, seed: 7)
        XCTAssertEqual(a.count, 2)
        XCTAssertEqual(a, Transitions.heldOutEpisodes(of: 10, fraction: 0.2, seed: 7))
        XCTAssertNotEqual(
            (0..<20).map { Transitions.heldOutEpisodes(of: 10, fraction: 0.2, seed: UInt64($0)) }.count { $0 == a }, 20)
        XCTAssertEqual(Transitions.heldOutEpisodes(of: 2, fraction: 0.01, seed: 0).count, 1)
        XCTAssertEqual(Transitions.heldOutEpisodes(of: 1, fraction: 0.5, seed: 0), [])
        XCTAssertEqual(Transitions.heldOutEpisodes(of: 3, fraction: 0.9, seed: 0).count, 2)
    }

    // MARK: Refusals: each a single line naming the file and the problem.

    func refusal(_ fixture: MinariFixture, as env: EnvironmentName? = nil) throws -> String {
        let dir = TemporaryDirectory("mbrl-minari")
        try fixture.write(to: dir.path + "/d")
        do {
            let dataset = try MinariDataset(at: dir.path + "/d")
            _ = try dataset.transitions(as: try dataset.environment(override: env))
            XCTFail("accepted")
            return ""
        } catch {
            let text = "\(error)".replacingOccurrences(of: dir.path + "/", with: "")
            XCTAssertFalse(text.contains("\n"))
            return text
        }
    }

    func testAWellFormedHandMadeDatasetImports() throws {
        let dir = TemporaryDirectory("mbrl-minari")
        try MinariFixture(episodes: [.pendulum(steps: 4), .pendulum(steps: 3)]).write(to: dir.path + "/d")
        let data = try MinariDataset(at: dir.path + "/d").transitions(as: .pendulum)
        XCTAssertEqual(data.episodeLengths, [4, 3])
    }

    func testDiscreteActionsAreRefused() throws {
        var f = MinariFixture(episodes: [.pendulum(steps: 3)])
        f.actionSpace = "{\"type\": \"Discrete\", \"dtype\": \"int64\", \"start\": 0, \"n\": 3}"
        f.integerActions = true
        XCTAssertEqual(
            try refusal(f),
            "d/data/metadata.json: action space Discrete does not fit Pendulum-v1, which "
                + "takes Box(float, (1,))")
    }

    func testDictObservationsAreRefused() throws {
        var f = MinariFixture(episodes: [.pendulum(steps: 3)])
        f.observationSpace = "{\"type\": \"Dict\", \"subspaces\": {}}"
        XCTAssertEqual(
            try refusal(f),
            "d/data/metadata.json: observation space Dict does not fit Pendulum-v1, "
                + "which observes Box(float, (3,))")
    }

    func testInconsistentLengthsAreRefused() throws {
        var e = MinariFixture.Episode.pendulum(steps: 3)
        e.observations.removeLast()
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [.pendulum(steps: 2), e])),
            "d/data/main_data.hdf5: episode_1/observations: has shape (3, 3), expected (4, 3): one more "
                + "row than the episode's 3 rewards, Pendulum-v1's observation size")
        var f = MinariFixture.Episode.pendulum(steps: 3)
        f.actions.removeLast()
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [f])),
            "d/data/main_data.hdf5: episode_0/actions: has shape (2, 1), expected (3, 1): one row per "
                + "reward, Pendulum-v1's action size")
    }

    func testNonFiniteValuesAreRefused() throws {
        var e = MinariFixture.Episode.pendulum(steps: 3)
        e.observations[2][1] = .nan
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [e])),
            "d/data/main_data.hdf5: episode_0/observations: "
                + "holds NaN at row 2")
        var r = MinariFixture.Episode.pendulum(steps: 3)
        r.rewards[1] = 1e300
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [r])),
            "d/data/main_data.hdf5: episode_0/rewards: holds a value that is not finite in Float32 "
                + "(1e+300) at row 1")
    }

    func testSpacesThatDoNotMatchTheNamedEnvironmentAreRefused() throws {
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [.pendulum(steps: 3)]), as: .halfcheetah),
            "d/data/metadata.json: observation space Box(float32, (3,)) does not fit HalfCheetah-v4, "
                + "which observes Box(float, (17,))")
        var f = MinariFixture(episodes: [.pendulum(steps: 3)])
        f.actionSpace = "{\"type\": \"Box\", \"dtype\": \"float32\", \"shape\": [1], \"low\": [-1.0], \"high\": [1.0]}"
        XCTAssertEqual(
            try refusal(f),
            "d/data/metadata.json: action bounds [-1.0]…[1.0] are not Pendulum-v1's "
                + "[-2.0]…[2.0]")
    }

    func testAnEnvironmentThatIsNotSimulatedIsRefusedUnlessNamed() throws {
        var f = MinariFixture(episodes: [.pendulum(steps: 3)])
        f.envID = "Pendulum-v9"
        XCTAssertEqual(
            try refusal(f),
            "d/data/metadata.json: environment 'Pendulum-v9' is not one the project "
                + "simulates (Pendulum-v1, HalfCheetah-v4, Hopper-v4, Swimmer-v4, Ant-v4); --env names one whose spaces "
                + "the data fits")
        let dir = TemporaryDirectory("mbrl-minari")
        try f.write(to: dir.path + "/d")
        let dataset = try MinariDataset(at: dir.path + "/d")
        XCTAssertEqual(try dataset.transitions(as: try dataset.environment(override: .pendulum)).env, "Pendulum-v1")
    }

    func testAnEndFlagBeforeTheLastStepIsRefused() throws {
        var e = MinariFixture.Episode.pendulum(steps: 4)
        e.terminations[1] = true
        XCTAssertEqual(
            try refusal(MinariFixture(episodes: [e])),
            "d/data/main_data.hdf5: episode_0: step 1 of 4 is flagged terminated, before the episode's "
                + "last step")
    }

    func testAnUnflaggedLastStepIsACutOff() throws {
        var e = MinariFixture.Episode.pendulum(steps: 3)
        e.truncations[2] = false
        let dir = TemporaryDirectory("mbrl-minari")
        try MinariFixture(episodes: [e, .pendulum(steps: 2)]).write(to: dir.path + "/d")
        let data = try MinariDataset(at: dir.path + "/d").transitions(as: .pendulum)
        XCTAssertEqual(data.timeouts, [false, false, true, false, true])
        XCTAssertEqual(data.episodeLengths, [3, 2])
    }
}
