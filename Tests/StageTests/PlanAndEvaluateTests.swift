import Foundation
import MBRLCore
import MBRLData
import MBRLModels
import MBRLTestSupport
import XCTest

/// The release-built `plan` and `evaluate` on a small model: files, fixed starts, metrics, errors.
final class PlanAndEvaluateTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-plan")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        for arguments in [
            ["collect", "--episodes", "4", "--seed", "1", "--out", "r.h5"],
            ["collect", "--episodes", "2", "--max-steps", "30", "--seed", "2", "--out", "held.h5"],
            ["stats", "--data", "r.h5", "--out", "s.h5"],
            ["train", "--data", "r.h5", "--stats", "s.h5", "--epochs", "3", "--hidden", "16", "--out", "m.h5"]
        ] {
            let result = try runProcess(Repository.executable(arguments[0]), Array(arguments.dropFirst()), in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let starts = try HDF5File.create(at: dir.file("starts.h5"))
        try InitialStates.write([[3.0, 0.5], [-1.0, 0.0]], stateSize: 2, to: try starts.root)
        try starts.close()
    }

    func plan(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(
            Repository.executable("plan"), ["--model", "m.h5", "--candidates", "32", "--max-steps", "20"] + arguments,
            in: dir.path)
    }

    func testPlanWritesRolloutsFromFixedStarts() throws {
        for planner in ["rs", "cem", "mppi", "icem"] {
            let result = try plan([
                "--planner", planner, "--episodes", "2", "--initial-states", "starts.h5", "--iterations", "2",
                "--elites", "4", "--out", "\(planner).h5"
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
            let t = try Transitions.read(from: dir.file("\(planner).h5"))
            XCTAssertEqual(t.policy, planner)
            XCTAssertEqual(t.count, 40)
            XCTAssertEqual(t.episodeLengths, [20, 20])
            XCTAssertEqual(t.observations[0], Float(cos(3.0)), accuracy: 1e-6)
            XCTAssertEqual(t.observations[1], Float(sin(3.0)), accuracy: 1e-6)
            XCTAssertEqual(t.observations[60], Float(cos(-1.0)), accuracy: 1e-6)
            XCTAssertTrue(t.actions.allSatisfy { abs($0) <= 2 })
            XCTAssertEqual(t.episodeReturns[0], t.rewards[0..<20].reduce(0.0) { $0 + Double($1) }, accuracy: 1e-3)
            let config = try HDF5File.open(at: dir.file("\(planner).h5")).root.stringAttribute("config")
            XCTAssertTrue(config.contains(#""planner":"\#(planner)""#) && config.contains(#""candidates":32"#), config)
        }
    }

    func testSameSeedSameRollouts() throws {
        for planner in ["rs", "icem"] {
            let options = ["--planner", planner, "--episodes", "1", "--seed", "5", "--elites", "4"]
            XCTAssertEqual(try plan(options + ["--threads", "2", "--out", "a.h5"]).status, 0)
            XCTAssertEqual(try plan(options + ["--threads", "1", "--out", "b.h5"]).status, 0)
            XCTAssertEqual(
                try Transitions.read(from: dir.file("a.h5")).actions,
                try Transitions.read(from: dir.file("b.h5")).actions, planner)
        }
    }

    /// iCEM's settings are recorded in the rollouts' config, and each is validated (exit 64).
    func testICEMOptionsAreRecordedAndValidated() throws {
        let result = try plan([
            "--planner", "icem", "--episodes", "1", "--elites", "3", "--iterations", "2", "--alpha", "0.2", "--beta",
            "0.25",
            "--population-decay", "1.5", "--keep-fraction", "0.5", "--initial-std", "0.4", "--out", "i.h5"
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let config = try HDF5File.open(at: dir.file("i.h5")).root.stringAttribute("config")
        for member in [
            #""planner":"icem""#, #""candidates":32"#, #""elites":3"#, #""iterations":2"#, #""alpha":0.2"#,
            #""beta":0.25"#,
            #""population_decay":1.5"#, #""keep_fraction":0.5"#, #""initial_std":0.4"#
        ] {
            XCTAssertTrue(config.contains(member), "\(member) in \(config)")
        }
        for (options, message) in [
            (
                ["--elites", "17"],
                "--elites must be in 1...candidates/2 (every iteration scores at least twice the "
                    + "elites), got 17 with --candidates 32"
            ),
            (["--beta=-1"], "--beta must be in [0, 10], got -1.0"),
            (["--beta", "nan"], "--beta must be in [0, 10], got nan"),
            (["--population-decay", "0.9"], "--population-decay must be in [1, 100], got 0.9"),
            (["--keep-fraction", "1.5"], "--keep-fraction must be in [0, 1], got 1.5"),
            (["--initial-std", "0"], "--initial-std must be in (0, 10], got 0.0"),
            (["--alpha", "1"], "--alpha must be in [0, 1), got 1.0")
        ] {
            let refused = try plan(["--planner", "icem"] + options + ["--out", "x.h5"])
            XCTAssertEqual(refused.status, 64, "\(options)")
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))
    }

    /// `--pitch-limit`, `--joint-margin`, `--observation-band` and their penalties are validated (exit
    /// 64); a task without a root pitch or joints (Pendulum) refuses those, and a band beyond its
    /// observation is refused, in one line naming the model, with no output left behind.
    func testPitchLimitIsValidatedAndRefusedWithoutARootPitch() throws {
        for (options, message) in [
            (["--pitch-limit", "0"], "--pitch-limit must be in (0, π] radians, got 0.0"),
            (["--pitch-limit", "4"], "--pitch-limit must be in (0, π] radians, got 4.0"),
            (["--pitch-limit", "nan"], "--pitch-limit must be in (0, π] radians, got nan"),
            (["--pitch-penalty", "5"], "--pitch-penalty needs --pitch-limit"),
            (
                ["--pitch-limit", "1", "--pitch-penalty=-1"],
                "--pitch-penalty must be in [0, 1000000] (a larger one drowns the task's reward in Float32), got -1.0"
            ),
            (["--pitch-limit", "1", "--pitch-penalty", "inf"], "--pitch-penalty must be in [0, 1000000]"),
            (["--pitch-limit", "1", "--pitch-penalty", "2e6"], "--pitch-penalty must be in [0, 1000000]"),
            (["--joint-margin", "0"], "--joint-margin must be in (0, π] radians, got 0.0"),
            (["--joint-penalty", "5"], "--joint-penalty needs --joint-margin"),
            (["--joint-margin", "0.1", "--joint-penalty=-2"], "--joint-penalty must be in [0, 1000000]"),
            (["--observation-band", "0:-1:1", "--band-penalty", "nan"], "--band-penalty must be in [0, 1000000]"),
            (["--band-penalty", "5"], "--band-penalty needs --observation-band"),
            (
                ["--observation-band", "1:2:1"],
                "The value '1:2:1' is invalid for '--observation-band <i:low:high>': low and high must be finite "
                    + "with low < high"
            ),
            (
                ["--observation-band", "1:2"],
                "The value '1:2' is invalid for '--observation-band <i:low:high>': expected i:low:high"
            ),
            (["--observation-band=-1:0:1"], "The value '-1:0:1' is invalid for '--observation-band <i:low:high>'")
        ] {
            let refused = try plan(options + ["--out", "x.h5"])
            XCTAssertEqual(refused.status, 64, "\(options)")
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
        let pendulum = try plan(["--pitch-limit", "1", "--out", "x.h5"])
        XCTAssertEqual(pendulum.status, 1)
        XCTAssertEqual(
            pendulum.stderr,
            "error: m.h5: --pitch-limit needs a task with a root pitch (HalfCheetah, Hopper); Pendulum-v1 has none\n")
        let noJoints = try plan(["--joint-margin", "0.1", "--out", "x.h5"])
        XCTAssertEqual(noJoints.status, 1)
        XCTAssertEqual(
            noJoints.stderr,
            "error: m.h5: --joint-margin needs a task with limited joints (the MuJoCo tasks); Pendulum-v1 has none\n")
        let beyond = try plan(["--observation-band", "3:-1:1", "--out", "x.h5"])
        XCTAssertEqual(beyond.status, 1)
        XCTAssertEqual(
            beyond.stderr,
            "error: m.h5: --observation-band 3:…: Pendulum-v1's observation has 3 values (indices 0...2)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))
        // A band on Pendulum's angular velocity is recorded with its penalty.
        let banded = try plan([
            "--episodes", "1", "--observation-band", "2:-4:4.5", "--band-penalty", "2", "--out", "band.h5"
        ])
        XCTAssertEqual(banded.status, 0, banded.stderr)
        let config = try HDF5File.open(at: dir.file("band.h5")).root.stringAttribute("config")
        XCTAssertTrue(config.contains(#""observation_bands":[[2,-4.0,4.5]]"#), config)
        XCTAssertTrue(config.contains(#""band_penalty":2.0"#), config)
    }

    /// The bands reach the planner: one that no prediction leaves (Pendulum's cos θ within ±2) plans
    /// the same actions as none, and one that binds (|θ̇| ≤ 0.5, penalty 100) plans others. (Whether
    /// the real pendulum then swings slower depends on the model; this one is trained for 2 epochs.)
    func testObservationBandsChangeWhatPlanPlans() throws {
        let common = ["--episodes", "1", "--max-steps", "30", "--seed", "3", "--threads", "1"]
        XCTAssertEqual(try plan(common + ["--out", "free.h5"]).status, 0)
        XCTAssertEqual(try plan(common + ["--observation-band", "0:-2:2", "--out", "loose.h5"]).status, 0)
        let bound = try plan(common + ["--observation-band=2:-0.5:0.5", "--band-penalty", "100", "--out", "bound.h5"])
        XCTAssertEqual(bound.status, 0, bound.stderr)
        let free = try Transitions.read(from: dir.file("free.h5"))
        XCTAssertEqual(try Transitions.read(from: dir.file("loose.h5")).actions, free.actions)
        let banded = try Transitions.read(from: dir.file("bound.h5"))
        XCTAssertNotEqual(banded.actions, free.actions)
    }

    func testEvaluateWritesMetricsAndPredictions() throws {
        XCTAssertEqual(try plan(["--episodes", "2", "--out", "roll.h5"]).status, 0)
        let result = try runProcess(
            Repository.executable("evaluate"),
            ["--model", "m.h5", "--data", "held.h5", "--rollouts", "roll.h5", "--max-k", "5", "--out", "e.h5"],
            in: dir.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("one-step MSE"), result.stdout)
        let root = try HDF5File.open(at: dir.file("e.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.eval/1")
        let predictions = try root.read("predictions/next_observations", as: Float.self)
        XCTAssertEqual(predictions.shape, [60, 3])
        let held = try Transitions.read(from: dir.file("held.h5"))
        let (model, _) = try DynamicsModel.read(fromFile: dir.file("m.h5"))
        XCTAssertLessThan(
            maxRelativeError(
                predictions.values,
                model.predictNextObservations(observations: held.observations, actions: held.actions)
            ).error, 1e-5)
        let mse = try root.readScalar("metrics/one_step_mse", as: Double.self)
        let recomputed =
            zip(predictions.values, held.nextObservations).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / 180
        XCTAssertEqual(mse, recomputed, accuracy: 1e-9)
        let rmse = try root.read("metrics/k_step_rmse", as: Double.self).values
        XCTAssertEqual(rmse.count, 5)
        XCTAssertEqual(rmse[0] * rmse[0], mse, accuracy: 1e-9)
        // Each episode of 30 steps has 30 − k + 1 starts for k steps.
        XCTAssertEqual(try root.read("metrics/k_step_count", as: Int64.self).values, [60, 58, 56, 54, 52])
        let returns = try root.read("rollouts/0/returns", as: Double.self).values
        XCTAssertEqual(
            try root.readScalar("rollouts/0/mean", as: Double.self), returns.reduce(0, +) / 2, accuracy: 1e-9)
    }

    func testBadPlanInputs() throws {
        let wrongKind = try plan(["--model", "r.h5", "--out", "x.h5"])
        XCTAssertEqual(wrongKind.status, 1)
        XCTAssertEqual(
            wrongKind.stderr,
            "error: r.h5: is a transitions file (mbrl.transitions/1), expected a model "
                + "file (mbrl.model/2)\n")
        let fewStarts = try plan(["--episodes", "3", "--initial-states", "starts.h5", "--out", "x.h5"])
        XCTAssertEqual(fewStarts.status, 1)
        XCTAssertEqual(fewStarts.stderr, "error: starts.h5: initial_states: has 2 rows, 3 episodes need one each\n")
        let planner = try plan(["--planner", "ilqr", "--out", "x.h5"])
        XCTAssertEqual(planner.status, 64)
        XCTAssertTrue(
            planner.stderr.contains(
                "The value 'ilqr' is invalid for '--planner <planner>'. Please "
                    + "provide one of 'rs', 'cem', 'mppi' or 'icem'"), planner.stderr)
        let reward = try plan(["--reward", "approximate", "--out", "x.h5"])
        XCTAssertEqual(reward.status, 1)
        XCTAssertTrue(reward.stderr.hasPrefix("error: m.h5: --reward needs a model that predicts Δx"), reward.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("x.h5")))
    }

    /// scripts/planner-ablation plans each setting on the same model and starts and tabulates what the
    /// episodes returned; a setting's options reach `plan` as arguments, never through a shell.
    func testPlannerAblationTabulatesEachSettingOnTheSameModel() throws {
        try """
        # a comment, then two settings and a blank line
        rs-h3 --planner rs --candidates 16 --horizon 3

        mppi-h3 --planner mppi --candidates 16 --horizon 3 --seed=4
        """.write(toFile: dir.file("variants.txt"), atomically: true, encoding: .utf8)
        // Nine episodes: plan logs each one's return (not only the quarters), which the table reads.
        let nine = try HDF5File.create(at: dir.file("nine.h5"))
        try InitialStates.write((0..<9).map { [Double($0) * 0.6 - 2.4, 0.0] }, stateSize: 2, to: try nine.root)
        try nine.close()
        let script = Repository.root.path + "/scripts/planner-ablation"
        let arguments = ["m.h5", "nine.h5", "9", "5", "variants.txt", "ablation"]
        let result = try runProcess(script, arguments, in: dir.path)
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 4, result.stdout)
        for (row, name) in zip(rows.dropFirst(2), ["rs-h3", "mppi-h3"]) {
            let t = try Transitions.read(from: dir.file("ablation/\(name).h5"))
            XCTAssertEqual(t.episodeLengths, Array(repeating: 5, count: 9))
            let each = t.episodeReturns.map { String(format: "%.1f", $0) }.joined(separator: ", ")
            let mean = String(format: "%.1f", t.episodeReturns.reduce(0, +) / 9)
            XCTAssertTrue(row.hasPrefix("| \(name) | `--planner"), row)
            XCTAssertTrue(row.hasSuffix("| \(each) | **\(mean)** |"), "\(row) against \(each), \(mean)")
        }
        // A setting's own seed, also as --seed=4, replaces the script's --seed 0 on the command line.
        let mppi = try HDF5File.open(at: dir.file("ablation/mppi-h3.h5")).root
        XCTAssertTrue(try mppi.stringAttribute("config").contains(#""seed":4"#))
        let command = try mppi.stringAttribute("command")
        XCTAssertFalse(command.contains("--seed 0"), command)
        // A second call plans nothing again and prints the same table.
        XCTAssertEqual(try runProcess(script, arguments, in: dir.path).stdout, result.stdout)

        // Options are data: a command substitution is an argument `plan` refuses, and nothing runs it.
        try "bad --planner $(touch ran)\n".write(toFile: dir.file("bad.txt"), atomically: true, encoding: .utf8)
        let bad = try runProcess(script, ["m.h5", "starts.h5", "1", "5", "bad.txt", "ablation"], in: dir.path)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("bad: plan failed"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("ran")))
        XCTAssertEqual(
            try runProcess(script, ["m.h5", "starts.h5", "0", "5", "variants.txt", "x"], in: dir.path).status, 64)
    }
}
