import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

/// `train --members B` (or `--gaussian`, `--activation silu`): a PETS ensemble, written as
/// `mbrl.ensemble/1` (mbrl-lib's `GaussianMLP` state_dict, elites, statistics).
extension Train {
    var ensembleFitting: EnsembleFitting {
        var f = EnsembleFitting()
        f.batchSize = batchSize
        f.optimizer = AdamConfiguration(learningRate: lr, beta1: beta1, beta2: beta2, weightDecay: weightDecay)
        f.epochs = epochs
        f.patience = patience
        f.validationFraction = valFraction
        f.elites = eliteMembers ?? members
        f.seed = seed.seed
        return f
    }

    func runEnsemble(destination: AtomicOutput, datasets: [Transitions], statistics: NormalizationStats, progress: ProgressReporter) throws {
        let model = EnsembleModel(stats: statistics, hidden: hidden, depth: depth, members: members, activation: resolvedActivation,
                                  deterministic: resolvedOutput == .deterministic, seed: seed.seed)
        if let initialModel {
            guard let start = try ModelFile.read(fromFile: initialModel).model as? EnsembleModel else {
                throw StageError("\(initialModel): is a single-network model, but this training builds the ensemble \(model.config)")
            }
            guard start.config == model.config else {
                throw StageError("\(initialModel): ensemble is \(start.config), but this training builds \(model.config)")
            }
            model.load(from: start)
        }
        let fitting = ensembleFitting
        let rows = datasets.reduce(0) { $0 + $1.count }
        try MemoryBudget.check(model.config.trainingBytes(rows: min(batchSize, max(rows, 1))),
                               for: "--batch-size \(batchSize) × --members \(members): the training buffers")

        let logs = try logdir.map { try TensorBoardWriter(directory: $0, program: "train", csvName: "train.csv", columns: TrainingLog.columns) }
        let result: EnsembleFitting.Result
        do {
            result = try fitting.fit(model, on: datasets) { epoch in
                try logs?.write(step: epoch.epoch, scalars: TrainingLog.scalars(
                    loss: epoch.trainLoss, valLoss: epoch.validationLoss, lr: lr, samplesPerSecond: epoch.samplesPerSecond))
                progress.milestone(String(format: "epoch %d/%d  loss %.5f  val_mse %.5f  %.0f samples/s  %.0fs left", epoch.epoch, epochs,
                                          epoch.trainLoss, epoch.validationLoss ?? .nan, epoch.samplesPerSecond, epoch.secondsLeft))
            }
        } catch let failure as ModelFitting.Failure {
            switch failure {
            case .tooFewRows(let n): throw StageError("\(data[0]): too few transitions to train on (\(n))")
            default: throw StageError("\(output.out): training diverged: a member's validation error was never finite (try a lower --lr)")
            }
        }
        logs?.close()
        if result.stoppedEarly {
            progress.milestone("no member improved for \(patience) epochs: stopping after epoch \(result.epochsRun)")
        }

        var config = fitting.json
        config.merge(["data": .array(data.map { .string($0) }), "stats": .string(stats), "hidden": .int(hidden), "depth": .int(depth),
                      "members": .int(members), "activation": .string(resolvedActivation.rawValue),
                      "deterministic": .bool(resolvedOutput == .deterministic), "init": initialModel.map { .string($0) } ?? .null]) { $1 }
        let provenance = try Provenance(format: model.fileFormatVersion, seed: seed.seed, command: Stage.commandLine,
                                        config: .object(config), inputPaths: data + [stats] + (initialModel.map { [$0] } ?? []))
        try Stage.writeHDF5(to: destination) { root in
            try provenance.write(to: root)
            try model.write(to: root, env: datasets[0].env)
            try model.writeTraining(result, to: root)
        }
        progress.milestone(String(format: "wrote %@ (elites %@, val_mse %.5f)", output.out,
                                  result.elites.map(String.init).joined(separator: ","), result.validationLoss ?? .nan))
    }
}
