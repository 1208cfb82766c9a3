import Foundation
import MBRLCore

/// A PETS ensemble as a `TrainableModel`: its members trained side by side, each on its own
/// bootstrap, on the Gaussian NLL (or the MSE for deterministic members; `EnsembleMLP`).
extension EnsembleModel: TrainableModel {
    public var memberCount: Int { config.members }

    public var architectureJSON: [String: JSONValue] {
        [
            "hidden": .int(config.hidden), "depth": .int(config.depth), "members": .int(config.members),
            "activation": .string(config.activation.rawValue), "deterministic": .bool(config.deterministic)
        ]
    }

    public func trainingBufferRows(_ fitting: ModelFitting, rows: Int) -> Int { min(fitting.batchSize, max(rows, 1)) }

    public func trainingBytes(bufferRows: Int) -> Int? { config.trainingBytes(rows: bufferRows) }

    public func fittingSession(
        _ fitting: ModelFitting, training: [ModelTrainer.Examples], validation: ModelTrainer.Examples,
        totalRows: Int
    ) throws -> FittingSession {
        try EnsembleFittingSession(self, fitting, training: training, validationRows: validation.count)
    }

    public func loadWeights(fromFile path: String) throws {
        let ensemble: (EnsembleModel) -> EnsembleModel? = { $0 }
        guard let start = try ModelFile.read(fromFile: path, single: { _ in nil }, ensemble: ensemble).model else {
            throw HDF5Error(path: path, "is a single-network model, but this training builds the ensemble \(config)")
        }
        guard start.config == config else {
            throw HDF5Error(path: path, "ensemble is \(start.config), but this training builds \(config)")
        }
        load(from: start)
    }

    /// The first weight that is not finite, as `<key> holds NaN at row 0`, or nil (`write` refuses it).
    public var stateDictProblem: String? {
        let values = network.parameters.array
        for entry in layout.entries {
            if let problem = ModelTensors.nonFiniteProblem(values[entry.range], shape: entry.shape) {
                return "\(entry.name) \(problem)"
            }
        }
        return nil
    }

    /// The fit's record: `training/train_loss` and `training/val_loss` per epoch (as single-network
    /// files), `members/val_mse` and `members/best_epoch` per member, and the root attributes
    /// `train_loss` (of the last epoch), `val_loss` (mean validation MSE of the elites), `epochs_run`,
    /// `best_epoch` (the latest of the members'), `samples_seen`, `training_rows`, `validation_rows`.
    public func writeTraining(_ result: ModelFitting.Result, to root: HDF5Group) throws {
        try result.writeCurves(to: root)
        let members = try root.openGroup("members")
        try members.write(result.memberLosses, shape: [result.memberLosses.count], to: "val_mse")
        try members.write(result.bestEpochs.map { Int64($0) }, shape: [result.bestEpochs.count], to: "best_epoch")
        try result.writeAttributes(to: root, trainLoss: result.lastTrainLoss)
    }
}

/// An ensemble's side of a fit. The training rows are pooled; each member trains on its own
/// bootstrap: n rows drawn with replacement from the n training rows, once (stream
/// `RandomStreams.bootstrap`). An epoch walks every member's bootstrap in its own shuffled order,
/// ⌈n / batch⌉ steps; each step is one batched forward and backward of all members (member b on its
/// own minibatch) and one Adam update of all parameters. A member's score is the MSE of its mean
/// (mbrl-lib's validation score); a copy of the ensemble holds each member's best weights (the shared
/// log-variance bounds come from the last epoch, which every member's copy carried).
final class EnsembleFittingSession: FittingSession {
    let model: EnsembleModel
    let training: ModelTrainer.Examples
    let adam: Adam<Float>
    /// The second thread of a step (`fitting.threads` 2), nil on one thread.
    let workers: WorkerPair?
    let inputs: Buffer<Float>, targets: Buffer<Float>
    var orders: [[Int]]
    let batch: Int
    let best: EnsembleModel

    init(
        _ model: EnsembleModel, _ fitting: ModelFitting, training sets: [ModelTrainer.Examples], validationRows: Int
    ) throws {
        precondition(fitting.batchSize >= 1)
        self.model = model
        var training = ModelTrainer.Examples.empty
        for examples in sets { training.append(examples) }
        let n = training.count
        guard n >= 2 else { throw ModelFitting.Failure.tooFewRows(n) }
        self.training = training
        let b = model.config.members
        var bootRNG = RandomGenerator(seed: fitting.seed, stream: RandomStreams.bootstrap)
        orders = (0..<b).map { _ in (0..<n).map { _ in bootRNG.index(below: n) } }
        batch = min(fitting.batchSize, n)
        model.network.reserve(rows: max(batch, min(validationRows, 1024)))
        adam = Adam<Float>(parameterCount: model.network.layout.parameterCount, config: fitting.optimizer)
        precondition(fitting.threads == 1 || fitting.threads == 2)
        workers = fitting.threads == 2 ? WorkerPair() : nil
        model.network.workers = workers
        inputs = Buffer<Float>(count: b * batch * model.config.inputSize)
        targets = Buffer<Float>(count: b * batch * model.config.outputSize)
        best = model.copy()
    }

    var trainingRows: Int { training.count }
    var samplesPerEpoch: Int { training.count * model.config.members }

    func trainEpoch(
        using rng: inout RandomGenerator, scoringMembers: Bool
    ) -> (loss: Double, samples: Int, memberScores: [Double]) {
        let network = model.network, b = model.config.members, n = training.count
        // o: the outputs per row (the state change, and Δx when the statistics have it).
        let o = model.config.outputSize, width = model.config.inputSize
        for m in 0..<b { rng.shuffle(&orders[m]) }
        var lossSum = 0.0, steps = 0, samples = 0
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
            if scoringMembers {
                for (m, e) in network.meanSquaredErrors(target: targets.pointer).enumerated() {
                    trainMSE[m] += e * Double(rows)
                }
            }
            network.backward()
            adam.update(parameters: network.parameters, gradients: network.gradients, workers: workers)
            steps += 1
            samples += rows * b
            start += rows
        }
        return (lossSum / Double(max(steps, 1)), samples, scoringMembers ? trainMSE.map { $0 / Double(n) } : [])
    }

    func validationScores(_ validation: ModelTrainer.Examples) -> [Double] {
        Self.validationMSE(model.network, validation, width: model.config.inputSize, outputs: model.config.outputSize)
    }

    func keepBest(member: Int) { best.loadMember(member, from: model) }

    func restoreBest(elites: [Int]) {
        for m in 0..<model.config.members { model.loadMember(m, from: best) }
        model.elites = elites
    }

    /// Every member's MSE of its mean on all validation rows (the same rows for every member).
    static func validationMSE(
        _ network: EnsembleMLP<Float>, _ validation: ModelTrainer.Examples, width: Int, outputs o: Int
    ) -> [Double] {
        let b = network.config.members, chunk = network.capacity
        var sums = [Double](repeating: 0, count: b)
        var inputs = [Float](repeating: 0, count: b * chunk * width),
            targets = [Float](repeating: 0, count: b * chunk * o)
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
}
