import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine
import MBRLSweeps

/// `make report`: one self-contained HTML page of plots of a run, or of several runs of a sweep.
@main
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML page of plots of a run (or of several runs).",
        discussion: """
            With one --runs folder: training and validation loss per iteration, k-step prediction error, \
            return per iteration against the random policy, a test episode against the model's open-loop \
            prediction, the best, median and worst test episodes animated with the model's open-loop prediction \
            drawn over them, the parameters and every file's provenance. With several: one page across them, \
            with one animated row per run. With --grid (a grid sweep's runs, <point>/seed-<n>): one page \
            across the grid, the test return of every point (mean ± std across its seeds) with the best \
            marked, a table of the points and of every run, and the best point's runs animated. The page \
            is self-contained (inline CSS and SVG, and one inline script for the animation's controls).
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run folders, e.g. data/pendulum/seed-0.", valueName: "dir"))
    var runs: [String]

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String

    @Flag(help: "The runs are a grid sweep's (<point>/seed-<n>): one page across the grid's points.")
    var grid = false

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one --runs folder") }
        if let problem = AtomicOutput.nameProblem(out) { throw ValidationError("--out '\(out)' \(problem)") }
        if grid {
            do { _ = try SweepGrid(folders: runs) } catch { throw ValidationError("--grid: \(error)") }
        }
    }

    func run() throws {
        try Stage.run {
            let destination = try AtomicOutput(target: out, inputs: runs.flatMap { RunResults.inputFiles(folder: $0) })
            try OpenBLASMemory.prepare(concurrentCallers: 1)  // the open-loop predictions
            let data = try runs.map { try RunData(folder: $0) }
            let page = grid ? ReportPage.grid(try SweepGrid(folders: runs), data)
                : data.count == 1 ? ReportPage.run(data[0]) : ReportPage.sweep(data)
            try destination.write(Data(page.utf8))
            ProgressReporter(stage: "report").milestone("wrote \(out)")
        }
    }
}
