import Foundation
import MBRLCore
import MBRLData
import MBRLModels
import MBRLTestSupport
import XCTest

/// The release-built `value` and `plan --value` on a small Pendulum run: the file, the config, the
/// refusals.
final class ValueStageTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-value-stage")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        for arguments in [
            ["collect", "--episodes", "4", "--seed", "1", "--out", "r.h5"],
            ["stats", "--data", "r.h5", "--out", "s.h5"],
            ["train", "--data", "r.h5", "--stats", "s.h5", "--epochs", "3", "--hidden", "16", "--out", "m.h5"],
            ["collect", "--env", "swimmer", "--episodes", "1", "--max-steps", "20", "--seed", "1", "--out", "w.h5"],
            ["stats", "--data", "w.h5", "--out", "ws.h5"]
        ] {
            let result = try runProcess(Repository.executable(arguments[0]), Array(arguments.dropFirst()), in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
    }

    func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try runProcess(Repository.executable(program), arguments, in: dir.path)
    }

    func testValueFitsAFilePlanReadsAndRecords() throws {
        let fit = try run(
            "value",
            [
                "--data", "r.h5", "--stats", "s.h5", "--discount", "0.9", "--hidden", "16", "--epochs", "5", "--out",
                "v.h5"
            ])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stderr.contains("value: wrote v.h5 (best epoch"), fit.stderr)
        let root = try HDF5File.open(at: dir.file("v.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.value/1")
        XCTAssertEqual(try root.stringAttribute("env"), "Pendulum-v1")
        XCTAssertTrue(try root.stringAttribute("config").contains(#""discount":0.9"#))
        XCTAssertTrue(try root.stringAttribute("inputs").contains("s.h5"))
        let (function, _) = try ValueFunction.read(fromFile: dir.file("v.h5"))
        XCTAssertEqual(function.discount, 0.9)
        // Random Pendulum episodes collect about −6 a step: 10 steps' worth at γ 0.9, and never more than 0.
        let values = function.values(of: [1, 0, 0, -1, 0, 0])
        XCTAssertTrue(values.allSatisfy { $0 < 0 && $0 > -200 }, "\(values)")

        let base = ["--model", "m.h5", "--candidates", "32", "--horizon", "3", "--episodes", "1", "--max-steps", "20"]
        let planned = try run("plan", base + ["--value", "v.h5", "--out", "p.h5"])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let config = try HDF5File.open(at: dir.file("p.h5")).root.stringAttribute("config")
        XCTAssertTrue(config.contains(#""value":"v.h5""#) && config.contains(#""value_discount":0.9"#), config)
        XCTAssertTrue(try HDF5File.open(at: dir.file("p.h5")).root.stringAttribute("inputs").contains("v.h5"))
        // Without --value the config does not name one (its bytes are those of a plan before values).
        XCTAssertEqual(try run("plan", base + ["--out", "q.h5"]).status, 0)
        XCTAssertFalse(try HDF5File.open(at: dir.file("q.h5")).root.stringAttribute("config").contains("value"))
    }

    func testRefusalsNameTheFileAndLeaveNothing() throws {
        XCTAssertEqual(
            try run("value", ["--data", "w.h5", "--stats", "ws.h5", "--epochs", "2", "--out", "wv.h5"]).status, 0)
        let base = ["--model", "m.h5", "--candidates", "16", "--horizon", "2", "--episodes", "1", "--max-steps", "5"]
        for (arguments, message) in [
            (
                ["--value", "wv.h5"],
                "wv.h5: value is for Swimmer-v4 (observations of size 8), the model m.h5 for Pendulum-v1"
            ),
            (["--value", "m.h5"], "m.h5: has format 'mbrl.model/2', expected a value file (mbrl.value/1)"),
            (["--value", "none.h5"], "none.h5: no such file")
        ] {
            let refused = try run("plan", base + arguments + ["--out", "x.h5"])
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
            XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))
        }
        // Data and statistics of two tasks; usage errors.
        let mixed = try run("value", ["--data", "r.h5", "--stats", "ws.h5", "--out", "y.h5"])
        XCTAssertEqual(mixed.status, 1, mixed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("y.h5")))
        for bad in [["--discount", "0"], ["--discount", "1.5"], ["--val-fraction", "1"], ["--hidden", "0"]] {
            let usage = try run("value", ["--data", "r.h5", "--stats", "s.h5", "--out", "y.h5"] + bad)
            XCTAssertEqual(usage.status, 64, bad.joined(separator: " ") + ": " + usage.stderr)
        }
    }

    /// A value file whose network does not fit the memory left under `ulimit -v` is refused by `plan
    /// --value` before it is allocated, one line naming the file, as the model readers refuse theirs
    /// (it was an abort in the allocator).
    func testAValueNetworkTooLargeForTheAddressSpaceIsRefusedWithItsName() throws {
        let wide = ["--hidden", "4000", "--depth", "3", "--epochs", "1"]
        let big = try run("value", ["--data", "r.h5", "--stats", "s.h5"] + wide + ["--out", "bigv.h5"])
        XCTAssertEqual(big.status, 0, big.stderr)
        let shell = ["-c", "ulimit -v 450000 && exec \"$@\"", "bash", Repository.executable("plan")]
        let refused = try runProcess(
            "/bin/bash",
            shell + ["--model", "m.h5", "--value", "bigv.h5", "--candidates", "4", "--horizon", "2"]
                + ["--episodes", "1", "--max-steps", "2", "--threads", "1", "--out", "x.h5"], in: dir.path)
        assertRefusal(
            refused,
            startsWith:
                "error: bigv.h5: the value network 3-4000-4000-4000-1 without batch norm and its gradients need ",
            noOutputAt: dir.file("x.h5"))
    }

    /// `train` and `value` share their fitting options (`FittingOptions`): the same names, checks and
    /// messages, each stage with its own defaults (what `--print-config` records) and `train` with its
    /// own smallest minibatch.
    func testTrainAndValueShareTheirFittingOptionsWithTheirOwnDefaults() throws {
        let inputs = ["--data", "r.h5", "--stats", "s.h5", "--out", "y.h5"]
        for (bad, message) in [
            (["--lr", "0"], "--lr must be positive, got 0.0"),
            (["--lr", "nan"], "--lr must be positive, got nan"),
            (["--weight-decay=-1"], "--weight-decay must be finite and ≥ 0, got -1.0"),
            (["--weight-decay", "inf"], "--weight-decay must be finite and ≥ 0, got inf"),
            (["--epochs", "0"], "--epochs must be at least 1, got 0"),
            (["--patience", "0"], "--patience must be at least 1, got 0"),
            (["--val-fraction=-0.1"], "--val-fraction must be in [0, 1), got -0.1"),
            (["--batch-size", "0"], nil)
        ] {
            for program in ["train", "value"] {
                let usage = try run(program, inputs + bad)
                XCTAssertEqual(usage.status, 64, "\(program) \(bad): \(usage.stderr)")
                let expected =
                    message
                    ?? (program == "train"
                        ? "--batch-size must be at least 2 (batch norm needs two rows), got 0"
                        : "--batch-size must be at least 1, got 0")
                XCTAssertTrue(usage.stderr.hasPrefix("Error: \(expected)\n"), "\(program): \(usage.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("y.h5")))
            }
        }
        // A minibatch of one row: a value can fit on it, batch norm cannot.
        XCTAssertEqual(try run("value", inputs + ["--batch-size", "1", "--print-config"]).status, 0)
        XCTAssertEqual(try run("train", inputs + ["--batch-size", "1", "--print-config"]).status, 64)
        // Each stage's own defaults (ValueFitting's and ModelFitting's), and the options given.
        func config(_ program: String, _ extra: [String]) throws -> [String: Any] {
            let printed = try run(program, inputs + extra + ["--print-config"])
            XCTAssertEqual(printed.status, 0, printed.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        }
        // Every fitting field at the library's default, each stage its own (they differ in the minibatch,
        // the epochs' limit and the patience).
        let model = ModelFitting(), value = ValueFitting()
        for (program, fitting) in [
            ("train", (model.batchSize, model.optimizer, model.epochs, model.patience, model.validationFraction)),
            ("value", (value.batchSize, value.optimizer, value.epochs, value.patience, value.validationFraction))
        ] {
            let recorded = try config(program, [])
            XCTAssertEqual(recorded["batch_size"] as? Int, fitting.0, program)
            XCTAssertEqual((recorded["lr"] as? Double).map(Float.init), fitting.1.learningRate, program)
            XCTAssertEqual((recorded["weight_decay"] as? Double).map(Float.init), fitting.1.weightDecay, program)
            XCTAssertEqual(recorded["epochs"] as? Int, fitting.2, program)
            XCTAssertEqual(recorded["patience"] as? Int, fitting.3, program)
            XCTAssertEqual(recorded["val_fraction"] as? Double, fitting.4, program)
        }
        XCTAssertNotEqual(model.batchSize, value.batchSize, "the test no longer tells the defaults apart")
        let given = [
            "--batch-size", "32", "--lr", "0.5", "--weight-decay", "0.25", "--epochs", "7", "--patience", "3",
            "--val-fraction", "0.5"
        ]
        for program in ["train", "value"] {
            let recorded = try config(program, given)
            XCTAssertEqual(recorded["batch_size"] as? Int, 32, program)
            XCTAssertEqual(recorded["lr"] as? Double, 0.5, program)
            XCTAssertEqual(recorded["weight_decay"] as? Double, 0.25, program)
            XCTAssertEqual(recorded["epochs"] as? Int, 7, program)
            XCTAssertEqual(recorded["patience"] as? Int, 3, program)
            XCTAssertEqual(recorded["val_fraction"] as? Double, 0.5, program)
        }
    }
}
