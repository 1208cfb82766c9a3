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

    /// Defaults shown and used; they live in `ModelFitting` and `MLPConfiguration`.
    private static let fitting = ModelFitting()
    private static let network = MLPConfiguration(inputSize: 1, outputSize: 1)

    @Option(help: "Width of each hidden layer.")
    var hidden = Train.network.hidden

    @Option(help: "Number of hidden Linear-BatchNorm-ReLU blocks.")
    var depth = Train.network.depth

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Batch normalization after each hidden Linear layer (default: on for the "
                + "single network; ensembles have none)."))
    var batchNorm: Bool?

    @Option(
        help: ArgumentHelp(
            "Ensemble members B (PETS uses 5); 1 with a deterministic ReLU network is the single "
                + "network of mbrl.model/2.", valueName: "B"))
    var members = 1

    @Flag(
        help: ArgumentHelp(
            "The members' output: a Gaussian (mean and log-variance, NLL training) or a deterministic mean "
                + "(MSE). Default: deterministic for one member, Gaussian for more."))
    var outputKind: ModelOutputKind?

    @Option(
        help: ArgumentHelp(
            "Hidden activation: relu (the notebook's) or silu (PETS's). Default: relu for the "
                + "single network, silu for an ensemble.", valueName: "name"))
    var activation: Activation?

    @Option(
        help: ArgumentHelp(
            "Elite members kept for planning, the best by validation error (default: all "
                + "members).", valueName: "n"))
    var eliteMembers: Int?

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
        guard hidden > 0, hidden <= 4096 else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") }
        guard depth >= 0, depth <= 16 else { throw ValidationError("--depth must be in 0...16, got \(depth)") }
        try fitOptions.check()
        guard beta1 >= 0, beta1 < 1 else { throw ValidationError("--beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0, beta2 < 1 else { throw ValidationError("--beta2 must be in [0, 1), got \(beta2)") }
        if let threads, threads != 1 && threads != 2 {
            throw ValidationError("--threads must be 1 or 2, got \(threads)")
        }
        guard members >= 1, members <= 64 else { throw ValidationError("--members must be in 1...64, got \(members)") }
        if isEnsemble {
            guard depth >= 1 else {
                throw ValidationError(
                    "--depth must be at least 1 for an ensemble (mbrl-lib's "
                        + "GaussianMLP), got \(depth)")
            }
            guard batchNorm != true else {
                throw ValidationError(
                    "--batch-norm is only for the single deterministic "
                        + "ReLU network; ensemble members have no batch norm")
            }
            guard newDataFraction == nil else {
                throw ValidationError(
                    "--new-data-fraction is not supported for "
                        + "ensembles (their rows are pooled and bootstrapped)")
            }
            if let e = eliteMembers, e < 1 || e > members {
                throw ValidationError(
                    "--elite-members must be in "
                        + "1...\(members), got \(e)")
            }
        } else if eliteMembers != nil {
            throw ValidationError("--elite-members needs an ensemble (--members > 1, --gaussian or --activation silu)")
        }
        if let f = newDataFraction {
            guard f > 0, f < 1 else { throw ValidationError("--new-data-fraction must be in (0, 1), got \(f)") }
            guard data.count > 1 else { throw ValidationError("--new-data-fraction needs a second --data file") }
        }
    }

    /// What the options build: the single network or a PETS ensemble (the kind follows from them).
    var architecture: ModelArchitecture {
        ModelArchitecture(
            hidden: hidden, depth: depth, batchNorm: batchNorm, members: members,
            gaussian: outputKind.map { $0 == .gaussian }, activation: activation)
    }
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
        f.elites = isEnsemble ? eliteMembers ?? members : nil
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

    /// The threads a training step may run on before anything is read, with OpenBLAS prepared for
    /// them (`OpenBLASMemory.prepare`): `--threads`, or by default 2 where the machine has two cores or
    /// more and the address space (`ulimit -v`) holds a second thread's BLAS buffers, else 1.
    func prepareThreads() throws -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let count = threads ?? min(2, cores, OpenBLASMemory.threadsThatFit ?? 2)
        try OpenBLASMemory.prepare(concurrentCallers: count)
        return count
    }

    /// The model to train on `stats`, built only after the memory it and its training buffers for
    /// `rows` rows of data take is known to fit beside the BLAS buffers of `threads` threads (else
    /// `MemoryError`, one line naming the options): the run's check before it trains, which
    /// `--print-config` makes too, so both refuse the same settings. Returns the model and the threads
    /// the run trains on: `threads`, or 1 when the count is the default and the model fits beside one
    /// thread's BLAS buffers but not two.
    func prepareModel(
        stats: NormalizationStats, rows: Int, threads count: Int
    ) throws -> (model: any TrainableModel, threads: Int) {
        var count = count
        try withinMemory(threads: &count) {
            let shape = "--hidden \(hidden) × --depth \(depth)" + (isEnsemble ? " × --members \(members)" : "")
            try MemoryBudget.check(
                architecture.trainingParameterBytes(stats: stats),
                for: shape + ": the parameters, their gradients, Adam's moments and the best weights")
        }
        let model = architecture.make(stats: stats, seed: seed.seed)
        try withinMemory(threads: &count) {
            let bufferRows = model.trainingBufferRows(fitting, rows: rows)
            try MemoryBudget.check(
                model.trainingBytes(bufferRows: bufferRows),
                for: isEnsemble
                    ? "--batch-size \(fitOptions.batchSize) × --members \(members): the training buffers"
                    : "--batch-size \(fitOptions.batchSize): the training buffers of \(bufferRows) rows")
        }
        return (model, count)
    }

    /// Runs the memory check `check`; with the default thread count, when it fails beside two threads'
    /// BLAS buffers, gives the second thread's back (`OpenBLASMemory.release`) and checks again, on 1.
    private func withinMemory(threads count: inout Int, _ check: () throws -> Void) throws {
        do {
            try check()
        } catch is MemoryError where threads == nil && count > 1 {
            OpenBLASMemory.release(toConcurrentCallers: 1)
            count = 1
            try check()
        }
    }

    /// The rows `--print-config` checks the training buffers for: those of the --data files, from their
    /// shapes alone, or, when one of them does not exist (the config only names it), --batch-size rows,
    /// the most the buffers ever hold.
    func printConfigRows() throws -> Int {
        guard data.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else {
            return fitOptions.batchSize
        }
        return try data.reduce(0) { $0 + (try Transitions.readRowCount(from: $1)) }
    }

    /// The line that ends a run: the file written and the model kept, an ensemble's elites and their
    /// validation MSE (nan without validation), or the single network's best epoch and its validation
    /// loss (its training loss without validation), and the threads it trained on.
    func summary(of result: ModelFitting.Result, threads: Int) -> String {
        let threadCount = threads == 1 ? "1 thread" : "\(threads) threads"
        return isEnsemble
            ? String(
                format: "wrote %@ (elites %@, val_mse %.5f; %@)", output.out,
                result.elites.map(String.init).joined(separator: ","), result.validationLoss ?? .nan, threadCount)
            : String(
                format: "wrote %@ (best epoch %d, val_loss %.5f; %@)", output.out, result.bestEpoch,
                result.validationLoss ?? result.trainLoss, threadCount)
    }

    /// The model file's `config`: every fitting setting, `model`'s architecture and the input files.
    func config(of model: any TrainableModel) -> JSONValue {
        fitting.config(of: model, data: data, stats: stats, initialModel: initialModel)
    }

    /// The transitions and the statistics, checked to fit together.
    func readData() throws -> ([Transitions], NormalizationStats) {
        let datasets = try data.map { try Transitions.read(from: $0) }
        let statistics = try NormalizationStats.read(fromFile: stats)
        for (path, t) in zip(data, datasets) {
            try statistics.checkCompatible(
                observationSize: t.observationSize, actionSize: t.actionSize, path: stats, with: path)
            guard t.env == datasets[0].env else {
                throw StageError("\(path): holds \(t.env) data, but \(data[0]) holds \(datasets[0].env)")
            }
            if statistics.hasDeltaX && t.deltaXResiduals == nil {
                throw StageError(
                    "\(stats): statistics have Δx (delta_x_residual_mean), a MuJoCo task's target, "
                        + "but \(path) holds \(t.env) data")
            }
        }
        return (datasets, statistics)
    }

    /// The fit, logged per epoch to --logdir and the progress line; its failures as the stage's errors.
    func fit(
        _ model: any TrainableModel, _ fitting: ModelFitting, on datasets: [Transitions], progress: ProgressReporter
    ) throws -> ModelFitting.Result {
        let logs = try self.logs.writer(program: "train", columns: TrainingLog.columns)
        let result: ModelFitting.Result
        do {
            result = try fitting.fit(model, on: datasets) { epoch in
                try logs?.write(
                    step: epoch.epoch,
                    scalars: TrainingLog.scalars(
                        loss: epoch.trainLoss, valLoss: epoch.validationLoss, lr: fitOptions.lr,
                        samplesPerSecond: epoch.samplesPerSecond))
                progress.milestone(
                    String(
                        format: "epoch %d/%d  loss %.5f  %@ %.5f  %.0f samples/s  %.0fs left", epoch.epoch,
                        fitOptions.epochs,
                        epoch.trainLoss,
                        isEnsemble ? "val_mse" : "val_loss",
                        epoch.validationLoss ?? (isEnsemble ? .nan : epoch.trainLoss),
                        epoch.samplesPerSecond, epoch.secondsLeft))
            }
        } catch let failure as ModelFitting.Failure {
            switch failure {
            case .tooFewOlderRows(let n):
                throw StageError(
                    "\(data[0]): too few training transitions (\(n)) for the "
                        + "older pool of --new-data-fraction")
            case .noNewerRows:
                throw StageError(
                    "\(data[1]): no training transitions for the newer pool of "
                        + "--new-data-fraction")
            case .tooFewRows(let n): throw StageError("\(data[0]): too few transitions to train on (\(n))")
            case .diverged:
                throw StageError(
                    isEnsemble
                        ? "\(output.out): training diverged: a member's validation error was "
                            + "never finite (try a lower --lr)"
                        : "\(output.out): training diverged: the validation loss was never "
                            + "finite (try a lower --lr)")
            }
        }
        logs?.close()
        if result.stoppedEarly {
            progress.milestone(
                isEnsemble
                    ? "no member improved for \(fitOptions.patience) epochs: stopping after "
                        + "epoch \(result.epochsRun)"
                    : "no better validation loss for \(fitOptions.patience) epochs: stopping, keeping "
                        + "epoch \(result.bestEpoch)")
        }
        return result
    }
}

/// `--gaussian` or `--deterministic`.
enum ModelOutputKind: String, EnumerableFlag {
    case gaussian
    case deterministic

    static func help(for value: ModelOutputKind) -> ArgumentHelp? {
        value == .gaussian ? "Members predict a Gaussian (PETS)." : "Members predict a mean only."
    }
}

extension Activation: ExpressibleByArgument {}

/// The scalars logged once per epoch, with TensorBoard's grouped names.
enum TrainingLog {
    static let columns = ["train/loss", "train/val_loss", "train/lr", "charts/samples_per_s"]

    static func scalars(loss: Double, valLoss: Double?, lr: Float, samplesPerSecond: Double) -> [String: Double] {
        var s = ["train/loss": loss, "train/lr": Double(lr), "charts/samples_per_s": samplesPerSecond]
        if let valLoss { s["train/val_loss"] = valLoss }
        return s
    }
}
