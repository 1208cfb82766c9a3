import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLModels

/// How `train` runs: the threads and the memory checks before the model is built, the data read and
/// checked against the statistics, the fit with its logs and its failures as the stage's errors, and
/// what the model file records.
extension Train {
    /// The threads a training step may run on before anything is read, with OpenBLAS prepared for
    /// them (`OpenBLASMemory.prepare`): `--threads`, or by default 2 where the machine has two cores or
    /// more and the address space (`ulimit -v`) holds a second thread's BLAS buffers, else 1.
    func prepareThreads() throws -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let count = threads ?? min(2, cores, OpenBLASMemory.threadsThatFit ?? 2)
        try OpenBLASMemory.prepare(concurrentCallers: count)
        return count
    }

    /// The model to train on `stats`, built only after the memory it, its training buffers and the
    /// normalized examples of `rows` rows of data take (`ModelFitting.dataBytes`) is known to fit
    /// beside the BLAS buffers of `threads` threads (else
    /// `MemoryError`, one line naming the options): the run's check before it trains, which
    /// `--print-config` makes too, so both refuse the same settings. Returns the model and the threads
    /// the run trains on: `threads`, or 1 when the count is the default and the model fits beside one
    /// thread's BLAS buffers but not two.
    func prepareModel(
        stats: NormalizationStats, rows: Int, threads count: Int
    ) throws -> (model: any TrainableModel, threads: Int) {
        var count = count
        try withinMemory(threads: &count) {
            let shape = architectureOptions.shapeText
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
                    ? "--batch-size \(fitOptions.batchSize) × --members \(architectureOptions.members): the training buffers"
                    : "--batch-size \(fitOptions.batchSize): the training buffers of \(bufferRows) rows")
        }
        try withinMemory(threads: &count) {
            try MemoryBudget.check(
                fitting.dataBytes(rows: rows, stats: stats, members: model.memberCount),
                for: "the \(rows) transitions of --data: their normalized examples")
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
    /// loss (its training loss without validation; with corrections, on the corrected validation rows)
    /// and when its second fit began on how many correction rows, and the threads it trained on.
    func summary(of result: ModelFitting.Result, threads: Int) -> String {
        let threadCount = threads == 1 ? "1 thread" : "\(threads) threads"
        return isEnsemble
            ? String(
                format: "wrote %@ (elites %@, val_mse %.5f; %@)", output.out,
                result.elites.map(String.init).joined(separator: ","), result.validationLoss ?? .nan, threadCount)
            : String(
                format: "wrote %@ (best epoch %d, val_loss %.5f%@; %@)", output.out, result.bestEpoch,
                result.validationLoss ?? result.trainLoss,
                result.correctionRows.map { ", corrections from epoch \($0.firstEpoch) on \($0.training) rows" } ?? "",
                threadCount)
    }

    /// The model file's `config`: every fitting setting, `model`'s architecture and the input files.
    func config(of model: any TrainableModel) -> JSONValue {
        fitting.config(of: model, data: data, stats: stats, initialModel: initialModel)
    }

    /// The transitions and the statistics, checked to fit together (`TrainingData.read`) and, for
    /// statistics with Δx, every file to hold the MuJoCo data it is computed from.
    func readData() throws -> ([Transitions], NormalizationStats) {
        let (datasets, statistics) = try TrainingData.read(data, stats: stats)
        for (path, t) in zip(data, datasets) {
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
                        format: "epoch %d/%d%@  loss %.5f  %@ %.5f  %.0f samples/s  %.0fs left", epoch.epoch,
                        epoch.epochs, epoch.correcting ? " (corrections)" : "",
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
