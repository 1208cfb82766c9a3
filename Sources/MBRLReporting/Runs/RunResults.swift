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
    /// The run's seed, as its files record it (`recordedSeed(folder:)`).
    public var seed: Int
    /// The test episodes (all of `test.h5`).
    public var test: Transitions
    /// From `eval.h5`: the model it measured, its one-step MSE and its k-step RMSE for k = 1…max.
    public var modelFile: String
    public var oneStepMSE: Double
    public var kStepRMSE: [Double]
    /// From `eval.h5`, for a Gaussian ensemble: the calibration of its predicted variance.
    public var calibration: Calibration?
    /// The random data (`random.h5`, nil without it): its rows and episode returns.
    public var random: (rows: Int, returns: [Double])?
    /// Each iteration's rollouts (`rollouts-<i>.h5`), by iteration: their rows and episode returns.
    public var rollouts: [(iteration: Int, rows: Int, returns: [Double])] = []
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
        seed = try Self.recordedSeed(folder: folder) ?? 0
        if names.contains("random.h5") {
            random = try Transitions.readEpisodeReturns(from: folder + "/random.h5")
        }
        for name in names {
            if let i = Self.index(of: name, prefix: "rollouts-") {
                let episodes = try Transitions.readEpisodeReturns(from: "\(folder)/\(name)")
                rollouts.append((i, episodes.rows, episodes.returns))
            }
            if let i = Self.index(of: name, prefix: "model-"),
                let curve = try DynamicsModel.readTrainingCurve(fromFile: "\(folder)/\(name)")
            {
                trainingCurves.append((i, curve.train, curve.validation))
            }
        }
        rollouts.sort { $0.iteration < $1.iteration }
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
    }

    /// The files whose `seed` attribute is the run's seed, in the order they are looked for: Make gives
    /// `collect` (or `import`), the test episodes and `train` the run's SEED; `plan`'s rollouts have
    /// seeds of their own (SEED × 100 + i), and `heldout.h5` another seed.
    static let seedFiles = ["random.h5", "test.h5", "model-0.h5"]

    /// The run's seed as its files record it: the `seed` attribute of the first of `random.h5`,
    /// `test.h5` and `model-0.h5` in `folder`, or nil when it holds none of them. The folder's name
    /// (`seed-<n>` under Make) is only a path and is never read: a run moved or copied into a folder of
    /// another name keeps its seed, and where the two disagree the file's seed is the one shown.
    public static func recordedSeed(folder: String) throws -> Int? {
        guard let name = seedFiles.first(where: { FileManager.default.fileExists(atPath: "\(folder)/\($0)") }) else {
            return nil
        }
        let file = try HDF5File.open(at: "\(folder)/\(name)")
        defer { try? file.close() }
        return try file.root.intAttribute("seed")
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

    /// The returns of the random data's complete episodes (empty without `random.h5`).
    public var randomReturns: [Double] { random?.returns ?? [] }

    /// The environment steps the run's models were trained on: the rows of `random.h5` (when present)
    /// and of every `rollouts-<i>.h5` this run read.
    public var trainingSteps: Int { rollouts.reduce(random?.rows ?? 0) { $0 + $1.rows } }

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
