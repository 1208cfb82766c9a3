import Foundation
import MBRLCore
import MBRLData

/// How a dynamics model is fitted to transitions, and the fit itself: the one training loop of the
/// project, for the single network and the PETS ensemble alike (mbrl-lib's `ModelTrainer`), used by
/// `train`, the tests and the bench. The model's side of it, the minibatch steps of an epoch and how
/// each member is scored, is its `FittingSession` (`TrainableModel`); the single network is the
/// one-member case.
///
/// Each transitions set is split by whole episodes into training and validation rows (seeded). Each
/// epoch is one pass of minibatch steps with Adam (`FittingSession.trainEpoch`); after it every member
/// is scored on the validation rows (the single network: its validation loss; an ensemble member: the
/// MSE of its mean, mbrl-lib's validation score), and every member keeps the weights of its own best
/// epoch. Training stops early when no member improved for `patience` epochs. Without validation rows
/// each member's training score of the epoch takes the place of its validation score, and every epoch
/// runs. The `elites` members with the lowest score are the elites (the planner propagates them).
public struct ModelFitting: Equatable {
    /// Minibatch rows; a minibatch holds at most the training rows there are.
    public var batchSize = 128
    public var optimizer = AdamConfiguration()
    /// Epochs at most.
    public var epochs = 100
    /// Epochs without a better validation score of any member before stopping.
    public var patience = 15
    /// Share of each set's episodes held out for validation, in [0, 1).
    public var validationFraction = 0.1
    /// The single network: share of each minibatch from the sets after the first, in (0, 1), or nil:
    /// rows are pooled. Ensembles always pool (and bootstrap).
    public var newDataFraction: Double?
    /// Ensembles: the members kept as elites, in 1...members, or nil: all. Nil for the single network.
    public var elites: Int?
    /// The single network: the standard deviation σ of Gaussian noise added to each training input's
    /// observation, in units of each component's standard deviation (the inputs are normalized), with
    /// the state-change target corrected by the same noise, so the network learns to map a perturbed
    /// state back onto the recorded next state; nil: none. Open-loop predictions feed the network its
    /// own errors, which the recorded transitions never show it; the noise does (Sanchez-Gonzalez et
    /// al. 2020 trained their learned simulators' long rollouts this way). Drawn from a stream of its
    /// own, so the minibatches are those of the fit without it. The Δx target is not corrected: it is
    /// the recorded step's.
    public var inputNoise: Float?
    /// The single network: after the fit, a second fit from its best weights on the training rows
    /// plus the network's own open-loop corrections of them at depths 1 to `correctionHorizon` − 1
    /// (`DynamicsModel.openLoopCorrections`: each predicted state of the recorded actions, with the
    /// target that leads back to the recorded next state), scored on the validation rows plus theirs;
    /// nil: one fit. Open-loop planning feeds the network its own errors, which the recorded
    /// transitions never show it; these rows show it the errors it makes (Venkatraman et al. 2015,
    /// "data as demonstrator"). At least 2. The second fit has its own Adam state and runs at most
    /// `epochs` more epochs with the same patience; it keeps the first fit's weights when no epoch of
    /// its own scores better on the corrected validation rows.
    public var correctionHorizon: Int?
    /// Seeds the validation split, the minibatch order, an ensemble's bootstraps and the input noise.
    public var seed: UInt64 = 0
    /// Threads a training step runs on, 1 or 2 (`WorkerPair`); the fitted model is the same, bit for
    /// bit, either way, so it is not part of `json`.
    public var threads = 1

    public init() {}

    /// What one epoch did, for logs.
    public struct Epoch {
        /// 1-based, counted over the whole fit (the second fit's epochs follow the first's).
        public var epoch: Int
        /// The most epochs the fit runs: `epochs`, twice that with `correctionHorizon`.
        public var epochs: Int
        /// Whether the epoch belongs to the second fit, on the open-loop corrections.
        public var correcting: Bool
        /// Mean minibatch loss of the epoch (an ensemble's: per member).
        public var trainLoss: Double
        /// Mean over the members of their validation score, nil without validation.
        public var validationLoss: Double?
        /// Training rows (member rows for an ensemble) per second of wall-clock time in this epoch.
        public var samplesPerSecond: Double
        /// Estimated seconds until `epochs` epochs would be done, at the current fit's pace.
        public var secondsLeft: Double
    }

