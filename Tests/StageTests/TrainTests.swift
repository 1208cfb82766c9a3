import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLTestSupport
import XCTest

/// The release-built `train` on a small dataset: the model file's contract, determinism, logs,
/// warm start, aggregation, and errors.
final class TrainTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-train")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        for (name, seed) in [("a.h5", "1"), ("b.h5", "2")] {
            XCTAssertEqual(
                try runProcess(
                    Repository.executable("collect"), ["--episodes", "6", "--seed", seed, "--out", name], in: dir.path
                ).status, 0)
        }
        XCTAssertEqual(
            try runProcess(Repository.executable("stats"), ["--data", "a.h5", "--out", "s.h5"], in: dir.path).status, 0)
    }

    func train(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(
            Repository.executable("train"), ["--data", "a.h5", "--stats", "s.h5", "--epochs", "8"] + arguments,
            in: dir.path)
    }

    func testModelFileHoldsTheStateDictAndTrainingAttributes() throws {
        let result = try train(["--out", "m.h5", "--logdir", "tb"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let root = try HDF5File.open(at: dir.file("m.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.model/2")
        let expectedShapes: [String: [Int]] = [
            "model.network.0.weight": [64, 4], "model.network.0.bias": [64], "model.network.1.weight": [64],
            "model.network.1.running_var": [64], "model.network.1.num_batches_tracked": [],
            "model.network.3.weight": [64, 64], "model.network.4.running_mean": [64],
            "model.network.6.weight": [3, 64], "model.network.6.bias": [3], "stats/state_mean": [3],
            "stats/action_std": [1]
        ]
        for (name, shape) in expectedShapes { XCTAssertEqual(try root.datasetInfo(name).shape, shape, name) }
        XCTAssertGreaterThan(try root.readScalar("model.network.1.num_batches_tracked", as: Int64.self), 0)
        XCTAssertEqual(try root.intAttribute("hidden"), 64)
        XCTAssertEqual(try root.intAttribute("depth"), 2)
        XCTAssertTrue(try root.boolAttribute("batch_norm"))
        XCTAssertEqual(try root.intAttribute("epochs_run"), 8)
        // The training curve travels with the model: one loss per epoch, the best epoch's as attributes.
        let curve = try XCTUnwrap(try DynamicsModel.readTrainingCurve(fromFile: dir.file("m.h5")))
        XCTAssertEqual(curve.train.count, 8)
        XCTAssertEqual(curve.validation.count, 8)
        let best = try root.intAttribute("best_epoch")
        XCTAssertEqual(curve.validation[best - 1], try root.doubleAttribute("val_loss"))
        XCTAssertEqual(curve.validation.min(), try root.doubleAttribute("val_loss"))
        XCTAssertGreaterThan(try root.intAttribute("samples_seen"), 1000)
        let valLoss = try root.doubleAttribute("val_loss")
        XCTAssertTrue(valLoss > 0 && valLoss < 0.5, "validation loss \(valLoss) after 8 epochs")

        // The model predicts held-in transitions far better than "no change".
        let (model, env) = try DynamicsModel.read(fromFile: dir.file("m.h5"))
        XCTAssertEqual(env, "Pendulum-v1")
        let data = try Transitions.read(from: dir.file("a.h5"))
        let predicted = model.predictNextObservations(observations: data.observations, actions: data.actions)
        let modelError = zip(predicted, data.nextObservations).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        let stillError = zip(data.observations, data.nextObservations).map { Double($0 - $1) * Double($0 - $1) }.reduce(
            0, +)
        XCTAssertLessThan(modelError, stillError / 5)

        // Logs: one event file and the CSV with a row per epoch.
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.file("tb"))
        XCTAssertEqual(logs.filter { $0.hasPrefix("events.out.tfevents.") }.count, 1)
        let csv = try String(contentsOfFile: dir.file("tb/train.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "step,train/loss,train/val_loss,train/lr,charts/samples_per_s")
        XCTAssertEqual(csv.count, 9)
    }

    func testSameSeedGivesIdenticalModelFiles() throws {
        XCTAssertEqual(try train(["--out", "m1.h5", "--seed", "3"]).status, 0)
        XCTAssertEqual(try train(["--out", "m2.h5", "--seed", "3"]).status, 0)
        XCTAssertEqual(try train(["--out", "m3.h5", "--seed", "4"]).status, 0)
        func weights(_ name: String) throws -> [Float] {
            try HDF5File.open(at: dir.file(name)).root.read("model.network.0.weight", as: Float.self).values
        }
        XCTAssertEqual(try weights("m1.h5"), try weights("m2.h5"))
        XCTAssertNotEqual(try weights("m1.h5"), try weights("m3.h5"))
        // The files differ only in the `command` attribute's output name; the same command, same bytes.
        XCTAssertEqual(try train(["--out", "m1.h5", "--seed", "3"]).status, 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: dir.file("m1.h5")))
        XCTAssertEqual(try train(["--out", "m1.h5", "--seed", "3"]).status, 0)
        XCTAssertEqual(first, try Data(contentsOf: URL(fileURLWithPath: dir.file("m1.h5"))))
    }

    /// `--input-noise`: recorded in the config (absent without it), the same file from the same seed,
    /// other weights than the fit without it.
    func testInputNoiseIsRecordedAndReproducible() throws {
        XCTAssertEqual(try train(["--out", "plain.h5", "--seed", "3"]).status, 0)
        XCTAssertEqual(try train(["--out", "n1.h5", "--seed", "3", "--input-noise", "0.2"]).status, 0)
        XCTAssertEqual(try train(["--out", "n2.h5", "--seed", "3", "--input-noise", "0.2"]).status, 0)
        func file(_ name: String) throws -> HDF5Group { try HDF5File.open(at: dir.file(name)).root }
        func weights(_ name: String) throws -> [Float] {
            try file(name).read("model.network.0.weight", as: Float.self).values
        }
        XCTAssertEqual(try weights("n1.h5"), try weights("n2.h5"))
        XCTAssertNotEqual(try weights("n1.h5"), try weights("plain.h5"))
        XCTAssertTrue(try file("n1.h5").stringAttribute("config").contains(#""input_noise":0.2"#))
        XCTAssertFalse(try file("plain.h5").stringAttribute("config").contains("input_noise"))
    }

    /// `--correction-horizon`: a second fit whose epochs follow the first's, its correction rows and
    /// first epoch among the file's attributes and the horizon in its config (none of them without
    /// it), the same file from the same seed.
    func testCorrectionHorizonIsRecordedAndReproducible() throws {
        XCTAssertEqual(try train(["--out", "plain.h5", "--seed", "3"]).status, 0)
        let run = try train(["--out", "c1.h5", "--seed", "3", "--correction-horizon", "5"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("(corrections)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("corrections from epoch 9 on "), run.stderr)
        let first = try Data(contentsOf: URL(fileURLWithPath: dir.file("c1.h5")))
        XCTAssertEqual(try train(["--out", "c1.h5", "--seed", "3", "--correction-horizon", "5"]).status, 0)
        XCTAssertEqual(first, try Data(contentsOf: URL(fileURLWithPath: dir.file("c1.h5"))))
        let corrected = try HDF5File.open(at: dir.file("c1.h5")).root
        let plain = try HDF5File.open(at: dir.file("plain.h5")).root
        XCTAssertTrue(try corrected.stringAttribute("config").contains(#""correction_horizon":5"#))
        XCTAssertFalse(try plain.stringAttribute("config").contains("correction_horizon"))
        // 8 epochs of the plain fit, then up to 8 more on the corrections.
        XCTAssertEqual(try corrected.intAttribute("correction_first_epoch"), 9)
        let epochsRun = try corrected.intAttribute("epochs_run")
        XCTAssertTrue((9...16).contains(epochsRun), "\(epochsRun)")
        XCTAssertEqual(try corrected.read("training/train_loss", as: Double.self).values.count, epochsRun)
        XCTAssertEqual(
            Array(try corrected.read("training/train_loss", as: Double.self).values.prefix(8)),
            try plain.read("training/train_loss", as: Double.self).values)
        // Every row of an episode of a.h5 but every fifth is a correction row, training or validation.
        let rows = try corrected.intAttribute("training_rows") + corrected.intAttribute("validation_rows")
        let corrections = try ["correction_rows", "correction_validation_rows"].map(corrected.intAttribute).reduce(0, +)
        XCTAssertEqual(corrections, rows - rows / 5)
        for name in ["correction_rows", "correction_validation_rows", "correction_first_epoch"] {
            XCTAssertFalse(plain.hasAttribute(name), name)
        }
    }

    /// `--threads 2` writes the same model file, byte for byte, as one thread (and the same command
    /// attribute: the option is not recorded): the single network on pooled and on aggregated
    /// minibatches, and an ensemble of 5 members (split 2 and 3), with layers wide enough that every part of a step that can go to
    /// the second thread does (`WorkerPair.minimumWork`).
    func testTwoThreadsTrainTheSameBytes() throws {
        let runs: [(name: String, arguments: [String])] = [
            ("pooled", ["--data", "../a.h5", "--hidden", "200", "--batch-size", "512", "--epochs", "2"]),
            (
                "aggregated",
                [
                    "--data", "../a.h5", "../b.h5", "--new-data-fraction", "0.5", "--hidden", "200", "--batch-size",
                    "512", "--epochs", "1"
                ]
            ),
            (
                "ensemble",
                ["--data", "../a.h5", "--members", "5", "--hidden", "200", "--batch-size", "256", "--epochs", "1"]
            )
        ]
        for threads in ["1", "2"] {
            try FileManager.default.createDirectory(atPath: dir.file(threads), withIntermediateDirectories: true)
        }
        for run in runs {
            var files: [Data] = []
            for threads in ["1", "2"] {
                let result = try runProcess(
                    Repository.executable("train"),
                    run.arguments + ["--stats", "../s.h5", "--threads", threads, "--out", run.name + ".h5"],
                    in: dir.file(threads))
                XCTAssertEqual(result.status, 0, result.stderr)
                files.append(try Data(contentsOf: URL(fileURLWithPath: dir.file(threads + "/" + run.name + ".h5"))))
            }
            XCTAssertEqual(files[0], files[1], "\(run.name): 1 and 2 threads wrote different bytes")
        }
        let three = try train(["--threads", "3", "--out", "bad.h5"])
        XCTAssertEqual(three.status, 64, three.stderr)
        XCTAssertTrue(three.stderr.contains("--threads must be 1 or 2, got 3"), three.stderr)
    }

    /// tiny.h5: one Pendulum episode of 20 steps, for networks too large to train on more in a test.
    func collectTinyData() throws {
        let arguments = ["--episodes", "1", "--max-steps", "20", "--out", "tiny.h5"]
        let collected = try runProcess(Repository.executable("collect"), arguments, in: dir.path)
        XCTAssertEqual(collected.status, 0, collected.stderr)
    }

    /// `train` under `ulimit -v kilobytes`, its arguments passed to the shell as arguments, never as text.
    func limitedTrain(kilobytes: Int, _ arguments: [String]) throws -> ProcessResult {
        let shell = ["-c", "ulimit -v \(kilobytes) && exec \"$@\"", "bash", Repository.executable("train")]
        return try runProcess("/bin/bash", shell + arguments, in: dir.path)
    }

    /// Without `--threads`, a step runs on 2 threads where the machine has the cores and the memory for
    /// them, else on 1, and writes the file `--threads 1` writes: under a `ulimit -v` that holds one
    /// thread's OpenBLAS buffers but not two (`--threads 2` is refused before anything is read), and
    /// under one that holds two but not beside the model's parameters (a network of 3 × 4,000: `--threads
    /// 2` is refused for them, the default gives the second thread's buffers back).
    func testDefaultThreadsFitTheAddressSpace() throws {
        try collectTinyData()
        let cases: [(kilobytes: Int, arguments: [String], refusal: String)] = [
            (400_000, ["--data", "a.h5", "--epochs", "2"], "for 2 threads"),
            (
                1_356_000, ["--data", "tiny.h5", "--hidden", "4000", "--depth", "3", "--epochs", "1"],
                "--hidden 4000 × --depth 3: the parameters, their gradients, Adam's moments and the best weights"
            )
        ]
        for (kilobytes, arguments, refusal) in cases {
            let run = arguments + ["--stats", "s.h5", "--out", "limited.h5"]
            let two = try limitedTrain(kilobytes: kilobytes, run + ["--threads", "2"])
            XCTAssertEqual(two.status, 1, two.stderr)
            XCTAssertTrue(two.stderr.contains(refusal), two.stderr)
            XCTAssertEqual(two.stderr.split(separator: "\n").count, 1, two.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("limited.h5")))
            var files: [Data] = []
            for extra in [[], ["--threads", "1"]] {
                let result = try limitedTrain(kilobytes: kilobytes, run + extra)
                XCTAssertEqual(result.status, 0, "\(kilobytes) \(extra): \(result.stderr)")
                XCTAssertTrue(result.stderr.hasSuffix("; 1 thread)\n"), result.stderr)
                files.append(try Data(contentsOf: URL(fileURLWithPath: dir.file("limited.h5"))))
                try FileManager.default.removeItem(atPath: dir.file("limited.h5"))
            }
            XCTAssertEqual(files[0], files[1], "\(kilobytes)")
        }
        // Without a limit, on a machine of two cores or more (as CI's), the default is 2.
        if ProcessInfo.processInfo.activeProcessorCount >= 2 {
            let unlimited = try train(["--out", "unlimited.h5"])
            XCTAssertEqual(unlimited.status, 0, unlimited.stderr)
            XCTAssertTrue(unlimited.stderr.hasSuffix("; 2 threads)\n"), unlimited.stderr)
        }
    }

    /// Data whose normalized examples do not fit the memory left once it is read is one error line
    /// naming the transitions, before the fit allocates them, and no file: under `ulimit -v 360000`
    /// a million Pendulum transitions are read, but their examples (88 MB by `ModelFitting.dataBytes`)
    /// do not fit. This was an abort in the allocator ("failed to allocate 14400032 bytes").
    func testExamplesTooLargeForTheAddressSpaceAreRefusedBeforeTheFit() throws {
        let collected = try runProcess(
            Repository.executable("collect"), ["--episodes", "5000", "--seed", "3", "--out", "big.h5"], in: dir.path)
        XCTAssertEqual(collected.status, 0, collected.stderr)
        let refused = try limitedTrain(
            kilobytes: 360_000,
            ["--data", "big.h5", "--stats", "s.h5", "--epochs", "1", "--threads", "1", "--out", "big-model.h5"])
        assertRefusal(
            refused,
            startsWith:
                "error: the 1000000 transitions of --data: their normalized examples need 88.0 MB, more than the ",
            noOutputAt: dir.file("big-model.h5"))
    }

    /// The bytes `dataBytes` counts: per row, the examples and their pooled copy (Float32: inputs,
    /// then the state change and Δx targets), one index for the split and three for the schedule
    /// (the single network) or one per member (an ensemble); twice that with corrections.
    func testDataBytesCountTheExamplesTheirCopyAndTheRowIndices() throws {
        let data = try Transitions.read(from: dir.file("a.h5"))
        let stats = NormalizationStats(of: [data])
        var fitting = ModelFitting()
        // Pendulum: 3 observations + 1 action in, 3 targets out.
        XCTAssertEqual(fitting.dataBytes(rows: 1_000, stats: stats, members: 1), 1_000 * (2 * 7 * 4 + 4 * 8))
        XCTAssertEqual(fitting.dataBytes(rows: 1_000, stats: stats, members: 5), 1_000 * (2 * 7 * 4 + 6 * 8))
        fitting.correctionHorizon = 3
        XCTAssertEqual(fitting.dataBytes(rows: 1_000, stats: stats, members: 1), 2 * 1_000 * (2 * 7 * 4 + 4 * 8))
        XCTAssertNil(fitting.dataBytes(rows: Int.max / 8, stats: stats, members: 1))
    }

    /// A network too large for the machine is one error line before it is built, with `--print-config`
    /// as without, and no file: not an abort in the allocator (64 members of 16 × 4,096: 387 GB).
    func testAModelTooLargeForTheMachineIsRefusedBeforeItIsBuilt() throws {
        let huge = ["--members", "64", "--hidden", "4096", "--depth", "16", "--out", "huge.h5"]
        for extra in [[], ["--print-config"]] {
            let result = try train(huge + extra)
            assertRefusal(
                result,
                startsWith: "error: --hidden 4096 × --depth 16 × --members 64: the parameters, their gradients, "
                    + "Adam's moments and the best weights need ",
                noOutputAt: dir.file("huge.h5"))
            XCTAssertEqual(result.stdout, "")
        }
    }

    /// A model file whose network does not fit the memory left under `ulimit -v` is refused by `plan`
    /// and `evaluate` before they allocate it, one line naming the file (not an abort, nor a "damaged
    /// file"), and `evaluate`'s predictions and `plan`'s folded copy of the network the same when only
    /// the network fits; with room, `plan` runs.
    func testAModelFileTooLargeForTheAddressSpaceIsRefusedWithItsName() throws {
        try collectTinyData()
        let big = try train(
            ["--data", "tiny.h5", "--hidden", "4000", "--depth", "3", "--epochs", "1", "--out", "big.h5"])
        XCTAssertEqual(big.status, 0, big.stderr)
        let stages: [(String, [String])] = [
            ("plan", ["--episodes", "1", "--max-steps", "2", "--candidates", "4", "--horizon", "2", "--threads", "1"]),
            ("evaluate", ["--data", "tiny.h5", "--max-k", "2"])
        ]
        /// `stage` on big.h5 under `ulimit -v` `kilobytes`: one error line starting with `message`, at
        /// once, and no output.
        func assertRefused(_ stage: String, _ arguments: [String], under kilobytes: Int, message: String) throws {
            let shell = ["-c", "ulimit -v \(kilobytes) && exec \"$@\"", "bash", Repository.executable(stage)]
            let refused = try runProcess(
                "/bin/bash", shell + ["--model", "big.h5"] + arguments + ["--out", "out.h5"], in: dir.path)
            assertRefusal(refused, startsWith: message, noOutputAt: dir.file("out.h5"))
        }
        for (stage, arguments) in stages {
            try assertRefused(
                stage, arguments, under: 450_000,
                message: "error: big.h5: the network 4-4000-4000-4000-3 with batch norm and its gradients need "
                    + "256.5 MB, more than the ")
        }
        // Room for the network but not for evaluate's predictions (the folded network for 4,096 rows):
        // refused before they are allocated, not an abort.
        try assertRefused(
            "evaluate", stages[1].1, under: 800_000, message: "error: big.h5 on tiny.h5: the predictions need ")
        // Room for the network but not for the planner's folded copy of it: refused before the copy is
        // built (it was an abort in the allocator).
        try assertRefused(
            "plan", stages[0].1, under: 700_000,
            message: "error: --candidates 4 × --horizon 2 and --episodes 1 × 2 steps: the planner and the "
                + "transitions need 256.6 MB, more than the ")
        let planned = try runProcess(
            Repository.executable("plan"), ["--model", "big.h5"] + stages[0].1 + ["--out", "out.h5"], in: dir.path)
        XCTAssertEqual(planned.status, 0, planned.stderr)
    }

    func testWarmStartAggregationAndArchitectureMismatch() throws {
        XCTAssertEqual(try train(["--out", "m0.h5"]).status, 0)
        let warm = try train(["--data", "b.h5", "--init", "m0.h5", "--new-data-fraction", "0.9", "--out", "m1.h5"])
        XCTAssertEqual(warm.status, 0, warm.stderr)
        let root = try HDF5File.open(at: dir.file("m1.h5")).root
        XCTAssertTrue(try root.stringAttribute("inputs").contains("m0.h5"))
        XCTAssertTrue(try root.stringAttribute("config").contains(#""new_data_fraction":0.9"#))

        let mismatch = try train(["--init", "m0.h5", "--hidden", "32", "--out", "m2.h5"])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertEqual(
            mismatch.stderr,
            "error: m0.h5: model is 4-64-64-3 with batch norm, but this training builds "
                + "4-32-32-3 with batch norm\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("m2.h5")))
    }

    func testInvalidOptionsAreUsageErrors() throws {
        for (arguments, message) in [
            (["--lr", "0"], "--lr must be positive"), (["--batch-size", "1"], "--batch-size must be at least 2"),
            (["--epochs", "0"], "--epochs must be at least 1"),
            (
                ["--val-fraction", "1"],
                "--val-fraction must be "
                    + "in [0, 1)"
            ),
            (["--new-data-fraction", "0.5"], "--new-data-fraction needs a second --data file"),
            (["--input-noise", "0"], "--input-noise must be in (0, 10]"),
            (
                ["--input-noise", "0.1", "--members", "2"],
                "--input-noise is for the single network; ensemble members train without it"
            ),
            (["--correction-horizon", "1"], "--correction-horizon must be in 2...1000"),
            (
                ["--correction-horizon", "4", "--members", "2"],
                "--correction-horizon is for the single network; ensemble members train without it"
            )
        ] {
            let result = try train(arguments + ["--out", "bad.h5"])
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("bad.h5")))
    }
}
