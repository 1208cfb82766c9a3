import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLStatistics
import MBRLTestSupport
import XCTest

/// The release-built stages on the MuJoCo tasks: run from a folder that holds nothing but their
/// outputs (the models are embedded), and their files carry what the MuJoCo tasks add.
final class MuJoCoStageTests: XCTestCase {
    let collect = Repository.executable("collect")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// Hopper's random episodes end in unhealthy states (terminals), the files hold infos/qpos and
    /// infos/qvel, and MuJoCo writes nothing else into the folder (no MUJOCO_LOG.TXT).
    func testCollectOnHopperAndAnt() throws {
        let dir = TemporaryDirectory()
        for (env, nq, nv) in [("hopper", 6, 6), ("Ant-v4", 15, 14)] {
            let result = try runProcess(
                collect, ["--env", env, "--episodes", "3", "--max-steps", "100", "--seed", "2", "--out", "\(env).h5"],
                in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "")
            let t = try Transitions.read(from: dir.file("\(env).h5"))
            XCTAssertEqual(t.env, EnvironmentName(rawValue: env)?.id ?? env)
            XCTAssertEqual(t.episodeLengths.count, 3)
            XCTAssertTrue(t.actions.allSatisfy { abs($0) <= 1 })
            XCTAssertEqual(t.qposSize, nq)
            XCTAssertEqual(t.qvelSize, nv)
            XCTAssertEqual(t.infoQpos.count, t.count * nq)
            if env == "hopper" {
                XCTAssertEqual(
                    t.terminals.filter { $0 }.count, 3,
                    "random Hopper episodes fall "
                        + "within 100 steps")
            }
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["Ant-v4.h5", "hopper.h5"])
    }

