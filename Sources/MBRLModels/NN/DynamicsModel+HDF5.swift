import MBRLCore
import MBRLData

/// Model files (`mbrl.model/2`, docs/FORMATS.md): one dataset per `state_dict` key of the notebook's
/// PyTorch `Model` with PyTorch's shapes, the statistics in `stats/`, the training curve in
/// `training/`, and attributes describing the architecture (`input_size`, `output_size`, `hidden`,
/// `depth`, `batch_norm`, `env`) and the training. A model that also predicts Δx is `mbrl.model/3`:
/// the same with one more output and Δx's statistics in `stats/`.
///
/// In Python: `model.load_state_dict({k: torch.tensor(f[k][()]) for k in keys}, strict=True)` with
/// `keys` the file's datasets outside `stats/` and `training/`.
extension DynamicsModel {
    /// The `format` of this model's file: `mbrl.model/2`, or `mbrl.model/3` when it predicts Δx.
    public var fileFormatVersion: String { FileFormat.model.version(deltaX: predictsDeltaX) }

    /// Writes the weights, running statistics, counters, statistics and architecture into `root`.
    public func write(to root: HDF5Group, env: String) throws {
        try network.writeStateDict(to: root)
        try stats.write(to: try root.createGroup("stats"))
        try root.setAttribute("env", env)
        try root.setAttribute("input_size", config.inputSize)
        try root.setAttribute("output_size", config.outputSize)
        try root.setAttribute("hidden", config.hidden)
        try root.setAttribute("depth", config.depth)
        try root.setAttribute("batch_norm", config.batchNorm)
    }

    /// The first weight or running statistic `read(fromFile:)` would refuse, as
    /// `model.network.1.running_var holds an infinity at row 0`, or nil (`write` checks it too).
    public var stateDictProblem: String? { network.stateDictProblem }

    /// Reads a model file: format, architecture attributes, every `state_dict` key with its exact
    /// shape and finite values, and the statistics; each mismatch is named precisely.
    public static func read(fromFile path: String) throws -> (model: DynamicsModel, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let version = try FileFormat.model.check(root)
        let inputSize = try ModelTensors.positiveAttribute(root, "input_size"),
            outputSize = try ModelTensors.positiveAttribute(root, "output_size")
        let hidden = try ModelTensors.positiveAttribute(root, "hidden"), depth = try root.intAttribute("depth")
        guard depth >= 0, depth <= 16, hidden <= 4096, inputSize <= 4096, outputSize <= 4096 else {
            throw HDF5Error(
                path: path,
                "architecture attributes are out of range (depth \(depth), "
                    + "hidden \(hidden), sizes \(inputSize)/\(outputSize))")
        }
        let config = MLPConfiguration(
            inputSize: inputSize, outputSize: outputSize, hidden: hidden, depth: depth,
            batchNorm: try root.boolAttribute("batch_norm"))
        // The weights must roughly fit in the file: refuse before allocating for an architecture it
        // cannot hold (a missing weight or two still gets its own precise message below).
        let parameterBytes = 4 * ParameterLayout(config).parameterCount
        guard parameterBytes <= max(1 << 26, 16 * file.sizeOnDisk) else {
            throw HDF5Error(
                path: path,
                "claims a network \(config) of \(parameterBytes) bytes of weights, more "
                    + "than the file holds")
        }
        let stats = try NormalizationStats.read(from: try root.openGroup("stats"))
        guard stats.observationSize + stats.actionSize == config.inputSize, stats.targetSize == config.outputSize else {
            throw HDF5Error(
                path: path, object: "stats",
                "statistics for observations of "
                    + "size \(stats.observationSize) and actions of "
                    + "size \(stats.actionSize)\(stats.hasDeltaX ? " with Δx" : "") do not fit the network \(config)")
        }
        guard (version == FileFormat.model.deltaXVersion) == stats.hasDeltaX else {
            throw HDF5Error(
                path: path,
                "is \(version), but its statistics \(stats.hasDeltaX ? "have" : "lack") Δx "
                    + "(delta_x_residual_mean, delta_x_residual_std), which \(FileFormat.model.deltaXVersion!) and "
                    + "only it has")
        }
        // The network and its gradients are allocated before the weights are read into them: within
        // the memory this process may use, or one error naming the file (not an abort).
        try MemoryBudget.check(
            MemoryBudget.product([parameterBytes, 2]), for: "\(path): the network \(config) and its gradients")
        let network = MLP<Float>(config)
        try network.loadStateDict(from: root)
        let env = root.hasAttribute("env") ? try root.stringAttribute("env") : "unknown"
        try file.close()
        return (DynamicsModel(config: config, stats: stats, network: network), env)
    }

    /// The training curve of a model file (train and validation loss per epoch), or nil for a file
    /// without one (`mbrl.model/1`). Ensemble files (`mbrl.ensemble/1`) carry one too.
    public static func readTrainingCurve(fromFile path: String) throws -> (train: [Double], validation: [Double])? {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        if try !(root.hasAttribute("format") && FileFormat(anyVersion: root.stringAttribute("format")) == .ensemble) {
            try FileFormat.model.check(root)
        }
        guard root.contains("training") else { return nil }
        let group = try root.openGroup("training")
        let train = try group.read("train_loss", as: Double.self),
            validation = try group.read("val_loss", as: Double.self)
        guard train.rank == 1, validation.rank == 1, train.values.count == validation.values.count else {
            throw HDF5Error(path: path, object: "training", "train_loss and val_loss must be vectors of one length")
        }
        try file.close()
        return (train.values, validation.values)
    }
}
