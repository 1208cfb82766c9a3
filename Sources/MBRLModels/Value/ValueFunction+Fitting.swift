import Foundation
import MBRLCore
import MBRLData

/// How a value function is fitted (`ValueFunction.fit`): Adam on minibatches of the normalized
/// returns-to-go, an episode-wise validation split, the weights of the best validation epoch kept,
/// early stopping.
public struct ValueFitting: Equatable {
    /// Minibatch rows.
    public var batchSize = 256
    public var optimizer = AdamConfiguration()
    /// Epochs at most.
    public var epochs = 100
    /// Epochs without a better validation loss before stopping.
    public var patience = 10
    /// Share of each set's episodes held out for validation, in [0, 1).
    public var validationFraction = 0.1
    /// Seeds the validation split and the minibatch order.
    public var seed: UInt64 = 0

    public init() {}

    /// What a fit did.
    public struct Result {
        public var epochsRun: Int
        /// The 1-based epoch whose weights the function keeps.
        public var bestEpoch: Int
        public var stoppedEarly: Bool
        /// Per epoch: mean minibatch loss and validation loss (NaN without validation), both MSE of
        /// the normalized returns.
        public var trainLossCurve: [Double]
        public var validationLossCurve: [Double]
        public var trainingRows: Int
        public var validationRows: Int
    }

    /// Why a fit could not run.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Fewer than two training rows with a return-to-go.
        case tooFewRows(Int)
        /// No epoch had a finite loss.
        case diverged

        public var description: String {
            switch self {
            case .tooFewRows(let n): return "\(n) training rows with a return-to-go; at least 2 are needed"
            case .diverged: return "the loss was never finite"
            }
        }
    }

    /// Every setting, for the `config` attribute of a value file.
    public var json: [String: JSONValue] {
        [
            "batch_size": .int(batchSize), "lr": .float(optimizer.learningRate),
            "weight_decay": .float(optimizer.weightDecay), "epochs": .int(epochs), "patience": .int(patience),
            "val_fraction": .double(validationFraction), "seed": .int(Int(truncatingIfNeeded: seed))
        ]
    }
}

extension ValueFunction {
    /// The discounted return-to-go of every row of `data`, Gₜ = rₜ + γ·Gₜ₊₁ within its episode, 0
    /// after the episode's last row: after a termination nothing more is collected, and after the time
    /// limit the task's episode is over too. The rows of an episode cut off by a step budget
    /// (`lastEpisodeCutOff`) are nil: its return was still growing, so its returns-to-go are not the
    /// task's.
    public static func returnsToGo(_ data: Transitions, discount: Double) -> [Double?] {
        var result = [Double?](repeating: nil, count: data.count)
        let episodes = data.episodeRanges
        for (e, rows) in episodes.enumerated() {
            if data.lastEpisodeCutOff && e == episodes.count - 1 { continue }
            var g = 0.0
            for r in rows.reversed() {
                g = Double(data.rewards[r]) + discount * g
                result[r] = g
            }
        }
        return result
    }

