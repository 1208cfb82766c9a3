import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

/// One table across the seeds of a sweep: test return and model error per run, then mean ± std.
@main
struct Summarize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize several runs (seeds) of a pipeline: final test return and model error.",
        discussion: """
            Each run folder must hold test.h5 (the final model's test rollouts) and eval.h5; the run is \
            read from its HDF5 files alone. Prints a table and writes it as CSV (one row per run, then \
            mean and std across runs).
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run folders, e.g. data/pendulum/seed-0.", valueName: "dir"))
    var runs: [String]

    @Option(help: ArgumentHelp("The open-loop horizon to report (k-step RMSE).", valueName: "k"))
    var k = 10

    @Option(help: ArgumentHelp("CSV file to write.", valueName: "file"))
    var out: String

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one --runs folder") }
        if let problem = AtomicOutput.nameProblem(out) { throw ValidationError("--out '\(out)' \(problem)") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1, got \(k)") }
    }

    struct Row { var run: String; var returnMean: Double; var returnStd: Double; var oneStep: Double; var kStep: Double }

    func run() throws {
        try Stage.run {
            let destination = try AtomicOutput(target: out, inputs: runs.flatMap { RunResults.inputFiles(folder: $0) })
            let rows = try runs.map { folder -> Row in
                let results = try RunResults(folder: folder)
                guard let kStep = results.kStepRMSE(at: k) else {
                    throw StageError("\(folder)/eval.h5: metrics/k_step_rmse: has \(results.kStepRMSE.count) entries, --k is \(k)")
                }
                let returns = results.testStatistics
                return Row(run: URL(fileURLWithPath: folder).lastPathComponent, returnMean: returns.mean, returnStd: returns.std,
                           oneStep: results.oneStepMSE, kStep: kStep)
            }
            let header = ["run", "test_return_mean", "test_return_std", "one_step_mse", "k\(k)_rmse"]
            var csv = [header.joined(separator: ",")]
            func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            var table = [cell("run", 12) + cell("test return (mean ± std)", 26) + cell("one-step MSE", 15) + "\(k)-step RMSE"]
            for r in rows {
                csv.append([r.run, "\(r.returnMean)", "\(r.returnStd)", "\(r.oneStep)", "\(r.kStep)"].joined(separator: ","))
                table.append(cell(r.run, 12) + cell(String(format: "%.1f ± %.1f", r.returnMean, r.returnStd), 26)
                             + cell(String(format: "%.3g", r.oneStep), 15) + String(format: "%.3g", r.kStep))
            }
            let means = ReturnStatistics(rows.map(\.returnMean)), one = ReturnStatistics(rows.map(\.oneStep)), kk = ReturnStatistics(rows.map(\.kStep))
            csv.append(["mean", "\(means.mean)", "", "\(one.mean)", "\(kk.mean)"].joined(separator: ","))
            csv.append(["std", "\(means.std)", "", "\(one.std)", "\(kk.std)"].joined(separator: ","))
            table.append(cell("all", 12) + cell(String(format: "%.1f ± %.1f", means.mean, means.std), 26)
                         + cell(String(format: "%.3g", one.mean), 15) + String(format: "%.3g", kk.mean)
                         + "   (mean ± std across \(rows.count) runs of each run's mean)")
            try destination.write(Data((csv.joined(separator: "\n") + "\n").utf8))
            print(table.joined(separator: "\n"))
        }
    }
}
