import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLModels

/// Fits a terminal value V(s) to the discounted returns-to-go of collected episodes, for `plan --value`:
/// the return a candidate can still expect after the planner's horizon.
@main
struct Value: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a value function V(s) to the discounted returns-to-go of transitions (for plan --value).",
        discussion: """
            Each row's target is Gₜ = rₜ + γ·Gₜ₊₁ within its episode (0 after its last row); the rows of \
            an episode cut off by a step budget have no target and are left out. Observations are \
            normalized with --stats (the run's), the returns by their mean and std over the training \
            rows. The network is --depth Linear-ReLU blocks of --hidden units and one output, trained \
            with Adam on the MSE; validation holds out whole episodes of every --data file (seeded), and \
            training keeps the weights of the best validation epoch and stops after --patience epochs \
            without one.
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Transitions files to fit on.", valueName: "file"))
    var data: [String]

    @Option(help: ArgumentHelp("Normalization statistics (from `stats`) for the observations.", valueName: "file"))
    var stats: String

    private static let fitting = ValueFitting()

    @Option(help: ArgumentHelp("Discount γ of the returns-to-go, in (0, 1].", valueName: "γ"))
    var discount: Float = 0.99

    @Option(help: "Width of each hidden layer.")
    var hidden = 200

    @Option(help: "Number of hidden Linear-ReLU blocks.")
    var depth = 2

    /// `ValueFitting`'s defaults.
    enum FitDefaults: FittingDefaults {
        static let batchSize = Value.fitting.batchSize
        static let minimumBatchSize: (rows: Int, reason: String?) = (1, nil)
        static let learningRate = Value.fitting.optimizer.learningRate
        static let weightDecay = Value.fitting.optimizer.weightDecay
        static let epochs = Value.fitting.epochs
        static let patience = Value.fitting.patience
        static let validationFraction = Value.fitting.validationFraction
    }

    @OptionGroup var fitOptions: FittingOptions<FitDefaults>

    @OptionGroup var seed: SeedOptions

    @OptionGroup var logs: LogOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var printConfig: PrintConfigOptions

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
        guard discount > 0, discount <= 1 else {
            throw ValidationError("--discount must be in (0, 1], got \(discount)")
        }
        guard hidden > 0, hidden <= 4096 else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") }
        guard depth >= 0, depth <= 16 else { throw ValidationError("--depth must be in 0...16, got \(depth)") }
        try fitOptions.check()
    }

    var fitting: ValueFitting {
        var f = ValueFitting()
        f.batchSize = fitOptions.batchSize
        f.optimizer = AdamConfiguration(learningRate: fitOptions.lr, weightDecay: fitOptions.weightDecay)
        f.epochs = fitOptions.epochs
        f.patience = fitOptions.patience
        f.validationFraction = fitOptions.valFraction
        f.seed = seed.seed
        return f
    }

    /// The value file's `config`: the data, the statistics, the discount, the network and the fit.
    var config: JSONValue {
        var members: [String: JSONValue] = [
            "data": .array(data.map { .string($0) }), "stats": .string(stats), "discount": .float(discount),
            "hidden": .int(hidden), "depth": .int(depth)
        ]
        members.merge(fitting.json) { $1 }
        return .object(members)
    }

    func run() throws {
        try Stage.run {
            if printConfig.requested { return Stage.printConfig(config) }
            let destination = try AtomicOutput(target: output.out, inputs: data + [stats])
            try OpenBLASMemory.prepare(concurrentCallers: 1)
            let (datasets, statistics) = try TrainingData.read(data, stats: stats)
            try MemoryBudget.check(
                ValueFunction.fittingBytes(
                    ValueFunction.configuration(
                        observationSize: statistics.observationSize, hidden: hidden, depth: depth),
                    rows: datasets.reduce(0) { $0 + $1.count }, batchSize: fitOptions.batchSize),
                for: "--hidden \(hidden) × --depth \(depth) and --batch-size \(fitOptions.batchSize): the network, "
                    + "its optimizer and the data")
            let function = ValueFunction(
                stats: statistics, discount: discount, hidden: hidden, depth: depth, seed: seed.seed)
            let progress = ProgressReporter(stage: "value")
            // TensorBoard events and value.csv in --logdir: the losses per epoch.
            let log = try logs.writer(program: "value", columns: ["value/loss", "value/val_loss"])
            let result: ValueFitting.Result
            do {
                result = try function.fit(datasets, fitting) { epoch, loss, validation in
                    try log?.write(
                        step: epoch,
                        scalars: ["value/loss": loss].merging(validation.map { ["value/val_loss": $0] } ?? [:]) { $1 })
                    progress.milestone(
                        String(
                            format: "epoch %d/%d  loss %.5f  val_loss %.5f", epoch, fitOptions.epochs, loss,
                            validation ?? .nan))
                }
            } catch let failure as ValueFitting.Failure {
                throw StageError("\(data.joined(separator: ", ")): \(failure)")
            }
            log?.close()
            if let problem = function.stateDictProblem {
                throw StageError("\(output.out): not written: the trained \(problem)")
            }
            let provenance = try Provenance(
                format: ValueFunction.fileFormat, seed: seed.seed, command: Stage.commandLine, config: config,
                inputPaths: data + [stats])
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try function.write(to: root, env: datasets[0].env)
                let training = try root.createGroup("training")
                try training.write(result.trainLossCurve, shape: [result.trainLossCurve.count], to: "train_loss")
                try training.write(
                    result.validationLossCurve, shape: [result.validationLossCurve.count], to: "val_loss")
                try root.setAttribute("best_epoch", result.bestEpoch)
                try root.setAttribute("training_rows", result.trainingRows)
                try root.setAttribute("validation_rows", result.validationRows)
            }
            progress.milestone(
                String(
                    format: "wrote %@ (best epoch %d of %d, val_loss %.5f; returns %.1f ± %.1f over %d rows)",
                    output.out, result.bestEpoch, result.epochsRun,
                    result.validationLossCurve[result.bestEpoch - 1], function.returnMean, function.returnStd,
                    result.trainingRows))
        }
    }
}
