import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// The third reliability pass, inside the programs: log folders shared with other programs, outputs
/// their own readers would refuse, simulator warnings, and address-space limits that made OpenBLAS spin.
extension ReliabilityTests {
    /// `r.h5` with one observation replaced by `value` (written as another tool could, without checks).
    func writePoisoned(_ name: String, row: Int, column: Int, value: Float) throws {
        var t = try Transitions.read(from: dir.file("r.h5"))
        t.observations[row * t.observationSize + column] = value
        let file = try HDF5File.create(at: dir.file(name))
        let root = try file.root
        try root.setAttribute("format", "mbrl.transitions/1")
        try root.setAttribute("env", t.env)
        try root.write(t.observations, shape: [t.count, t.observationSize], to: "observations")
        try root.write(t.actions, shape: [t.count, t.actionSize], to: "actions")
        try root.write(t.nextObservations, shape: [t.count, t.observationSize], to: "next_observations")
        try root.write(t.rewards, shape: [t.count], to: "rewards")
        try root.write(t.terminals, shape: [t.count], to: "terminals")
        try root.write(t.timeouts, shape: [t.count], to: "timeouts")
        try file.close()
    }

    func testLogFoldersKeepWhatOtherProgramsWrote() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.file("tb"), withIntermediateDirectories: true)
        let foreign = "events.out.tfevents.1700000000.host.123.0"
        try "PyTorch's events".write(toFile: dir.file("tb/" + foreign), atomically: false, encoding: .utf8)
        func events() throws -> [String] {
            try fm.contentsOfDirectory(atPath: dir.file("tb")).filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
        }
        // A rerun (as Make does after a change) replaces its own curve: one event file of train's, not two.
        for epochs in ["3", "2"] {
            let run = try runProcess(
                Repository.executable("train"),
                ["--data", "r.h5", "--stats", "s.h5", "--epochs", epochs, "--logdir", "tb", "--out", "mt.h5"],
                in: dir.path)
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        var names = try events()
        XCTAssertEqual(names.count, 2, "\(names)")
        XCTAssertTrue(names.contains(foreign), "another program's event file is kept: \(names)")
        XCTAssertEqual(names.filter { $0.hasSuffix(".mbrl-train") }.count, 1, "\(names)")
        XCTAssertEqual(try String(contentsOfFile: dir.file("tb/" + foreign), encoding: .utf8), "PyTorch's events")
        XCTAssertEqual(
            try String(contentsOfFile: dir.file("tb/train.csv"), encoding: .utf8).split(separator: "\n").count, 3,
            "the CSV of the last run")
        // plan's log in the same folder replaces neither train's nor the other program's.
        let plan = try runProcess(
            Repository.executable("plan"),
            ["--model", "m.h5", "--episodes", "1", "--max-steps", "5", "--logdir", "tb", "--out", "p.h5"], in: dir.path)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        names = try events()
        XCTAssertEqual(names.count, 3, "\(names)")
        XCTAssertTrue(fm.fileExists(atPath: dir.file("tb/train.csv")) && fm.fileExists(atPath: dir.file("tb/plan.csv")))
        // A train.csv this program did not write is an error, before anything is written.
        try fm.createDirectory(atPath: dir.file("mine"), withIntermediateDirectories: true)
        try "epoch,loss\n1,0.5\n".write(toFile: dir.file("mine/train.csv"), atomically: false, encoding: .utf8)
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s.h5", "--epochs", "1", "--logdir", "mine"],
            message: "error: mine/train.csv: is not a log this program wrote", prefix: true)
        XCTAssertEqual(try String(contentsOfFile: dir.file("mine/train.csv"), encoding: .utf8), "epoch,loss\n1,0.5\n")
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: dir.file("mine")), ["train.csv"])
    }

    func testTrainRefusesAModelItsReadersWouldRefuse() throws {
        // One training observation of 1e20: batch norm's running variance overflows Float32.
        try writePoisoned("poisoned.h5", row: 5, column: 0, value: 1e20)
        try expectFailure(
            "train", ["--data", "poisoned.h5", "--stats", "s.h5", "--epochs", "2"],
            message: "error: out.h5: not written: the trained model.network.1.running_var holds an "
                + "infinity at row 0", prefix: true)
        // The rule is the reader's own: the same network read back is refused with the same words.
        let model = DynamicsModel(
            stats: try NormalizationStats.read(fromFile: dir.file("s.h5")), hidden: 4, depth: 1, batchNorm: true,
            seed: 0)
        XCTAssertNil(model.stateDictProblem)
        model.network.buffers[model.network.layout.buffers[1].offset] = .infinity
        XCTAssertEqual(model.stateDictProblem, "model.network.1.running_var holds an infinity at row 0")
        let file = try HDF5File.create(at: dir.file("direct.h5"))
        XCTAssertThrowsError(try model.write(to: try file.root, env: "Pendulum-v1")) {
            XCTAssertTrue(
                "\($0)".hasSuffix("not written: model.network.1.running_var holds an infinity at row 0"), "\($0)")
        }
    }

    func testSimulatorWarningsEndTheRolloutWithAnError() throws {
        for arguments in [
            ["collect", "--env", "halfcheetah", "--episodes", "1", "--max-steps", "20", "--out", "hc.h5"],
            ["stats", "--data", "hc.h5", "--out", "hcs.h5"],
            [
                "train", "--data", "hc.h5", "--stats", "hcs.h5", "--epochs", "1", "--val-fraction", "0", "--hidden",
                "16", "--out", "hcm.h5"
            ]
        ] {
            let result = try runProcess(Repository.executable(arguments[0]), Array(arguments.dropFirst()), in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        func starts(_ name: String, index: Int, value: Double) throws {
            var row = [Double](repeating: 0, count: 18)
            row[index] = value
            let file = try HDF5File.create(at: dir.file(name))
            try InitialStates.write([row], stateSize: 18, to: try file.root)
            try file.close()
        }
        let plan = ["--model", "hcm.h5", "--episodes", "1", "--max-steps", "5", "--candidates", "20", "--horizon", "3"]
        // A height of 1e30: MuJoCo warns and resets to its reference pose before the first step.
        try starts("height.h5", index: 1, value: 1e30)
        try expectFailure(
            "plan", plan + ["--initial-states", "height.h5"],
            message: "error: height.h5: initial_states: row 0 makes the simulator warn: ", prefix: true)
        // A velocity beyond MuJoCo's bound (1e10): the first step warns and resets mid-step.
        try starts("speed.h5", index: 10, value: 1e11)
        try expectFailure(
            "plan", plan + ["--initial-states", "speed.h5"],
            message: "error: speed.h5: episode 1, step 1: the simulator warns: Nan, Inf or huge "
                + "value in QVEL", prefix: true)
    }

    func testStagesUnderAnAddressSpaceLimitFinishOrFailAtOnce() throws {
        let stages: [(String, [String])] = [
            ("train", ["--data", "r.h5", "--stats", "s.h5", "--epochs", "1"]),
            ("plan", ["--model", "m.h5", "--episodes", "1", "--max-steps", "5"]),
            ("evaluate", ["--model", "m.h5", "--data", "r.h5", "--max-k", "2"])
        ]
        // 300 MB: too little for the program and OpenBLAS's buffer (OpenBLAS used to spin here); 800 MB: enough.
        for kilobytes in [300_000, 800_000] {
            for (stage, arguments) in stages {
                let command =
                    "ulimit -v \(kilobytes) && "
                    + "exec \(Repository.executable(stage)) \(arguments.joined(separator: " ")) --out limited.h5"
                let run = try runProcess("/bin/bash", ["-c", command], in: dir.path, timeout: 20)
                XCTAssertFalse(run.timedOut, "\(stage) under ulimit -v \(kilobytes) hung")
                XCTAssertFalse(run.result.signaled, "\(stage) under ulimit -v \(kilobytes): \(run.result.stderr)")
                if kilobytes == 300_000 {
                    XCTAssertEqual(run.result.status, 1, "\(stage): \(run.result.stderr)")
                    XCTAssertLessThan(run.seconds, 10, stage)
                    XCTAssertEqual(run.result.stderr.split(separator: "\n").count, 1, run.result.stderr)
                    XCTAssertTrue(
                        run.result.stderr.hasPrefix("error: this stage needs at least ")
                            && run.result.stderr.contains("MB of address space"),
                        run.result.stderr)
                    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("limited.h5")))
                } else {
                    XCTAssertEqual(run.result.status, 0, "\(stage): \(run.result.stderr)")
                }
                try? FileManager.default.removeItem(atPath: dir.file("limited.h5"))
            }
        }
        XCTAssertEqual(temporaries(), [])
    }

    func testAnOutputThatIsAnInputOnlyOnceItsFolderExistsIsRefused() throws {
        // `new/../r.h5` names r.h5 only after `new` is made: checked after the folder exists, and the
        // folders made for it are removed again.
        let before = try sha("r.h5")
        try expectFailure(
            "stats", ["--data", "r.h5"],
            message: "error: new/../r.h5: is also an input of this stage "
                + "(as r.h5)",
            prefix: true, out: "new/../r.h5", keepsOut: true)
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s.h5", "--epochs", "1"],
            message: "error: a/b/../../s.h5: is also an input",
            prefix: true, out: "a/b/../../s.h5", keepsOut: true)
        XCTAssertEqual(try sha("r.h5"), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("new")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("a")))
        // A new folder for a new file stays, with the file in it.
        let made = try runProcess(
            Repository.executable("stats"), ["--data", "r.h5", "--out", "fresh/x/../s2.h5"], in: dir.path)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("fresh/s2.h5")))
    }

    func testAnErrorOnATerminalIsALineOfItsOwn() throws {
        // A status line on a terminal has no newline; the error line clears it instead of continuing it.
        let command =
            "script -qec '\(Repository.executable("train")) --data missing.h5 --stats s.h5 --out x.h5' "
            + "/dev/null"
        let run = try runProcess("/bin/bash", ["-c", command], in: dir.path)
        XCTAssertTrue(run.stdout.hasPrefix("\r\u{1B}[Kerror: missing.h5: "), run.stdout.debugDescription)
    }
}
