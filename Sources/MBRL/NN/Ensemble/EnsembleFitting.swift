import Foundation

/// How a PETS ensemble is fitted, and the fit: the training loop of `train --members`.
///
/// The validation split is `ModelFitting`'s (whole episodes of every set, seeded), the training rows
/// pooled. Each member trains on its own bootstrap: n rows drawn with replacement from the n training
/// rows, once (stream `RandomStreams.bootstrap`). An epoch walks every member's bootstrap in its own
/// shuffled order, ⌈n / batch⌉ steps; each step is one batched forward and backward of all members
/// (member b on its own minibatch) and one Adam update of all parameters, on the Gaussian NLL (or the
/// MSE for deterministic members; `EnsembleMLP`). After each epoch every member's validation MSE of
/// its mean is measured (mbrl-lib's validation score), and each member keeps the weights of its own
/// best epoch. Training stops when no member improved for `patience` epochs. The `elites` members with
/// the lowest validation MSE are the elites. Without validation rows each member's mean training MSE
/// of the epoch takes the place of its validation MSE, and every epoch runs.
public struct EnsembleFitting: Equatable {
    public var batchSize = 256
    public var optimizer = AdamConfiguration()
    public var epochs = 100
    public var patience = 15
    public var validationFraction = 0.1
    /// Members kept as elites (1...members).
    public var elites = 5
    public var seed: UInt64 = 0

    public init() {}

    public struct Epoch {
        public var epoch: Int
        /// Mean minibatch loss of the epoch, per member (the NLL, or the MSE).
        public var trainLoss: Double
        /// Mean over members of their validation MSE, nil without validation.
        public var validationLoss: Double?
        public var samplesPerSecond: Double
        public var secondsLeft: Double
    }

    public struct Result {
        public var epochsRun: Int
        public var stoppedEarly: Bool
        /// Per member: the 1-based epoch whose weights it keeps, and its validation MSE there (its
        /// training MSE without validation).
        public var bestEpochs: [Int]
        public var memberLosses: [Double]
        public var elites: [Int]
        /// The training loss of the last epoch run.
        public var trainLoss: Double
        /// Mean over the elites of their validation MSE, nil without validation.
        public var validationLoss: Double?
        public var samplesSeen: Int
        public var trainingRows: Int
        public var validationRows: Int
        public var trainLossCurve: [Double]
        /// Per epoch, the mean over members of the validation MSE (NaN without validation).
        public var validationLossCurve: [Double]
    }

    public var json: [String: JSONValue] {
        ["batch_size": .int(batchSize), "lr": .float(optimizer.learningRate), "beta1": .float(optimizer.beta1),
         "beta2": .float(optimizer.beta2), "weight_decay": .float(optimizer.weightDecay), "epochs": .int(epochs),
         "val_fraction": .double(validationFraction), "patience": .int(patience), "elites": .int(elites),
         "seed": .int(Int(truncatingIfNeeded: seed))]
    }

