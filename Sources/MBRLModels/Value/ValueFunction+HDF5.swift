import MBRLCore

/// Value files (`mbrl.value/1`, docs/FORMATS.md): the network's `state_dict` as PyTorch names it (a
/// `nn.Sequential` of `Linear → ReLU` blocks and a last `Linear` to one output), the observations'
/// normalization in `stats/`, and the attributes `input_size`, `hidden`, `depth`, `discount`,
/// `return_mean`, `return_std` and `env`.
extension ValueFunction {
    /// Writes the weights, the normalization and the attributes into `root`.
    public func write(to root: HDF5Group, env: String) throws {
        try network.writeStateDict(to: root)
        let stats = try root.createGroup("stats")
        try stats.write(observationMean, shape: [observationMean.count], to: "observation_mean")
        try stats.write(observationStd, shape: [observationStd.count], to: "observation_std")
        try root.setAttribute("env", env)
        try root.setAttribute("input_size", config.inputSize)
        try root.setAttribute("hidden", config.hidden)
        try root.setAttribute("depth", config.depth)
        // The shortest decimal of the Float (0.9, not 0.8999999761581421): it reads back to the same Float.
        try root.setAttribute("discount", Double("\(discount)") ?? Double(discount))
        try root.setAttribute("return_mean", Double(returnMean))
        try root.setAttribute("return_std", Double(returnStd))
    }

    /// Reads a value file: format, architecture, every weight with its exact shape and finite values,
    /// the normalization (finite, standard deviations > 0) and the discount (in (0, 1]); each problem is
    /// named with the file.
    public static func read(fromFile path: String) throws -> (function: ValueFunction, env: String) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        guard root.hasAttribute("format") else {
            throw HDF5Error(path: path, "has no 'format' attribute; expected a value file (\(fileFormat))")
        }
        let format = try root.stringAttribute("format")
        guard format == fileFormat else {
            throw HDF5Error(path: path, "has format '\(format)', expected a value file (\(fileFormat))")
        }
        let inputSize = try ModelTensors.positiveAttribute(root, "input_size"),
            hidden = try ModelTensors.positiveAttribute(root, "hidden"), depth = try root.intAttribute("depth")
        guard depth >= 0, depth <= 16, hidden <= 4096, inputSize <= 4096 else {
            throw HDF5Error(
                path: path,
                "architecture attributes are out of range (depth \(depth), hidden \(hidden), "
                    + "input size \(inputSize))")
        }
        let config = configuration(observationSize: inputSize, hidden: hidden, depth: depth)
        let parameterBytes = 4 * ParameterLayout(config).parameterCount
        guard parameterBytes <= max(1 << 26, 16 * file.sizeOnDisk) else {
            throw HDF5Error(
                path: path, "claims a network \(config) of \(parameterBytes) bytes of weights, more than the file holds"
            )
        }
        let stats = try root.openGroup("stats")
        var vectors: [[Float]] = []
        for name in ["observation_mean", "observation_std"] {
            let v = try stats.readMatrix(name, columns: nil)
            guard v.values.count == inputSize else {
                throw stats.error(name, "has \(v.values.count) values, expected input_size \(inputSize)")
            }
            if let bad = v.values.firstIndex(where: { !$0.isFinite || (name.hasSuffix("std") && $0 <= 0) }) {
                throw stats.error(name, "holds \(v.values[bad]) at index \(bad)")
            }
            vectors.append(v.values)
        }
        let discount = try root.doubleAttribute("discount")
        guard discount > 0, discount <= 1 else {
            throw HDF5Error(path: path, object: "@discount", "must be in (0, 1], is \(discount)")
        }
        let returnMean = try root.doubleAttribute("return_mean"), returnStd = try root.doubleAttribute("return_std")
        guard returnMean.isFinite, Float(returnMean).isFinite else {
            throw HDF5Error(path: path, object: "@return_mean", "must be a finite number, is \(returnMean)")
        }
        guard returnStd > 0, Float(returnStd).isFinite else {
            throw HDF5Error(path: path, object: "@return_std", "must be positive and finite, is \(returnStd)")
        }
        // As the model readers: the network and its gradients within the memory this process may use,
        // or one error naming the file (not an abort).
        try MemoryBudget.check(
            MemoryBudget.product([parameterBytes, 2]), for: "\(path): the value network \(config) and its gradients")
        let network = MLP<Float>(config)
        try network.loadStateDict(from: root)
        let env = root.hasAttribute("env") ? try root.stringAttribute("env") : "unknown"
        try file.close()
        let function = ValueFunction(
            config: config, observationMean: vectors[0], observationStd: vectors[1], returnMean: Float(returnMean),
            returnStd: Float(returnStd), discount: Float(discount), network: network)
        return (function, env)
    }

    /// The first weight `read(fromFile:)` would refuse, or nil.
    public var stateDictProblem: String? { network.stateDictProblem }
}
