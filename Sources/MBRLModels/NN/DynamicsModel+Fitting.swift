import MBRLCore

/// The single network as a `TrainableModel`: one member, trained on MSE with batch norm in training
/// mode (`ModelTrainer`), minibatches pooled or drawn from two pools (`MinibatchSchedule`).
extension DynamicsModel: TrainableModel {
    public var memberCount: Int { 1 }

    public var architectureJSON: [String: JSONValue] {
        ["hidden": .int(config.hidden), "depth": .int(config.depth), "batch_norm": .bool(config.batchNorm)]
    }

    public func trainingBufferRows(_ fitting: ModelFitting, rows: Int) -> Int { fitting.bufferRows(forRows: rows) }

    public func trainingBytes(bufferRows: Int) -> Int? { config.trainingBytes(rows: bufferRows) }

    public func fittingSession(
        _ fitting: ModelFitting, training: [ModelTrainer.Examples], validation: ModelTrainer.Examples,
        totalRows: Int
    ) throws -> FittingSession {
        try NetworkFittingSession(self, fitting, training: training, totalRows: totalRows)
    }

    public func loadWeights(fromFile path: String) throws {
        let (start, _) = try DynamicsModel.read(fromFile: path)
        guard start.config == config else {
            throw HDF5Error(path: path, "model is \(start.config), but this training builds \(config)")
        }
        load(from: start)
    }

    /// The training curves and attributes, `train_loss` of the best epoch.
    public func writeTraining(_ result: ModelFitting.Result, to root: HDF5Group) throws {
        try result.writeCurves(to: root)
        try result.writeAttributes(to: root, trainLoss: result.trainLoss)
    }
}

/// The single network's side of a fit: the training rows pooled, or with `newDataFraction` in two
/// pools (the first set; the newer ones) from which every minibatch takes its share (the paper's
/// aggregation); its score is its loss (`ModelTrainer.loss`); a copy holds its best weights.
final class NetworkFittingSession: FittingSession {
    let model: DynamicsModel
    let trainer: ModelTrainer
    let pools: [ModelTrainer.Examples]
    var schedule: MinibatchSchedule
    let best: DynamicsModel

    init(_ model: DynamicsModel, _ fitting: ModelFitting, training: [ModelTrainer.Examples], totalRows: Int) throws {
        precondition(fitting.batchSize >= 2)
        self.model = model
        trainer = ModelTrainer(
            model: model, batchSize: fitting.bufferRows(forRows: totalRows), optimizer: fitting.optimizer,
            threads: fitting.threads,
            inputNoise: fitting.inputNoise.map { ModelTrainer.InputNoise(std: $0, seed: fitting.seed) })
        var pools = [ModelTrainer.Examples.empty]
        if fitting.newDataFraction != nil { pools.append(.empty) }
        for (index, examples) in training.enumerated() {
            pools[fitting.newDataFraction != nil && index > 0 ? 1 : 0].append(examples)
        }
        if fitting.newDataFraction != nil {
            guard pools[0].count >= 2 else { throw ModelFitting.Failure.tooFewOlderRows(pools[0].count) }
            guard pools[1].count >= 1 else { throw ModelFitting.Failure.noNewerRows }
        }
        let rows = pools.reduce(0) { $0 + $1.count }
        guard rows >= 2 else { throw ModelFitting.Failure.tooFewRows(rows) }
        self.pools = pools
        schedule = MinibatchSchedule(
            pools: pools.map(\.count), batchSize: fitting.batchSize, newDataFraction: fitting.newDataFraction)
        best = model.copy()
    }

    var trainingRows: Int { pools.reduce(0) { $0 + $1.count } }
    var samplesPerEpoch: Int { schedule.samplesPerEpoch }

    func trainEpoch(
        using rng: inout RandomGenerator, scoringMembers: Bool
    ) -> (loss: Double, samples: Int, memberScores: [Double]) {
        var lossSum = 0.0, batches = 0, samples = 0
        for batch in schedule.epoch(using: &rng) {
            // A pooled batch has one row list; an aggregated one has one per pool.
            let loss =
                batch.count == 1
                ? trainer.step(on: pools[0], rows: batch[0][...])
                : trainer.step(on: pools[0], rows: batch[0][...], and: pools[1], rows: batch[1][...])
            lossSum += loss
            batches += 1
            samples += batch.reduce(0) { $0 + $1.count }
        }
        let loss = lossSum / Double(max(batches, 1))
        return (loss, samples, scoringMembers ? [loss] : [])
    }

    func validationScores(_ validation: ModelTrainer.Examples) -> [Double] { [trainer.loss(on: validation)] }

    func keepBest(member: Int) { best.load(from: model) }

    func restoreBest(elites: [Int]) { model.load(from: best) }
}