    /// Fits `model` on `datasets` and leaves every member's best weights and the elites in it.
    public func fit(_ model: EnsembleModel, on datasets: [Transitions], onEpoch: (Epoch) throws -> Void = { _ in }) throws -> Result {
        let b = model.config.members
        precondition(!datasets.isEmpty && batchSize >= 1 && epochs >= 1 && patience >= 1 && elites >= 1 && elites <= b)
        // o: the outputs per row (the state change, and Δx when the statistics have it).
        let o = model.config.outputSize, width = model.config.inputSize

        var splitRNG = RandomGenerator(seed: seed, stream: RandomStreams.validationSplit)
        var training = ModelTrainer.Examples.empty, validation = ModelTrainer.Examples.empty
        for data in datasets {
            let split = EpisodeSplit(data, validationFraction: validationFraction, rng: &splitRNG)
            training.append(Self.examples(model, data, rows: split.trainingRows))
            validation.append(Self.examples(model, data, rows: split.validationRows))
        }
        let n = training.count
        guard n >= 2 else { throw ModelFitting.Failure.tooFewRows(n) }

        var bootRNG = RandomGenerator(seed: seed, stream: RandomStreams.bootstrap)
        let bootstraps = (0..<b).map { _ in (0..<n).map { _ in bootRNG.index(below: n) } }
        var orders = bootstraps
        let batch = min(batchSize, n)
        let network = model.network
        network.reserve(rows: max(batch, min(validation.count, 1024)))
        let adam = Adam<Float>(parameterCount: network.layout.parameterCount, config: optimizer)
        let inputs = Buffer<Float>(count: b * batch * width), targets = Buffer<Float>(count: b * batch * o)

        var batchRNG = RandomGenerator(seed: seed, stream: RandomStreams.minibatches)
        let best = model.copy()
        var bestLoss = [Double](repeating: .infinity, count: b), bestEpoch = [Int](repeating: 0, count: b)
        var result = Result(epochsRun: 0, stoppedEarly: false, bestEpochs: [], memberLosses: [], elites: [], trainLoss: .nan,
                            validationLoss: nil, samplesSeen: 0, trainingRows: n, validationRows: validation.count,
                            trainLossCurve: [], validationLossCurve: [])
        let started = Date()
        for epoch in 1...epochs {
            let epochStart = Date()
            for m in 0..<b { batchRNG.shuffle(&orders[m]) }
            var lossSum = 0.0, steps = 0
            var trainMSE = [Double](repeating: 0, count: b)
            var start = 0
            while start < n {
                let rows = min(batch, n - start)
                training.inputs.withUnsafeBufferPointer { x in
                    training.targets.withUnsafeBufferPointer { t in
                        for m in 0..<b {
                            for k in 0..<rows {
                                let r = orders[m][start + k], slot = m * rows + k
                                (inputs.pointer + slot * width).update(from: x.baseAddress! + r * width, count: width)
                                (targets.pointer + slot * o).update(from: t.baseAddress! + r * o, count: o)
                            }
                        }
                    }
                }
                network.forward(inputs.pointer, count: rows)
                lossSum += network.loss(target: targets.pointer) / Double(b)
                if validation.count == 0 {
                    for (m, e) in network.meanSquaredErrors(target: targets.pointer).enumerated() { trainMSE[m] += e * Double(rows) }
                }
                network.backward()
                adam.update(parameters: network.parameters, gradients: network.gradients)
                steps += 1
                result.samplesSeen += rows * b
                start += rows
            }
            result.epochsRun = epoch
            let trainLoss = lossSum / Double(max(steps, 1))
            let memberLoss = validation.count > 0 ? Self.validationMSE(network, validation, width: width, outputs: o)
                                                  : trainMSE.map { $0 / Double(n) }
            result.trainLoss = trainLoss
            result.trainLossCurve.append(trainLoss)
            let meanValidation = memberLoss.reduce(0, +) / Double(b)
            result.validationLossCurve.append(validation.count > 0 ? meanValidation : .nan)
            for m in 0..<b where memberLoss[m] < bestLoss[m] {
                bestLoss[m] = memberLoss[m]
                bestEpoch[m] = epoch
                best.loadMember(m, from: model)
            }
            let elapsed = Date().timeIntervalSince(started)
            try onEpoch(Epoch(epoch: epoch, trainLoss: trainLoss, validationLoss: validation.count > 0 ? meanValidation : nil,
                              samplesPerSecond: Double(n * b) / max(Date().timeIntervalSince(epochStart), 1e-9),
                              secondsLeft: elapsed / Double(epoch) * Double(epochs - epoch)))
            if validation.count > 0 && epoch - (bestEpoch.max() ?? 0) >= patience {
                result.stoppedEarly = true
                break
            }
        }
        guard bestEpoch.allSatisfy({ $0 > 0 }) else { throw ModelFitting.Failure.diverged }
        // The shared log-variance bounds come from the last epoch (every member's copy carried them).
        for m in 0..<b { model.loadMember(m, from: best) }
        let elites = (0..<b).sorted { (bestLoss[$0], $0) < (bestLoss[$1], $1) }.prefix(self.elites)
        model.elites = Array(elites)
        result.elites = model.elites
        result.bestEpochs = bestEpoch
        result.memberLosses = bestLoss
        result.validationLoss = validation.count > 0 ? elites.map { bestLoss[$0] }.reduce(0, +) / Double(elites.count) : nil
        return result
    }

    /// Every member's MSE of its mean on all validation rows (the same rows for every member).
    static func validationMSE(_ network: EnsembleMLP<Float>, _ validation: ModelTrainer.Examples, width: Int, outputs o: Int) -> [Double] {
        let b = network.config.members, chunk = network.capacity
        var sums = [Double](repeating: 0, count: b)
        var inputs = [Float](repeating: 0, count: b * chunk * width), targets = [Float](repeating: 0, count: b * chunk * o)
        var start = 0
        while start < validation.count {
            let rows = min(chunk, validation.count - start)
            for m in 0..<b {
                for i in 0..<(rows * width) { inputs[m * rows * width + i] = validation.inputs[start * width + i] }
                for i in 0..<(rows * o) { targets[m * rows * o + i] = validation.targets[start * o + i] }
            }
            network.forward(inputs, count: rows)
            for (m, e) in network.meanSquaredErrors(target: targets).enumerated() { sums[m] += e * Double(rows) }
            start += rows
        }
        return sums.map { $0 / Double(validation.count) }
    }

    /// The normalized examples of `rows` of `data`.
    static func examples(_ model: EnsembleModel, _ data: Transitions, rows: [Int]) -> ModelTrainer.Examples {
        ModelTrainer.Examples(normalizing: data, rows: rows, stats: model.stats)
    }
}
