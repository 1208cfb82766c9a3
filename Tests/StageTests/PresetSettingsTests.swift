import Foundation
import MBRLTestSupport
import XCTest

/// Presets are a task and a method (pipelines/tasks/, pipelines/methods/) with named pipelines as
/// aliases: every pipeline name the project had resolves to exactly the settings and the parameters
/// texts (the cache keys) recorded before the split (Fixtures/preset-settings.txt, written by
/// scripts/record-preset-settings), so no run folder becomes out of date; and TASK=t METHOD=m is the
/// same run as PIPELINE=t-m.
final class PresetSettingsTests: XCTestCase {
    func settings(_ arguments: [String]) throws -> [String: String] {
        let result = try runProcess(
            "/usr/bin/env",
            ["make", "--no-print-directory", "-s", "-C", Repository.root.path, "DATA=/nonexistent"]
                + arguments + ["settings"])
        XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        return Self.parse(result.stdout.split(separator: "\n").map(String.init))
    }

    static func parse(_ lines: [String]) -> [String: String] {
        Dictionary(
            lines.compactMap { line in
                line.firstIndex(of: "=").map { (String(line[..<$0]), String(line[line.index(after: $0)...])) }
            }, uniquingKeysWith: { $1 })
    }

    /// The settings and parameters texts two pipelines resolve differently (one missing counts).
    static func changedKeys(_ a: [String: String], _ b: [String: String]) -> Set<String> {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }
    }

    /// The recorded pipelines, each with its lines.
    func recorded() throws -> [(name: String, settings: [String: String])] {
        let text = try String(contentsOfFile: Repository.fixture("preset-settings.txt"), encoding: .utf8)
        var blocks: [(String, [String])] = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("[") && line.hasSuffix("]") {
                blocks.append((String(line.dropFirst().dropLast()), []))
            } else {
                blocks[blocks.count - 1].1.append(line)
            }
        }
        return blocks.map { ($0.0, Self.parse($0.1)) }
    }

    func testEveryRecordedPipelineResolvesToItsRecordedSettingsAndParameters() throws {
        let pipelines = try recorded()
        XCTAssertEqual(pipelines.count, 30)
        for (name, expected) in pipelines {
            let today = try settings(["PIPELINE=\(name)"])
            XCTAssertGreaterThan(expected.count, 40, name)
            for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
                XCTAssertEqual(today[key], value, "\(name): \(key)")
            }
            // Every parameters file, and no other: the cache keys are the recorded ones.
            XCTAssertEqual(
                Set(today.keys.filter { $0.hasPrefix("params/") }),
                Set(expected.keys.filter { $0.hasPrefix("params/") }), name)
        }
    }

    func testTaskAndMethodNameTheSameRunAsThePipelineName() throws {
        for (task, method, name) in [
            ("pendulum", "rs", "pendulum"), ("pendulum", "pets", "pendulum-pets"), ("hopper", "pets", "hopper-pets"),
            ("halfcheetah", "icem", "halfcheetah-icem"), ("swimmer", "mppi", "swimmer-mppi")
        ] {
            let chosen = try settings(["TASK=\(task)", "METHOD=\(method)"])
            XCTAssertEqual(chosen, try settings(["PIPELINE=\(name)"]), "TASK=\(task) METHOD=\(method)")
            let printed = try runProcess(
                "/usr/bin/env",
                [
                    "make", "--no-print-directory", "-s", "-C", Repository.root.path,
                    "TASK=\(task)", "METHOD=\(method)", "print-PIPELINE"
                ])
            XCTAssertEqual(printed.stdout, name + "\n")
        }
        XCTAssertEqual(try settings([]), try settings(["PIPELINE=pendulum"]), "the default is the notebook's pipeline")
    }

    /// `halfcheetah-mppi-200k` is the reproduction run (`halfcheetah-rs-200k`) with one change, the planner, so
    /// the two rows compare planners on the same data schedule, network, training and test starts.
    func testHalfCheetahMPPI200kChangesOnlyThePlannerOfTheReproductionRun() throws {
        let reproduction = try settings(["PIPELINE=halfcheetah-rs-200k"])
        let mppi = try settings(["PIPELINE=halfcheetah-mppi-200k"])
        let planner: Set = ["PLANNER", "PLANNER_OPTIONS", "PLAN_ITERATIONS", "params/plan", "params/test"]
        let changed = Self.changedKeys(reproduction, mppi)
        XCTAssertEqual(changed, planner)
        XCTAssertEqual(mppi["PLANNER"], "mppi")
        for (key, value) in ["EPISODES": "10", "ITERS": "19", "PLAN_EPISODES": "10", "TEST_EPISODES": "10"] {
            XCTAssertEqual(mppi[key], value, key)
        }
    }

    /// `halfcheetah-rs-h10-200k` is the reproduction run with one change, MBBL's planning depth (H 10),
    /// which reaches the plans and the test and nothing else.
    func testHalfCheetahRSH10ChangesOnlyTheHorizonOfTheReproductionRun() throws {
        let reproduction = try settings(["PIPELINE=halfcheetah-rs-200k"])
        let h10 = try settings(["PIPELINE=halfcheetah-rs-h10-200k"])
        let changed = Self.changedKeys(reproduction, h10)
        XCTAssertEqual(changed, ["HORIZON", "params/plan", "params/test"])
        XCTAssertEqual(reproduction["HORIZON"], "20")
        XCTAssertEqual(h10["HORIZON"], "10")
        XCTAssertEqual(
            reproduction["params/plan"]?.replacingOccurrences(of: "--horizon 20", with: "--horizon 10"),
            h10["params/plan"])
    }

    /// `ant-best-h10` is `ant-best` with one change, the planning depth (H 10 instead of 30), which
    /// reaches the plans and the test and nothing else.
    func testAntBestH10ChangesOnlyTheHorizonOfAntBest() throws {
        let best = try settings(["PIPELINE=ant-best"])
        let h10 = try settings(["PIPELINE=ant-best-h10"])
        XCTAssertEqual(Self.changedKeys(best, h10), ["HORIZON", "params/plan", "params/test"])
        XCTAssertEqual(best["HORIZON"], "30")
        XCTAssertEqual(h10["HORIZON"], "10")
        for key in ["params/plan", "params/test"] {
            XCTAssertEqual(best[key]?.replacingOccurrences(of: "--horizon 30", with: "--horizon 10"), h10[key], key)
        }
    }

    /// `halfcheetah-rs-retrain3k-200k` is the reproduction run with one change, MBBL's retraining interval
    /// (3 planned episodes per iteration, 63 iterations: 199,000 steps), which reaches the plans' episode
    /// count and the evaluation's iteration count and nothing else: not the planner, not the training.
    func testHalfCheetahRSRetrain3kChangesOnlyTheRetrainingIntervalOfTheReproductionRun() throws {
        let reproduction = try settings(["PIPELINE=halfcheetah-rs-200k"])
        let retrain = try settings(["PIPELINE=halfcheetah-rs-retrain3k-200k"])
        let changed = Self.changedKeys(reproduction, retrain)
        XCTAssertEqual(changed, ["ITERS", "PLAN_EPISODES", "params/plan", "params/evaluate"])
        XCTAssertEqual(retrain["PLAN_EPISODES"], "3")
        XCTAssertEqual(retrain["ITERS"], "63")
        // The same budget: 10 random episodes and the planned ones, at most 200 episodes of 1,000 steps.
        let episodes = [retrain, reproduction].map {
            Int($0["EPISODES"]!)! + Int($0["ITERS"]!)! * Int($0["PLAN_EPISODES"]!)!
        }
        XCTAssertEqual(episodes, [199, 200])
        XCTAssertEqual(
            reproduction["params/plan"]?.replacingOccurrences(of: "episodes=10", with: "episodes=3"),
            retrain["params/plan"])
    }

    /// `halfcheetah-best` is `halfcheetah-mppi-200k` with one change, the pitch constraint, which reaches
    /// plan's command line (and so the plan and test stages' parameters) and nothing else.
    func testHalfCheetahBestChangesOnlyThePitchLimitOfTheMPPIRun() throws {
        let mppi = try settings(["PIPELINE=halfcheetah-mppi-200k"])
        let best = try settings(["PIPELINE=halfcheetah-best"])
        let changed = Self.changedKeys(mppi, best)
        XCTAssertEqual(changed, ["PITCH_LIMIT", "params/plan", "params/test"])
        XCTAssertEqual(best["PITCH_LIMIT"], "1")
        XCTAssertTrue(best["params/plan"]?.contains("--pitch-limit 1") ?? false, best["params/plan"] ?? "")
        XCTAssertFalse(mppi["params/plan"]?.contains("pitch") ?? true)
    }

    /// `hopper-value` is `hopper-best` at a quarter of its horizon with a terminal value: the horizon
    /// and the value's discount reach the plans (and the value files' own parameters), nothing else.
    func testHopperValueChangesOnlyTheHorizonAndTheValueOfTheBestRun() throws {
        let best = try settings(["PIPELINE=hopper-best"])
        let value = try settings(["PIPELINE=hopper-value"])
        let changed = Self.changedKeys(best, value)
        XCTAssertEqual(changed, ["HORIZON", "VALUE_DISCOUNT", "params/plan", "params/test", "params/value"])
        XCTAssertEqual(value["VALUE_DISCOUNT"], "0.99")
        XCTAssertEqual(
            best["params/plan"]?.replacingOccurrences(of: "--horizon 80", with: "--horizon 20"), value["params/plan"])
        XCTAssertNil(best["params/value"])
    }

    /// `swimmer-discounted` is `swimmer-best`'s run with another planner (iCEM, H 50, β 2, γ 0.8): the
    /// data, the models and the test starts are the same.
    func testSwimmerDiscountedChangesOnlyThePlannerOfTheBestRun() throws {
        let best = try settings(["PIPELINE=swimmer-best"])
        let discounted = try settings(["PIPELINE=swimmer-discounted"])
        let changed = Self.changedKeys(best, discounted)
        XCTAssertEqual(
            changed,
            [
                "PLANNER", "CANDIDATES", "HORIZON", "DISCOUNT", "PLAN_ITERATIONS", "PLANNER_OPTIONS", "params/plan",
                "params/test"
            ])
        XCTAssertTrue(discounted["params/plan"]?.contains("--horizon 50 --discount 0.8") ?? false)
    }

    /// `swimmer-pets-50k` is `swimmer-discounted`'s iCEM undiscounted at a third of the population on
    /// PETS's ensemble of deterministic members (the probe's model), for 4 iterations: the planner's
    /// options are the same but for the candidates and the discount, with the ensemble's propagation.
    func testSwimmerPets50kPlansUndiscountedOnTheEnsemble() throws {
        let discounted = try settings(["PIPELINE=swimmer-discounted"])
        let pets = try settings(["PIPELINE=swimmer-pets-50k"])
        XCTAssertEqual(pets["ITERS"], "4")
        XCTAssertEqual(pets["MEMBERS"], "5")
        XCTAssertEqual(pets["MODEL_OUTPUT"], "deterministic")
        XCTAssertEqual(
            discounted["params/plan"]?.replacingOccurrences(of: "--candidates 300", with: "--candidates 100")
                .replacingOccurrences(of: "--discount 0.8", with: "--discount 1")
                .replacingOccurrences(
                    of: " episodes=10", with: " --propagation ts-inf --particles 5 --prediction mean episodes=10"),
            pets["params/plan"])
        XCTAssertEqual(discounted["params/collect"], pets["params/collect"])
    }

    /// Each 100,000-step preset is its 200,000-step run stopped at 9 iterations: every parameter its
    /// first 9 iterations are made with is that run's, so they are the same files and a copy of its
    /// folder skips them.
    func testThe100kPresetsStopTheirRunsAtNineIterations() throws {
        for (whole, stoppedName) in [
            ("halfcheetah-best", "halfcheetah-best-100k"), ("halfcheetah-pets-200k", "halfcheetah-pets-100k")
        ] {
            let full = try settings(["PIPELINE=\(whole)"])
            let stopped = try settings(["PIPELINE=\(stoppedName)"])
            XCTAssertEqual(Self.changedKeys(full, stopped), ["ITERS", "params/evaluate"], stoppedName)
            XCTAssertEqual(full["ITERS"], "19", whole)
            XCTAssertEqual(stopped["ITERS"], "9", stoppedName)
            XCTAssertEqual(stopped["params/evaluate"], "max_k=30 iters=9", stoppedName)
        }
    }

    /// Every MuJoCo task has its best combination under one stable name, at MBBL's schedule (19
    /// iterations) and budget (at most 200,000 environment steps, read from the parameters `collect` and
    /// `plan` get), tested from at least 10 of the task's fixed starts.
    func testEveryMuJoCoTaskHasABestPresetAtMBBLsBudget() throws {
        for task in ["halfcheetah", "hopper", "swimmer", "ant"] {
            let best = try settings(["PIPELINE=\(task)-best"])
            XCTAssertEqual(best["ENV"], task)
            XCTAssertEqual(best["ITERS"], "19", task)
            XCTAssertGreaterThanOrEqual(Int(best["TEST_EPISODES"] ?? "") ?? 0, 10, task)
            XCTAssertEqual(best["TEST_STARTS"], "pipelines/\(task)-test-starts.h5", task)
            // The steps each stage may take: a step budget, or episodes of at most 1,000 steps.
            func steps(_ params: String?) -> Int? {
                let words = (params ?? "").split(separator: " ")
                if let budget = words.first(where: { $0.hasPrefix("steps=") }) { return Int(budget.dropFirst(6)) }
                return words.first(where: { $0.hasPrefix("episodes=") }).flatMap { Int($0.dropFirst(9)) }.map {
                    $0 * 1_000
                }
            }
            let random = try XCTUnwrap(steps(best["params/collect"]), task)
            let planned = try XCTUnwrap(steps(best["params/plan"]), task)
            XCTAssertLessThanOrEqual(random + 19 * planned, 200_000, task)
            XCTAssertEqual(random + 19 * planned, 200_000, "\(task): the whole budget is used")
        }
        // The tasks that terminate count their budget in steps (an episode has no fixed length there).
        for task in ["hopper", "ant"] {
            let best = try settings(["PIPELINE=\(task)-best"])
            XCTAssertTrue(best["params/collect"]?.contains(" steps=10000 ") ?? false, best["params/collect"] ?? "")
            XCTAssertFalse(best["params/collect"]?.contains("episodes=") ?? true, task)
            XCTAssertTrue(best["params/plan"]?.hasSuffix(" steps=10000") ?? false, best["params/plan"] ?? "")
        }
        let hopper = try settings(["PIPELINE=hopper-best"])
        XCTAssertEqual(hopper["HORIZON"], "80")
        XCTAssertEqual(hopper["PITCH_LIMIT"], "0.1")
        XCTAssertTrue(hopper["params/plan"]?.contains("--pitch-limit 0.1") ?? false)
    }

    func testUnknownOrConflictingChoicesAreClearErrors() throws {
        for (arguments, message) in [
            (["TASK=nope"], "unknown TASK 'nope': no pipelines/tasks/nope.mk"),
            (["METHOD=nope"], "unknown METHOD 'nope': no pipelines/methods/nope.mk"),
            (["PIPELINE=hopper-nope"], "unknown PIPELINE 'hopper-nope'"),
            (["PIPELINE=tasks/hopper"], "PIPELINE 'tasks/hopper' holds '/'"),
            (["PIPELINE=hopper", "METHOD=pets"], "give PIPELINE, or TASK and METHOD, not both")
        ] {
            let result = try runProcess(
                "/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path] + arguments + ["settings"])
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
