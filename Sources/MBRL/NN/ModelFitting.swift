import Foundation

/// How a dynamics model is fitted to transitions, and the fit itself: the one training loop of the
/// project, used by `train`, the tests and the bench.
///
/// Each transitions set is split by whole episodes into training and validation rows (seeded). The
/// training rows are pooled, or with `newDataFraction` kept in two pools (the first set; the newer
/// ones) from which every minibatch takes its share (the paper's aggregation). Each epoch is one pass
/// of shuffled minibatches (`MinibatchSchedule`) with Adam on the MSE of the normalized state change;
/// after it the validation loss is measured, and the weights of the epoch with the lowest validation
/// loss are kept. Training stops early after `patience` epochs without a better validation loss.
/// Without validation rows the training loss takes its place and training runs every epoch.
public struct ModelFitting: Equatable {
    /// Minibatch rows; a pooled minibatch holds at most the rows there are.
    public var batchSize = 128
    public var optimizer = AdamConfiguration()
    /// Epochs at most.
    public var epochs = 100
    /// Epochs without a better validation loss before stopping.
    public var patience = 15
    /// Share of each set's episodes held out for validation, in [0, 1).
    public var validationFraction = 0.1
    /// Share of each minibatch from the sets after the first, in (0, 1), or nil: rows are pooled.
    public var newDataFraction: Double?
    /// Seeds the validation split and the minibatch order.
    public var seed: UInt64 = 0

    public init() {}

    /// What one epoch did, for logs.
    public struct Epoch {
        /// 1-based.
        public var epoch: Int
        /// Mean minibatch loss of the epoch.
        public var trainLoss: Double
        /// Loss on the validation rows, nil without validation.
        public var validationLoss: Double?
        /// Training rows per second of wall-clock time in this epoch.
        public var samplesPerSecond: Double
        /// Estimated seconds until `epochs` epochs would be done.
        public var secondsLeft: Double
    }

    /// The outcome of a fit: the model holds the weights of `bestEpoch`.
    public struct Result {
        public var bestEpoch: Int
        public var epochsRun: Int
        /// Whether training stopped before `epochs` for lack of progress.
        public var stoppedEarly: Bool
        /// The training loss of the best epoch.
        public var trainLoss: Double
        /// The validation loss of the best epoch, nil without validation.
        public var validationLoss: Double?
        public var samplesSeen: Int
        public var trainingRows: Int
        public var validationRows: Int
        /// Per epoch run: the training loss, and the validation loss (NaN without validation).
        public var trainLossCurve: [Double]
        public var validationLossCurve: [Double]
    }

    /// Why a fit could not run or produced no model; `dataset` indexes the sets given to `fit`.
    public enum Failure: Error, Equatable {
        /// The first set has fewer than two training rows for the older pool.
        case tooFewOlderRows(Int)
        /// The newer sets have no training row for the newer pool.
        case noNewerRows
        /// Fewer than two training rows in all.
        case tooFewRows(Int)
        /// The validation loss was never finite.
        case diverged
    }

    /// Rows the minibatch buffers hold for `rows` rows of data: a pooled batch never holds more rows
    /// than there are (as PyTorch's DataLoader), an aggregated one always holds `batchSize` rows.
    public func bufferRows(forRows rows: Int) -> Int {
        newDataFraction == nil ? min(batchSize, max(rows, 2)) : batchSize
    }

    /// Every setting, for the `config` attribute of a model file.
    public var json: [String: JSONValue] {
        ["batch_size": .int(batchSize), "lr": .float(optimizer.learningRate), "beta1": .float(optimizer.beta1),
         "beta2": .float(optimizer.beta2), "weight_decay": .float(optimizer.weightDecay), "epochs": .int(epochs),
         "val_fraction": .double(validationFraction), "patience": .int(patience),
         "new_data_fraction": newDataFraction.map { .double($0) } ?? .null, "seed": .int(Int(truncatingIfNeeded: seed))]
    }

    /// Fits `model` (whose statistics normalize the data) on `datasets`, calling `onEpoch` after every
    /// epoch (an error it throws ends the fit), and leaves the best epoch's weights in `model`.
    public func fit(_ model: DynamicsModel, on datasets: [Transitions],
                    onEpoch: (Epoch) throws -> Void = { _ in }) throws -> Result {
        precondition(!datasets.isEmpty && batchSize >= 2 && epochs >= 1 && patience >= 1)
        let totalRows = datasets.reduce(0) { $0 + $1.count }
        let trainer = ModelTrainer(model: model, batchSize: bufferRows(forRows: totalRows), optimizer: optimizer)

        // Episode-wise validation split of every set; training rows pooled or in two pools.
        var splitRNG = RandomGenerator(seed: seed, stream: RandomStreams.validationSplit)
        var pools = [ModelTrainer.Examples.empty]
        if newDataFraction != nil { pools.append(.empty) }
        var validation = ModelTrainer.Examples.empty
        for (index, data) in datasets.enumerated() {
            let split = EpisodeSplit(data, validationFraction: validationFraction, rng: &splitRNG)
            pools[newDataFraction != nil && index > 0 ? 1 : 0].append(trainer.examples(from: data, rows: split.trainingRows))
            validation.append(trainer.examples(from: data, rows: split.validationRows))
        }
        if newDataFraction != nil {
            guard pools[0].count >= 2 else { throw Failure.tooFewOlderRows(pools[0].count) }
            guard pools[1].count >= 1 else { throw Failure.noNewerRows }
        }
        let trainingRows = pools.reduce(0) { $0 + $1.count }
        guard trainingRows >= 2 else { throw Failure.tooFewRows(trainingRows) }

        // Epochs of shuffled minibatches, validation, early stopping on the best weights.
        var batchRNG = RandomGenerator(seed: seed, stream: RandomStreams.minibatches)
        var schedule = MinibatchSchedule(pools: pools.map(\.count), batchSize: batchSize, newDataFraction: newDataFraction)
        var best = (loss: Double.infinity, epoch: 0, trainLoss: Double.nan, model: model.copy())
        var result = Result(bestEpoch: 0, epochsRun: 0, stoppedEarly: false, trainLoss: .nan, validationLoss: nil, samplesSeen: 0,
                            trainingRows: trainingRows, validationRows: validation.count, trainLossCurve: [], validationLossCurve: [])
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
                result.samplesSeen += batch.reduce(0) { $0 + $1.count }
            }
            result.epochsRun = epoch
            let trainLoss = lossSum / Double(max(batches, 1))
            let validationLoss = validation.count > 0 ? trainer.loss(on: validation) : nil
            result.trainLossCurve.append(trainLoss)
            result.validationLossCurve.append(validationLoss ?? .nan)
            let selectionLoss = validationLoss ?? trainLoss
            if selectionLoss < best.loss {
                best = (selectionLoss, epoch, trainLoss, best.model)
                best.model.load(from: model)
            }
            let elapsed = Date().timeIntervalSince(started)
            try onEpoch(Epoch(epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                              samplesPerSecond: Double(schedule.samplesPerEpoch) / max(Date().timeIntervalSince(epochStart), 1e-9),
                              secondsLeft: elapsed / Double(epoch) * Double(epochs - epoch)))
            if validation.count > 0 && epoch - best.epoch >= patience {
                result.stoppedEarly = true
                break
            }
        }
        guard best.epoch > 0 else { throw Failure.diverged }
        model.load(from: best.model)
        result.bestEpoch = best.epoch
        result.trainLoss = best.trainLoss
        result.validationLoss = validation.count > 0 ? best.loss : nil
        return result
    }
}