    /// The outcome of a fit: every member holds the weights of its best epoch.
    public struct Result {
        public var epochsRun: Int
        /// Whether training stopped before `epochs` for lack of progress.
        public var stoppedEarly: Bool
        /// Per member: the 1-based epoch whose weights it keeps, and its score there (its validation
        /// score, or its training score without validation).
        public var bestEpochs: [Int]
        public var memberLosses: [Double]
        /// The elite members, lowest score first ([0] for the single network).
        public var elites: [Int]
        /// Mean over the elites of their scores, nil without validation.
        public var validationLoss: Double?
        public var samplesSeen: Int
        public var trainingRows: Int
        public var validationRows: Int
        /// With `correctionHorizon`: the correction rows added to the training rows and to the
        /// validation rows, and the first epoch of the second fit; nil without.
        public var correctionRows: (training: Int, validation: Int, firstEpoch: Int)?
        /// Per epoch run: the training loss, and the mean validation score (NaN without validation).
        public var trainLossCurve: [Double]
        public var validationLossCurve: [Double]

        /// The latest epoch some member keeps (the single network's best epoch).
        public var bestEpoch: Int { bestEpochs.max() ?? 0 }
        /// The training loss of `bestEpoch`.
        public var trainLoss: Double { bestEpoch > 0 ? trainLossCurve[bestEpoch - 1] : .nan }
        /// The training loss of the last epoch run.
        public var lastTrainLoss: Double { trainLossCurve.last ?? .nan }
    }

    /// Why a fit could not run or produced no model.
    public enum Failure: Error, Equatable {
        /// The first set has fewer than two training rows for the older pool.
        case tooFewOlderRows(Int)
        /// The newer sets have no training row for the newer pool.
        case noNewerRows
        /// Fewer than two training rows in all.
        case tooFewRows(Int)
        /// Some member's validation score was never finite.
        case diverged
    }

    /// Rows the single network's minibatch buffers hold for `rows` rows of data: a pooled batch never
    /// holds more rows than there are (as PyTorch's DataLoader), an aggregated one always holds
    /// `batchSize` rows.
    public func bufferRows(forRows rows: Int) -> Int {
        newDataFraction == nil ? min(batchSize, max(rows, 2)) : batchSize
    }

    /// Bytes a fit of a model of `members` members holds for `rows` rows of data normalized with
    /// `stats`, beside the model and its minibatch buffers, or nil when the count overflows: the
    /// normalized examples (Float32 inputs and targets) and the session's pooled copy of them, and
    /// row indices: per row one for the validation split and, for the single network, three for the
    /// minibatch schedule (its pool order, an epoch's shuffle and its batches) or, for an ensemble,
    /// one per member (its bootstrap order); with `correctionHorizon`, twice that (the
    /// corrections add at most as many rows again, with their own copies). The arrays a set is
    /// normalized through are not larger than its examples and are freed before the pooled copy is
    /// made, so they are inside the count.
    public func dataBytes(rows: Int, stats: NormalizationStats, members: Int) -> Int? {
        let floatsPerRow = stats.observationSize + stats.actionSize + stats.targetSize
        let indicesPerRow = 1 + (members > 1 ? members : 3)
        let perRow = MemoryBudget.sum([
            MemoryBudget.product([2, floatsPerRow, MemoryLayout<Float>.size]),
            MemoryBudget.product([indicesPerRow, MemoryLayout<Int>.size])
        ])
        return MemoryBudget.product([rows, perRow ?? -1, correctionHorizon == nil ? 1 : 2])
    }

