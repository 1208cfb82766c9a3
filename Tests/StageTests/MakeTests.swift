import Foundation
import MBRLCore
import MBRLData
import MBRLReporting
import MBRLStatistics
import MBRLTestSupport
import XCTest

/// The Makefile's caching contract, in a temporary DATA folder: a second `make` does nothing, and a
/// changed parameter reruns exactly the stages that depend on it.
final class MakeTests: XCTestCase {
    func make(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path] + arguments)
    }

    func modificationDate(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    func testCachedRerunAndParameterChange() throws {
        let data = TemporaryDirectory("mbrl-make")
        let run = data.path + "/pendulum/seed-0"
        let first = try make(["DATA=\(data.path)", "EPISODES=2", "collect", "stats"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let random = run + "/random.h5", stats = run + "/stats.h5"
        XCTAssertTrue(FileManager.default.fileExists(atPath: random))
        XCTAssertTrue(FileManager.default.fileExists(atPath: stats))
        let before = (try modificationDate(random), try modificationDate(stats))

        // Up to date: `make -q` says so, and a real second run changes nothing.
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=2", "collect", "stats"]).status, 0)
        let again = try make(["DATA=\(data.path)", "EPISODES=2", "collect", "stats"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stdout.contains("collect --env"), again.stdout)
        XCTAssertEqual(try modificationDate(random), before.0)
        XCTAssertEqual(try modificationDate(stats), before.1)

        // A changed parameter of collect reruns collect and stats.
        Thread.sleep(forTimeInterval: 1.1)
        let changed = try make(["DATA=\(data.path)", "EPISODES=3", "collect"])
        XCTAssertEqual(changed.status, 0, changed.stderr)
        XCTAssertGreaterThan(try modificationDate(random), before.0)
        XCTAssertGreaterThan(try modificationDate(stats), before.1)
        XCTAssertEqual(try HDF5FileSummary.rows(random), 600)

        // Training on the collected data writes model-0.h5; a changed training parameter retrains
        // without recollecting.
        let train = try make(["DATA=\(data.path)", "EPISODES=3", "EPOCHS=3", "train"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let model = run + "/model-0.h5"
        XCTAssertEqual(try HDF5File.open(at: model).root.stringAttribute("format"), "mbrl.model/2")
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/tb/train-0/train.csv"))
        let collected = try modificationDate(random), trained = try modificationDate(model)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=3", "EPOCHS=3", "train"]).status, 0)
        // A dry run with another parameter says "out of date" and writes nothing.
        let parameters = try String(contentsOfFile: run + "/params/train", encoding: .utf8)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=3", "EPOCHS=9", "train"]).status, 1)
        XCTAssertEqual(try make(["-n", "DATA=\(data.path)", "EPISODES=3", "EPOCHS=9", "train"]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: run + "/params/train", encoding: .utf8), parameters)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=3", "EPOCHS=3", "train"]).status, 0)
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=3", "EPOCHS=4", "train"]).status, 0)
        XCTAssertEqual(try modificationDate(random), collected)
        XCTAssertGreaterThan(try modificationDate(model), trained)
        XCTAssertEqual(try HDF5File.open(at: model).root.intAttribute("epochs_run"), 4)

        // Another seed goes to its own folder.
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "SEED=5", "collect"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.path + "/pendulum/seed-5/random.h5"))
    }

    /// The whole loop on a tiny budget: every stage's file, then nothing left to do.
    func testTheWholeLoopOnATinyBudget() throws {
        let data = TemporaryDirectory("mbrl-loop")
        let budget = [
            "DATA=\(data.path)", "EPISODES=2", "EPOCHS=2", "ITERS=2", "PLAN_EPISODES=1", "TEST_EPISODES=2",
            "HELDOUT_EPISODES=1", "CANDIDATES=16", "HORIZON=3", "MAX_K=5"
        ]
        let result = try make(budget)
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = data.path + "/pendulum/seed-0/"
        for name in [
            "random.h5", "stats.h5", "model-0.h5", "rollouts-1.h5", "model-1.h5", "rollouts-2.h5", "model-2.h5",
            "heldout.h5", "test.h5", "eval.h5", "tb/train-2/train.csv", "tb/test/plan.csv"
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + name), name)
        }
        let model2 = try HDF5File.open(at: run + "model-2.h5").root
        XCTAssertTrue(try model2.stringAttribute("inputs").contains("rollouts-2.h5"))
        XCTAssertTrue(try model2.stringAttribute("command").contains("--init model-1.h5"))
        XCTAssertEqual(try Transitions.read(from: run + "test.h5").episodeReturns.count, 2)
        // Where the time went: one timing file per stage's output, outside the HDF5 files.
        let timing = try RunTiming(folder: run)
        XCTAssertEqual(
            Set(timing.entries.map(\.output)),
            [
                "random.h5", "stats.h5", "model-0.h5", "rollouts-1.h5", "model-1.h5",
                "rollouts-2.h5", "model-2.h5", "heldout.h5", "test.h5", "eval.h5"
            ])
        XCTAssertEqual(timing.byProgram.map(\.program), ["collect", "stats", "train", "plan", "evaluate"])
        XCTAssertEqual(timing.byIteration.map(\.iteration), [0, 1, 2, nil])
        XCTAssertEqual(try make(["-q"] + budget).status, 0)
        // Every stage's parameters count: a planner, test or held-out setting makes the run out of date.
        for change in ["CANDIDATES=17", "PLANNER=cem", "TEST_EPISODES=3", "HELDOUT_EPISODES=2", "MAX_K=6", "LR=0.002"] {
            let changed =
                budget.map { $0.hasPrefix(change.split(separator: "=")[0] + "=") ? change : $0 }
                + (budget.contains { $0.hasPrefix(change.split(separator: "=")[0] + "=") } ? [] : [change])
            XCTAssertEqual(try make(["-q"] + changed).status, 1, "\(change) should make the run out of date")
        }
    }

    /// VALUE_DISCOUNT: a value file beside each model, fitted on that model's data, which every plan
    /// with the model reads; a run that does not set it has no value files and no `value` parameters.
    func testAValueBesideEachModelReachesEveryPlan() throws {
        let data = TemporaryDirectory("mbrl-value-loop")
        let budget = [
            "DATA=\(data.path)", "EPISODES=2", "EPOCHS=2", "ITERS=1", "PLAN_EPISODES=1", "TEST_EPISODES=2",
            "HELDOUT_EPISODES=1", "CANDIDATES=16", "HORIZON=3", "MAX_K=5", "VALUE_DISCOUNT=0.9"
        ]
        let result = try make(budget)
        XCTAssertEqual(result.status, 0, result.stderr)
        let run = data.path + "/pendulum/seed-0/"
        for (file, data, value) in [("rollouts-1.h5", "", "value-0.h5"), ("test.h5", " rollouts-1.h5", "value-1.h5")] {
            let root = try HDF5File.open(at: run + file).root
            XCTAssertTrue(try root.stringAttribute("config").contains(#""value":"\#(value)""#), file)
            let fitted = try HDF5File.open(at: run + value).root
            XCTAssertEqual(try fitted.stringAttribute("format"), "mbrl.value/1")
            XCTAssertTrue(try fitted.stringAttribute("command").contains("--data random.h5\(data) --stats stats.h5"))
            XCTAssertTrue(try fitted.stringAttribute("config").contains(#""discount":0.9"#))
            let csv = try String(contentsOfFile: run + "tb/\(value.dropLast(3))/value.csv", encoding: .utf8)
            XCTAssertTrue(csv.hasPrefix("step,") && csv.contains("value/loss"), csv)
        }
        XCTAssertEqual(
            try String(contentsOfFile: run + "params/value", encoding: .utf8).trimmingCharacters(in: .newlines),
            "discount=0.9 seed=0 program=" + (try programHash("value")))
        XCTAssertEqual(try make(["-q"] + budget).status, 0)
        // Another discount makes the values, and every plan that read one, out of date.
        let other = budget.map { $0 == "VALUE_DISCOUNT=0.9" ? "VALUE_DISCOUNT=0.8" : $0 }
        let dry = try make(["-n"] + other)
        for output in ["value-0.h5", "rollouts-1.h5", "value-1.h5", "test.h5"] {
            XCTAssertTrue(dry.stdout.contains("--out \(output)"), output + ": " + dry.stdout)
        }
        XCTAssertFalse(dry.stdout.contains("--out model-0.h5"), dry.stdout)
        // Unset on the same run: the plans are remade without a value, the models are not.
        let unset = try make(["-n"] + budget.filter { !$0.hasPrefix("VALUE_DISCOUNT") })
        XCTAssertTrue(
            unset.stdout.contains("--out rollouts-1.h5") && unset.stdout.contains("--out test.h5"), unset.stdout)
        XCTAssertFalse(unset.stdout.contains("--value") || unset.stdout.contains("--out model-0.h5"), unset.stdout)
        // Without it, a run has neither.
        let plain = try make(
            ["-n"]
                + budget.filter { !$0.hasPrefix("VALUE_DISCOUNT") }.map {
                    $0.hasPrefix("DATA=") ? "DATA=\(data.path)/plain" : $0
                })
        XCTAssertTrue(plain.stdout.contains("--out rollouts-1.h5"), plain.stdout)
        XCTAssertFalse(plain.stdout.contains("value-0.h5") || plain.stdout.contains("--value"), plain.stdout)
    }

    /// The hash `make` records for `program` (build/programs.mk).
    func programHash(_ program: String) throws -> String {
        let text = try String(contentsOfFile: Repository.root.path + "/.build/release/programs.mk", encoding: .utf8)
        let line = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("program_\(program) := ") })
        return String(line.dropFirst("program_\(program) := ".count))
    }

    /// `make sweep` runs every seed and writes one table across them.
    func testSweepSummarizesSeeds() throws {
        let data = TemporaryDirectory("mbrl-sweep")
        let result = try make([
            "DATA=\(data.path)", "SEEDS=3 4", "-j2", "EPISODES=2", "EPOCHS=2", "ITERS=1", "PLAN_EPISODES=1",
            "TEST_EPISODES=2", "HELDOUT_EPISODES=1", "CANDIDATES=16", "HORIZON=3", "MAX_K=10", "sweep"
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let csv = try String(contentsOfFile: data.path + "/pendulum/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "run,test_return_mean,test_return_std,one_step_mse,k10_rmse")
        XCTAssertEqual(
            csv.map { $0.split(separator: ",").first.map(String.init) ?? "" },
            [
                "run", "seed-3", "seed-4", "mean", "std", "iqm", "iqm_ci_low", "iqm_ci_high", "median", "median_ci_low",
                "median_ci_high",
                "mean_ci_low", "mean_ci_high"
            ])
        let seed3 = try Transitions.read(from: data.path + "/pendulum/seed-3/test.h5").episodeReturns
        XCTAssertTrue(csv[1].hasPrefix("seed-3,\(seed3.reduce(0, +) / 2),"), String(csv[1]))
        XCTAssertTrue(result.stdout.contains("all"), result.stdout)
        // Two runs: the IQM and the median are their mean; the interval runs from one run's score to the other's.
        let cell = { (row: Int) in Double(csv[row].split(separator: ",", omittingEmptySubsequences: false)[1])! }
        let runs = [cell(1), cell(2)]
        for row in [5, 8] { XCTAssertEqual(cell(row), cell(3), accuracy: 1e-9 * abs(cell(3)), String(csv[row])) }
        for row in [6, 9, 11] { XCTAssertEqual(cell(row), runs.min()!, String(csv[row])) }
        for row in [7, 10, 12] { XCTAssertEqual(cell(row), runs.max()!, String(csv[row])) }
        XCTAssertTrue(result.stdout.contains("  IQM     "), result.stdout)

        // The results table, generated from the same run folders: one row, every seed's value, the
        // training steps (2 random episodes + 1 planned, 200 steps each) and the wall time recorded.
        let seed4 = try Transitions.read(from: data.path + "/pendulum/seed-4/test.h5").episodeReturns
        let table = try runProcess(
            Repository.executable("summarize"),
            ["--markdown", "--runs", data.path + "/pendulum/seed-3", data.path + "/pendulum/seed-4"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, table.stdout)
        let cells = lines[2].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        func one(_ x: Double) -> String { String(format: "%.1f", x) }
        let m3 = seed3.reduce(0, +) / 2, m4 = seed4.reduce(0, +) / 2
        XCTAssertEqual(
            cells,
            [
                "`pendulum`", "2 (fewer than 3)", one((m3 + m4) / 2), one(abs(m3 - m4) / 2),
                "\(one(min(m3, m4))) to \(one(max(m3, m4)))",
                "3: \(one(m3)), 4: \(one(m4))", "2", "600", cells.last ?? ""
            ])
        // One seed alone has no spread.
        let single = try runProcess(
            Repository.executable("summarize"), ["--markdown", "--runs", data.path + "/pendulum/seed-3"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let singleCells = single.stdout.split(separator: "\n").map(String.init)[2].split(separator: "|")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(Array(singleCells[1...5]), ["1 (fewer than 3)", one(m3), "—", one(m3), "3: \(one(m3))"])
        // The mean wall time per run, then its CPU time: "1 s (CPU 1 s)".
        XCTAssertNotNil(try cells.last?.wholeMatch(of: Regex(#"\d+ s \(CPU \d+ s\)"#)), table.stdout)
        // Where the two runs' time went, each and on average; one folder named twice is refused.
        let timing = try runProcess(
            Repository.executable("summarize"),
            ["--timing", "--runs", data.path + "/pendulum/seed-3", data.path + "/pendulum/seed-4"])
        XCTAssertEqual(timing.status, 0, timing.stderr)
        XCTAssertTrue(timing.stdout.contains("mean wall seconds per run (2 runs): collect "), timing.stdout)
        try FileManager.default.createSymbolicLink(
            atPath: data.path + "/seed-3-again", withDestinationPath: data.path + "/pendulum/seed-3")
        let twice = try runProcess(
            Repository.executable("summarize"),
            ["--markdown", "--runs", data.path + "/pendulum/seed-3", data.path + "/seed-3-again"])
        XCTAssertEqual(twice.status, 1, twice.stdout)
        XCTAssertTrue(twice.stderr.contains("seed-3-again: the same folder as"), twice.stderr)
        // make results-table finds the finished runs under DATA and prints the same table (RECORDS names
        // a folder with no records, so the repository's own kept runs stay out of it).
        let noRecords = "RECORDS=\(data.path)/no-records"
        let found = try make(["DATA=\(data.path)", noRecords, "results-table"])
        XCTAssertEqual(found.status, 0, found.stderr)
        XCTAssertEqual(found.stdout, table.stdout)

        // The learning curves, from the transitions files: iteration 0 is the random data (2 episodes of
        // 200 steps), iteration 1 the planned episode; each seed's batch mean, and their mean and std.
        let curves = try runProcess(
            Repository.executable("summarize"),
            ["--curves", "--runs", data.path + "/pendulum/seed-3", data.path + "/pendulum/seed-4"])
        XCTAssertEqual(curves.status, 0, curves.stderr)
        let rows = curves.stdout.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("| ") && !$0.hasPrefix("| iteration")
        }
        XCTAssertEqual(rows.count, 2, curves.stdout)
        for (row, (file, steps)) in zip(rows, [("random.h5", 400), ("rollouts-1.h5", 600)]) {
            let means = try [3, 4].map {
                try Transitions.read(from: data.path + "/pendulum/seed-\($0)/" + file).episodeReturns
            }
            .map { $0.reduce(0, +) / Double($0.count) }
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(
                cells,
                [
                    file == "random.h5" ? "0" : "1", "\(steps)", "2", one((means[0] + means[1]) / 2),
                    one(abs(means[0] - means[1]) / 2), one(means[0]), one(means[1])
                ], row)
        }
        let foundCurves = try make(["DATA=\(data.path)", noRecords, "learning-curves"])
        XCTAssertEqual(foundCurves.status, 0, foundCurves.stderr)
        XCTAssertEqual(foundCurves.stdout, curves.stdout)
        // scripts/update-results puts both into a page's generated blocks and keeps every other line.
        let page = data.path + "/RESULTS.md"
        let stale =
            "# Results\n<!-- generated: make results-table -->\nstale\n<!-- end generated -->\nprose\n"
            + "<!-- generated: make learning-curves -->\n<!-- end generated -->\n"
        try stale.write(toFile: page, atomically: true, encoding: .utf8)
        let update = try runProcess(
            Repository.root.path + "/scripts/update-results", [page, data.path],
            environment: ["RECORDS": data.path + "/no-records"])
        XCTAssertEqual(update.status, 0, update.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: page, encoding: .utf8),
            "# Results\n<!-- generated: make results-table -->\n" + table.stdout + "<!-- end generated "
                + "-->\nprose\n"
                + "<!-- generated: make learning-curves -->\n" + curves.stdout + "<!-- end generated -->\n")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasPrefix("RESULTS.md") },
            ["RESULTS.md"])
        let nothing = try runProcess(
            Repository.executable("summarize"), ["--curves", "--runs", data.path + "/pendulum"])
        XCTAssertEqual(nothing.status, 1, nothing.stdout)
        XCTAssertTrue(nothing.stderr.contains("/pendulum/random.h5: no such file"), nothing.stderr)

        // The report's curve of a finished run, from the files its results already read, is the curve
        // read from the folder.
        for seed in [3, 4] {
            let folder = data.path + "/pendulum/seed-\(seed)"
            XCTAssertEqual(LearningCurve(results: try RunResults(folder: folder)), try LearningCurve(folder: folder))
        }
        // make keep-results keeps one small record per finished run, and both tables made from the
        // records alone (no run folder under DATA) are the tables made from the run folders.
        let records = data.path + "/kept"
        let keep = try make(["DATA=\(data.path)", "RECORDS=\(records)", "keep-results"])
        XCTAssertEqual(keep.status, 0, keep.stderr + keep.stdout)
        // Keeping results writes into no run folder (not the default run's params/, which would make a
        // run there look remade with the defaults).
        XCTAssertFalse(FileManager.default.fileExists(atPath: data.path + "/pendulum/seed-0"))
        XCTAssertEqual(
            try FileManager.default.subpathsOfDirectory(atPath: records).sorted(),
            ["pendulum", "pendulum/seed-3.json", "pendulum/seed-4.json"])
        XCTAssertTrue(keep.stdout.contains("/pendulum/seed-3.json: new"), keep.stdout)
        let keptBytes = try Data(contentsOf: URL(fileURLWithPath: records + "/pendulum/seed-3.json"))
        let keptAgain = try make(["DATA=\(data.path)", "RECORDS=\(records)", "keep-results"])
        XCTAssertTrue(keptAgain.stdout.contains("/pendulum/seed-3.json: unchanged"), keptAgain.stdout)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: records + "/pendulum/seed-3.json")), keptBytes)
        // A run whose results are older than its settings is neither kept nor tabulated, with a line
        // saying why: here a copy of seed 4 that make has started again with one more iteration (it
        // wrote params/evaluate anew; eval.h5 keeps the stamp of the shorter run until it is remade).
        let longer = data.path + "/pendulum-longer/seed-4"
        try FileManager.default.createDirectory(
            atPath: data.path + "/pendulum-longer", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: data.path + "/pendulum/seed-4", toPath: longer)
        let evaluateParameters = try String(contentsOfFile: longer + "/params/evaluate", encoding: .utf8)
        XCTAssertTrue(evaluateParameters.contains("iters=1 "), evaluateParameters)
        try evaluateParameters.replacingOccurrences(of: "iters=1 ", with: "iters=2 ").write(
            toFile: longer + "/params/evaluate", atomically: true, encoding: .utf8)
        let keepLonger = try make(["DATA=\(data.path)", "RECORDS=\(records)", "keep-results"])
        XCTAssertEqual(keepLonger.status, 0, keepLonger.stderr)
        XCTAssertTrue(
            keepLonger.stderr.contains(
                "pendulum-longer/seed-4: not finished, left out: eval.h5 was made with other settings than the "
                    + "run's (params/evaluate)"), keepLonger.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: records + "/pendulum-longer"))
        let tableWithLonger = try make(["DATA=\(data.path)", noRecords, "results-table"])
        XCTAssertEqual(tableWithLonger.stdout, table.stdout)
        XCTAssertTrue(tableWithLonger.stderr.contains("pendulum-longer/seed-4: not finished"), tableWithLonger.stderr)
        try FileManager.default.removeItem(atPath: data.path + "/pendulum-longer")
        // The same for a run whose model was trained with settings the run no longer has (its training
        // parameters rewritten by a make with another HIDDEN that stopped before retraining).
        let wider = data.path + "/pendulum-wider/seed-4"
        try FileManager.default.createDirectory(
            atPath: data.path + "/pendulum-wider", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: data.path + "/pendulum/seed-4", toPath: wider)
        let trainParameters = try String(contentsOfFile: wider + "/params/train", encoding: .utf8)
        try (trainParameters.trimmingCharacters(in: .whitespacesAndNewlines) + " --changed\n").write(
            toFile: wider + "/params/train", atomically: true, encoding: .utf8)
        let keepWider = try make(["DATA=\(data.path)", "RECORDS=\(records)", "keep-results"])
        XCTAssertTrue(
            keepWider.stderr.contains("pendulum-wider/seed-4: not finished, left out: model-0.h5, which "),
            keepWider.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: records + "/pendulum-wider"))
        try FileManager.default.removeItem(atPath: data.path + "/pendulum-wider")
        let noRuns = data.path + "/no-runs"
        try FileManager.default.createDirectory(atPath: noRuns, withIntermediateDirectories: false)
        let keptTable = try make(["DATA=\(noRuns)", "RECORDS=\(records)", "results-table"])
        XCTAssertEqual(keptTable.status, 0, keptTable.stderr)
        XCTAssertEqual(keptTable.stdout, table.stdout)
        let keptCurves = try make(["DATA=\(noRuns)", "RECORDS=\(records)", "learning-curves"])
        XCTAssertEqual(keptCurves.status, 0, keptCurves.stderr)
        XCTAssertEqual(keptCurves.stdout, curves.stdout)
        // With no run and no record, the tables say so; --records and --keep are refused where they
        // would do nothing.
        let nothingKept = try make(["DATA=\(noRuns)", "RECORDS=\(noRuns)/none", "results-table"])
        XCTAssertEqual(nothingKept.status, 0, nothingKept.stderr)
        XCTAssertTrue(nothingKept.stdout.hasPrefix("No run yet"), nothingKept.stdout)
        for misuse in [
            ["--records", records, "--timing"], ["--keep", records, "--markdown"], ["--keep", records, "--grid"]
        ] {
            let refused = try runProcess(
                Repository.executable("summarize"), misuse + ["--runs", data.path + "/pendulum/seed-3"])
            XCTAssertEqual(refused.status, 64, misuse.joined(separator: " ") + ": " + refused.stderr)
        }
        // A run under DATA replaces its kept record: with seed 3's record changed, the records alone show
        // the change, and the records with the run folders show the folders' numbers.
        var changed = try RunRecord(contentsOf: records + "/pendulum/seed-3.json")
        changed.testReturns = [1000, 1000]
        try changed.encoded().write(to: URL(fileURLWithPath: records + "/pendulum/seed-3.json"))
        let changedTable = try make(["DATA=\(noRuns)", "RECORDS=\(records)", "results-table"])
        XCTAssertTrue(changedTable.stdout.contains("| 3: 1000.0, 4: \(one(m4)) |"), changedTable.stdout)
        let bothTable = try make(["DATA=\(data.path)", "RECORDS=\(records)", "results-table"])
        XCTAssertEqual(bothTable.stdout, table.stdout)
        // A copy of a run beside it has its group and seed: both tables and the records refuse the pair
        // rather than show one of them; a run outside --root has no group to be kept under.
        let copy = data.path + "/pendulum/seed-33"
        try FileManager.default.copyItem(atPath: data.path + "/pendulum/seed-3", toPath: copy)
        for mode in [["--markdown"], ["--curves"], ["--keep", records]] {
            let twins = try runProcess(
                Repository.executable("summarize"),
                mode + ["--root", data.path, "--runs", data.path + "/pendulum/seed-3", copy])
            XCTAssertEqual(twins.status, 1, twins.stderr)
            XCTAssertTrue(twins.stderr.contains("seed-33: the same group and seed as"), twins.stderr)
        }
        let outside = try runProcess(
            Repository.executable("summarize"), ["--keep", records, "--root", noRuns, "--runs", copy])
        XCTAssertEqual(outside.status, 1, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("not below --root"), outside.stderr)
        try FileManager.default.removeItem(atPath: copy)
        // scripts/update-results without DATA regenerates a page from the records alone.
        try stale.write(toFile: page, atomically: true, encoding: .utf8)
        let fromRecords = try runProcess(
            Repository.root.path + "/scripts/update-results", [page], environment: ["RECORDS": records])
        XCTAssertEqual(fromRecords.status, 0, fromRecords.stderr)
        XCTAssertTrue(
            try String(contentsOfFile: page, encoding: .utf8).contains("| 3: 1000.0, 4: \(one(m4)) |"))

        // A run's seed is the one its files record, in both tables: seed 3's run copied into a folder
        // named seed-9 is still seed 3.
        try FileManager.default.createDirectory(atPath: data.path + "/moved", withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: data.path + "/pendulum/seed-3", toPath: data.path + "/moved/seed-9")
        for (flag, label, wrong) in [("--markdown", "| 3: \(one(m3)) |", "9: "), ("--curves", "| seed 3 |", "seed 9")] {
            let moved = try runProcess(
                Repository.executable("summarize"), [flag, "--runs", data.path + "/moved/seed-9"])
            XCTAssertEqual(moved.status, 0, moved.stderr)
            XCTAssertTrue(moved.stdout.contains(label), moved.stdout)
            XCTAssertFalse(moved.stdout.contains(wrong), moved.stdout)
        }

    }

    /// A page's bench block is `bench --table` of the JSON its marker names; a name that is not a plain
    /// path, or a file that is not there, stops the script with the page unchanged.
    func testUpdateResultsFillsABenchBlockFromItsJSON() throws {
        let folder = TemporaryDirectory("mbrl-bench-page")
        let json = "docs/bench/2026-12-07-zen-members.json"
        let table = try runProcess(Repository.executable("bench"), ["--table", json], in: Repository.root.path)
        XCTAssertEqual(table.status, 0, table.stderr)
        let page = folder.path + "/PAGE.md"
        let marker = "<!-- generated: make bench-table BENCH_OUT=\(json) -->\n"
        try ("# P\n" + marker + "typed\n<!-- end generated -->\nprose\n").write(
            toFile: page, atomically: true, encoding: .utf8)
        let update = try runProcess(Repository.root.path + "/scripts/update-results", [page])
        XCTAssertEqual(update.status, 0, update.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: page, encoding: .utf8),
            "# P\n" + marker + table.stdout + "<!-- end generated -->\nprose\n")
        for (name, problem) in [("x;rm", "is not a bench file name"), ("docs/bench/none.json", "no such file")] {
            let text = "<!-- generated: make bench-table BENCH_OUT=\(name) -->\nkept\n<!-- end generated -->\n"
            try text.write(toFile: page, atomically: true, encoding: .utf8)
            let refused = try runProcess(Repository.root.path + "/scripts/update-results", [page])
            XCTAssertEqual(refused.status, 1, name)
            XCTAssertTrue(refused.stderr.contains(problem), refused.stderr)
            XCTAssertEqual(try String(contentsOfFile: page, encoding: .utf8), text)
        }
    }

    /// The results pages' generated blocks are what their kept run records give, and the README's
    /// performance table what its bench JSON gives: a number typed into one, or a record committed
    /// without regenerating the pages, fails here.
    func testTheResultsPagesAreGeneratedFromTheKeptRecords() throws {
        let folder = TemporaryDirectory("mbrl-pages")
        for page in ["README.md", "docs/RESULTS.md"] {
            let copy = folder.path + "/" + (page as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: Repository.root.path + "/" + page, toPath: copy)
            let update = try runProcess(Repository.root.path + "/scripts/update-results", [copy])
            XCTAssertEqual(update.status, 0, update.stderr)
            XCTAssertEqual(
                try String(contentsOfFile: copy, encoding: .utf8),
                try String(contentsOfFile: Repository.root.path + "/" + page, encoding: .utf8),
                "\(page): run scripts/update-results \(page)")
        }
    }

    /// THREADS reaches plan as it is and train as 1 or 2 (train's most); unset, neither gets it.
    func testThreadsReachPlanAndTrain() throws {
        let data = TemporaryDirectory("mbrl-threads")
        for (threads, train, plan) in [("1", "1", "1"), ("4", "2", "4"), (nil, nil, nil)]
            as [(String?, String?, String?)]
        {
            let result = try make(
                ["-n", "DATA=\(data.path)", "ITERS=1"] + (threads.map { ["THREADS=\($0)"] } ?? []) + ["plan"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let lines = result.stdout.split(separator: "\n")
            for (program, expected) in [("train", train), ("plan", plan)] {
                let commands = lines.filter { $0.contains("/\(program) --") }
                XCTAssertEqual(commands.count, 2, result.stdout)
                for command in commands {
                    XCTAssertEqual(
                        command.ranges(of: "--threads").count, expected == nil ? 0 : 1, "THREADS=\(threads ?? "")")
                    if let expected { XCTAssertTrue(command.contains("--threads \(expected)"), String(command)) }
                }
            }
        }
    }

    /// Settings never come from the environment: a stray DATA or EPISODES is ignored, with a warning.
    func testSettingsFromTheEnvironmentAreIgnored() throws {
        let data = TemporaryDirectory("mbrl-env")
        let result = try runProcess(
            "/usr/bin/env",
            ["make", "--no-print-directory", "-C", Repository.root.path, "-n", "collect", "DATA=\(data.path)"],
            environment: ["EPISODES": "7", "SEED": "9", "PIPELINE": "nonesuch"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for name in ["EPISODES", "SEED", "PIPELINE"] {
            XCTAssertTrue(result.stderr.contains("ignoring \(name) from the environment"), result.stderr)
        }
        XCTAssertTrue(result.stdout.contains("collect --env pendulum --episodes 15 "), result.stdout)
        XCTAssertTrue(result.stdout.contains("--seed 0 "), result.stdout)
        let outside = try runProcess(
            "/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path, "-n", "clean-runs"],
            environment: ["DATA": data.path])
        XCTAssertTrue(outside.stderr.contains("ignoring DATA from the environment"), outside.stderr)
        XCTAssertFalse(outside.stdout.contains(data.path), outside.stdout)
        // An empty DATA is refused rather than turned into the root folder.
        let empty = try make(["-n", "distclean", "DATA="])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("DATA is empty"), empty.stderr)
    }

    /// `clean` and `distclean` delete only run folders Make made (they hold .mbrl-run).
    func testCleaningDeletesOnlyWhatMakeMade() throws {
        let data = TemporaryDirectory("mbrl-clean")
        let fm = FileManager.default
        for folder in ["mine", "pendulum/seed-1", "pendulum/notes", "pendulum/seed-2"] {
            try fm.createDirectory(atPath: data.path + "/" + folder, withIntermediateDirectories: true)
            XCTAssertTrue(
                fm.createFile(atPath: data.path + "/" + folder + "/keep.txt", contents: Data("a user's file".utf8)))
        }
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=1", "SEED=0", "collect"]).status, 0)
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=1", "SEED=2", "collect"]).status, 0)
        XCTAssertTrue(fm.fileExists(atPath: data.path + "/pendulum/seed-2/.mbrl-run"))
        // A folder Make did not make is left alone by clean.
        let clean1 = try make(["DATA=\(data.path)", "SEED=1", "clean"])
        XCTAssertTrue(clean1.stderr.contains("was not made by make"), clean1.stderr)
        XCTAssertTrue(fm.fileExists(atPath: data.path + "/pendulum/seed-1/keep.txt"))
        // seed-2 was the user's folder first, but Make ran in it: it is a run folder now.
        let result = try make(["DATA=\(data.path)", "clean-runs"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(fm.fileExists(atPath: data.path + "/pendulum/seed-0"))
        XCTAssertFalse(fm.fileExists(atPath: data.path + "/pendulum/seed-2"))
        for kept in ["mine/keep.txt", "pendulum/seed-1/keep.txt", "pendulum/notes/keep.txt"] {
            XCTAssertTrue(fm.fileExists(atPath: data.path + "/" + kept), kept)
        }
    }

    /// Two makes on one run folder: the second waits for the first, and parameters always match the
    /// outputs they describe.
    func testConcurrentMakesOnOneRunFolderDoNotInterleave() throws {
        let data = TemporaryDirectory("mbrl-concurrent")
        let run = data.path + "/pendulum/seed-0"
        func start(_ arguments: [String]) throws -> (Process, Pipe) {
            let process = Process(), err = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments =
                ["make", "--no-print-directory", "-C", Repository.root.path, "DATA=\(data.path)"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = err
            try process.run()
            return (process, err)
        }
        // The test holds the folder's lock while both start, so both must wait, then run one at a time.
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let lock = open(run + "/.mbrl-run", O_CREAT | O_RDWR, 0o644)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)
        let goals = ["collect", "stats", data.path + "/pendulum/seed-0/test-starts.h5"]
        let (first, firstErr) = try start(["EPISODES=2"] + goals)
        let (second, secondErr) = try start(["EPISODES=3"] + goals)
        Thread.sleep(forTimeInterval: 2)
        XCTAssertTrue(first.isRunning && second.isRunning, "both wait for the lock")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: run + "/params"),
            "nothing written while the folder "
                + "is locked")
        close(lock)
        let messages = String(
            decoding: firstErr.fileHandleForReading.readDataToEndOfFile()
                + secondErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        first.waitUntilExit()
        second.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, messages)
        XCTAssertEqual(second.terminationStatus, 0, messages)
        XCTAssertEqual(messages.components(separatedBy: "is in use by another make; waiting").count, 3, messages)
        // Whichever ran last, its parameters and its outputs agree, and make -q says so.
        let parameters = try String(contentsOfFile: run + "/params/collect", encoding: .utf8)
        let episodes = try XCTUnwrap(
            parameters.split(separator: " ").first { $0.hasPrefix("episodes=") }.map { Int($0.dropFirst(9))! })
        XCTAssertEqual(try HDF5FileSummary.rows(run + "/random.h5"), 200 * episodes)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=\(episodes)"] + goals).status, 0)
        XCTAssertEqual(
            try Provenance.sha256(ofFile: run + "/test-starts.h5"),
            try Provenance.sha256(ofFile: Repository.root.path + "/pipelines/pendulum-test-starts.h5"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnknownPipelineIsAClearError() throws {
        let result = try make(["PIPELINE=nonesuch", "collect"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("unknown PIPELINE 'nonesuch'"), result.stderr)
    }
}

enum HDF5FileSummary {
    static func rows(_ path: String) throws -> Int { try Transitions.read(from: path).count }
}
