import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLTestSupport
import XCTest

/// The Minari programs and the offline preset on the fixtures Minari's DataCollector wrote:
/// import → train → export → import gives the same numbers and the same model, the export has
/// Minari's layout (scripts/check_minari_export.py opens it with Minari itself), refusals are one
/// line with nothing left behind, and `make PIPELINE=offline DATASET=...` runs to a report.
final class MinariStageTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-minari-stage")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    func run(_ program: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try runProcess(Repository.executable(program), arguments, in: dir.path)
        XCTAssertEqual(result.status, 0, "\(program) \(arguments): \(result.stderr)", file: file, line: line)
    }

    func weights(_ path: String) throws -> [[Float]] {
        let file = try HDF5File.open(at: dir.file(path))
        let root = try file.root
        let values = try ["model.network.0.weight", "model.network.0.bias", "model.network.3.weight"].map {
            try root.read($0, as: Float.self).values
        }
        try file.close()
        return values
    }

    func assertSameTransitions(_ a: Transitions, _ b: Transitions, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.env, b.env, file: file, line: line)
        XCTAssertEqual(a.observations, b.observations, file: file, line: line)
        XCTAssertEqual(a.nextObservations, b.nextObservations, file: file, line: line)
        XCTAssertEqual(a.actions, b.actions, file: file, line: line)
        XCTAssertEqual(a.rewards, b.rewards, file: file, line: line)
        XCTAssertEqual(a.terminals, b.terminals, file: file, line: line)
        XCTAssertEqual(a.timeouts, b.timeouts, file: file, line: line)
        XCTAssertEqual(a.episodeLengths, b.episodeLengths, file: file, line: line)
        XCTAssertEqual(a.episodeSeeds, b.episodeSeeds, file: file, line: line)
        XCTAssertEqual(a.infoQpos, b.infoQpos, file: file, line: line)
        XCTAssertEqual(a.infoQvel, b.infoQvel, file: file, line: line)
        // The first import sums Minari's Float64 rewards; the export stores the Float32 ones the
        // transitions hold, so the second sums those: equal within the transitions files' own rule.
        for (x, y) in zip(a.episodeReturns, b.episodeReturns) {
            XCTAssertEqual(x, y, accuracy: 1e-6 * abs(x) + 1e-9, file: file, line: line)
        }
    }

    func roundTrip(_ fixture: String, env: String, observationType: String) throws {
        let train = ["--hidden", "8", "--depth", "1", "--epochs", "3", "--seed", "4"]
        try run("import", ["--dataset", Repository.fixture("minari/\(fixture)"), "--out", "a.h5"])
        try run("stats", ["--data", "a.h5", "--out", "stats.h5"])
        try run("train", ["--data", "a.h5", "--stats", "stats.h5"] + train + ["--out", "model-a.h5"])
        try run("export", ["--data", "a.h5", "--id", "mbrl/rt-v0", "--root", "datasets", "--author", "test"])
        try run("import", ["--dataset", "datasets/mbrl/rt-v0", "--out", "b.h5"])
        try run("train", ["--data", "b.h5", "--stats", "stats.h5"] + train + ["--out", "model-b.h5"])
        let a = try Transitions.read(from: dir.file("a.h5")), b = try Transitions.read(from: dir.file("b.h5"))
        assertSameTransitions(a, b)
        XCTAssertEqual(try weights("model-a.h5"), try weights("model-b.h5"))

        // The layout Minari reads: one group per episode, T + 1 observations in the environment's dtype.
        let file = try HDF5File.open(at: dir.file("datasets/mbrl/rt-v0/data/main_data.hdf5"))
        let root = try file.root
        for (e, length) in a.episodeLengths.enumerated() {
            let g = try root.openGroup("episode_\(e)")
            let t = Int(length)
            XCTAssertEqual(try g.datasetInfo("observations").shape, [t + 1, a.observationSize])
            XCTAssertEqual(try g.datasetInfo("observations").byteSize, observationType == "float64" ? 8 : 4)
            XCTAssertEqual(try g.datasetInfo("actions").shape, [t, a.actionSize])
            XCTAssertEqual(try g.datasetInfo("rewards").byteSize, 8)
            XCTAssertEqual(try g.read("truncations", as: Bool.self).shape, [t])
            XCTAssertEqual(try g.intAttribute("total_steps"), t)
            XCTAssertEqual(try g.intAttribute("id"), e)
            XCTAssertEqual(g.contains("infos/qpos"), a.hasSimulatorStates)
        }
        XCTAssertFalse(root.contains("episode_\(a.episodeLengths.count)"))
        try file.close()
        let metadata = try MinariMetadata.read(from: dir.file("datasets/mbrl/rt-v0/data/metadata.json"))
        XCTAssertEqual(metadata.datasetID, "mbrl/rt-v0")
        XCTAssertEqual(metadata.envID, env)
        XCTAssertEqual(metadata.totalSteps, a.count)
        XCTAssertEqual(metadata.totalEpisodes, a.episodeLengths.count)
        XCTAssertEqual(metadata.minariVersion, "0.5.3")
        XCTAssertEqual(metadata.observationSpace?.dtype, observationType)
        let json =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir.file("datasets/mbrl/rt-v0/data/metadata.json"))))
            as! [String: Any]
        XCTAssertEqual(
            Set(json.keys),
            [
                "total_episodes", "total_steps", "data_format", "observation_space", "action_space", "env_spec",
                "dataset_id", "algorithm_name", "description", "minari_version", "mbrl_provenance", "author"
            ])
        XCTAssertEqual(
            (json["mbrl_provenance"] as? [String: Any])?["inputs"] as? [String: String],
            ["a.h5": try Provenance.sha256(ofFile: dir.file("a.h5"))])
    }

    func testPendulumRoundTripGivesTheSameNumbersAndModel() throws {
        try roundTrip("pendulum-random-v0", env: "Pendulum-v1", observationType: "float32")
    }

    func testHalfCheetahRoundTripKeepsTheSimulatorStates() throws {
        try roundTrip("halfcheetah-random-v0", env: "HalfCheetah-v4", observationType: "float64")
        // The final state of each episode, which a transitions file lacks, is simulated: here it is
        // exactly the state Minari recorded.
        let original = try HDF5File.open(at: Repository.fixture("minari/halfcheetah-random-v0/data/main_data.hdf5"))
        let exported = try HDF5File.open(at: dir.file("datasets/mbrl/rt-v0/data/main_data.hdf5"))
        for e in 0..<3 {
            XCTAssertEqual(
                try original.root.read("episode_\(e)/infos/qpos", as: Double.self),
                try exported.root.read("episode_\(e)/infos/qpos", as: Double.self))
            XCTAssertEqual(
                try original.root.read("episode_\(e)/infos/qvel", as: Double.self),
                try exported.root.read("episode_\(e)/infos/qvel", as: Double.self))
        }
        try original.close()
        try exported.close()
    }

    func testRefusalsAreOneLineAndLeaveNothing() throws {
        var f = MinariFixture(episodes: [.pendulum(steps: 3)])
        f.observationSpace = "{\"type\": \"Dict\", \"subspaces\": {}}"
        try f.write(to: dir.file("dict"))
        let result = try runProcess(
            Repository.executable("import"), ["--dataset", "dict", "--out", "x.h5"], in: dir.path)
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(
            result.stderr,
            "error: dict/data/metadata.json: observation space Dict does not fit "
                + "Pendulum-v1, which observes Box(float, (3,))\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))

        let missing = try runProcess(
            Repository.executable("import"), ["--dataset", "nowhere", "--out", "x.h5"], in: dir.path)
        XCTAssertEqual(missing.stderr, "error: nowhere: no such file or folder\n")
        let starts = try runProcess(
            Repository.executable("import"), ["--dataset", "dict", "--select", "heldout", "--out", "x.h5"], in: dir.path
        )
        XCTAssertEqual(starts.status, 1)

        try run("collect", ["--episodes", "1", "--max-steps", "3", "--out", "r.h5"])
        try run("export", ["--data", "r.h5", "--id", "r-v0", "--root", "ds"])
        let again = try runProcess(
            Repository.executable("export"), ["--data", "r.h5", "--id", "r-v0", "--root", "ds"], in: dir.path)
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(
            again.stderr,
            "error: ds/r-v0: already exists; Minari datasets are not overwritten: remove "
                + "it or choose another id\n")
        let badID = try runProcess(
            Repository.executable("export"), ["--data", "r.h5", "--id", "no-version", "--root", "ds"], in: dir.path)
        XCTAssertEqual(badID.status, 64)
        XCTAssertTrue(badID.stderr.contains("--id 'no-version' needs a version"), badID.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.file("ds")), ["r-v0"])
    }

    /// The preset end to end on the HalfCheetah fixture (3 episodes: one held out), tiny budgets:
    /// the test episode starts from the held-out episode's first state, eval.h5 measures the model
    /// on that episode, a second make does nothing, and the report is written.
    func testOfflinePresetTrainsEvaluatesAndPlansFromTheDataset() throws {
        let settings = [
            "PIPELINE=offline", "DATASET=\(Repository.fixture("minari/halfcheetah-random-v0"))", "DATA=\(dir.path)",
            "HIDDEN=8", "DEPTH=1", "EPOCHS=2", "CANDIDATES=8", "HORIZON=2", "PLANNER_OPTIONS=--max-steps 3", "MAX_K=4"
        ]
        func make(_ goals: [String]) throws -> ProcessResult {
            try runProcess(
                "/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path] + settings + goals)
        }
        let first = try make([])
        XCTAssertEqual(first.status, 0, first.stderr)
        let run = dir.path + "/offline/seed-0/"
        let heldOut = try Transitions.read(from: run + "heldout.h5"),
            training = try Transitions.read(from: run + "random.h5")
        XCTAssertEqual(heldOut.episodeLengths.count, 1)
        XCTAssertEqual(training.episodeLengths.count, 2)
        XCTAssertEqual(heldOut.count + training.count, 45)
        let test = try Transitions.read(from: run + "test.h5")
        XCTAssertEqual(Array(test.infoQpos[0..<9]), Array(heldOut.infoQpos[0..<9]))
        XCTAssertEqual(Array(test.observations[0..<17]), Array(heldOut.observations[0..<17]))
        let eval = try HDF5File.open(at: run + "eval.h5")
        XCTAssertEqual(try eval.root.stringAttribute("data"), "heldout.h5")
        XCTAssertEqual(try eval.root.read("metrics/k_step_count", as: Int64.self).values, [15, 14, 13, 12])
        try eval.close()
        let second = try make([])
        XCTAssertTrue(second.stdout.contains("Nothing to be done"), second.stdout + second.stderr)
        let report = try make(["report"])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "report.html"))
        // The dataset's content is a parameter of the import: its SHA-256 (main_data.hdf5, then
        // metadata.json) is recorded, so a changed dataset is imported again.
        let folder = Repository.fixture("minari/halfcheetah-random-v0") + "/data/"
        var content = try Data(contentsOf: URL(fileURLWithPath: folder + "main_data.hdf5"))
        content.append(try Data(contentsOf: URL(fileURLWithPath: folder + "metadata.json")))
        let copy = dir.file("content")
        XCTAssertTrue(FileManager.default.createFile(atPath: copy, contents: content))
        let parameters = try String(contentsOfFile: run + "params/import", encoding: .utf8)
        XCTAssertTrue(parameters.contains("sha256=\(try Provenance.sha256(ofFile: copy)) "), parameters)
    }
}
