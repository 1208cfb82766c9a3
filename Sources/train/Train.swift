import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

/// Step 2 of the notebook: fit the dynamics model P(s, a) → normalized Δs with Adam on MSE. Several
/// --data files are the paper's aggregation (random data, then on-policy rollouts).
@main
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the dynamics network on transitions (MSE on the normalized state change, Adam).",
        discussion: """
            Validation holds out whole episodes of every --data file (seeded). Training stops early when \
            the validation loss has not improved for --patience epochs and keeps the best weights. \
            Logs go to --logdir as TensorBoard events and train.csv.
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Transitions files; files after the first are newer (on-policy) data.", valueName: "file"))
    var data: [String]

    @Option(help: ArgumentHelp("Normalization statistics (from `stats`).", valueName: "file"))
    var stats: String

    @OptionGroup var output: OutputOptions

    @Option(help: "Width of each hidden layer.")
    var hidden = 64

    @Option(help: "Number of hidden Linear-BatchNorm-ReLU blocks.")
    var depth = 2

    @Flag(inversion: .prefixedNo, help: "Batch normalization after each hidden Linear layer.")
    var batchNorm = true

    @Option(help: "Minibatch size.")
    var batchSize = 128

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Adam β₁.")
    var beta1: Float = 0.9

    @Option(help: "Adam β₂.")
    var beta2: Float = 0.999

    @Option(help: "L2 weight decay added to the gradient (PyTorch Adam's weight_decay).")
    var weightDecay: Float = 0

    @Option(help: "Maximum number of epochs (passes over the training rows).")
    var epochs = 100

    @Option(help: "Share of each file's episodes held out for validation (0 disables early stopping).")
    var valFraction = 0.1

    @Option(help: "Stop after this many epochs without a better validation loss.")
    var patience = 15

    @Option(help: ArgumentHelp("Share of each minibatch drawn from the files after the first (the paper uses 0.9); default: rows are pooled.", valueName: "fraction"))
    var newDataFraction: Double?

    @OptionGroup var seed: SeedOptions

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from the weights of this model file (same architecture).", valueName: "file"))
    var initialModel: String?

    @Option(help: ArgumentHelp("Folder for TensorBoard events and train.csv (earlier events there are replaced).", valueName: "dir"))
    var logdir: String?

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
        guard hidden > 0, hidden <= 4096 else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") }
        guard depth >= 0, depth <= 16 else { throw ValidationError("--depth must be in 0...16, got \(depth)") }
        guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2 (batch norm needs two rows), got \(batchSize)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive, got \(lr)") }
        guard beta1 >= 0, beta1 < 1 else { throw ValidationError("--beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0, beta2 < 1 else { throw ValidationError("--beta2 must be in [0, 1), got \(beta2)") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard valFraction >= 0, valFraction < 1 else { throw ValidationError("--val-fraction must be in [0, 1), got \(valFraction)") }
        guard patience > 0 else { throw ValidationError("--patience must be at least 1, got \(patience)") }
        if let f = newDataFraction {
            guard f > 0, f < 1 else { throw ValidationError("--new-data-fraction must be in (0, 1), got \(f)") }
            guard data.count > 1 else { throw ValidationError("--new-data-fraction needs a second --data file") }
        }
    }

    func run() throws {
        try Stage.run {
            let destination = try Stage.prepareOutput(output.out, inputs: data + [stats] + (initialModel.map { [$0] } ?? []))
            // Small matrices: one BLAS thread is fastest, and it makes the sums' order fixed.
            BLAS.threads = 1
            let progress = ProgressReporter(stage: "train")

            // Data, statistics, and the model to start from.
            let datasets = try data.map { try Transitions.read(from: $0) }
            let statistics = try NormalizationStats.read(fromFile: stats)
            for (path, t) in zip(data, datasets) {
                try statistics.checkCompatible(observationSize: t.observationSize, actionSize: t.actionSize, path: stats, with: path)
                guard t.env == datasets[0].env else {
                    throw StageError("\(path): holds \(t.env) data, but \(data[0]) holds \(datasets[0].env)")
                }
            }
            let model = DynamicsModel(stats: statistics, hidden: hidden, depth: depth, batchNorm: batchNorm, seed: seed.seed)
            if let initialModel {
                let (start, _) = try DynamicsModel.read(fromFile: initialModel)
                guard start.config == model.config else {
                    throw StageError("\(initialModel): model is \(start.config), but this training builds \(model.config)")
                }
                model.load(from: start)
            }

            // Episode-wise validation split of every file; training rows pooled or in two pools.
            var splitRNG = RandomGenerator(seed: seed.seed, stream: RandomStreams.validationSplit)
            // A pooled minibatch never holds more rows than there are (as PyTorch's DataLoader), so
            // a batch size beyond the data only sizes the buffers to the data; aggregated batches
            // always hold --batch-size rows. Either way the buffers must fit in memory.
            let totalRows = datasets.reduce(0) { $0 + $1.count }
            let bufferRows = newDataFraction == nil ? min(batchSize, max(totalRows, 2)) : batchSize
            try MemoryBudget.check(model.config.trainingBytes(rows: bufferRows), for: "--batch-size \(batchSize): the training buffers of \(bufferRows) rows")
            let trainer = ModelTrainer(model: model, batchSize: bufferRows, optimizer: AdamConfiguration(
                learningRate: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay))
            var pools = [ModelTrainer.Examples.empty]
            if newDataFraction != nil { pools.append(.empty) }
            var validation = ModelTrainer.Examples.empty
            for (index, t) in datasets.enumerated() {
                let split = EpisodeSplit(t, validationFraction: valFraction, rng: &splitRNG)
                pools[newDataFraction != nil && index > 0 ? 1 : 0].append(trainer.examples(from: t, rows: split.trainingRows))
                validation.append(trainer.examples(from: t, rows: split.validationRows))
            }
            if newDataFraction != nil {
                guard pools[0].count >= 2 else { throw StageError("\(data[0]): too few training transitions (\(pools[0].count)) for the older pool of --new-data-fraction") }
                guard pools[1].count >= 1 else { throw StageError("\(data[1]): no training transitions for the newer pool of --new-data-fraction") }
            }
            let trainingCount = pools.reduce(0) { $0 + $1.count }
            guard trainingCount >= 2 else { throw StageError("\(data[0]): too few transitions to train on (\(trainingCount))") }

            // The loop: epochs of shuffled minibatches, validation, early stopping on the best weights.
            let logs = try logdir.map { try TensorBoardWriter(directory: $0, csvName: "train.csv", columns: TrainingLog.columns) }
            var batchRNG = RandomGenerator(seed: seed.seed, stream: RandomStreams.minibatches)
            var schedule = MinibatchSchedule(pools: pools.map(\.count), batchSize: batchSize, newDataFraction: newDataFraction)
            var best = (loss: Double.infinity, epoch: 0, trainLoss: Double.nan, model: model.copy())
            var samplesSeen = 0, epochsRun = 0
            let started = Date()
            for epoch in 1...epochs {
                let epochStart = Date()
                var lossSum = 0.0, batches = 0
                for batch in schedule.epoch(using: &batchRNG) {
                    // A pooled batch has one row list; an aggregated one has one per pool.
                    let loss = batch.count == 1
                        ? trainer.step(on: pools[0], rows: batch[0][...])
                        : trainer.step(on: pools[0], rows: batch[0][...], and: pools[1], rows: batch[1][...])
                    lossSum += loss
                    batches += 1
                    samplesSeen += batch.reduce(0) { $0 + $1.count }
                }
                epochsRun = epoch
                let trainLoss = lossSum / Double(max(batches, 1))
                let valLoss = validation.count > 0 ? trainer.loss(on: validation) : trainLoss
                let rate = Double(schedule.samplesPerEpoch) / max(Date().timeIntervalSince(epochStart), 1e-9)
                try logs?.write(step: epoch, scalars: TrainingLog.scalars(loss: trainLoss, valLoss: validation.count > 0 ? valLoss : nil, lr: lr, samplesPerSecond: rate))
                if valLoss < best.loss {
                    best = (valLoss, epoch, trainLoss, best.model)
                    best.model.load(from: model)
                }
                let left = Date().timeIntervalSince(started) / Double(epoch) * Double(epochs - epoch)
                progress.milestone(String(format: "epoch %d/%d  loss %.5f  val_loss %.5f  %.0f samples/s  %.0fs left", epoch, epochs, trainLoss, valLoss, rate, left))
                if validation.count > 0 && epoch - best.epoch >= patience {
                    progress.milestone("no better validation loss for \(patience) epochs: stopping, keeping epoch \(best.epoch)")
                    break
                }
            }
            logs?.close()
            guard best.epoch > 0 else {
                throw StageError("\(output.out): training diverged: the validation loss was never finite (try a lower --lr)")
            }
            model.load(from: best.model)

            // The model file: state_dict datasets, stats, architecture and training attributes.
            let config: JSONValue = [
                "data": .array(data.map { .string($0) }), "stats": .string(stats), "hidden": .int(hidden), "depth": .int(depth),
                "batch_norm": .bool(batchNorm), "batch_size": .int(batchSize), "lr": .float(lr),
                "beta1": .float(beta1), "beta2": .float(beta2), "weight_decay": .float(weightDecay),
                "epochs": .int(epochs), "val_fraction": .double(valFraction), "patience": .int(patience),
                "new_data_fraction": newDataFraction.map { .double($0) } ?? .null, "seed": .int(Int(truncatingIfNeeded: seed.seed)),
                "init": initialModel.map { .string($0) } ?? .null,
            ]
            let provenance = try Provenance(format: FileFormat.model.rawValue, seed: seed.seed, command: Stage.commandLine,
                                            config: config, inputPaths: data + [stats] + (initialModel.map { [$0] } ?? []))
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try model.write(to: root, env: datasets[0].env)
                try root.setAttribute("train_loss", best.trainLoss)
                try root.setAttribute("val_loss", validation.count > 0 ? best.loss : Double.nan)
                try root.setAttribute("epochs_run", epochsRun)
                try root.setAttribute("best_epoch", best.epoch)
                try root.setAttribute("samples_seen", samplesSeen)
                try root.setAttribute("training_rows", trainingCount)
                try root.setAttribute("validation_rows", validation.count)
            }
            progress.milestone(String(format: "wrote %@ (best epoch %d, val_loss %.5f)", output.out, best.epoch, best.loss))
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
