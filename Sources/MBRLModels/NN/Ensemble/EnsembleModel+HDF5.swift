import MBRLCore
import MBRLData

/// Ensemble model files (`mbrl.ensemble/1`, docs/FORMATS.md): the root datasets are exactly the
/// `state_dict` of mbrl-lib's `GaussianMLP` (mbrl 0.2.0) with its shapes, so
/// `GaussianMLP(...).load_state_dict({k: torch.tensor(f[k][()]) for k in root datasets}, strict=True)`
/// loads them; beside them `members/elites` (int64, best first), `members/val_mse` (per member),
/// `stats/`, `training/`, and attributes for the architecture. An ensemble that also predicts Δx is
/// `mbrl.ensemble/2`: one more output per member and Δx's statistics in `stats/`.
extension EnsembleModel {
    /// The `format` of this ensemble's file: `mbrl.ensemble/1`, or `mbrl.ensemble/2` when it predicts Δx.
    public var fileFormatVersion: String { FileFormat.ensemble.version(deltaX: predictsDeltaX) }

    /// Writes the weights, elites, statistics and architecture into `root`. Throws, writing nothing,
    /// when a weight breaks the rule `read(fromFile:)` enforces (`ModelTensors.nonFiniteProblem`).
    public func write(to root: HDF5Group, env: String) throws {
        let values = network.parameters.array
        for entry in layout.entries {
            if let problem = ModelTensors.nonFiniteProblem(values[entry.range], shape: entry.shape) {
                throw HDF5Error(path: root.file.displayPath, "not written: \(entry.name) \(problem)")
            }
        }
        for entry in layout.entries {
            try ModelTensors.write(entry, of: values, to: root)
        }
        try stats.write(to: try root.createGroup("stats"))
        let members = try root.createGroup("members")
        try members.write(elites.map { Int64($0) }, shape: [elites.count], to: "elites")
        try root.setAttribute("env", env)
        try root.setAttribute("input_size", config.inputSize)
        try root.setAttribute("output_size", config.outputSize)
        try root.setAttribute("hidden", config.hidden)
        try root.setAttribute("depth", config.depth)
        try root.setAttribute("members", config.members)
        try root.setAttribute("activation", config.activation.rawValue)
        try root.setAttribute("deterministic", config.deterministic)
    }

    /// Reads an ensemble file: format, architecture, every `state_dict` key with its exact shape and
    /// finite values, elites (distinct, in range) and statistics.
    public static func read(fromFile path: String) throws -> (model: EnsembleModel, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let version = try FileFormat.ensemble.check(root)
        func positive(_ name: String) throws -> Int { try ModelTensors.positiveAttribute(root, name) }
        let inputSize = try positive("input_size"), outputSize = try positive("output_size"),
            hidden = try positive("hidden")
        let depth = try positive("depth"), members = try positive("members")
        guard depth <= 16, hidden <= 4096, inputSize <= 4096, outputSize <= 4096, members <= 64 else {
            throw HDF5Error(
                path: path,
                "architecture attributes are out of range (depth \(depth), "
                    + "hidden \(hidden), sizes \(inputSize)/\(outputSize), members \(members))")
        }
        let name = try root.stringAttribute("activation")
        guard let activation = Activation(rawValue: name) else {
            throw HDF5Error(
                path: path, object: "@activation",
                "is '\(name)', expected one "
                    + "of \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let config = EnsembleConfiguration(
            inputSize: inputSize, outputSize: outputSize, hidden: hidden, depth: depth, members: members,
            activation: activation, deterministic: try root.boolAttribute("deterministic"))
        let parameterBytes = 4 * EnsembleLayout(config).parameterCount
        guard parameterBytes <= max(1 << 26, 16 * file.sizeOnDisk) else {
            throw HDF5Error(
                path: path,
                "claims an ensemble \(config) of \(parameterBytes) bytes "
                    + "of weights, more than the file holds")
        }
        // The members and their gradients are allocated before the weights are read into them: within
        // the memory this process may use, or one error naming the file (not an abort).
        try MemoryBudget.check(
            MemoryBudget.product([parameterBytes, 2]), for: "\(path): the ensemble \(config) and its gradients")
        let network = EnsembleMLP<Float>(config, capacity: 1)
        let stats = try NormalizationStats.read(from: try root.openGroup("stats"))
        guard stats.observationSize + stats.actionSize == inputSize, stats.targetSize == outputSize else {
            throw HDF5Error(
                path: path, object: "stats",
                "statistics for observations of "
                    + "size \(stats.observationSize) and actions of "
                    + "size \(stats.actionSize)\(stats.hasDeltaX ? " with Δx" : "") do not fit the ensemble \(config)")
        }
        guard (version == FileFormat.ensemble.deltaXVersion) == stats.hasDeltaX else {
            throw HDF5Error(
                path: path,
                "is \(version), but its statistics \(stats.hasDeltaX ? "have" : "lack") Δx "
                    + "(delta_x_residual_mean, delta_x_residual_std), which \(FileFormat.ensemble.deltaXVersion!) and "
                    + "only it has")
        }
        for entry in network.layout.entries {
            try ModelTensors.read(entry, from: root, into: network.parameters, owner: "the ensemble \(config)") {
                ModelTensors.nonFiniteProblem($0, shape: entry.shape)
            }
        }
        let elites = try root.read("members/elites", as: Int64.self)
        guard elites.rank == 1, !elites.values.isEmpty, Set(elites.values).count == elites.values.count,
            elites.values.allSatisfy({ $0 >= 0 && $0 < members })
        else {
            throw HDF5Error(path: path, object: "members/elites", "must list distinct member indices in 0..<\(members)")
        }
        let env = root.hasAttribute("env") ? try root.stringAttribute("env") : "unknown"
        try file.close()
        return (
            EnsembleModel(config: config, stats: stats, network: network, elites: elites.values.map { Int($0) }), env
        )
    }
}