    /// Every setting, for the `config` attribute of a model file: `elites` for an ensemble,
    /// `new_data_fraction` for the single network, `input_noise` and `correction_horizon` when set.
    public var json: [String: JSONValue] {
        var json: [String: JSONValue] = [
            "batch_size": .int(batchSize), "lr": .float(optimizer.learningRate), "beta1": .float(optimizer.beta1),
            "beta2": .float(optimizer.beta2), "weight_decay": .float(optimizer.weightDecay), "epochs": .int(epochs),
            "val_fraction": .double(validationFraction), "patience": .int(patience),
            "seed": .int(Int(truncatingIfNeeded: seed))
        ]
        if let elites {
            json["elites"] = .int(elites)
        } else {
            json["new_data_fraction"] = newDataFraction.map { .double($0) } ?? .null
        }
        // Only with noise, so that the configs of fits without it keep their bytes.
        if let inputNoise { json["input_noise"] = .float(inputNoise) }
        if let correctionHorizon { json["correction_horizon"] = .int(correctionHorizon) }
        return json
    }

    /// Fits `model` (whose statistics normalize the data) on `datasets`, calling `onEpoch` after every
    /// epoch (an error it throws ends the fit), and leaves every member's best weights, and the
    /// elites, in `model`. With `correctionHorizon` (the single network only), the best weights of the
    /// fit are then fitted again with their open-loop corrections.
    public func fit(
        _ model: some TrainableModel, on datasets: [Transitions],
        onEpoch: (Epoch) throws -> Void = { _ in }
    ) throws -> Result {
        precondition(!datasets.isEmpty && epochs >= 1 && patience >= 1)
        let network = model as? DynamicsModel
        precondition(correctionHorizon.map { $0 >= 2 && network != nil } ?? true, "corrections: the single network")
        // Episode-wise validation split of every set.
        var splitRNG = RandomGenerator(seed: seed, stream: RandomStreams.validationSplit)
        var splits: [EpisodeSplit] = []
        var training: [ModelTrainer.Examples] = [], validation = ModelTrainer.Examples.empty
        for data in datasets {
            let split = EpisodeSplit(data, validationFraction: validationFraction, rng: &splitRNG)
            splits.append(split)
            training.append(ModelTrainer.Examples(normalizing: data, rows: split.trainingRows, stats: model.stats))
            validation.append(ModelTrainer.Examples(normalizing: data, rows: split.validationRows, stats: model.stats))
        }
        let session = try model.fittingSession(
            self, training: training, validation: validation,
            totalRows: datasets.reduce(0) { $0 + $1.count })
        let b = model.memberCount
        precondition(elites.map { $0 >= 1 && $0 <= b } ?? true)

        // Epochs of minibatch steps, scores, each member's best weights, early stopping.
        var batchRNG = RandomGenerator(seed: seed, stream: RandomStreams.minibatches)
        var best = Best(score: [Double](repeating: .infinity, count: b), epoch: [Int](repeating: 0, count: b))
        var result = Result(
            epochsRun: 0, stoppedEarly: false, bestEpochs: [], memberLosses: [], elites: [], validationLoss: nil,
            samplesSeen: 0, trainingRows: session.trainingRows, validationRows: validation.count,
            trainLossCurve: [], validationLossCurve: [])
        let totalEpochs = correctionHorizon == nil ? epochs : 2 * epochs
        try runEpochs(
            session, validation: validation, best: &best, result: &result, totalEpochs: totalEpochs,
            rng: &batchRNG, onEpoch: onEpoch)
        guard best.epoch.allSatisfy({ $0 > 0 }) else { throw Failure.diverged }
        keep(best, of: session, validating: validation.count > 0, in: &result)
        guard let horizon = correctionHorizon, let network else { return result }

        // The second fit: the rows plus the first fit's open-loop corrections of them.
        var added = (training: 0, validation: 0)
        for (index, data) in datasets.enumerated() {
            for (rows, isTraining) in [(splits[index].trainingRows, true), (splits[index].validationRows, false)] {
                let starts = Set(rows)
                let episodes = data.episodeRanges.filter { starts.contains($0.lowerBound) }
                let corrections = network.openLoopCorrections(of: data, episodes: episodes, horizon: horizon)
                let examples = ModelTrainer.Examples(
                    normalizing: corrections, rows: Array(0..<corrections.count), stats: model.stats)
                if isTraining {
                    training[index].append(examples)
                    added.training += examples.count
                } else {
                    validation.append(examples)
                    added.validation += examples.count
                }
            }
        }
        let correcting = try model.fittingSession(
            self, training: training, validation: validation,
            totalRows: datasets.reduce(0) { $0 + $1.count } + added.training + added.validation)
        result.correctionRows = (added.training, added.validation, result.epochsRun + 1)
        result.stoppedEarly = false
        // The first fit's weights stand unless an epoch of the second scores better.
        best.score = validation.count > 0 ? correcting.validationScores(validation) : [.infinity]
        try runEpochs(
            correcting, validation: validation, best: &best, result: &result, totalEpochs: totalEpochs,
            rng: &batchRNG, onEpoch: onEpoch)
        keep(best, of: correcting, validating: validation.count > 0, in: &result)
        return result
    }

