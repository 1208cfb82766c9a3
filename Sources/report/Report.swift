import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLReporting
import MBRLSweeps

/// `make report`: one self-contained HTML page of plots of a run, or of several runs of a sweep.
@main
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML page of plots of a run (or of several runs).",
        discussion: """
            With one --runs folder: the learning curve (return against environment steps), training and \
            validation loss per iteration, k-step prediction error, a test episode against the model's \
            open-loop prediction (one small panel per observation component), the best, median and worst \
            test episodes animated with the model's open-loop prediction drawn over them, the parameters \
            and every file's provenance. With several: one page across them, with the interquartile mean, \
            median and mean of their test returns and 95% stratified-bootstrap intervals, the learning \
            curve across seeds, a performance profile, and one animated row per run. With --grid (a grid \
            sweep's runs, <point>/seed-<n>): one page across the grid, the test return of every point \
            (mean ± std and IQM with its interval across its seeds) with the best marked, the points' \
            learning curves and profiles, a table of the points and of every run, and the best point's \
            runs animated. The page is self-contained (inline CSS and SVG, and one inline script for the \
            animation's controls). The statistics: docs/STATISTICS.md.
            """)

    @OptionGroup var runSet: RunFolderOptions

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String

    func validate() throws {
        if let problem = AtomicOutput.nameProblem(out) { throw ValidationError("--out '\(out)' \(problem)") }
        if runSet.grid, runSet.runsFrom == nil {
            do { _ = try SweepGrid(folders: runSet.runs) } catch { throw ValidationError("--grid: \(error)") }
        }
    }

    func run() throws {
        try Stage.run {
            let runs = try runSet.folders(), grid = runSet.grid
            if grid {
                do { _ = try SweepGrid(folders: runs) } catch { throw StageError("--grid: \(error)") }
            }
            let destination = try AtomicOutput(target: out, inputs: runs.flatMap { RunResults.inputFiles(folder: $0) })
            try OpenBLASMemory.prepare(concurrentCallers: 1)  // the open-loop predictions
            let data = try runs.map { try RunData(folder: $0) }
            let page =
                grid
                ? ReportPage.grid(try SweepGrid(folders: runs), data)
                : data.count == 1 ? ReportPage.run(data[0]) : ReportPage.sweep(data)
            try destination.write(Data(page.utf8))
            ProgressReporter(stage: "report").milestone("wrote \(out)")
        }
    }
}
