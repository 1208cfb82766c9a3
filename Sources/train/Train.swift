import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLModels

/// Step 2 of the notebook: fit the dynamics model P(s, a) → normalized Δs with Adam on MSE. Several
/// --data files are the paper's aggregation (random data, then on-policy rollouts).
@main
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the dynamics network on transitions (MSE on the normalized state change, Adam).",
        discussion: """
            Validation holds out whole episodes of every --data file (seeded); a pooled minibatch holds at \
            most the training rows there are. Training stops early when \
            the validation loss has not improved for --patience epochs and keeps the best weights. \
            Logs go to --logdir as TensorBoard events and train.csv. --print-config reads --stats (the \
            model whose settings it prints is built on it) and the row counts of the --data files, not \
            their values or --init: it refuses, as the run does, training buffers too large for the \
            memory the run may use (the buffers of --batch-size rows when a --data file does not exist).
            """)

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Transitions files; files after the first are newer "
                + "(on-policy) data.", valueName: "file"))
    var data: [String]

    @Option(help: ArgumentHelp("Normalization statistics (from `stats`).", valueName: "file"))
    var stats: String

    @OptionGroup var output: OutputOptions

    /// Defaults shown and used; they live in `ModelFitting`.
    private static let fitting = ModelFitting()

    @OptionGroup var architectureOptions: ArchitectureOptions

    /// `ModelFitting`'s defaults; the minibatch needs two rows for batch norm.
    enum FitDefaults: FittingDefaults {
        static let batchSize = Train.fitting.batchSize
        static let minimumBatchSize: (rows: Int, reason: String?) = (2, "batch norm needs two rows")
        static let learningRate = Train.fitting.optimizer.learningRate
        static let weightDecay = Train.fitting.optimizer.weightDecay
        static let epochs = Train.fitting.epochs
        static let patience = Train.fitting.patience
        static let validationFraction = Train.fitting.validationFraction
    }

    @OptionGroup var fitOptions: FittingOptions<FitDefaults>

    @Option(help: "Adam β₁.")
    var beta1 = Train.fitting.optimizer.beta1

    @Option(help: "Adam β₂.")
    var beta2 = Train.fitting.optimizer.beta2

    @Option(
        help: ArgumentHelp(
            "Share of each minibatch drawn from the files after the first (the paper uses 0.9); "
                + "default: rows are pooled.", valueName: "fraction"))
    var newDataFraction: Double?

    @Option(
        help: ArgumentHelp(
            "The single network: Gaussian noise of this standard deviation on each training input's "
                + "observation (in units of each component's standard deviation), its state-change target "
                + "corrected by the same noise, so the network learns to bring a perturbed state back to the "
                + "recorded next one, as open-loop predictions need (default: none).", valueName: "σ"))
    var inputNoise: Float?

    @Option(
        help: ArgumentHelp(
            "The single network: after the fit, fit again from its best weights on the training rows plus its "
                + "own open-loop predictions of them, each predicted state (at 1 to k − 1 steps from every k-th "
                + "row, with the recorded actions) given the target that leads back to the recorded next state, "
                + "so the network learns to correct the errors open-loop planning feeds it (default: one fit).",
            valueName: "k"))
    var correctionHorizon: Int?

    @OptionGroup var seed: SeedOptions

    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            "Start from the weights of this model file (same "
                + "architecture).", valueName: "file"))
    var initialModel: String?

    @Option(
        help: ArgumentHelp(
            "Threads a training step runs on: 1, or 2 (each layer's two gradient products, an ensemble's "
                + "members and the Adam update split between them); the model file is the same, bit for bit; "
                + "speed only, not recorded (default: 2 on a machine with two cores or more, 1 under a "
                + "ulimit -v too small for two threads' BLAS buffers).", valueName: "n"))
    var threads: Int?

    @OptionGroup var logs: LogOptions

    @OptionGroup var printConfig: PrintConfigOptions

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
        try fitOptions.check()
        guard beta1 >= 0, beta1 < 1 else { throw ValidationError("--beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0, beta2 < 1 else { throw ValidationError("--beta2 must be in [0, 1), got \(beta2)") }
        if let threads, threads != 1 && threads != 2 {
            throw ValidationError("--threads must be 1 or 2, got \(threads)")
        }
        if isEnsemble, newDataFraction != nil {
            throw ValidationError(
                "--new-data-fraction is not supported for "
                    + "ensembles (their rows are pooled and bootstrapped)")
        }
        if let noise = inputNoise {
            guard noise > 0, noise <= 10 else {
                throw ValidationError("--input-noise must be in (0, 10], got \(noise)")
            }
            guard !isEnsemble else {
                throw ValidationError("--input-noise is for the single network; ensemble members train without it")
            }
        }
        if let k = correctionHorizon {
            guard k >= 2, k <= 1000 else {
                throw ValidationError("--correction-horizon must be in 2...1000, got \(k)")
            }
            guard !isEnsemble else {
                throw ValidationError(
                    "--correction-horizon is for the single network; ensemble members train without it")
            }
        }
        if let f = newDataFraction {
            guard f > 0, f < 1 else { throw ValidationError("--new-data-fraction must be in (0, 1), got \(f)") }
            guard data.count > 1 else { throw ValidationError("--new-data-fraction needs a second --data file") }
        }
    }

    /// What the options build: the single network or a PETS ensemble (the kind follows from them).
    var architecture: ModelArchitecture { architectureOptions.architecture }
    var isEnsemble: Bool { architecture.isEnsemble }

    /// How the model is fitted: the options' values (the elites for an ensemble only); the threads are
    /// the run's (`prepareThreads`, `prepareModel`), which the file does not record.
    var fitting: ModelFitting {
        var f = ModelFitting()
        f.batchSize = fitOptions.batchSize
        f.optimizer = AdamConfiguration(
            learningRate: fitOptions.lr, beta1: beta1, beta2: beta2, weightDecay: fitOptions.weightDecay)
        f.epochs = fitOptions.epochs
        f.patience = fitOptions.patience
        f.validationFraction = fitOptions.valFraction
        f.newDataFraction = newDataFraction
        f.inputNoise = inputNoise
        f.correctionHorizon = correctionHorizon
        f.elites = isEnsemble ? architectureOptions.eliteMembers ?? architectureOptions.members : nil
        f.seed = seed.seed
        return f
    }

    /// Every input file: the data, the statistics, the model started from.
    var inputs: [String] { data + [stats] + (initialModel.map { [$0] } ?? []) }

    func run() throws {
        try Stage.run {
            if printConfig.requested {
                // The run's refusals first (the BLAS buffers, the model's and the training buffers'
                // memory), then its config.
                let (model, _) = try prepareModel(
                    stats: try NormalizationStats.read(fromFile: stats), rows: try printConfigRows(),
                    threads: try prepareThreads())
                return Stage.printConfig(config(of: model))
            }
            let destination = try AtomicOutput(target: output.out, inputs: inputs)
            // Small matrices: BLAS single-threaded (its own threads would change the sums' order), called
            // from the training threads; their work buffers fit the address space (checked now).
            let preparedThreads = try prepareThreads()
            let progress = ProgressReporter(stage: "train")
            let (datasets, statistics) = try readData()
            let (model, threads) = try prepareModel(
                stats: statistics, rows: datasets.reduce(0) { $0 + $1.count }, threads: preparedThreads)
            if let initialModel { try model.loadWeights(fromFile: initialModel) }
            var fitting = self.fitting
            fitting.threads = threads
            let result = try fit(model, fitting, on: datasets, progress: progress)

            // The model its readers would refuse is an error, not a file (the same check as theirs).
            if let problem = model.stateDictProblem {
                throw StageError(
                    "\(output.out): not written: the trained \(problem) (a training value or an --init "
                        + "weight too large for Float32?)")
            }
            let provenance = try Provenance(
                format: model.fileFormatVersion, seed: seed.seed, command: Stage.commandLine,
                config: config(of: model), inputPaths: inputs)
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try model.write(to: root, env: datasets[0].env)
                try model.writeTraining(result, to: root)
            }
            progress.milestone(summary(of: result, threads: fitting.threads))
        }
    }
}

/// The scalars logged once per epoch, with TensorBoard's grouped names.
enum TrainingLog {
    static let columns = ["train/loss", "train/val_loss", "train/lr", "charts/samples_per_s"]

    static func scalars(loss: Double, valLoss: Double?, lr: Float, samplesPerSecond: Double) -> [String: Double] {
        var s = ["train/loss": loss, "train/lr": Double(lr), "charts/samples_per_s": samplesPerSecond]
        if let valLoss { s["train/val_loss"] = valLoss }
        return s
    }
}
