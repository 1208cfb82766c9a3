import Foundation
import MBRLCore
import MBRLData
import MBRLModels

/// What a finished run folder holds, read from its HDF5 files alone: the one reader behind
/// `summarize` and `report`.
///
/// The folder needs `eval.h5` and `test.h5`; `random.h5`, `rollouts-<i>.h5` and `model-<i>.h5` add the
/// learning curve and the training curves when present. Nothing is taken from the folder's name or
/// place, from Make's `params/` or from log files, so a run folder made by hand or moved reads the same.
public struct RunResults {
    /// One HDF5 file's provenance.
    public struct FileProvenance {
        public var file: String
        public var format: String
        public var seed: Int
        public var command: String
        /// JSON of every setting of the stage that wrote it.
        public var config: String
        /// JSON of input path → SHA-256.
        public var inputs: String
    }

    /// The folder as given.
    public let folder: String
    /// The environment's Gymnasium id and the controller of the test episodes (from `test.h5`).
    public var env: String
    public var policy: String
    /// The run's seed (the `seed` of `random.h5`, else of `test.h5`).
    public var seed: Int
    /// The test episodes (all of `test.h5`).
    public var test: Transitions
    /// From `eval.h5`: the model it measured, its one-step MSE and its k-step RMSE for k = 1…max.
    public var modelFile: String
    public var oneStepMSE: Double
    public var kStepRMSE: [Double]
    /// From `eval.h5`, for a Gaussian ensemble: the calibration of its predicted variance.
    public var calibration: Calibration?
    /// Episode returns of the random data and of each iteration's rollouts, by iteration.
    public var randomReturns: [Double] = []
    public var rolloutReturns: [(iteration: Int, returns: [Double])] = []
    /// Per model file `model-<i>.h5` that carries one: train and validation loss per epoch.
    public var trainingCurves: [(iteration: Int, train: [Double], validation: [Double])] = []
    /// Every `.h5` file of the folder, by name.
    public var files: [FileProvenance] = []

    /// Reads the run in `folder`; throws naming the file when a needed one is missing or invalid.
    public init(folder: String) throws {
        self.folder = folder
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for needed in ["eval.h5", "test.h5"] where !names.contains(needed) {
            throw HDF5Error(path: "\(folder)/\(needed)", "no such file: the run is not finished (run `make` for it)")
        }
        let evalFile = try HDF5File.open(at: folder + "/eval.h5")
        let eval = try evalFile.root
        try FileFormat.eval.check(eval)
        kStepRMSE = try eval.read("metrics/k_step_rmse", as: Double.self).values
        oneStepMSE = try eval.readScalar("metrics/one_step_mse", as: Double.self)
        modelFile = try eval.stringAttribute("model")
        if eval.contains("metrics/nll") {
            calibration = Calibration(
                within1Sigma: try eval.readScalar("metrics/within_1sigma", as: Double.self),
                within2Sigma: try eval.readScalar("metrics/within_2sigma", as: Double.self),
                nll: try eval.readScalar("metrics/nll", as: Double.self),
                nllPerDimension: try eval.read("metrics/nll_per_dim", as: Double.self).values)
            if eval.contains("metrics/member_nll") {
                calibration?.member = (
                    try eval.readScalar("metrics/member_within_1sigma", as: Double.self),
                    try eval.readScalar("metrics/member_within_2sigma", as: Double.self),
                    try eval.readScalar("metrics/member_nll", as: Double.self)
                )
            }
        }
        try evalFile.close()

        test = try Transitions.read(from: folder + "/test.h5")
        env = test.env
        policy = test.policy
        seed = 0
        if names.contains("random.h5") {
            randomReturns = try Transitions.read(from: folder + "/random.h5").episodeReturns
        }
        for name in names {
            if let i = Self.index(of: name, prefix: "rollouts-") {
                rolloutReturns.append((i, try Transitions.read(from: "\(folder)/\(name)").episodeReturns))
            }
            if let i = Self.index(of: name, prefix: "model-"),
                let curve = try DynamicsModel.readTrainingCurve(fromFile: "\(folder)/\(name)")
            {
                trainingCurves.append((i, curve.train, curve.validation))
            }
        }
        rolloutReturns.sort { $0.iteration < $1.iteration }
        trainingCurves.sort { $0.iteration < $1.iteration }
        for name in names where name.hasSuffix(".h5") {
            let file = try HDF5File.open(at: "\(folder)/\(name)")
            let root = try file.root
            func text(_ attribute: String) -> String { (try? root.stringAttribute(attribute)) ?? "" }
            files.append(
                FileProvenance(
                    file: name, format: text("format"), seed: (try? root.intAttribute("seed")) ?? 0,
                    command: text("command"), config: text("config"), inputs: text("inputs")))
            try file.close()
        }
        seed = (files.first { $0.file == "random.h5" } ?? files.first { $0.file == "test.h5" })?.seed ?? 0
    }

    /// The files a `RunResults(folder:)` reads: the `.h5` files directly in `folder`. A program that
    /// reads run folders passes them to `AtomicOutput(target:inputs:)`, so its output never replaces
    /// one (and may replace anything else, e.g. its own earlier page in the run folder).
    public static func inputFiles(folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".h5") }.sorted()
            .map { folder + "/" + $0 }
    }

    /// Mean, std, min and max of the test returns.
    public var testStatistics: ReturnStatistics { ReturnStatistics(test.episodeReturns) }

    /// The number of transitions (rows of `rewards`) of a transitions file, read from its shape alone.
    public static func transitionCount(file path: String) throws -> Int {
        let file = try HDF5File.open(at: path)
        defer { try? file.close() }
        return try file.root.datasetInfo("rewards").shape.first ?? 0
    }

    /// The environment steps the run's models were trained on: the rows of `random.h5` (when present)
    /// and of every `rollouts-<i>.h5` this run read.
    public func trainingSteps() throws -> Int {
        let random =
            FileManager.default.fileExists(atPath: folder + "/random.h5")
            ? try Self.transitionCount(file: folder + "/random.h5") : 0
        return try rolloutReturns.reduce(random) {
            $0 + (try Self.transitionCount(file: "\(folder)/rollouts-\($1.iteration).h5"))
        }
    }

    /// The k-step RMSE at `k` (1-based), or nil when the evaluation stopped earlier.
    public func kStepRMSE(at k: Int) -> Double? {
        k >= 1 && k <= kStepRMSE.count ? kStepRMSE[k - 1] : nil
    }

    /// `i` for a file named `<prefix><i>.h5`.
    private static func index(of name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(".h5") else { return nil }
        return Int(name.dropFirst(prefix.count).dropLast(3))
    }
}
