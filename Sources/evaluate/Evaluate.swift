import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

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

    @Option(help: ArgumentHelp("Model file (from `train`).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Held-out transitions to measure prediction error on.", valueName: "file"))
    var data: String

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Transitions files of controller rollouts (from `plan`) to summarize.", valueName: "file"))
    var rollouts: [String] = []

    @Option(help: "Longest open-loop prediction, in steps.")
    var maxK = 30

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard maxK >= 1, maxK <= 10_000 else { throw ValidationError("--max-k must be in 1...10000, got \(maxK)") }
    }

    func run() throws {
        try Stage.run {
            let destination = try AtomicOutput(target: output.out, inputs: [model, data] + rollouts)
            try OpenBLASMemory.prepare(concurrentCallers: 1)
            let (learned, env) = try ModelFile.read(fromFile: model)
            let heldOut = try Transitions.read(from: data)
            guard heldOut.count > 0 else { throw StageError("\(data): no transitions to evaluate the model on") }
            try learned.checkCompatible(observationSize: heldOut.observationSize, actionSize: heldOut.actionSize, path: model, with: data)
            let rolloutSets = try rollouts.map { try Transitions.read(from: $0) }

            let evaluation = ModelEvaluation(model: learned, data: heldOut, maxK: maxK)
            let returns = rolloutSets.map { ReturnStatistics($0.episodeReturns) }
            if let problem = evaluation.problem {
                throw StageError("\(model): on \(data), \(problem); nothing written")
            }
            for (path, stats) in zip(rollouts, returns) where !(stats.episodes > 0 && stats.mean.isFinite && stats.std.isFinite) {
                throw StageError("\(path): its return statistics are not finite; nothing written")
            }

            let config: JSONValue = ["model": .string(model), "data": .string(data), "rollouts": .array(rollouts.map { .string($0) }), "max_k": .int(maxK)]
            let provenance = try Provenance(format: FileFormat.eval.rawValue, seed: 0, command: Stage.commandLine, config: config,
                                            inputPaths: [model, data] + rollouts)
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try root.setAttribute("model", model)
                try root.setAttribute("data", data)
                try root.setAttribute("env", env)
                let o = heldOut.observationSize
                try root.createGroup("predictions").write(evaluation.predictions, shape: [heldOut.count, o], to: "next_observations")
                let metrics = try root.createGroup("metrics")
                try metrics.writeScalar(evaluation.oneStepMSE, to: "one_step_mse")
                try metrics.writeScalar(evaluation.oneStepMSENormalized, to: "one_step_mse_normalized")
                try metrics.write(evaluation.oneStepMSEPerDimension, shape: [o], to: "one_step_mse_per_dim")
                try metrics.write((1...maxK).map { Int64($0) }, shape: [maxK], to: "k")
                try metrics.write(evaluation.kStepRMSE, shape: [maxK], to: "k_step_rmse")
                try metrics.write(evaluation.kStepCounts.map { Int64($0) }, shape: [maxK], to: "k_step_count")
                if let c = evaluation.calibration {
                    try metrics.writeScalar(c.within1Sigma, to: "within_1sigma")
                    try metrics.writeScalar(c.within2Sigma, to: "within_2sigma")
                    try metrics.writeScalar(c.nll, to: "nll")
                    try metrics.write(c.nllPerDimension, shape: [o], to: "nll_per_dim")
                    if let m = c.member {
                        try metrics.writeScalar(m.within1Sigma, to: "member_within_1sigma")
                        try metrics.writeScalar(m.within2Sigma, to: "member_within_2sigma")
                        try metrics.writeScalar(m.nll, to: "member_nll")
                    }
                }
                let group = try root.createGroup("rollouts")
                for (i, (path, stats)) in zip(rollouts, returns).enumerated() {
                    let r = try group.createGroup(String(i))
                    try r.setAttribute("file", path)
                    try r.setAttribute("policy", rolloutSets[i].policy)
                    try r.write(rolloutSets[i].episodeReturns, shape: [stats.episodes], to: "returns")
                    try r.writeScalar(stats.mean, to: "mean")
                    try r.writeScalar(stats.std, to: "std")
                    try r.writeScalar(stats.min, to: "min")
                    try r.writeScalar(stats.max, to: "max")
                }
            }
            print(EvaluationTable.render(model: model, data: data, heldOut: heldOut, evaluation: evaluation,
                                         rollouts: Array(zip(rollouts, zip(rolloutSets.map(\.policy), returns)))))
        }
    }
}

/// The printed summary.
enum EvaluationTable {
    static func render(model: String, data: String, heldOut: Transitions, evaluation e: ModelEvaluation,
                       rollouts: [(String, (String, ReturnStatistics))]) -> String {
        var lines = ["model \(model) on \(data) (\(heldOut.count) transitions, \(heldOut.episodeRanges.count) episodes)"]
        lines.append(String(format: "  one-step MSE      %.3g   (normalized %.3g)", e.oneStepMSE, e.oneStepMSENormalized))
        let ks = [1, 5, 10, 20, 30].filter { $0 <= e.kStepRMSE.count } + (e.kStepRMSE.count > 30 ? [e.kStepRMSE.count] : [])
        if let c = e.calibration {
            lines.append(String(format: "  calibration (mixture)  within 1σ %.3f (Gaussian %.3f)   within 2σ %.3f (%.3f)   NLL %.3f nats",
                                c.within1Sigma, Calibration.gaussianWithin1Sigma, c.within2Sigma, Calibration.gaussianWithin2Sigma, c.nll))
            if let m = c.member {
                lines.append(String(format: "    each elite      within 1σ %.3f   within 2σ %.3f   NLL %.3f nats (mean over the elites)", m.within1Sigma, m.within2Sigma, m.nll))
            }
        }
        lines.append("  k-step RMSE       " + ks.map { String(format: "k=%d %.3g", $0, e.kStepRMSE[$0 - 1]) }.joined(separator: "   "))
        if !rollouts.isEmpty {
            let fileWidth = max(rollouts.map(\.0.count).max()! + 2, 8)
            func row(_ cells: [String]) -> String {
                "  " + cells.enumerated().map { i, c in c.padding(toLength: max(i == 0 ? fileWidth : 10, c.count + 1), withPad: " ", startingAt: 0) }.joined()
            }
            lines.append(row(["rollouts", "policy", "episodes", "mean", "std", "min", "max"]))
            for (path, (policy, s)) in rollouts {
                lines.append(row([path, policy, String(s.episodes)] + [s.mean, s.std, s.min, s.max].map { String(format: "%.1f", $0) }))
            }
        }
        return lines.joined(separator: "\n")
    }
}
