import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLTestSupport
import XCTest

/// Runs the release-built `collect` and `stats` executables (`make build` builds them) on small
/// budgets and checks their files, attributes, determinism and errors.
final class CollectAndStatsTests: XCTestCase {
    let collect = Repository.executable("collect")
    let stats = Repository.executable("stats")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// A step budget's last episode is cut off, and left out of the returns a mean is taken of, only
    /// when it ends before the episode limit; a budget that ends with an episode keeps every one, and
    /// a budget shorter than one episode keeps its only, partial, one.
    func testAStepBudgetLeavesOutOnlyAnEpisodeItCutOff() throws {
        let dir = TemporaryDirectory()
        for (steps, lengths, complete) in [("14", [7, 7], 2), ("10", [7, 3], 1), ("3", [3], 1)] {
            let result = try runProcess(
                collect, ["--steps", steps, "--max-steps", "7", "--seed", "4", "--out", "s\(steps).h5"], in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
            let t = try Transitions.read(from: dir.file("s\(steps).h5"))
            XCTAssertEqual(t.episodeLengths, lengths.map(Int64.init), steps)
            XCTAssertEqual(t.lastEpisodeCutOff, steps != "14", steps)
            XCTAssertEqual(t.completeEpisodeReturns, Array(t.episodeReturns.prefix(complete)), steps)
            XCTAssertEqual(
                try Transitions.readEpisodeReturns(from: dir.file("s\(steps).h5")).returns, t.completeEpisodeReturns)
        }
        // An episode budget's last episode is never cut off, whatever its length.
        let episodes = try runProcess(collect, ["--episodes", "2", "--max-steps", "7", "--out", "e.h5"], in: dir.path)
        XCTAssertEqual(episodes.status, 0, episodes.stderr)
        XCTAssertFalse(try Transitions.read(from: dir.file("e.h5")).lastEpisodeCutOff)
    }

    func testCollectWritesTheTransitionsContract() throws {
        let dir = TemporaryDirectory()
        let result = try runProcess(
            collect, ["--episodes", "3", "--max-steps", "50", "--seed", "4", "--out", "r.h5"], in: dir.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        let t = try Transitions.read(from: dir.file("r.h5"))
        XCTAssertEqual(t.count, 150)
        XCTAssertEqual(t.observationSize, 3)
        XCTAssertEqual(t.episodeLengths, [50, 50, 50])
        XCTAssertEqual(t.timeouts.filter { $0 }.count, 3)
        XCTAssertTrue(t.timeouts[49] && t.timeouts[149] && !t.terminals.contains(true))
        XCTAssertTrue(t.actions.allSatisfy { abs($0) <= 2 })
        // Consecutive rows of an episode chain: next observation i is observation i + 1.
        XCTAssertEqual(Array(t.nextObservations[0..<3]), Array(t.observations[3..<6]))
        // Episode returns are the sums of the rewards (stored as float32).
        XCTAssertEqual(t.episodeReturns[0], t.rewards[0..<50].reduce(0.0) { $0 + Double($1) }, accuracy: 1e-3)
        // The recorded episode seed replays the episode's start.
        var env = Pendulum()
        XCTAssertEqual(
            env.reset(seed: UInt64(bitPattern: t.episodeSeeds[1])), Array(t.observations[(50 * 3)..<(50 * 3 + 3)]))

        let root = try HDF5File.open(at: dir.file("r.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.transitions/1")
        XCTAssertEqual(try root.stringAttribute("env"), "Pendulum-v1")
        XCTAssertEqual(try root.stringAttribute("policy"), "random")
        XCTAssertEqual(try root.intAttribute("seed"), 4)
        XCTAssertEqual(try root.stringAttribute("command"), "collect --episodes 3 --max-steps 50 --seed 4 --out r.h5")
        XCTAssertEqual(
            try root.stringAttribute("config"),
            #"{"env":"Pendulum-v1","episodes":3,"max_steps":50,"policy":"random","seed":4}"#)
        XCTAssertEqual(try root.stringAttribute("inputs"), "{}")
        XCTAssertTrue(try root.stringAttribute("software").contains(#""hdf5":"1."#))
        let expected: [(String, [Int], Int)] = [
            ("observations", [150, 3], 4), ("actions", [150, 1], 4), ("next_observations", [150, 3], 4),
            ("rewards", [150], 4), ("terminals", [150], 1), ("timeouts", [150], 1),
            ("episodes/returns", [3], 8), ("episodes/lengths", [3], 8), ("episodes/seeds", [3], 8)
        ]
        for (name, shape, bytes) in expected {
            let info = try root.datasetInfo(name)
            XCTAssertEqual(info.shape, shape, name)
            XCTAssertEqual(info.byteSize, bytes, name)
        }
    }

    /// A stage runs its products with the OpenBLAS kernel for the CPU's instruction sets, even when
    /// OpenBLAS's own table does not know the CPU, records that kernel, and keeps one the user set.
    func testStagesUseAndRecordTheKernelForThisCPU() throws {
        let dir = TemporaryDirectory()
        func recordedKernel(environment: [String: String]) throws -> String {
            let result = try runProcess(
                collect, ["--episodes", "1", "--max-steps", "5", "--out", "r.h5"], in: dir.path,
                environment: environment)
            XCTAssertEqual(result.status, 0, result.stderr)
            defer { try? FileManager.default.removeItem(atPath: dir.file("r.h5")) }
            let text = try HDF5File.open(at: dir.file("r.h5")).root.stringAttribute("software")
            let software = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try XCTUnwrap(software["openblas_kernel"] as? String)
        }
        let kernel = try recordedKernel(environment: [:])
        XCTAssertGreaterThanOrEqual(
            OpenBLASKernel.level(ofKernel: kernel), OpenBLASKernel.level(ofCPUFlags: OpenBLASKernel.cpuFlags),
            "the stage ran with \(kernel), below what this CPU offers")
        XCTAssertEqual(try recordedKernel(environment: [OpenBLASKernel.coreTypeVariable: "Prescott"]), "Prescott")
    }

    func testMaxStepsBeyondTheDefaultLimitLengthensEpisodes() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(
            try runProcess(collect, ["--episodes", "1", "--max-steps", "300", "--out", "r.h5"], in: dir.path).status, 0)
        let t = try Transitions.read(from: dir.file("r.h5"))
        XCTAssertEqual(t.episodeLengths, [300])
        XCTAssertEqual(t.timeouts.firstIndex(of: true), 299)
    }

    func testSameSeedGivesIdenticalBytesAndAnotherSeedDoesNot() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory()
        for dir in [a, b] {
            XCTAssertEqual(
                try runProcess(collect, ["--episodes", "2", "--seed", "1", "--out", "r.h5"], in: dir.path).status, 0)
            XCTAssertEqual(try runProcess(stats, ["--data", "r.h5", "--out", "s.h5"], in: dir.path).status, 0)
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: a.file("r.h5"))),
            try Data(contentsOf: URL(fileURLWithPath: b.file("r.h5"))))
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: a.file("s.h5"))),
            try Data(contentsOf: URL(fileURLWithPath: b.file("s.h5"))))
        XCTAssertEqual(
            try runProcess(collect, ["--episodes", "2", "--seed", "2", "--out", "other.h5"], in: a.path).status, 0)
        XCTAssertNotEqual(
            try Transitions.read(from: a.file("r.h5")).observations,
            try Transitions.read(from: a.file("other.h5")).observations)
    }

    func testStatsPoolsFilesAndRecordsInputs() throws {
        let dir = TemporaryDirectory()
        XCTAssertEqual(
            try runProcess(collect, ["--episodes", "2", "--seed", "1", "--out", "a.h5"], in: dir.path).status, 0)
        XCTAssertEqual(
            try runProcess(collect, ["--episodes", "1", "--seed", "2", "--out", "b.h5"], in: dir.path).status, 0)
        let result = try runProcess(stats, ["--data", "a.h5", "b.h5", "--out", "s.h5"], in: dir.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected = NormalizationStats(of: [
            try Transitions.read(from: dir.file("a.h5")), try Transitions.read(from: dir.file("b.h5"))
        ])
        XCTAssertEqual(try NormalizationStats.read(fromFile: dir.file("s.h5")), expected)
        XCTAssertEqual(expected.count, 600)
        let root = try HDF5File.open(at: dir.file("s.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.stats/1")
        let inputs = try root.stringAttribute("inputs")
        XCTAssertTrue(inputs.contains(#""a.h5":"\#(try Provenance.sha256(ofFile: dir.file("a.h5")))""#), inputs)
    }

    func testBadInputsGiveOneLineAndNoOutput() throws {
        let dir = TemporaryDirectory()
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: dir.file("junk.h5"), contents: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 97) })))
        let cases: [([String], Int32, String)] = [
            (["--data", "missing.h5", "--out", "s.h5"], 1, "error: missing.h5: no such file"),
            (["--data", "junk.h5", "--out", "s.h5"], 1, "error: junk.h5: not an HDF5 file")
        ]
        for (arguments, status, message) in cases {
            let result = try runProcess(stats, arguments, in: dir.path)
            XCTAssertEqual(result.status, status, "\(arguments)")
            XCTAssertEqual(result.stderr.trimmingCharacters(in: .newlines), message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("s.h5")))
        }
        let usage = try runProcess(collect, ["--episodes", "0", "--out", "r.h5"], in: dir.path)
        XCTAssertEqual(usage.status, 64)
        XCTAssertTrue(usage.stderr.contains("--episodes must be at least 1"), usage.stderr)
        let env = try runProcess(collect, ["--env", "cartpole", "--out", "r.h5"], in: dir.path)
        XCTAssertEqual(env.status, 64)
        XCTAssertTrue(
            env.stderr.contains(
                "The value 'cartpole' is invalid for '--env <name>'. Please provide one "
                    + "of 'pendulum'"), env.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["junk.h5"])
    }
}
