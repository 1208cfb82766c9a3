import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLReporting
import MBRLStatistics
import MBRLSweeps

/// One table across the seeds of a sweep: test return and model error per run, then mean ± std and the
/// rliable aggregates of the runs' test returns (IQM, median and mean with stratified-bootstrap 95%
/// intervals); or, for a grid sweep, one row per grid point with the same across its seeds and the
/// best point marked.
@main
struct Summarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize several runs (seeds) of a pipeline: final test return and model error.",
        discussion: """
            Each run folder must hold test.h5 (the final model's test rollouts) and eval.h5; the run is \
            read from its HDF5 files alone. Prints a table and writes it as CSV (one row per run, then \
            mean and std across runs, then the interquartile mean, median and mean of the runs' mean test \
            returns with their 95% stratified-bootstrap intervals, as rliable computes them: rows iqm, \
            iqm_ci_low, iqm_ci_high, median, median_ci_low, median_ci_high, mean_ci_low, mean_ci_high, \
            the value in the test_return_mean column; \(StratifiedBootstrap.aggregateReplications) \
            replications, seed \(StratifiedBootstrap.defaultSeed), so the same runs give the same numbers; \
            see docs/STATISTICS.md). With --grid the runs are a grid sweep's, <point>/seed-<n> where \
            <point> names the point's settings (VAR-value joined by +, as make sweep GRID=... names its \
            folders): one row per point, with its settings, its number of seeds, and the mean and \
            (population) std across its seeds of each run's mean test return, one-step MSE and k-step \
            RMSE, and the IQM, median and mean of its seeds' test returns with their intervals; the point \
            with the highest mean test return is marked best. --markdown prints the results table, \
            --curves the learning curves (from random.h5 and rollouts-<i>.h5 alone, so a run still going \
            shows how far it got) and --timing where the time went, each without writing a file. \
            --keep DIR writes each finished run's record (a small JSON file of what the results tables \
            show: every test return, the training steps, the time, the learning curve; docs/FORMATS.md) \
            to DIR/<group>/seed-<n>.json, and --records DIR adds the records kept there to --markdown's \
            and --curves' tables, so the tables outlive the run folders; a run folder given replaces the \
            kept record of the same group and seed. A run whose test.h5 or eval.h5 is not the current \
            output of its run by Make's stamps (made with other settings than its stage's params file, or \
            from files that changed since) is not finished: --keep and --markdown leave it out and say why \
            on standard error.
            """)

    @OptionGroup var runSet: RunFolderOptions

    @Option(help: ArgumentHelp("The open-loop horizon to report (k-step RMSE).", valueName: "k"))
    var k = 10

    @Option(help: ArgumentHelp("CSV file to write (not with --timing).", valueName: "file"))
    var out: String?

    @Flag(
        help: ArgumentHelp(
            "Print where each run's time went (wall and CPU seconds per stage and iteration, from its timing/ "
                + "files) instead."))
    var timing = false

    @Flag(
        help: ArgumentHelp(
            "Print the results table in Markdown instead (one row per preset or grid point: mean, spread and "
                + "each seed's test return, training steps, wall time)."))
    var markdown = false

    @Flag(
        help: ArgumentHelp(
            "Print each group's learning curve in Markdown instead (per iteration: environment steps, "
                + "mean and std across seeds, each seed's mean return); runs need not be finished."))
    var curves = false

    @Option(
        help: ArgumentHelp(
            "Write each run's record to <dir>/<group>/seed-<n>.json instead (runs must be finished).",
            valueName: "dir"))
    var keep: String?

    @Option(
        help: ArgumentHelp(
            "With --markdown or --curves: also tabulate the run records kept under this folder "
                + "(written by --keep).", valueName: "dir"))
    var records: String?

    @Option(
        help: ArgumentHelp(
            "Name each run's group by its folder's parent below this folder (the data folder) rather than "
                + "below the runs' common parent.", valueName: "dir"))
    var root: String?

    var grid: Bool { runSet.grid }

    func validate() throws {
        if records != nil, !(markdown || curves) {
            throw ValidationError("--records adds kept runs to a table: give --markdown or --curves")
        }
        if let keep {
            guard !(timing || markdown || curves || grid), out == nil else {
                throw ValidationError("--keep writes records: not with --timing, --markdown, --curves, --grid or --out")
            }
            if keep.isEmpty { throw ValidationError("--keep needs a folder") }
            return
        }
        if timing || markdown || curves {
            guard out == nil, !grid, [timing, markdown, curves].filter({ $0 }).count == 1 else {
                throw ValidationError(
                    "--timing, --markdown and --curves print a table: one of them, without --out "
                        + "and --grid")
            }
            return
        }
        guard let out else { throw ValidationError("give the CSV file to write: --out file") }
        if let problem = AtomicOutput.nameProblem(out) { throw ValidationError("--out '\(out)' \(problem)") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1, got \(k)") }
        if grid, runSet.runsFrom == nil {
            do { _ = try SweepGrid(folders: runSet.runs) } catch { throw ValidationError("--grid: \(error)") }
        }
    }

    struct Row {
        var run: String; var returnMean: Double; var returnStd: Double; var oneStep: Double; var kStep: Double
    }

    func run() throws {
        try Stage.run {
            let runs = try runFolders()
            if let keep { return try keepRecords(of: runs, in: keep) }
            if timing { return try printTiming(runs) }
            if markdown || curves {
                let kept = try records.map { try RunRecord.records(under: $0) } ?? []
                if runs.isEmpty, kept.isEmpty {
                    return print("No run yet: none given, and none kept under \(records ?? "--records").")
                }
                if markdown { return print(try resultsTable(runs, kept: kept).markdown) }
                return print(try learningCurves(runs, kept: kept).markdown)
            }
            if grid {
                do { _ = try SweepGrid(folders: runs) } catch { throw StageError("--grid: \(error)") }
            }
            let destination = try AtomicOutput(target: out!, inputs: runs.flatMap { RunResults.inputFiles(folder: $0) })
            if grid { return try summarizeGrid(destination, runs: runs) }
            try summarizeSeeds(destination, runs: runs)
        }
    }

    /// The run folders given. With `--records` the list may be empty (a table of kept runs only), which
    /// `RunFolderOptions.folders()` refuses, so an empty `--runs-from` list is taken as no runs here.
    func runFolders() throws -> [String] {
        if records != nil, runSet.runs.isEmpty, let list = runSet.runsFrom,
            let text = try? String(contentsOfFile: list, encoding: .utf8),
            text.split(whereSeparator: \.isNewline).isEmpty
        {
            return []
        }
        return try runSet.folders()
    }

    /// The groups of `runs`: named below `--root` when it is given.
    func groups(_ runs: [String]) -> [RunGroups.Group] {
        RunGroups(folders: runs, root: root).groups
    }

    /// `runs` without those whose results are not the current outputs of their run (`RunStamps`: a run
    /// being remade with other settings, or whose files changed since): each of those is named on
    /// standard error with the reason, and left out of the tables and the records.
    func finished(_ runs: [String]) -> [String] {
        runs.filter { folder in
            guard let reason = RunStamps.staleness(of: folder) else { return true }
            FileHandle.standardError.write(Data("summarize: \(folder): not finished, left out: \(reason)\n".utf8))
            return false
        }
    }

    /// The record of each finished run of `runs` (`finished`), with its folder; throws when two have
    /// the same group and seed (`checkDistinct`).
    func finishedRecords(_ runs: [String]) throws -> [(folder: String, record: RunRecord)] {
        let records = try groups(runs).flatMap { group in
            try finished(group.folders).map { (folder: $0, record: try RunRecord(folder: $0, group: group.name)) }
        }
        try checkDistinct(records.map { ($0.folder, $0.record.group, $0.record.seed) })
        return records
    }

    /// The results table of the finished `runs` and the `kept` records (a run given replaces the
    /// record of its group and seed).
    func resultsTable(_ runs: [String], kept: [RunRecord]) throws -> ResultsTable {
        ResultsTable(records: RunRecord.merging(kept: kept, current: try finishedRecords(runs).map(\.record)))
    }

    /// The learning curves of `runs` (finished or not) and of the `kept` records (a run given replaces
    /// the record of its group and seed), ordered as `RunRecord.ordered` orders records.
    func learningCurves(_ runs: [String], kept: [RunRecord]) throws -> LearningCurveTable {
        var entries = kept.map { (group: $0.group, run: LearningCurveTable.Run(record: $0)) }
        let current = try groups(runs).flatMap { group in
            try group.folders.map { (folder: $0, group: group.name, run: try LearningCurveTable.Run(folder: $0)) }
        }
        try checkDistinct(current.map { ($0.folder, $0.group, $0.run.seed) })
        for (_, group, run) in current {
            entries.removeAll { $0.group == group && $0.run.seed == run.seed }
            entries.append((group, run))
        }
        entries.sort { RunRecord.precedes(($0.group, $0.run.seed), ($1.group, $1.run.seed)) }
        return LearningCurveTable(runs: entries)
    }

    /// Throws naming both folders when two runs have the same group and seed (a copied run): the
    /// tables would show one of them, a record would keep one.
    func checkDistinct(_ runs: [(folder: String, group: String, seed: Int)]) throws {
        var seen: [String: String] = [:]
        for run in runs {
            let key = "\(run.group)/seed-\(run.seed)"
            if let first = seen[key] {
                throw StageError("\(run.folder): the same group and seed as \(first) (\(key)); give one of them")
            }
            seen[key] = run.folder
        }
    }

    /// Writes the record of each finished run in `runs` (`finished`) to `folder/<group>/seed-<n>.json`,
    /// replacing an older record of the same run; a record whose bytes have not changed is left as it is.
    /// Prints one line per record.
    func keepRecords(of runs: [String], in folder: String) throws {
        let records = try finishedRecords(runs)
        for (run, record) in records where record.group.hasPrefix("/") {
            throw StageError("\(run): not below --root \(root ?? ""), so it has no group to be kept under")
        }
        for (run, record) in records {
            let target = "\(folder)/\(record.relativePath)"
            let bytes = try record.encoded()
            let old = FileManager.default.contents(atPath: target)
            if old == bytes {
                print("\(target): unchanged (\(run))")
                continue
            }
            let output = try AtomicOutput(target: target, inputs: RunResults.inputFiles(folder: run))
            try output.write(bytes)
            print("\(target): \(old == nil ? "new" : "updated") (\(run))")
        }
    }

    /// The seeds' table: one row per run (named by its folder), then mean and std across runs and the
    /// rliable aggregates, printed and written as CSV to `destination`.
    func summarizeSeeds(_ destination: AtomicOutput, runs: [String]) throws {
        let rows = try runs.map { folder in
            var row = try readRow(folder)
            row.run = URL(fileURLWithPath: folder).lastPathComponent
            return row
        }
        let header = ["run", "test_return_mean", "test_return_std", "one_step_mse", "k\(k)_rmse"]
        var csv = [header.joined(separator: ",")]
        func cell(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        var table = [
            cell("run", 12) + cell("test return (mean ± std)", 26) + cell("one-step MSE", 15) + "\(k)-step RMSE"
        ]
        for r in rows {
            csv.append(
                [r.run, "\(r.returnMean)", "\(r.returnStd)", "\(r.oneStep)", "\(r.kStep)"].joined(separator: ","))
            table.append(
                cell(r.run, 12) + cell(String(format: "%.1f ± %.1f", r.returnMean, r.returnStd), 26)
                    + cell(String(format: "%.3g", r.oneStep), 15) + String(format: "%.3g", r.kStep))
        }
        let means = ReturnStatistics(rows.map(\.returnMean)), one = ReturnStatistics(rows.map(\.oneStep)),
            kk = ReturnStatistics(rows.map(\.kStep))
        csv.append(["mean", "\(means.mean)", "", "\(one.mean)", "\(kk.mean)"].joined(separator: ","))
        csv.append(["std", "\(means.std)", "", "\(one.std)", "\(kk.std)"].joined(separator: ","))
        table.append(
            cell("all", 12) + cell(String(format: "%.1f ± %.1f", means.mean, means.std), 26)
                + cell(String(format: "%.3g", one.mean), 15) + String(format: "%.3g", kk.mean)
                + "   (mean ± std across \(rows.count) runs of each run's mean)")
        let aggregates = RunAggregates(runScores: rows.map(\.returnMean))
        for (name, e) in [
            ("iqm", aggregates.interquartileMean), ("median", aggregates.median), ("mean", aggregates.mean)
        ] {
            if name != "mean" { csv.append([name, "\(e.value)", "", "", ""].joined(separator: ",")) }
            csv.append([name + "_ci_low", "\(e.interval.lowerBound)", "", "", ""].joined(separator: ","))
            csv.append([name + "_ci_high", "\(e.interval.upperBound)", "", "", ""].joined(separator: ","))
        }
        table.append("")
        table.append(
            "test return across the \(rows.count) runs, with 95% stratified-bootstrap intervals "
                + "(\(aggregates.bootstrap.replications) replications, seed \(aggregates.bootstrap.seed)):")
        for (name, e) in [
            ("IQM", aggregates.interquartileMean), ("median", aggregates.median), ("mean", aggregates.mean)
        ] {
            table.append("  " + cell(name, 8) + Self.estimate(e))
        }
        try destination.write(Data((csv.joined(separator: "\n") + "\n").utf8))
        print(table.joined(separator: "\n"))
    }

    /// `123.4 [100.2, 140.9]`: an estimate and its interval.
    static func estimate(_ e: RunAggregates.Estimate) -> String {
        String(format: "%.1f [%.1f, %.1f]", e.value, e.interval.lowerBound, e.interval.upperBound)
    }

    /// One grid point: its runs' mean test return, one-step MSE and k-step RMSE, across seeds.
    struct PointRow {
        var point: SweepGrid.Point; var seeds: [Int]; var returns: ReturnStatistics; var aggregates: RunAggregates
        var oneStep: ReturnStatistics; var kStep: ReturnStatistics
    }

    func readRow(_ folder: String) throws -> Row {
        let results = try RunResults(folder: folder)
        guard let kStep = results.kStepRMSE(at: k) else {
            throw StageError(
                "\(folder)/eval.h5: metrics/k_step_rmse: has \(results.kStepRMSE.count) entries, "
                    + "--k is \(k)")
        }
        return Row(
            run: String(results.seed), returnMean: results.testStatistics.mean, returnStd: results.testStatistics.std,
            oneStep: results.oneStepMSE, kStep: kStep)
    }

    /// The grid's table: one row per point, the best (highest mean test return across seeds) marked.
    func summarizeGrid(_ destination: AtomicOutput, runs: [String]) throws {
        let sweep = try SweepGrid(folders: runs)
        let rows = try sweep.points.map { point -> PointRow in
            let runs = try point.folders.map(readRow)
            return PointRow(
                point: point, seeds: runs.map { Int($0.run)! }, returns: ReturnStatistics(runs.map(\.returnMean)),
                aggregates: RunAggregates(runScores: runs.map(\.returnMean)),
                oneStep: ReturnStatistics(runs.map(\.oneStep)), kStep: ReturnStatistics(runs.map(\.kStep)))
        }
        let best = rows.indices.max { rows[$0].returns.mean < rows[$1].returns.mean }!  // the first of equals

        var csv = [
            (["point"] + sweep.variables + [
                "seeds", "test_return_mean", "test_return_std", "one_step_mse_mean", "one_step_mse_std",
                "k\(k)_rmse_mean", "k\(k)_rmse_std", "test_return_iqm", "test_return_iqm_ci_low",
                "test_return_iqm_ci_high", "test_return_median", "test_return_median_ci_low",
                "test_return_median_ci_high", "test_return_mean_ci_low", "test_return_mean_ci_high",
                "best"
            ]).joined(separator: ",")
        ]
        var cells = [
            ["", "point"] + sweep.variables + [
                "seeds", "test return (mean ± std)", "IQM [95% CI]", "one-step MSE", "\(k)-step RMSE"
            ]
        ]
        for (i, r) in rows.enumerated() {
            let values = sweep.variables.map { r.point.value(of: $0) ?? "" }
            let a = r.aggregates
            let intervals = [
                a.interquartileMean.value, a.interquartileMean.interval.lowerBound,
                a.interquartileMean.interval.upperBound,
                a.median.value, a.median.interval.lowerBound, a.median.interval.upperBound,
                a.mean.interval.lowerBound, a.mean.interval.upperBound
            ]
            csv.append(
                ([r.point.name] + values + [
                    "\(r.seeds.count)", "\(r.returns.mean)", "\(r.returns.std)", "\(r.oneStep.mean)",
                    "\(r.oneStep.std)", "\(r.kStep.mean)", "\(r.kStep.std)"
                ] + intervals.map { "\($0)" }
                    + [i == best ? "yes" : ""]).joined(separator: ","))
            cells.append(
                [i == best ? "*" : "", r.point.name] + values
                    + [
                        "\(r.seeds.count)", String(format: "%.1f ± %.1f", r.returns.mean, r.returns.std),
                        Self.estimate(a.interquartileMean),
                        String(format: "%.3g", r.oneStep.mean), String(format: "%.3g", r.kStep.mean)
                    ])
        }
        let widths = cells[0].indices.map { c in cells.map { $0[c].count }.max()! }
        let table = cells.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  ")
        }
        try destination.write(Data((csv.joined(separator: "\n") + "\n").utf8))
        print(table.joined(separator: "\n"))
        print(
            "(mean ± std across each point's seeds of each run's mean; IQM with its 95% stratified-bootstrap "
                + "interval, "
                + "\(StratifiedBootstrap.aggregateReplications) replications, "
                + "seed \(StratifiedBootstrap.defaultSeed); * best: the highest mean test return)")
    }

    /// Each run's timing table; with several runs, the mean wall seconds per stage kind across them.
    func printTiming(_ runs: [String]) throws {
        var timed: [RunTiming] = []
        for folder in runs {
            let timing = try RunTiming(folder: folder)
            guard !timing.entries.isEmpty else { print("\(folder): no timing files (timing/*.tsv)\n"); continue }
            print("\(folder): \(String(format: "%.1f", timing.wall)) s of wall time in its stages\n\(timing.table)\n")
            timed.append(timing)
        }
        guard timed.count > 1 else { return }
        // All runs' stages together, in RunTiming's order of stage kinds, divided by the runs timed.
        let together = RunTiming(entries: timed.flatMap(\.entries))
        print(
            "mean wall seconds per run (\(timed.count) runs): "
                + together.byProgram.map {
                    String(format: "%@ %.1f", $0.program, $0.wall / Double(timed.count))
                }.joined(separator: ", "))
    }
}
