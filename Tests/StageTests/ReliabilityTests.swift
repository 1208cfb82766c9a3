import CHDF5
import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// Every bad input gets one line `error: <file>: <what>` and exit status 1 (usage errors 64), no
/// output file is left behind, and an interrupted stage leaves nothing that looks done.
final class ReliabilityTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-reliability")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        try makeSmallRun(in: dir.path, epochs: 2)
    }

    /// Runs a stage in the test folder and checks: exited (not killed), `status`, a single stderr line
    /// equal to `message` (or starting with it when `prefix`), and that `out` was not written.
    /// `keepsOut`: `out` names an existing file (an input) that must still exist afterwards.
    func expectFailure(
        _ stage: String, _ arguments: [String], status: Int32 = 1, message: String, prefix: Bool = false,
        out: String = "out.h5", keepsOut: Bool = false, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try runProcess(Repository.executable(stage), arguments + ["--out", out], in: dir.path)
        XCTAssertFalse(result.signaled, "\(stage) was killed by a signal", file: file, line: line)
        XCTAssertEqual(result.status, status, "\(stage) \(arguments): \(result.stderr)", file: file, line: line)
        // Progress lines may come first; the error is the last line, and the only one saying "error".
        let lines = result.stderr.split(separator: "\n")
        if status == 1 {
            XCTAssertEqual(
                lines.filter { $0.hasPrefix("error:") }.count, 1, "one error line: \(result.stderr)", file: file,
                line: line)
        }
        let text = status == 1 ? String(lines.last ?? "") : result.stderr
        if prefix || status == 64 {
            XCTAssertTrue(text.hasPrefix(message) || text.contains(message), "\(text)", file: file, line: line)
        } else {
            XCTAssertEqual(text, message, file: file, line: line)
        }
        if !keepsOut {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: dir.file(out)), "\(out) must not exist", file: file, line: line)
        }
        XCTAssertEqual(temporaries(), [], "temporary files left", file: file, line: line)
    }

    func temporaries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.contains(".tmp-") }
    }

    /// A transitions file of `rows` rows with datasets omitted or replaced.
    func writeTransitions(
        _ name: String, rows: Int = 10, omit: Set<String> = [], replace: [String: ShapedArray<Float>] = [:],
        format: String = "mbrl.transitions/1"
    ) throws {
        let file = try HDF5File.create(at: dir.file(name))
        let root = try file.root
        try root.setAttribute("format", format)
        let floats: [(String, [Int])] = [
            ("observations", [rows, 3]), ("actions", [rows, 1]), ("next_observations", [rows, 3]), ("rewards", [rows])
        ]
        for (dataset, shape) in floats where !omit.contains(dataset) {
            let array =
                replace[dataset]
                ?? ShapedArray(shape: shape, values: (0..<shape.reduce(1, *)).map { Float($0 % 7) / 7 })
            try root.write(array, to: dataset)
        }
        for dataset in ["terminals", "timeouts"] where !omit.contains(dataset) {
            try root.write((0..<rows).map { $0 == rows - 1 && dataset == "timeouts" }, shape: [rows], to: dataset)
        }
        try file.close()
    }

    func testBadTransitionsFiles() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("empty.h5"), contents: Data()))
        var rng = RandomGenerator(seed: 9)
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: dir.file("noise.h5"),
                contents: Data((0..<10_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })))
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.file("r.h5")))
        try full.prefix(full.count / 3).write(to: URL(fileURLWithPath: dir.file("truncated.h5")))
        try writeTransitions("nodata.h5", omit: ["actions"])
        try writeTransitions(
            "shape.h5", replace: ["observations": ShapedArray(shape: [10], values: .init(repeating: 0, count: 10))])
        var nan = [Float](repeating: 0, count: 10); nan[4] = .nan
        try writeTransitions("nan.h5", replace: ["rewards": ShapedArray(shape: [10], values: nan)])
        try writeTransitions(
            "rows.h5", replace: ["actions": ShapedArray(shape: [9, 1], values: .init(repeating: 0, count: 9))])
        try writeTransitions("kind.h5", format: "mbrl.model/1")

        try expectFailure("stats", ["--data", "missing.h5"], message: "error: missing.h5: no such file")
        try expectFailure("stats", ["--data", "empty.h5"], message: "error: empty.h5: empty file, not HDF5")
        try expectFailure("stats", ["--data", "noise.h5"], message: "error: noise.h5: not an HDF5 file")
        try expectFailure("stats", ["--data", "truncated.h5"], message: "error: truncated.h5: ", prefix: true)
        try expectFailure("stats", ["--data", "nodata.h5"], message: "error: nodata.h5: actions: missing dataset")
        try expectFailure(
            "stats", ["--data", "shape.h5"],
            message: "error: shape.h5: observations: has shape "
                + "(10,), expected (N, obs_dim)")
        try expectFailure("stats", ["--data", "nan.h5"], message: "error: nan.h5: rewards: holds NaN at row 4")
        try expectFailure(
            "stats", ["--data", "rows.h5"],
            message: "error: rows.h5: actions: has 9 rows, expected "
                + "10 like observations")
        try expectFailure(
            "stats", ["--data", "s.h5"],
            message: "error: s.h5: is a stats file (mbrl.stats/1), "
                + "expected a transitions file (mbrl.transitions/1)")
        try expectFailure(
            "stats", ["--data", "kind.h5"],
            message: "error: kind.h5: is a model file (mbrl.model/1), "
                + "expected a transitions file (mbrl.transitions/1)")
        try expectFailure(
            "train", ["--data", "nan.h5", "--stats", "s.h5"],
            message: "error: nan.h5: rewards: holds "
                + "NaN at row 4")
        try expectFailure(
            "evaluate", ["--model", "m.h5", "--data", "truncated.h5"], message: "error: truncated.h5: ", prefix: true)
        try writeTransitions("zero.h5", rows: 0)
        try expectFailure(
            "evaluate", ["--model", "m.h5", "--data", "zero.h5"],
            message: "error: zero.h5: no "
                + "transitions to evaluate the model on")
    }

    /// A dataset whose dataspace claims far more than its (never written, chunked) storage.
    func testAbsurdSizesFailCleanly() throws {
        let file = try HDF5File.create(at: dir.file("huge.h5"))
        try file.root.setAttribute("format", "mbrl.transitions/1")
        try file.close()
        let fid = H5Fopen(dir.file("huge.h5"), mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(fid, 0)
        var dims: [hsize_t] = [10_000_000_000, 3], chunk: [hsize_t] = [1024, 3]
        let space = H5Screate_simple(2, &dims, nil)
        let dcpl = H5Pcreate(mbrl_h5p_dataset_create())
        H5Pset_chunk(dcpl, 2, &chunk)
        let did = H5Dcreate2(
            fid, "observations", mbrl_h5t_native_float(), space, mbrl_h5p_default(), dcpl, mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(did, 0)
        H5Dclose(did); H5Pclose(dcpl); H5Sclose(space); H5Fclose(fid)
        try expectFailure(
            "stats", ["--data", "huge.h5"],
            message: "error: huge.h5: observations: claims shape "
                + "(10000000000, 3), more data than the file can hold")

        // A model file whose attributes claim a network far larger than its weights: `name`, written by
        // `write` in `format`, then its architecture attributes overwritten with `claims`.
        func craft(_ name: String, format: String, claims: [(String, Int)], write: (HDF5Group) throws -> Void) throws {
            let file = try HDF5File.create(at: dir.file(name))
            let root = try file.root
            try root.setAttribute("format", format)
            try write(root)
            for (key, value) in claims { try root.setAttribute(key, value) }
            try file.close()
        }
        let (model, _) = try DynamicsModel.read(fromFile: dir.file("m.h5"))
        try craft("big.h5", format: "mbrl.model/1", claims: [("hidden", 4096), ("depth", 16)]) {
            try model.write(to: $0, env: "Pendulum-v1")
        }
        try expectFailure(
            "plan", ["--model", "big.h5"],
            message: "error: big.h5: claims a network "
                + "4-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-4096-3 with batch "
                + "norm of ", prefix: true)

        // The same for an ensemble, refused before its members are allocated (64 × 16 × 4,096: 137 GB).
        let trained = try runProcess(
            Repository.executable("train"),
            ["--data", "r.h5", "--stats", "s.h5", "--members", "2", "--hidden", "8", "--epochs", "1", "--out", "e.h5"],
            in: dir.path)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let (ensemble, _) = try EnsembleModel.read(fromFile: dir.file("e.h5"))
        try craft(
            "big-ensemble.h5", format: "mbrl.ensemble/1", claims: [("members", 64), ("hidden", 4096), ("depth", 16)]
        ) { try ensemble.write(to: $0, env: "Pendulum-v1") }
        try expectFailure(
            "plan", ["--model", "big-ensemble.h5"], message: "error: big-ensemble.h5: claims an ensemble 64 × ",
            prefix: true)
    }

    func testMismatchedSizesAndBadModels() throws {
        // Statistics of another observation size than the data.
        let stats = try HDF5File.create(at: dir.file("s2.h5"))
        let root = try stats.root
        try root.setAttribute("format", "mbrl.stats/1")
        try NormalizationStats(
            stateMean: [0, 0], stateStd: [1, 1], actionMean: [0], actionStd: [1], deltaStateMean: [0, 0],
            deltaStateStd: [1, 1], count: 1
        ).write(to: root)
        try stats.close()
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s2.h5"],
            message: "error: s2.h5: statistics are for observations of size 2 and actions of size 1, "
                + "but r.h5 has 3 and 1")

        // Model files with a missing and a wrongly shaped weight.
        let (model, _) = try DynamicsModel.read(fromFile: dir.file("m.h5"))
        for (name, change) in [("m-missing.h5", "missing"), ("m-shape.h5", "shape")] {
            let file = try HDF5File.create(at: dir.file(name))
            let r = try file.root
            try r.setAttribute("format", "mbrl.model/1")
            try model.write(to: r, env: "Pendulum-v1")
            try file.close()
            // Rewrite the file without model.network.3.weight, or with it in another shape.
            let copy = try HDF5File.create(at: dir.file(name + ".new"))
            let c = try copy.root
            try c.setAttribute("format", "mbrl.model/1")
            let source = try HDF5File.open(at: dir.file(name)).root
            for key in model.layout.stateDictKeys where key != "model.network.3.weight" {
                if key.hasSuffix("num_batches_tracked") {
                    try c.writeScalar(try source.readScalar(key, as: Int64.self), to: key)
                } else {
                    try c.write(try source.read(key, as: Float.self), to: key)
                }
            }
            if change == "shape" {
                try c.write([Float](repeating: 0, count: 64 * 65), shape: [64, 65], to: "model.network.3.weight")
            }
            try model.stats.write(to: try c.createGroup("stats"))
            for (attribute, value) in [("input_size", 4), ("output_size", 3), ("hidden", 64), ("depth", 2)] {
                try c.setAttribute(attribute, value)
            }
            try c.setAttribute("batch_norm", true)
            try c.setAttribute("env", "Pendulum-v1")
            try copy.close()
            try FileManager.default.removeItem(atPath: dir.file(name))
            try FileManager.default.moveItem(atPath: dir.file(name + ".new"), toPath: dir.file(name))
        }
        try expectFailure(
            "plan", ["--model", "m-missing.h5"],
            message: "error: m-missing.h5: model.network.3.weight: missing weight (the network "
                + "4-64-64-3 with batch norm needs it)")
        try expectFailure(
            "plan", ["--model", "m-shape.h5"],
            message: "error: m-shape.h5: model.network.3.weight: has shape (64, 65), expected (64, "
                + "64) for the network 4-64-64-3 with batch norm")
        try expectFailure(
            "evaluate", ["--model", "m-shape.h5", "--data", "r.h5"],
            message: "error: m-shape.h5: model.network.3.weight: has shape (64, 65), expected (64, "
                + "64) for the network 4-64-64-3 with batch norm")
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s.h5", "--init", "m-missing.h5"],
            message: "error: m-missing.h5: model.network.3.weight: missing weight (the network "
                + "4-64-64-3 with batch norm needs it)")
    }

    func testInvalidOptionsAreUsageErrors() throws {
        let cases: [(String, [String], String)] = [
            ("collect", ["--episodes=-1"], "--episodes must be at least 1"),
            ("collect", ["--max-steps", "0"], "--max-steps must be at least 1"),
            ("collect", ["--env", "cartpole"], "The value 'cartpole' is invalid for '--env <name>'"),
            ("collect", ["--policy", "expert"], "The value 'expert' is invalid for '--policy <policy>'"),
            ("stats", [], "Missing expected argument '--data"),
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--lr=-0.1"], "--lr must be positive"),
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--batch-size", "0"], "--batch-size must be at least 2"),
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--hidden", "0"], "--hidden must be in 1...4096"),
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--patience", "0"], "--patience must be at least 1"),
            ("plan", ["--model", "m.h5", "--horizon", "0"], "--horizon must be in 1...10000"),
            ("plan", ["--model", "m.h5", "--candidates", "1"], "--candidates must be in 2...1000000, got 1"),
            ("plan", ["--model", "m.h5", "--episodes", "0"], "--episodes must be at least 1"),
            ("plan", ["--model", "m.h5", "--planner", "ilqr"], "The value 'ilqr' is invalid for '--planner <planner>'"),
            ("plan", ["--model", "m.h5", "--planner", "cem", "--elites", "0"], "--elites must be in 1...candidates"),
            ("plan", ["--model", "m.h5", "--discount", "1.5"], "--discount must be in (0, 1]"),
            ("plan", ["--model", "m.h5", "--threads", "0"], "--threads must be in 1...256"),
            ("evaluate", ["--model", "m.h5", "--data", "r.h5", "--max-k", "0"], "--max-k must be in 1...10000")
        ]
        for (stage, arguments, message) in cases {
            try expectFailure(stage, arguments, status: 64, message: message)
        }
    }

    func testUnwritableOutputLeavesTargetUntouched() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("plainfile"), contents: Data("x".utf8)))
        try expectFailure(
            "collect", ["--episodes", "1"],
            message: "error: plainfile/r.h5: cannot create its folder "
                + "plainfile", out: "plainfile/r.h5")
        // A full disk, as a file-size limit: the write fails, the old target stays as it was.
        let old = Data("the previous result".utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("keep.h5"), contents: old))
        let result = try runProcess(
            "/bin/bash",
            [
                "-c",
                "ulimit -f 20; exec \(Repository.executable("collect")) "
                    + "--episodes 5 --out keep.h5"
            ], in: dir.path)
        XCTAssertFalse(result.signaled)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.split(separator: "\n").last!.hasPrefix("error: keep.h5: "), result.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("keep.h5"))), old)
        XCTAssertEqual(temporaries(), [])
        // The same for train, whose TensorBoard log fills up first.
        let train = try runProcess(
            "/bin/bash",
            [
                "-c",
                "ulimit -f 4; exec \(Repository.executable("train")) --data "
                    + "r.h5 --stats s.h5 --epochs 500 --val-fraction 0 --logdir tb --out keep.h5"
            ], in: dir.path)
        XCTAssertFalse(train.signaled, train.stderr)
        XCTAssertEqual(train.status, 1, train.stderr)
        XCTAssertTrue(
            train.stderr.split(separator: "\n").last!.contains("cannot be written (disk full?)"), train.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("keep.h5"))), old)
    }

    /// Starts a long stage, signals it after it got going, and returns how it ended.
    func interrupt(_ stage: String, _ arguments: [String], with sig: Int32) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.executable(stage))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(process.isRunning, "\(stage) finished before the signal; give it more work")
        kill(process.processIdentifier, sig)
        process.waitUntilExit()
        return process
    }

    func testSignalsLeaveNoOutputAndTheNextRunSucceeds() throws {
        let longTrain = [
            "--data", "r.h5", "--stats", "s.h5", "--epochs", "1000000", "--val-fraction", "0", "--logdir", "tb",
            "--out", "mt.h5"
        ]
        let longPlan = ["--model", "m.h5", "--episodes", "100000", "--out", "p.h5"]
        for (stage, arguments, out) in [("train", longTrain, "mt.h5"), ("plan", longPlan, "p.h5")] {
            let terminated = try interrupt(stage, arguments, with: SIGTERM)
            XCTAssertEqual(terminated.terminationReason, .exit, "\(stage) should exit, not die, on SIGTERM")
            XCTAssertEqual(terminated.terminationStatus, 128 + SIGTERM)
            let interrupted = try interrupt(stage, arguments, with: SIGINT)
            XCTAssertEqual(interrupted.terminationStatus, 128 + SIGINT)
            let killed = try interrupt(stage, arguments, with: SIGKILL)
            XCTAssertEqual(killed.terminationReason, .uncaughtSignal)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file(out)), "\(stage): no target after a signal")
        }
        // A temporary file left by a killed process is removed by the next run for the same target.
        XCTAssertTrue(
            FileManager.default.createFile(atPath: dir.file(".p.h5.tmp-999999999"), contents: Data("stale".utf8)))
        let rerun = try runProcess(
            Repository.executable("plan"), ["--model", "m.h5", "--episodes", "1", "--max-steps", "5", "--out", "p.h5"],
            in: dir.path)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("p.h5")))
        XCTAssertEqual(temporaries(), [])
    }
}