    /// Each member's best score so far and the epoch (1-based, over the whole fit) that reached it.
    private struct Best {
        var score: [Double]
        var epoch: [Int]
    }

    /// Up to `epochs` epochs of `session` after the `result.epochsRun` already run, until no member
    /// has improved on `best` for `patience` of them (with validation rows); appends to `result`'s
    /// curves and counts, and keeps each member's weights when it improves.
    private func runEpochs(
        _ session: FittingSession, validation: ModelTrainer.Examples, best: inout Best, result: inout Result,
        totalEpochs: Int, rng: inout RandomGenerator, onEpoch: (Epoch) throws -> Void
    ) throws {
        let b = best.score.count, validating = validation.count > 0
        let first = result.epochsRun + 1
        let started = Date()
        for epoch in first..<(first + epochs) {
            let epochStart = Date()
            let trained = session.trainEpoch(using: &rng, scoringMembers: !validating)
            result.samplesSeen += trained.samples
            result.epochsRun = epoch
            let scores = validating ? session.validationScores(validation) : trained.memberScores
            result.trainLossCurve.append(trained.loss)
            let meanScore = scores.reduce(0, +) / Double(b)
            result.validationLossCurve.append(validating ? meanScore : .nan)
            for m in 0..<b where scores[m] < best.score[m] {
                best.score[m] = scores[m]
                best.epoch[m] = epoch
                session.keepBest(member: m)
            }
            let elapsed = Date().timeIntervalSince(started)
            try onEpoch(
                Epoch(
                    epoch: epoch, epochs: totalEpochs, correcting: first > 1, trainLoss: trained.loss,
                    validationLoss: validating ? meanScore : nil,
                    samplesPerSecond: Double(session.samplesPerEpoch) / max(Date().timeIntervalSince(epochStart), 1e-9),
                    secondsLeft: elapsed / Double(epoch - first + 1) * Double(totalEpochs - epoch)))
            if validating && epoch - max(best.epoch.max() ?? 0, first - 1) >= patience {
                result.stoppedEarly = true
                break
            }
        }
    }

    /// Puts every member's best weights back into the model, chooses the elites, and records them.
    private func keep(_ best: Best, of session: FittingSession, validating: Bool, in result: inout Result) {
        let b = best.score.count
        let elites = Array((0..<b).sorted { (best.score[$0], $0) < (best.score[$1], $1) }.prefix(self.elites ?? b))
        session.restoreBest(elites: elites)
        result.bestEpochs = best.epoch
        result.memberLosses = best.score
        result.elites = elites
        result.validationLoss = validating ? elites.map { best.score[$0] }.reduce(0, +) / Double(elites.count) : nil
    }
}