    /// Fits the function to the returns-to-go (`returnsToGo` with its `discount`) of `datasets`, whose
    /// observations it normalizes with its statistics; sets the returns' normalization from the
    /// training rows, and keeps the weights of the epoch with the lowest validation loss (or training
    /// loss, without validation rows). `onEpoch` gets the epoch (1-based), its training loss and its
    /// validation loss (nil without validation); an error it throws ends the fit.
    public func fit(
        _ datasets: [Transitions], _ fitting: ValueFitting,
        onEpoch: (Int, Double, Double?) throws -> Void = { _, _, _ in }
    ) throws -> ValueFitting.Result {
        precondition(fitting.batchSize >= 1 && fitting.epochs >= 1 && fitting.patience >= 1)
        let o = observationSize
        var splitRNG = RandomGenerator(seed: fitting.seed, stream: RandomStreams.validationSplit)
        var training: (observations: [Float], returns: [Double]) = ([], [])
        var validation: (observations: [Float], returns: [Double]) = ([], [])
        for data in datasets {
            precondition(data.observationSize == o)
            let targets = Self.returnsToGo(data, discount: Double(discount))
            let split = EpisodeSplit(data, validationFraction: fitting.validationFraction, rng: &splitRNG)
            for (rows, isTraining) in [(split.trainingRows, true), (split.validationRows, false)] {
                for r in rows {
                    guard let g = targets[r] else { continue }
                    let observation = data.observations[(r * o)..<((r + 1) * o)]
                    if isTraining {
                        training.observations += observation
                        training.returns.append(g)
                    } else {
                        validation.observations += observation
                        validation.returns.append(g)
                    }
                }
            }
        }
        let n = training.returns.count, m = validation.returns.count
        guard n >= 2 else { throw ValueFitting.Failure.tooFewRows(n) }
        let statistics = ReturnStatistics(training.returns)
        returnMean = Float(statistics.mean)
        returnStd = statistics.std > 1e-6 ? Float(statistics.std) : 1

        // Normalized inputs and targets.
        func normalized(_ part: (observations: [Float], returns: [Double])) -> (inputs: [Float], targets: [Float]) {
            var inputs = [Float](repeating: 0, count: part.observations.count)
            part.observations.withUnsafeBufferPointer {
                normalize($0.baseAddress!, count: part.returns.count, into: &inputs)
            }
            return (inputs, part.returns.map { Float(($0 - Double(returnMean)) / Double(returnStd)) })
        }
        let train = normalized(training), held = normalized(validation)

        let batch = min(fitting.batchSize, n)
        network.reserve(rows: batch)
        let optimizer = Adam<Float>(parameterCount: network.layout.parameterCount, config: fitting.optimizer)
        let inputs = Buffer<Float>(count: batch * o), targets = Buffer<Float>(count: batch)
        var order = Array(0..<n)
        var batchRNG = RandomGenerator(seed: fitting.seed, stream: RandomStreams.minibatches)
        var result = ValueFitting.Result(
            epochsRun: 0, bestEpoch: 0, stoppedEarly: false, trainLossCurve: [], validationLossCurve: [],
            trainingRows: n, validationRows: m)
        var best = Double.infinity, bestWeights = network.parameters.array

        for epoch in 1...fitting.epochs {
            batchRNG.shuffle(&order)
            var total = 0.0, start = 0
            while start < n {
                let k = min(batch, n - start)
                for (i, row) in order[start..<(start + k)].enumerated() {
                    for j in 0..<o { inputs[i * o + j] = train.inputs[row * o + j] }
                    targets[i] = train.targets[row]
                }
                network.forward(inputs.pointer, count: k, training: true)
                total += network.mseLoss(target: targets.pointer) * Double(k)
                network.backward()
                optimizer.update(parameters: network.parameters, gradients: network.gradients)
                start += k
            }
            let trainLoss = total / Double(n)
            let validationLoss = m > 0 ? meanSquaredError(held.inputs, held.targets, chunk: batch) : nil
            result.epochsRun = epoch
            result.trainLossCurve.append(trainLoss)
            result.validationLossCurve.append(validationLoss ?? .nan)
            let score = validationLoss ?? trainLoss
            if score < best {
                best = score
                result.bestEpoch = epoch
                bestWeights = network.parameters.array
            }
            try onEpoch(epoch, trainLoss, validationLoss)
            if validationLoss != nil && epoch - result.bestEpoch >= fitting.patience {
                result.stoppedEarly = true
                break
            }
        }
        guard result.bestEpoch > 0 else { throw ValueFitting.Failure.diverged }
        network.parameters.assign(bestWeights)
        return result
    }

    /// The mean squared error of the network on normalized `inputs` and `targets`, in chunks of at
    /// most `chunk` rows.
    private func meanSquaredError(_ inputs: [Float], _ targets: [Float], chunk: Int) -> Double {
        let o = observationSize, count = targets.count
        var total = 0.0, start = 0
        while start < count {
            let k = min(chunk, count - start)
            inputs.withUnsafeBufferPointer { network.forward($0.baseAddress! + start * o, count: k, training: false) }
            targets.withUnsafeBufferPointer {
                total += network.meanSquaredError(target: $0.baseAddress! + start) * Double(k)
            }
            start += k
        }
        return total / Double(count)
    }
}
