import Foundation
import MBRLCore
import MBRLData
import MBRLModels
import MBRLTestSupport
import XCTest

/// `plan --precision`: fp32 by default and not recorded (files as before); bf16 recorded in the
/// config; without AMX-BF16 (simulated with MBRL_DISABLE_AMX) a line on stderr and the fp32 plan.
final class PlanPrecisionTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-precision")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        for arguments in [
            ["collect", "--episodes", "2", "--max-steps", "50", "--seed", "1", "--out", "r.h5"],
            ["stats", "--data", "r.h5", "--out", "s.h5"],
            [
                "train", "--data", "r.h5", "--stats", "s.h5", "--epochs", "2", "--hidden", "16", "--depth", "2",
                "--out", "m.h5"
            ]
        ] {
            let result = try runProcess(Repository.executable(arguments[0]), Array(arguments.dropFirst()), in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
    }

    func plan(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try runProcess(
            Repository.executable("plan"),
            [
                "--model", "m.h5", "--candidates", "32", "--horizon", "5", "--max-steps", "15",
                "--episodes", "1", "--seed", "3"
            ] + arguments,
            in: dir.path, environment: environment)
    }

    func config(_ file: String) throws -> String {
        try HDF5File.open(at: dir.file(file)).root.stringAttribute("config")
    }

    func testPrecisionIsOptInRecordedAndFallsBackToFP32() throws {
        let fp32 = try plan(["--out", "fp32.h5"])
        XCTAssertEqual(fp32.status, 0, fp32.stderr)
        XCTAssertFalse(try config("fp32.h5").contains("precision"), "fp32 plans' files are as they were")

        let fallback = try plan(["--precision", "bf16", "--out", "fallback.h5"], environment: ["MBRL_DISABLE_AMX": "1"])
        XCTAssertEqual(fallback.status, 0, fallback.stderr)
        XCTAssertTrue(
            fallback.stderr.contains(
                "plan: --precision bf16 is unavailable on this CPU (it needs Intel "
                    + "AMX-BF16); planning in fp32"), fallback.stderr)
        XCTAssertTrue(try config("fallback.h5").contains(#""precision":"fp32""#))
        XCTAssertEqual(
            try Transitions.read(from: dir.file("fallback.h5")).actions,
            try Transitions.read(from: dir.file("fp32.h5")).actions)

        let refused = try plan(["--precision", "fp16", "--out", "x.h5"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("'fp16' is invalid for '--precision <name>'"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))

        guard BF16Matrix.isAvailable else {
            throw XCTSkip(
                "this CPU (or kernel) has no AMX-BF16: the bf16 plan itself is not tested here (the "
                    + "fallback is)")
        }
        let bf16 = try plan(["--precision", "bf16", "--threads", "2", "--out", "bf16.h5"])
        XCTAssertEqual(bf16.status, 0, bf16.stderr)
        XCTAssertFalse(bf16.stderr.contains("unavailable"), bf16.stderr)
        XCTAssertTrue(try config("bf16.h5").contains(#""precision":"bf16""#))
        XCTAssertEqual(try Transitions.read(from: dir.file("bf16.h5")).count, 15)
        // The thread count changes the speed only, in bf16 too.
        XCTAssertEqual(try plan(["--precision", "bf16", "--threads", "1", "--out", "bf16-1.h5"]).status, 0)
        XCTAssertEqual(
            try Transitions.read(from: dir.file("bf16-1.h5")).actions,
            try Transitions.read(from: dir.file("bf16.h5")).actions)

        // A network with one hidden layer has no product for bf16: the engine's reason, then fp32.
        let shallow = try runProcess(
            Repository.executable("train"),
            ["--data", "r.h5", "--stats", "s.h5", "--epochs", "1", "--hidden", "16", "--depth", "1", "--out", "m1.h5"],
            in: dir.path)
        XCTAssertEqual(shallow.status, 0, shallow.stderr)
        let oneLayer = try plan(["--model", "m1.h5", "--precision", "bf16", "--out", "one.h5"])
        XCTAssertEqual(oneLayer.status, 0, oneLayer.stderr)
        XCTAssertTrue(
            oneLayer.stderr.contains(
                "plan: m1.h5 has one hidden layer, no product between hidden layers "
                    + "for bf16; planning in fp32"), oneLayer.stderr)
        XCTAssertTrue(try config("one.h5").contains(#""precision":"fp32""#))
    }
}
