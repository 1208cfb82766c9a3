import Foundation
import MBRLCore
import MBRLTestSupport
import XCTest

/// `--print-config` of every stage: the text printed is the `config` attribute of the file the same
/// options write; printing creates no file or folder and reads no input the config does not need; a
/// bad option is still a usage error (64), a bad needed input an error (1).
final class PrintConfigTests: XCTestCase {
    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// Every file and folder under `path`, relative to it.
    private func listing(_ path: String) -> [String] {
        ((FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []).sorted()
    }

    /// Runs `program arguments --out out --print-config`, checks that it left `dir` as it was, then
    /// runs it without `--print-config` and checks that the printed line is the written `config`.
    private func assertPrintsRecordedConfig(
        _ program: String, _ arguments: [String], out: String, in dir: TemporaryDirectory,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let executable = Repository.executable(program)
        let before = listing(dir.path)
        let printed = try runProcess(executable, arguments + ["--out", out, "--print-config"], in: dir.path)
        XCTAssertEqual(printed.status, 0, printed.stderr, file: file, line: line)
        XCTAssertEqual(
            listing(dir.path), before, "\(program) --print-config wrote into its folder", file: file, line: line)

        let written = try runProcess(executable, arguments + ["--out", out], in: dir.path)
        XCTAssertEqual(written.status, 0, written.stderr, file: file, line: line)
        let config = try HDF5File.open(at: dir.file(out)).root.stringAttribute("config")
        XCTAssertEqual(
            printed.stdout, config + "\n", "\(program): printed and recorded config differ", file: file, line: line)
    }

    func testEveryStagePrintsTheConfigItRecords() throws {
        let dir = TemporaryDirectory()
        try assertPrintsRecordedConfig(
            "collect", ["--episodes", "2", "--max-steps", "30", "--seed", "3"], out: "new/r.h5", in: dir)
        try assertPrintsRecordedConfig(
            "collect", ["--env", "halfcheetah", "--episodes", "1", "--max-steps", "10"], out: "hc.h5", in: dir)
        try assertPrintsRecordedConfig("stats", ["--data", "new/r.h5"], out: "s.h5", in: dir)
        try assertPrintsRecordedConfig("stats", ["--data", "hc.h5"], out: "hcs.h5", in: dir)
        try assertPrintsRecordedConfig(
            "train",
            [
                "--data", "new/r.h5", "--stats", "s.h5", "--epochs", "1", "--hidden", "8", "--lr", "3e-3",
                "--logdir", "logs"
            ], out: "m.h5", in: dir)
        try assertPrintsRecordedConfig(
            "train",
            [
                "--data", "new/r.h5", "--stats", "s.h5", "--epochs", "1", "--hidden", "8", "--members", "3",
                "--elite-members", "2"
            ], out: "e.h5", in: dir)
        try assertPrintsRecordedConfig(
            "train", ["--data", "new/r.h5", "--stats", "s.h5", "--epochs", "1", "--hidden", "8", "--init", "m.h5"],
            out: "m2.h5", in: dir)
        try assertPrintsRecordedConfig(
            "train", ["--data", "hc.h5", "--stats", "hcs.h5", "--epochs", "1", "--hidden", "8"], out: "hcm.h5", in: dir)
        try assertPrintsRecordedConfig(
            "plan",
            [
                "--model", "m.h5", "--episodes", "1", "--max-steps", "5", "--candidates", "16", "--horizon", "3",
                "--seed", "2", "--logdir", "plogs"
            ], out: "p.h5", in: dir)
        try assertPrintsRecordedConfig(
            "plan",
            [
                "--model", "e.h5", "--planner", "cem", "--episodes", "1", "--max-steps", "4", "--candidates", "16",
                "--elites", "4", "--iterations", "2", "--horizon", "3", "--particles", "4"
            ], out: "pe.h5", in: dir)
        try assertPrintsRecordedConfig(
            "plan", ["--model", "hcm.h5", "--episodes", "1", "--max-steps", "3", "--candidates", "8", "--horizon", "2"],
            out: "phc.h5", in: dir)
        try assertPrintsRecordedConfig(
            "evaluate", ["--model", "m.h5", "--data", "new/r.h5", "--rollouts", "p.h5", "pe.h5", "--max-k", "3"],
            out: "ev.h5", in: dir)
    }

    /// Inputs the config only names are not read: stats and evaluate print without their files,
    /// train reads --stats (and of --data only row counts, when the files exist), plan reads --model
    /// but not --initial-states.
    func testPrintConfigReadsOnlyWhatTheConfigNeeds() throws {
        let dir = TemporaryDirectory()
        try makeSmallRun(in: dir.path, epochs: 1)
        let runs: [(String, [String])] = [
            ("stats", ["--data", "missing.h5", "--out", "s2.h5"]),
            ("evaluate", ["--model", "missing.h5", "--data", "missing-too.h5", "--out", "ev.h5"]),
            ("train", ["--data", "missing.h5", "--stats", "s.h5", "--init", "missing-model.h5", "--out", "m2.h5"]),
            ("plan", ["--model", "m.h5", "--initial-states", "missing.h5", "--episodes", "1", "--out", "p.h5"])
        ]
        for (program, arguments) in runs {
            let result = try runProcess(Repository.executable(program), arguments + ["--print-config"], in: dir.path)
            XCTAssertEqual(result.status, 0, "\(program): \(result.stderr)")
            XCTAssertTrue(
                result.stdout.hasPrefix("{") && result.stdout.hasSuffix("}\n"), "\(program): \(result.stdout)")
            XCTAssertTrue(
                result.stdout.contains("missing"),
                "\(program): the config names the files "
                    + "given: \(result.stdout)")
        }
        XCTAssertEqual(listing(dir.path), ["m.h5", "r.h5", "s.h5"])
    }

    /// An input the config depends on is read, and its problem is the stage's error: one line naming
    /// the file, status 1, nothing printed on standard output.
    func testPrintConfigReportsAMissingNeededInput() throws {
        let dir = TemporaryDirectory()
        for (program, arguments) in [
            ("plan", ["--model", "missing.h5"]), ("train", ["--data", "r.h5", "--stats", "missing.h5"])
        ] {
            let result = try runProcess(
                Repository.executable(program), arguments + ["--out", "x.h5", "--print-config"], in: dir.path)
            XCTAssertEqual(result.status, 1, "\(program): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", program)
            XCTAssertTrue(result.stderr.contains("missing.h5"), "\(program): \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(program): \(result.stderr)")
        }
        XCTAssertEqual(listing(dir.path), [])
    }

    /// A stage run under a 4 GB address-space limit. The limit is set by bash; the program and its
    /// arguments are passed as arguments, not as text.
    static func underAddressLimit(_ program: String, _ arguments: [String], in folder: String) throws -> ProcessResult {
        try runProcess(
            "/bin/bash", ["-c", "ulimit -v 4000000; exec \"$@\"", "bash", Repository.executable(program)] + arguments,
            in: folder)
    }

    /// A memory error's line without the limit it names (the address space left, which may differ by a
    /// rounding between two runs).
    static func withoutLimit(_ text: String) -> String {
        text.replacingOccurrences(of: #"more than the [0-9.]+ [kMGT]?B"#, with: "…", options: .regularExpression)
    }

    /// `plan --print-config` refuses the settings the run refuses for memory: under an address-space
    /// limit, a planner too large for it is the run's one-line error and status, nothing printed, no file.
    func testPlanPrintConfigRefusesWhatTheRunRefusesForMemory() throws {
        let dir = TemporaryDirectory()
        try makeSmallRun(in: dir.path, epochs: 1)
        let arguments = ["--model", "m.h5", "--candidates", "100000", "--horizon", "4000", "--episodes", "1"]
        func limited(_ extra: [String]) throws -> ProcessResult {
            try Self.underAddressLimit("plan", arguments + ["--out", "p.h5"] + extra, in: dir.path)
        }
        let run = try limited([]), printed = try limited(["--print-config"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("the planner and the transitions need"), run.stderr)
        XCTAssertEqual(printed.status, run.status, printed.stderr)
        // The same line, up to the limit it names.
        XCTAssertEqual(Self.withoutLimit(printed.stderr), Self.withoutLimit(run.stderr))
        XCTAssertEqual(printed.stdout, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("p.h5")))
    }

    /// `train --print-config` refuses the training buffers the run refuses for memory. They depend on
    /// the data (a pooled minibatch holds at most the rows there are), so it reads the --data files' row
    /// counts: under an address-space limit, aggregated minibatches of --batch-size rows are the run's
    /// one-line error and status; pooled ones of the data's few rows pass; with a --data file that does
    /// not exist, the check is for --batch-size rows.
    func testTrainPrintConfigRefusesWhatTheRunRefusesForMemory() throws {
        let dir = TemporaryDirectory()
        try makeSmallRun(in: dir.path, epochs: 1)
        let wide = ["--stats", "s.h5", "--hidden", "1024", "--depth", "4", "--batch-size", "200000", "--out", "m2.h5"]
        func limited(_ arguments: [String]) throws -> ProcessResult {
            try Self.underAddressLimit("train", arguments, in: dir.path)
        }
        let aggregated = ["--data", "r.h5", "r.h5", "--new-data-fraction", "0.5"] + wide
        let run = try limited(aggregated), printed = try limited(aggregated + ["--print-config"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("--batch-size 200000: the training buffers of 200000 rows need"), run.stderr)
        XCTAssertEqual(printed.status, run.status, printed.stderr)
        // The same line, up to the limit it names.
        XCTAssertEqual(Self.withoutLimit(printed.stderr), Self.withoutLimit(run.stderr))
        XCTAssertEqual(printed.stdout, "")

        let pooled = try limited(["--data", "r.h5", "r.h5"] + wide + ["--print-config"])
        XCTAssertEqual(pooled.status, 0, pooled.stderr)
        XCTAssertTrue(pooled.stdout.hasPrefix("{"), pooled.stdout)
        let missing = try limited(["--data", "missing.h5"] + wide + ["--print-config"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("the training buffers of 200000 rows need"), missing.stderr)
        XCTAssertEqual(listing(dir.path), ["m.h5", "r.h5", "s.h5"])
    }

    /// Options are validated before anything is printed: a bad value is a usage error (64).
    func testABadOptionIsStillAUsageError() throws {
        let dir = TemporaryDirectory()
        let runs: [(String, [String])] = [
            ("collect", ["--episodes", "0"]),
            ("collect", ["--max-steps", "-1"]),
            ("stats", []),
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--depth", "99"]),
            ("plan", ["--model", "m.h5", "--episodes", "0"]),
            ("plan", ["--model", "m.h5", "--candidates", "1"]),
            ("evaluate", ["--model", "m.h5", "--data", "r.h5", "--max-k", "0"])
        ]
        for (program, arguments) in runs {
            let result = try runProcess(
                Repository.executable(program), arguments + ["--out", "x.h5", "--print-config"], in: dir.path)
            XCTAssertEqual(result.status, 64, "\(program) \(arguments): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", program)
        }
        XCTAssertEqual(listing(dir.path), [])
    }
}