    /// `--steps`: `collect` and `plan` record exactly a budget of steps on a task whose episodes end
    /// early, recorded in the config in place of the episodes; the learning curve leaves out the
    /// episode the budget cut off; a budget with --episodes or with fixed starts is a usage error.
    func testStepBudgetsOnHopper() throws {
        let dir = TemporaryDirectory()
        func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
            try runProcess(Repository.executable(program), arguments, in: dir.path)
        }
        let collected = try run("collect", ["--env", "hopper", "--steps", "400", "--seed", "1", "--out", "random.h5"])
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let random = try Transitions.read(from: dir.file("random.h5"))
        XCTAssertEqual(random.count, 400)
        XCTAssertGreaterThan(random.episodeLengths.count, 3)
        let config = try HDF5File.open(at: dir.file("random.h5")).root.stringAttribute("config")
        XCTAssertTrue(config.contains(#""steps":400"#) && !config.contains("episodes"), config)

        for (arguments, why) in [
            (
                ["--episodes", "2", "--steps", "10"],
                "--episodes and --steps: give one, a number of episodes or a budget of steps"
            ),
            (["--steps", "0"], "--steps must be at least 1, got 0")
        ] {
            let refused = try run("collect", ["--env", "hopper", "--out", "refused.h5"] + arguments)
            XCTAssertEqual(refused.status, 64, arguments.joined(separator: " "))
            XCTAssertTrue(refused.stderr.hasPrefix("Error: \(why)\n"), refused.stderr)
        }
        XCTAssertEqual(try run("stats", ["--data", "random.h5", "--out", "stats.h5"]).status, 0)
        let trained = try run(
            "train",
            ["--data", "random.h5", "--stats", "stats.h5", "--epochs", "2", "--hidden", "16", "--out", "model.h5"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let planner = ["--model", "model.h5", "--candidates", "8", "--horizon", "3", "--threads", "1"]
        let planned = try run(
            "plan", planner + ["--steps", "150", "--seed", "3", "--logdir", "tb", "--out", "rollouts-1.h5"])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stderr.contains("of 150 steps)"), planned.stderr)
        let rollouts = try Transitions.read(from: dir.file("rollouts-1.h5"))
        XCTAssertEqual(rollouts.count, 150)
        XCTAssertGreaterThan(rollouts.episodeLengths.count, 1, "a hopper on a 2-epoch model falls")
        let planConfig = try HDF5File.open(at: dir.file("rollouts-1.h5")).root.stringAttribute("config")
        XCTAssertTrue(planConfig.contains(#""steps":150"#) && !planConfig.contains("episodes"), planConfig)

        // The curve's returns are the complete episodes': all but a last one the budget cut off.
        let curve = try LearningCurve(folder: dir.path)
        XCTAssertEqual(curve.points.map(\.steps), [400, 550])
        for (point, data) in zip(curve.points, [random, rollouts]) {
            let cut = !data.terminals[data.count - 1]
            XCTAssertEqual(point.returns, cut ? Array(data.episodeReturns.dropLast()) : data.episodeReturns)
        }
        XCTAssertTrue(!rollouts.terminals[149] || !random.terminals[399], "at least one budget cuts an episode here")

        // evaluate's return statistics and plan's per-episode log are the complete episodes' too.
        let evaluated = try run(
            "evaluate",
            [
                "--model", "model.h5", "--data", "random.h5", "--rollouts", "rollouts-1.h5", "--max-k", "3", "--out",
                "eval.h5"
            ])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let evaluation = try HDF5File.open(at: dir.file("eval.h5")).root
        XCTAssertEqual(try evaluation.read("rollouts/0/returns", as: Double.self).values, curve.points[1].returns)
        let logged = try String(contentsOfFile: dir.file("tb/plan.csv"), encoding: .utf8)
        XCTAssertEqual(logged.split(separator: "\n").count - 1, curve.points[1].returns.count, logged)
        let cutOff = planned.stderr.contains("(cut off at the step budget: a partial return)")
        XCTAssertEqual(cutOff, !rollouts.terminals[149], planned.stderr)

        let starts = Repository.root.appendingPathComponent("pipelines/hopper-test-starts.h5").path
        let fixed = try run("plan", planner + ["--steps", "10", "--initial-states", starts, "--out", "fixed.h5"])
        XCTAssertEqual(fixed.status, 64)
        XCTAssertTrue(
            fixed.stderr.hasPrefix(
                "Error: --steps runs episodes from seeded resets; --initial-states fixes the episodes: give --episodes\n"
            ),
            fixed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("fixed.h5")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("refused.h5")))
    }

    /// Every preset's fixed test starts are states of its own environment: the file's `env` attribute
    /// is the preset's ENV's Gymnasium id, and its rows have the environment's state size (a MuJoCo
    /// task's nq + nv; Pendulum's 2), so `plan --initial-states` accepts them.
    func testEveryPresetsTestStartsFitItsEnvironment() throws {
        // Every pipeline name: the named pipelines and every task with every method (make print-presets).
        let listed = try runProcess(
            "/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path, "-s", "print-presets"])
        let presets = listed.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        XCTAssertTrue(
            [
                "halfcheetah", "hopper", "swimmer", "ant", "halfcheetah-mppi", "halfcheetah-pets",
                "hopper-pets", "swimmer-pets", "ant-pets", "halfcheetah-icem", "hopper-mppi"
            ].allSatisfy(presets.contains), listed.stdout)
        // The offline task plans from its dataset's held-out starts (import --initial-states; MinariStageTests).
        for preset in presets where preset != "offline" && !preset.hasPrefix("offline-") {
            let name = preset
            let printed = try runProcess(
                "/usr/bin/env",
                [
                    "make", "--no-print-directory", "-C", Repository.root.path, "-s",
                    "PIPELINE=\(name)", "print-ENV", "print-TEST_STARTS"
                ])
            XCTAssertEqual(printed.status, 0, printed.stderr)
            let values = printed.stdout.split(separator: "\n").map(String.init)
            guard values.count == 2, let env = EnvironmentName(rawValue: values[0]) else {
                XCTFail("\(preset): make print-ENV print-TEST_STARTS gave \(printed.stdout)"); continue
            }
            let file = try HDF5File.open(at: Repository.root.appendingPathComponent(values[1]).path)
            XCTAssertEqual(try file.root.stringAttribute("env"), env.id, preset)
            // Throws (failing the test) unless the rows have the environment's state size and there
            // are at least 5 of them.
            XCTAssertNoThrow(
                try InitialStates.read(
                    from: Repository.root.appendingPathComponent(values[1]).path,
                    stateSize: env.make().stateSize, needed: 5), preset)
        }
    }

    /// The MuJoCo presets run the whole loop through `make` on a tiny budget (short random episodes,
    /// a few candidates, one iteration): every file, planned episodes of the full 1,000 steps unless
    /// the task ended them (Hopper and Ant), the task's id in the files, and models that predict Δx.
    func testMuJoCoPresetsRunEndToEndOnATinyBudget() throws {
        let data = TemporaryDirectory("mbrl-mujoco-presets")
        let budget = [
            "DATA=\(data.path)", "MAX_STEPS=100", "EPOCHS=2", "ITERS=1", "TEST_EPISODES=1", "HELDOUT_EPISODES=1",
            "CANDIDATES=8", "HORIZON=3", "MAX_K=5"
        ]
        let episodes = ["EPISODES=2", "PLAN_EPISODES=1"]
        // iCEM scores at least twice its elites: 2 of the 8 candidates here (the preset's other options kept).
        let icem = [
            "PLANNER_OPTIONS=--elites 2 --alpha 0.1 --beta 0.25 --population-decay 1.25 --keep-fraction 0.5 "
                + "--initial-std 0.5"
        ]
        for (preset, env) in [
            ("halfcheetah-mppi", EnvironmentName.halfcheetah), ("halfcheetah-pets", .halfcheetah), ("hopper", .hopper),
            ("hopper-pets", .hopper), ("swimmer", .swimmer), ("ant", .ant), ("ant-pets", .ant),
            ("halfcheetah-icem", .halfcheetah)
        ] {
            // Here Hopper counts its data in steps, as hopper-best and ant-best do (RANDOM_STEPS,
            // PLAN_STEPS: collect and plan --steps); a number of episodes given with them is refused.
            let steps = ["RANDOM_STEPS=200", "PLAN_STEPS=50"]
            let extra = preset == "halfcheetah-icem" ? icem + episodes : preset == "hopper" ? steps : episodes
            let result = try runProcess(
                "/usr/bin/env",
                ["make", "--no-print-directory", "-C", Repository.root.path, "PIPELINE=\(preset)"] + budget + extra)
            XCTAssertEqual(result.status, 0, "\(preset): \(result.stderr)")
            let run = data.path + "/\(preset)/seed-0/"
            let test = try Transitions.read(from: run + "test.h5")
            XCTAssertEqual(test.env, env.id, preset)
            if preset == "halfcheetah-icem" { XCTAssertEqual(test.policy, "icem") }
            XCTAssertEqual(test.episodeLengths.count, 1, preset)
            if !env.make().canTerminate { XCTAssertEqual(test.episodeLengths, [1000], preset) }
            XCTAssertEqual(test.infoQpos.count, test.count * test.qposSize, preset)
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + "eval.h5"), preset)
            if preset == "hopper" {
                XCTAssertEqual(try Transitions.readRowCount(from: run + "random.h5"), 200)
                XCTAssertEqual(try Transitions.readRowCount(from: run + "rollouts-1.h5"), 50)
            }
            // The models predict Δx, and the planner's reward is the task's on it.
            XCTAssertTrue(try NormalizationStats.read(fromFile: run + "stats.h5").hasDeltaX, preset)
            let format = try HDF5File.open(at: run + "model-1.h5").root.stringAttribute("format")
            XCTAssertEqual(format, preset.hasSuffix("-pets") ? "mbrl.ensemble/2" : "mbrl.model/3", preset)
            XCTAssertTrue(try ModelFile.read(fromFile: run + "model-1.h5").model.predictsDeltaX, preset)
            XCTAssertTrue(
                try HDF5File.open(at: run + "test.h5").root.stringAttribute("config").contains("\"reward\":\"exact\""),
                preset)
        }
        // The ablation: the same model planned on with the approximate reward, recorded in the config.
        let run = data.path + "/hopper/seed-0/"
        let plan = Repository.executable("plan")
        let approximate = try runProcess(
            plan,
            [
                "--model", "model-1.h5", "--reward", "approximate", "--candidates", "8", "--horizon", "3",
                "--episodes", "1", "--max-steps", "5", "--out", "approximate.h5"
            ], in: run)
        XCTAssertEqual(approximate.status, 0, approximate.stderr)
        XCTAssertTrue(
            try HDF5File.open(at: run + "approximate.h5").root.stringAttribute("config").contains(
                "\"reward\":\"approximate\""))
        // The pitch constraint on HalfCheetah's model is recorded with its penalty; runs without it
        // record neither, so their files keep their bytes.
        let cheetah = data.path + "/halfcheetah-mppi/seed-0/"
        let upright = try runProcess(
            plan,
            [
                "--model", "model-1.h5", "--pitch-limit", "1", "--pitch-penalty", "20", "--candidates", "8",
                "--horizon", "3", "--episodes", "1", "--max-steps", "5", "--out", "upright.h5"
            ], in: cheetah)
        XCTAssertEqual(upright.status, 0, upright.stderr)
        let config = try HDF5File.open(at: cheetah + "upright.h5").root.stringAttribute("config")
        XCTAssertTrue(config.contains(#""pitch_limit":1.0"#) && config.contains(#""pitch_penalty":20.0"#), config)
        XCTAssertFalse(try HDF5File.open(at: cheetah + "test.h5").root.stringAttribute("config").contains("pitch"))
        // The joint margin likewise; one that leaves the narrowest joint no room is refused, naming it.
        let margin = ["--candidates", "8", "--horizon", "3", "--episodes", "1", "--max-steps", "5"]
        let joints = try runProcess(
            plan, ["--model", "model-1.h5", "--joint-margin", "0.1", "--out", "joints.h5"] + margin, in: cheetah)
        XCTAssertEqual(joints.status, 0, joints.stderr)
        let jointConfig = try HDF5File.open(at: cheetah + "joints.h5").root.stringAttribute("config")
        XCTAssertTrue(
            jointConfig.contains(#""joint_margin":0.1,"#) && jointConfig.contains(#""joint_penalty":10.0"#), jointConfig
        )
        let tooWide = try runProcess(
            plan, ["--model", "model-1.h5", "--joint-margin", "0.5", "--out", "wide.h5"] + margin, in: cheetah)
        XCTAssertEqual(tooWide.status, 1)
        XCTAssertEqual(
            tooWide.stderr,
            "error: model-1.h5: --joint-margin 0.5 leaves no room between the stops of HalfCheetah-v4's narrowest "
                + "joint (ffoot)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cheetah + "wide.h5"))
    }
}

extension MuJoCoStageTests {
    /// `plan --dynamics simulator` scores the candidates on the task's own simulator: a hopper planned
    /// on it stays up where one planned with the same settings on a 2-epoch model falls, its config says
    /// what it planned on, and the options of a model or a task without a simulator are refused.
    func testPlanOnTheSimulator() throws {
        let dir = TemporaryDirectory()
        func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
            try runProcess(Repository.executable(program), arguments, in: dir.path)
        }
        XCTAssertEqual(
            try run("collect", ["--env", "hopper", "--steps", "300", "--seed", "1", "--out", "random.h5"]).status, 0)
        XCTAssertEqual(try run("stats", ["--data", "random.h5", "--out", "stats.h5"]).status, 0)
        let trained = try run(
            "train",
            ["--data", "random.h5", "--stats", "stats.h5", "--epochs", "2", "--hidden", "16", "--out", "model.h5"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let starts = Repository.root.appendingPathComponent("pipelines/hopper-test-starts.h5").path
        let planner = [
            "--model", "model.h5", "--candidates", "64", "--horizon", "10", "--threads", "2", "--initial-states",
            starts,
            "--episodes", "2", "--max-steps", "80"
        ]
        for dynamics in ["model", "simulator"] {
            let planned = try run("plan", planner + ["--dynamics", dynamics, "--out", "on-\(dynamics).h5"])
            XCTAssertEqual(planned.status, 0, planned.stderr)
        }
        let onModel = try Transitions.read(from: dir.file("on-model.h5"))
        let onSimulator = try Transitions.read(from: dir.file("on-simulator.h5"))
        XCTAssertEqual(onSimulator.episodeLengths, [80, 80], "a hopper planned on its own physics stays up")
        XCTAssertLessThan(onModel.episodeLengths.reduce(0, +), 160, "a hopper planned on a 2-epoch model falls")
        let config = try HDF5File.open(at: dir.file("on-simulator.h5")).root.stringAttribute("config")
        XCTAssertTrue(config.contains(#""dynamics":"simulator""#) && config.contains(#""reward":"exact""#), config)
        let modelConfig = try HDF5File.open(at: dir.file("on-model.h5")).root.stringAttribute("config")
        XCTAssertFalse(modelConfig.contains("dynamics"), modelConfig)

        // An ensemble only names the task too: 3 elites, which its own default of 20 particles does not
        // fit, plan on the simulator all the same, and nothing of the ensemble's is recorded.
        let ensemble = try run(
            "train",
            [
                "--data", "random.h5", "--stats", "stats.h5", "--epochs", "1", "--hidden", "8", "--members", "3",
                "--elite-members", "3", "--out", "ensemble.h5"
            ])
        XCTAssertEqual(ensemble.status, 0, ensemble.stderr)
        let onEnsemble = try run(
            "plan",
            [
                "--model", "ensemble.h5", "--dynamics", "simulator", "--candidates", "16", "--horizon", "4",
                "--episodes",
                "1", "--max-steps", "10", "--out", "on-ensemble.h5"
            ])
        XCTAssertEqual(onEnsemble.status, 0, onEnsemble.stderr)
        let ensembleConfig = try HDF5File.open(at: dir.file("on-ensemble.h5")).root.stringAttribute("config")
        XCTAssertTrue(
            ensembleConfig.contains(#""dynamics":"simulator""#) && !ensembleConfig.contains("propagation")
                && !ensembleConfig.contains("particles"), ensembleConfig)

        let refused = try run("plan", planner + ["--dynamics", "simulator", "--particles", "5", "--out", "refused.h5"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(
            refused.stderr.hasPrefix(
                "Error: --dynamics simulator plans on the task's simulator: --propagation, --particles, "
                    + "--prediction and --precision are the model's\n"), refused.stderr)

        XCTAssertEqual(
            try run("collect", ["--env", "pendulum", "--episodes", "2", "--seed", "1", "--out", "pendulum.h5"]).status,
            0)
        XCTAssertEqual(try run("stats", ["--data", "pendulum.h5", "--out", "pendulum-stats.h5"]).status, 0)
        XCTAssertEqual(
            try run(
                "train",
                [
                    "--data", "pendulum.h5", "--stats", "pendulum-stats.h5", "--epochs", "1", "--hidden", "8", "--out",
                    "pendulum-model.h5"
                ]
            ).status, 0)
        let pendulum = try run(
            "plan",
            ["--model", "pendulum-model.h5", "--dynamics", "simulator", "--episodes", "1", "--out", "refused.h5"])
        XCTAssertEqual(pendulum.status, 1)
        XCTAssertEqual(
            pendulum.stderr,
            "error: pendulum-model.h5: --dynamics simulator needs a MuJoCo task; the model is for Pendulum-v1\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("refused.h5")))
    }
}
