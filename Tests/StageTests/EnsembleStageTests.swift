import Foundation
import MBRLCore
import MBRLModels
import MBRLTestSupport
import XCTest

/// The release-built stages with PETS ensembles: `train --members`, `plan --particles`, `evaluate`'s
/// calibration, and the single network's file unchanged by the new options.
final class EnsembleStageTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-ensemble-stages")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        XCTAssertEqual(
            try runProcess(
                Repository.executable("collect"), ["--episodes", "6", "--seed", "1", "--out", "a.h5"], in: dir.path
            ).status, 0)
        XCTAssertEqual(
            try runProcess(Repository.executable("stats"), ["--data", "a.h5", "--out", "s.h5"], in: dir.path).status, 0)
    }

    func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try runProcess(Repository.executable(program), arguments, in: dir.path)
    }

    func train(_ arguments: [String]) throws -> ProcessResult {
        try run("train", ["--data", "a.h5", "--stats", "s.h5", "--epochs", "3"] + arguments)
    }

    func testEnsembleTrainsPlansAndIsEvaluated() throws {
        let trained = try train([
            "--members", "3", "--elite-members", "2", "--hidden", "16", "--depth", "2", "--no-batch-norm", "--out",
            "e.h5"
        ])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let root = try HDF5File.open(at: dir.file("e.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "mbrl.ensemble/1")
        XCTAssertEqual(try root.datasetInfo("hidden_layers.1.0.weight").shape, [3, 16, 16])
        XCTAssertEqual(try root.datasetInfo("mean_and_logvar.bias").shape, [3, 1, 6])
        XCTAssertEqual(try root.datasetInfo("max_logvar").shape, [1, 3])
        XCTAssertEqual(try root.read("members/elites", as: Int64.self).values.count, 2)
        XCTAssertEqual(try root.stringAttribute("activation"), "silu")
        XCTAssertEqual(try XCTUnwrap(try DynamicsModel.readTrainingCurve(fromFile: dir.file("e.h5"))).train.count, 3)

        let planned = try run(
            "plan",
            [
                "--model", "e.h5", "--planner", "cem", "--candidates", "20", "--horizon", "4", "--iterations", "2",
                "--elites", "4", "--particles", "4", "--episodes", "1", "--max-steps", "5", "--out", "r.h5"
            ])
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let config = try HDF5File.open(at: dir.file("r.h5")).root.stringAttribute("config")
        XCTAssertTrue(
            config.contains(#""particles":4"#) && config.contains(#""propagation":"ts-inf""#)
                && config.contains(#""prediction":"sample""#), config)

        let uneven = try run(
            "plan",
            [
                "--model", "e.h5", "--particles", "3", "--candidates", "8", "--episodes", "1", "--max-steps", "2",
                "--out", "bad.h5"
            ])
        XCTAssertEqual(uneven.status, 1)
        XCTAssertEqual(
            uneven.stderr,
            "error: e.h5: --particles 3 must be a multiple of the model's 2 elite members "
                + "(each member takes an equal share)\n")

        let evaluated = try run(
            "evaluate", ["--model", "e.h5", "--data", "a.h5", "--rollouts", "r.h5", "--max-k", "3", "--out", "eval.h5"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("calibration"), evaluated.stdout)
        let metrics = try HDF5File.open(at: dir.file("eval.h5")).root
        let within1 = try metrics.readScalar("metrics/within_1sigma", as: Double.self)
        let within2 = try metrics.readScalar("metrics/within_2sigma", as: Double.self)
        XCTAssertTrue(within1 > 0 && within1 <= within2 && within2 <= 1)
        XCTAssertTrue(try metrics.readScalar("metrics/nll", as: Double.self).isFinite)
    }

    /// One member with a deterministic ReLU output is today's network, in today's format, whether the
    /// options are given or not; the ensemble-only options are refused on it.
    func testSingleDeterministicNetworkIsUnchanged() throws {
        XCTAssertEqual(try train(["--out", "plain.h5"]).status, 0)
        XCTAssertEqual(
            try train(["--members", "1", "--deterministic", "--activation", "relu", "--out", "explicit.h5"]).status, 0)
        let plain = try HDF5File.open(at: dir.file("plain.h5")).root,
            explicit = try HDF5File.open(at: dir.file("explicit.h5")).root
        XCTAssertEqual(try plain.stringAttribute("format"), "mbrl.model/2")
        XCTAssertEqual(try explicit.stringAttribute("format"), "mbrl.model/2")
        for name in [
            "model.network.0.weight", "model.network.3.weight", "model.network.6.bias", "model.network.4.running_var"
        ] {
            XCTAssertEqual(
                try plain.read(name, as: Float.self).values, try explicit.read(name, as: Float.self).values, name)
        }
        let particles = try run(
            "plan",
            ["--model", "plain.h5", "--particles", "5", "--episodes", "1", "--max-steps", "2", "--out", "bad.h5"])
        XCTAssertEqual(particles.status, 1)
        XCTAssertTrue(particles.stderr.contains("need an ensemble model"), particles.stderr)
        let evaluated = try run(
            "evaluate", ["--model", "plain.h5", "--data", "a.h5", "--max-k", "2", "--out", "eval.h5"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertFalse(try HDF5File.open(at: dir.file("eval.h5")).root.contains("metrics/nll"))
        for (arguments, message) in [
            (["--members", "3", "--batch-norm"], "--batch-norm is only for the single deterministic ReLU network"),
            (["--members", "3", "--elite-members", "4"], "--elite-members must be in 1...3"),
            (["--elite-members", "1"], "--elite-members needs an ensemble"),
            (["--members", "0"], "--members must be in 1...64")
        ] {
            let result = try train(arguments + ["--out", "bad.h5"])
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
    }
}
