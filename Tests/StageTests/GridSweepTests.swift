import Foundation
import FoundationXML
import MBRLData
import MBRLEnvironments
import MBRLStatistics
import MBRLTestSupport
import XCTest
#if canImport(FoundationXML)
#endif

/// `make sweep GRID=...` run locally: every grid point in its own folder, one table and one page
/// across the grid (mean ± std across seeds per point, the best marked), errors for grids and points
/// Make cannot run, `clean-runs` for grid folders, and which build a SLURM sweep uses.
final class GridSweepTests: XCTestCase {
    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    func testGridSweepGivesEachPointItsFolderAndOneTableAndPage() throws {
        let data = TemporaryDirectory("mbrl-grid")
        let sweep = ["DATA=\(data.path)"] + Sweeps.tiny + ["SEEDS=0 1", "GRID=HORIZON=3,2"]
        let result = try Sweeps.make(["-j2", "sweep"] + sweep)
        XCTAssertEqual(result.status, 0, result.stderr)
        let root = data.path + "/pendulum"
        // One folder per point, named by its settings; the plain run folders stay untouched.
        XCTAssertNil(
            try Sweeps.runFiles(root)[""].map { String(decoding: $0, as: UTF8.self) },
            "no file outside "
                + "the runs' folders but the table")
        for point in ["HORIZON-2", "HORIZON-3"] {
            for seed in [0, 1] {
                let run = "\(root)/\(point)/seed-\(seed)"
                XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/eval.h5"), run)
                let plan = try String(contentsOfFile: run + "/params/plan", encoding: .utf8)
                XCTAssertTrue(plan.contains("--horizon \(point.dropFirst(8)) "), plan)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/seed-0"))
        // The same point by hand is up to date: POINT names it.
        XCTAssertEqual(
            try Sweeps.make(["-q", "DATA=\(data.path)", "POINT=HORIZON-3", "SEED=1"] + Sweeps.tiny).status, 0)

        // The table: one row per point in GRID's order, settings, seeds, mean ± std across seeds, best.
        let csv = try String(contentsOfFile: root + "/sweep.csv", encoding: .utf8).split(separator: "\n").map(
            String.init)
        XCTAssertEqual(
            csv.first,
            "point,HORIZON,seeds,test_return_mean,test_return_std,one_step_mse_mean,one_step_mse_std,"
                + "k10_rmse_mean,k10_rmse_std,test_return_iqm,test_return_iqm_ci_low,test_return_iqm_ci_high,"
                + "test_return_median,test_return_median_ci_low,test_return_median_ci_high,test_return_mean_ci_low,"
                + "test_return_mean_ci_high,best")
        XCTAssertEqual(csv.count, 3)
        var means: [Double] = []
        for (row, point) in zip(csv.dropFirst(), ["HORIZON-3", "HORIZON-2"]) {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(Array(cells.prefix(3)), [point, String(point.dropFirst(8)), "2"], row)
            let seeds = try [0, 1].map {
                ReturnStatistics(try Transitions.read(from: "\(root)/\(point)/seed-\($0)/test.h5").episodeReturns).mean
            }
            let expected = ReturnStatistics(seeds)
            XCTAssertEqual(Double(cells[3])!, expected.mean, accuracy: 1e-9 * abs(expected.mean), row)
            XCTAssertEqual(Double(cells[4])!, expected.std, accuracy: 1e-9 * max(1, expected.std), row)
            // The aggregates of the point's seeds, from the library checked against rliable (MBRLStatistics), seeded.
            let a = RunAggregates(runScores: seeds)
            let aggregates = [
                a.interquartileMean.value, a.interquartileMean.interval.lowerBound,
                a.interquartileMean.interval.upperBound,
                a.median.value, a.median.interval.lowerBound, a.median.interval.upperBound,
                a.mean.interval.lowerBound, a.mean.interval.upperBound
            ]
            for (k, value) in aggregates.enumerated() {
                XCTAssertEqual(
                    Double(cells[9 + k])!, value, accuracy: 1e-9 * max(1, abs(value)), "\(row): column \(9 + k)")
            }
            XCTAssertTrue(a.interquartileMean.interval.contains(expected.mean), "two seeds: the IQM is their mean")
            means.append(expected.mean)
        }
        let best = means[0] >= means[1] ? 0 : 1
        XCTAssertEqual(csv.dropFirst().map { $0.hasSuffix(",yes") }, [best == 0, best == 1])
        XCTAssertTrue(result.stdout.contains("*  HORIZON-\(best == 0 ? 3 : 2) "), result.stdout)

        // The page across the grid: well-formed, the points' numbers, the best marked.
        let report = try Sweeps.make(["report-sweep"] + sweep)
        XCTAssertEqual(report.status, 0, report.stderr)
        let page = try String(contentsOfFile: root + "/report.html", encoding: .utf8)
        let parser = XMLParser(data: Data(page.utf8))
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertTrue(page.contains("<h1>Pendulum-v1 — grid of 2 points × 2 seeds</h1>"), "title")
        let plotted = means.enumerated().map { "\(Float($0.offset)):\(Float($0.element))" }.joined(separator: " ")
        XCTAssertTrue(
            page.contains("data-name=\"mean ± std across seeds\" data-values=\"\(plotted)\""), "the points' means")
        XCTAssertTrue(page.contains("<td><b>HORIZON-\(best == 0 ? 3 : 2)</b></td>"), "the best point is marked")
        XCTAssertEqual(page.components(separatedBy: "<td>best</td>").count - 1, 1)
        // The aggregates, the performance profile of every point and the points' learning curves.
        XCTAssertTrue(page.contains("data-name=\"IQM [95% CI]\""), "the IQM per point")
        for point in ["HORIZON-3", "HORIZON-2"] {
            XCTAssertEqual(
                page.components(separatedBy: "data-name=\"\(point)\"").count - 1, 3,
                "\(point): a "
                    + "learning curve, a profile and a k-step curve")
        }
        XCTAssertTrue(page.contains("Performance profile: fraction of runs with test return above τ"))
        XCTAssertTrue(page.contains("Learning curve: return against environment steps (mean across seeds)"))

        // clean-runs removes the grid's runs and their point folders, and nothing else.
        try FileManager.default.createDirectory(atPath: root + "/notes", withIntermediateDirectories: true)
        let clean = try Sweeps.make(["clean-runs", "DATA=\(data.path)"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root), ["notes"])
    }

    /// Grids and points Make cannot run are refused before anything runs.
    func testBadGridsAndPointsAreClearErrors() throws {
        let data = TemporaryDirectory("mbrl-grid-errors")
        for (arguments, message) in [
            (["sweep", "GRID=NOPE=1,2"], "GRID varies NOPE, which is not a preset variable"),
            (["sweep", "GRID=LR=1e-3,3e-4", "LR=0.01"], "LR is both in GRID and set on the command line"),
            (["sweep", "GRID=LR=1e-3 LR=3e-4"], "GRID names a variable twice"),
            (["sweep", "GRID=LR=1e-3,1e-3"], "GRID lists a value twice"),
            (["sweep", "GRID=LR=1e-3;rm"], "GRID='LR=1e-3;rm' holds ';'"),
            (["sweep", "GRID=LR=1e-3:3"], "GRID entry 'LR=1e-3:3' is not VAR=value,value,..."),
            (["sweep", "SEEDS=0 x"], "SEEDS must be whole numbers"),
            (["sweep", "GRID=LR=1e-3", "POINT=LR-1e-3"], "POINT names one run; a sweep takes GRID"),
            (["sweep", "SCHEDULER=pbs"], "SCHEDULER must be local or slurm"),
            (["collect", "POINT=LR-1e-3+HORIZON-3"], "lists its settings out of order: write POINT=HORIZON-3+LR-1e-3"),
            (
                ["collect", "POINT=HORIZON-3", "HORIZON=4"],
                "HORIZON is set both by POINT=HORIZON-3 and on the "
                    + "command line"
            ),
            (["collect", "POINT=lr-3"], "is not a grid point's name"),
            (["collect", "POINT=NOPE-3"], "POINT sets NOPE, which is not a preset variable")
        ] {
            let result = try Sweeps.make(["-n", "DATA=\(data.path)"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: data.path), [])
        // summarize and report take --grid only for grid folders.
        for program in ["summarize", "report"] {
            let result = try runProcess(
                Repository.executable(program),
                ["--runs", data.path + "/pendulum/seed-0", "--grid", "--out", data.file("x")])
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertTrue(result.stderr.contains("not a grid point's run folder"), result.stderr)
        }
    }

    /// A sweep on SLURM uses the portable build (an x86-64 level every node has) unless TARGET_CPU is
    /// given; the native build stays where it was.
    func testSlurmSweepsUseThePortableBuild() throws {
        func bin(_ arguments: [String]) throws -> String {
            // `help` is one of the goals that need no build, so Make only prints the variable.
            let result = try Sweeps.make(["--eval=help: ; @echo $(BIN) $(TARGET_CPU)", "help"] + arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try bin([]), ".build/release native")
        #if arch(x86_64)
            XCTAssertEqual(try bin(["SCHEDULER=slurm"]), ".build/cpu-x86-64-v3/release x86-64-v3")
        #endif
        XCTAssertEqual(try bin(["SCHEDULER=slurm", "TARGET_CPU=native"]), ".build/release native")
        XCTAssertEqual(try bin(["TARGET_CPU=x86-64-v2"]), ".build/cpu-x86-64-v2/release x86-64-v2")
        let bad = try Sweeps.make(["-n", "build", "TARGET_CPU=a:b"])
        XCTAssertTrue(bad.stderr.contains("is not a CPU name"), bad.stderr)
    }
}

/// What the sweep tests share: a tiny budget, make, and the files of a sweep's runs.
enum Sweeps {
    /// A run of a few seconds: 2 random episodes, 2 epochs, one iteration, 2 test episodes.
    static let tiny = [
        "EPISODES=2", "EPOCHS=2", "ITERS=1", "PLAN_EPISODES=1", "TEST_EPISODES=2", "HELDOUT_EPISODES=1",
        "CANDIDATES=16", "MAX_K=10"
    ]

    static func make(
        _ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 300
    ) throws -> ProcessResult {
        let run = try runProcess(
            "/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path] + arguments,
            environment: environment, timeout: timeout)
        if run.timedOut { XCTFail("make \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s") }
        return run.result
    }

    /// Every file under `root`'s run folders (`<point>/seed-<n>/` or `seed-<n>/`) by relative path,
    /// but the TensorBoard logs (`tb/`, which hold wall-clock times); and, under the key "", files
    /// outside run folders other than the sweep's table and page and its SLURM folder.
    static func runFiles(_ root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)!
        for case let path as String in enumerator {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder)
            if isFolder.boolValue { continue }
            let parts = path.split(separator: "/").map(String.init)
            // Logs and timing files hold wall-clock times; everything else must be the same bytes.
            if parts.contains("tb") || parts.contains("timing") || parts.first == "slurm"
                || ["sweep.csv", "report.html", "sweep-runs.txt"].contains(path)
            {
                continue
            }
            guard parts.dropLast().contains(where: { $0.hasPrefix("seed-") }) else {
                files["", default: Data()].append(Data((path + "\n").utf8))
                continue
            }
            files[path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
        }
        return files
    }
}
