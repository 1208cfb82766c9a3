import MBRLCore

/// The shape of the dynamics network: the notebook's `MLP`, `depth` blocks of
/// `Linear -> BatchNorm1d -> ReLU` (or `Linear -> ReLU` without batch norm) of width `hidden`, then a
/// `Linear` to `outputSize`.
public struct MLPConfiguration: Equatable, CustomStringConvertible {
    public var inputSize: Int
    public var outputSize: Int
    public var hidden: Int
    public var depth: Int
    public var batchNorm: Bool

    public init(inputSize: Int, outputSize: Int, hidden: Int = 64, depth: Int = 2, batchNorm: Bool = true) {
        precondition(inputSize > 0 && outputSize > 0 && hidden > 0 && depth >= 0)
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.hidden = hidden
        self.depth = depth
        self.batchNorm = batchNorm
    }

    /// Input and output width of linear layer `l` (0...depth).
    func linearShape(_ l: Int) -> (input: Int, output: Int) {
        (l == 0 ? inputSize : hidden, l == depth ? outputSize : hidden)
    }

    /// The index of linear layer `l` in the notebook's `nn.Sequential` (each block is 3 modules with
    /// batch norm, 2 without), which names its `state_dict` keys.
    func sequentialIndex(linear l: Int) -> Int { l * (batchNorm ? 3 : 2) }

    /// Bytes of the training workspace for minibatches of `rows` rows (Float32: the input, the
    /// output, three hidden buffers per block and two gradient buffers of the widest layer), or nil
    /// when the count overflows. Checked with `MemoryBudget` before training starts.
    public func trainingBytes(rows: Int) -> Int? {
        let wide = max(hidden, outputSize, inputSize)
        let perRow = MemoryBudget.sum([
            inputSize, outputSize, MemoryBudget.product([3, depth, hidden]), MemoryBudget.product([2, wide])
        ])
        return MemoryBudget.product([rows, perRow ?? -1, 4])
    }

    /// e.g. `4-64-64-3 with batch norm`.
    public var description: String {
        let widths = [inputSize] + Array(repeating: hidden, count: depth) + [outputSize]
        return widths.map(String.init).joined(separator: "-") + (batchNorm ? " with batch norm" : " without batch norm")
    }
}
