/// Where each named tensor of a network lives in its flat storage.
///
/// Trainable parameters share one flat vector (so the optimizer is a single loop), batch-norm running
/// statistics another. Names are the keys of the notebook's PyTorch `Model.state_dict()`
/// (`model.network.0.weight`), shapes are PyTorch's (a Linear weight is (out, in)).
public struct ParameterLayout {
    public typealias Entry = TensorEntry

    /// Trainable parameters (weights, biases, batch-norm γ and β), in `state_dict` order.
    public private(set) var parameters: [Entry] = []
    /// Batch-norm running means and variances, in `state_dict` order.
    public private(set) var buffers: [Entry] = []
    public private(set) var parameterCount = 0
    public private(set) var bufferCount = 0

    /// Offsets by layer, for the network's own loops.
    var weightOffset: [Int] = [], biasOffset: [Int] = []
    var gammaOffset: [Int] = [], betaOffset: [Int] = []
    var meanOffset: [Int] = [], varianceOffset: [Int] = []
    /// `state_dict` keys of the `num_batches_tracked` counters, one per batch-norm layer.
    public private(set) var batchCounterNames: [String] = []

    init(_ config: MLPConfiguration, prefix: String = "model.network.") {
        for l in 0...config.depth {
            let (input, output) = config.linearShape(l)
            let index = config.sequentialIndex(linear: l)
            weightOffset.append(addParameter("\(prefix)\(index).weight", [output, input]))
            biasOffset.append(addParameter("\(prefix)\(index).bias", [output]))
            if config.batchNorm && l < config.depth {
                let bn = "\(prefix)\(index + 1)."
                gammaOffset.append(addParameter(bn + "weight", [output]))
                betaOffset.append(addParameter(bn + "bias", [output]))
                meanOffset.append(addBuffer(bn + "running_mean", [output]))
                varianceOffset.append(addBuffer(bn + "running_var", [output]))
                batchCounterNames.append(bn + "num_batches_tracked")
            }
        }
    }

    private mutating func addParameter(_ name: String, _ shape: [Int]) -> Int {
        let entry = Entry(name: name, shape: shape, offset: parameterCount)
        parameters.append(entry)
        parameterCount += entry.count
        return entry.offset
    }

    private mutating func addBuffer(_ name: String, _ shape: [Int]) -> Int {
        let entry = Entry(name: name, shape: shape, offset: bufferCount)
        buffers.append(entry)
        bufferCount += entry.count
        return entry.offset
    }

    /// Every `state_dict` key in PyTorch's order (per module: weight, bias, running_mean, running_var,
    /// num_batches_tracked).
    public var stateDictKeys: [String] {
        var keys: [String] = []
        for p in parameters {
            keys.append(p.name)
            if p.name.hasSuffix(".bias"),
                let b = buffers.first(where: {
                    $0.name == p.name.replacingOccurrences(of: ".bias", with: ".running_mean")
                })
            {
                keys += [
                    b.name, b.name.replacingOccurrences(of: "running_mean", with: "running_var"),
                    b.name.replacingOccurrences(of: "running_mean", with: "num_batches_tracked")
                ]
            }
        }
        return keys
    }
}
