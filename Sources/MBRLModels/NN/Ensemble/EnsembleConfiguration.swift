import MBRLCore

/// The shape of a PETS ensemble (mbrl-lib's `GaussianMLP`): `members` independent MLPs with `depth`
/// hidden layers of width `hidden` and the activation `activation`, each ending in one layer that gives
/// a mean and (unless `deterministic`) a log-variance per output, with learned soft bounds on the
/// log-variance shared by all members. No batch norm.
public struct EnsembleConfiguration: Equatable, CustomStringConvertible {
    public var inputSize: Int
    public var outputSize: Int
    public var hidden: Int
    /// Hidden layers (mbrl-lib's `num_layers`), at least 1.
    public var depth: Int
    /// B, the ensemble size.
    public var members: Int
    public var activation: Activation
    /// Whether the last layer gives only a mean (MSE training, no log-variance bounds).
    public var deterministic: Bool

    public init(
        inputSize: Int, outputSize: Int, hidden: Int = 200, depth: Int = 4, members: Int = 5,
        activation: Activation = .silu, deterministic: Bool = false
    ) {
        precondition(inputSize > 0 && outputSize > 0 && hidden > 0 && depth >= 1 && members >= 1)
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.hidden = hidden
        self.depth = depth
        self.members = members
        self.activation = activation
        self.deterministic = deterministic
    }

    /// Outputs of the last layer per member: mean and log-variance (2 × outputSize), or the mean only.
    public var headWidth: Int { deterministic ? outputSize : 2 * outputSize }

    /// Input and output width of layer `l` (0...depth; layer `depth` is `mean_and_logvar`).
    func layerShape(_ l: Int) -> (input: Int, output: Int) {
        (l == 0 ? inputSize : hidden, l == depth ? headWidth : hidden)
    }

    /// Bytes of the training workspace for minibatches of `rows` rows per member (Float32: inputs,
    /// outputs, pre-activations and activations of every hidden layer, two gradient buffers), or nil
    /// on overflow.
    public func trainingBytes(rows: Int) -> Int? {
        let wide = max(hidden, headWidth, inputSize)
        let perRow = MemoryBudget.sum([
            inputSize, 2 * headWidth, MemoryBudget.product([2, depth, hidden]), MemoryBudget.product([2, wide])
        ])
        return MemoryBudget.product([members, rows, perRow ?? -1, 4])
    }

    /// e.g. `5 × 4-200-200-200-200-(3+3) silu, Gaussian`.
    public var description: String {
        let widths = [inputSize] + Array(repeating: hidden, count: depth)
        let head = deterministic ? "\(outputSize)" : "(\(outputSize)+\(outputSize))"
        return "\(members) × " + widths.map(String.init).joined(separator: "-") + "-\(head) \(activation.rawValue), "
            + (deterministic ? "deterministic" : "Gaussian")
    }
}
