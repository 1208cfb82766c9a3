import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLModels

/// How good the model and the controller are: prediction error on held-out transitions and the
/// returns of the rollouts.
@main
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's one-step and k-step prediction error and summarize rollout returns.",
        discussion: """
            Writes an evaluation file (format mbrl.eval/1): predictions/next_observations for every row of \
            --data, metrics/ (one-step MSE, k-step RMSE per k), and rollouts/<i>/ return statistics per \
            --rollouts file; prints a short table.
            """)

    @OptionGroup var modelFile: ModelFileOptions
    var model: String { modelFile.model }

    @Option(help: ArgumentHelp("Held-out transitions to measure prediction error on.", valueName: "file"))
    var data: String

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Transitions files of controller rollouts (from `plan`) to "
                + "summarize.", valueName: "file"))
    var rollouts: [String] = []

    @Option(help: "Longest open-loop prediction, in steps.")
    var maxK = 30

    @OptionGroup var output: OutputOptions

    @OptionGroup var printConfig: PrintConfigOptions

    func validate() throws {
        guard maxK >= 1, maxK <= 10_000 else { throw ValidationError("--max-k must be in 1...10000, got \(maxK)") }
    }

    func run() throws {
        try Stage.run {
            if printConfig.requested { return Stage.printConfig(config) }
            let destination = try AtomicOutput(target: output.out, inputs: [model, data] + rollouts)
            try OpenBLASMemory.prepare(concurrentCallers: 1)
            let (learned, env) = try ModelFile.read(fromFile: model)
            let heldOut = try Transitions.read(from: data)
            guard heldOut.count > 0 else { throw StageError("\(data): no transitions to evaluate the model on") }
            try learned.checkCompatible(
                observationSize: heldOut.observationSize, actionSize: heldOut.actionSize, path: model, with: data)
            let rolloutSets = try rollouts.map { try Transitions.read(from: $0) }

            try MemoryBudget.check(
                ModelEvaluation.byteCount(
                    model: learned, rows: heldOut.count, observationSize: heldOut.observationSize,
                    actionSize: heldOut.actionSize),
                for: "\(model) on \(data): the predictions")
            let evaluation = ModelEvaluation(model: learned, data: heldOut, maxK: maxK)
            let summaries = zip(rollouts, rolloutSets).map {
                ModelEvaluation.Rollouts(
                    path: $0, transitions: $1, returns: ReturnStatistics($1.completeEpisodeReturns))
            }
            if let problem = evaluation.problem {
                throw StageError("\(model): on \(data), \(problem); nothing written")
            }
            for r in summaries where !(r.returns.episodes > 0 && r.returns.mean.isFinite && r.returns.std.isFinite) {
                throw StageError("\(r.path): its return statistics are not finite; nothing written")
            }

            let provenance = try Provenance(
                format: FileFormat.eval.rawValue, seed: 0, command: Stage.commandLine, config: config,
                inputPaths: [model, data] + rollouts)
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try evaluation.write(
                    to: root, model: model, data: data, env: env, heldOut: heldOut, rollouts: summaries)
            }
            print(
                EvaluationTable.render(
                    model: model, data: data, heldOut: heldOut, evaluation: evaluation,
                    rollouts: summaries.map { ($0.path, ($0.transitions.policy, $0.returns)) }))
        }
    }

    /// The evaluation file's `config`: the model, the held-out data, the rollouts and the longest prediction.
    var config: JSONValue {
        [
            "model": .string(model), "data": .string(data), "rollouts": .array(rollouts.map { .string($0) }),
            "max_k": .int(maxK)
        ]
    }
}

/// The printed summary.
enum EvaluationTable {
    static func render(
        model: String, data: String, heldOut: Transitions, evaluation e: ModelEvaluation,
        rollouts: [(String, (String, ReturnStatistics))]
    ) -> String {
        var lines = [
            "model \(model) on \(data) (\(heldOut.count) transitions, \(heldOut.episodeRanges.count) "
                + "episodes)"
        ]
        lines.append(
            String(format: "  one-step MSE      %.3g   (normalized %.3g)", e.oneStepMSE, e.oneStepMSENormalized))
        let ks =
            [1, 5, 10, 20, 30].filter { $0 <= e.kStepRMSE.count } + (e.kStepRMSE.count > 30 ? [e.kStepRMSE.count] : [])
        if let c = e.calibration {
            lines.append(
                String(
                    format: "  calibration (mixture)  within 1σ %.3f (Gaussian %.3f)   within 2σ %.3f "
                        + "(%.3f)   NLL %.3f nats",
                    c.within1Sigma, Calibration.gaussianWithin1Sigma, c.within2Sigma, Calibration.gaussianWithin2Sigma,
                    c.nll))
            if let m = c.member {
                lines.append(
                    String(
                        format: "    each elite      within 1σ %.3f   within 2σ %.3f   NLL %.3f nats "
                            + "(mean over the elites)", m.within1Sigma, m.within2Sigma, m.nll))
            }
        }
        lines.append(
            "  k-step RMSE       "
                + ks.map { String(format: "k=%d %.3g", $0, e.kStepRMSE[$0 - 1]) }.joined(separator: "   "))
        if !rollouts.isEmpty {
            let fileWidth = max(rollouts.map(\.0.count).max()! + 2, 8)
            func row(_ cells: [String]) -> String {
                "  "
                    + cells.enumerated().map { i, c in
                        c.padding(toLength: max(i == 0 ? fileWidth : 10, c.count + 1), withPad: " ", startingAt: 0)
                    }.joined()
            }
            lines.append(row(["rollouts", "policy", "episodes", "mean", "std", "min", "max"]))
            for (path, (policy, s)) in rollouts {
                lines.append(
                    row(
                        [path, policy, String(s.episodes)]
                            + [s.mean, s.std, s.min, s.max].map { String(format: "%.1f", $0) }))
            }
        }
        return lines.joined(separator: "\n")
    }
}
