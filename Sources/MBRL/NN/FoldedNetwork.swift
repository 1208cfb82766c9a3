/// A trained `DynamicsModel` compiled for fast batched prediction in evaluation mode: the predicted
/// raw state change Δs = P(s, a), with every affine step folded into the linear layers.
///
/// Folding (exact up to rounding): the input normalization into the first layer
/// (W ← W·diag(1/σₓ), b ← b − W·(μₓ/σₓ)); each evaluation-mode batch norm into the linear layer
/// before it (with s = γ/√(running_var + ε): W ← diag(s)·W, b ← s⊙(b − running_mean) + β); and the
/// output unnormalization into the last layer (W ← diag(σ_Δ)·W, b ← σ_Δ⊙b + μ_Δ). What remains per
/// hidden layer is one GEMM and one fused bias-and-ReLU pass.
///
/// Buffers for `capacity` rows are allocated once; `predictDelta` allocates nothing. One instance
/// must not be used from two threads at once (give each thread its own `copy()`).
public final class FoldedNetwork {
    public let observationSize: Int
    public let actionSize: Int
    public let capacity: Int
    let widths: [Int]             // input, hidden..., output
    let weights: [Buffer<Float>]  // per layer, (out, in) row-major
    let biases: [Buffer<Float>]
    let activations: [Buffer<Float>]  // per layer output, capacity × width

    /// Folds `model` for batches of up to `capacity` rows.
    public init(_ model: DynamicsModel, capacity: Int) {
        let config = model.config, stats = model.stats, network = model.network, layout = network.layout
        observationSize = model.observationSize
        actionSize = model.actionSize
        self.capacity = capacity
        widths = [config.inputSize] + Array(repeating: config.hidden, count: config.depth) + [config.outputSize]
        var weights: [[Float]] = [], biases: [[Float]] = []
        let p = network.parameters, b = network.buffers
        for l in 0...config.depth {
            let (input, output) = config.linearShape(l)
            var w = (0..<(input * output)).map { p[layout.weightOffset[l] + $0] }
            var bias = (0..<output).map { p[layout.biasOffset[l] + $0] }
            if l == 0 {
                let mean = stats.stateMean + stats.actionMean, std = stats.stateStd + stats.actionStd
                for o in 0..<output {
                    for i in 0..<input {
                        bias[o] -= w[o * input + i] * mean[i] / std[i]
                        w[o * input + i] /= std[i]
                    }
                }
            }
            if l < config.depth && config.batchNorm {
                for o in 0..<output {
                    let s = p[layout.gammaOffset[l] + o] / (b[layout.varianceOffset[l] + o] + network.epsilon).squareRoot()
                    for i in 0..<input { w[o * input + i] *= s }
                    bias[o] = s * (bias[o] - b[layout.meanOffset[l] + o]) + p[layout.betaOffset[l] + o]
                }
            }
            if l == config.depth {
                for o in 0..<output {
                    for i in 0..<input { w[o * input + i] *= stats.deltaStateStd[o] }
                    bias[o] = stats.deltaStateStd[o] * bias[o] + stats.deltaStateMean[o]
                }
            }
            weights.append(w)
            biases.append(bias)
        }
        self.weights = weights.map { Buffer($0) }
        self.biases = biases.map { Buffer($0) }
        activations = widths.dropFirst().map { Buffer(count: $0 * capacity) }
    }

    /// Another instance with the same weights and its own buffers (for another thread).
    public func copy() -> FoldedNetwork { FoldedNetwork(copying: self) }

    private init(copying other: FoldedNetwork) {
        observationSize = other.observationSize
        actionSize = other.actionSize
        capacity = other.capacity
        widths = other.widths
        weights = other.weights.map { Buffer($0.array) }
        biases = other.biases.map { Buffer($0.array) }
        activations = widths.dropFirst().map { Buffer(count: $0 * other.capacity) }
    }

    /// The predicted state change for `count` rows of raw inputs `[s, a]` (count × (obs + act));
    /// returns a pointer to count × obs values, valid until the next call.
    @inline(__always)
    public func predictDelta(inputs: UnsafePointer<Float>, count: Int) -> UnsafePointer<Float> {
        precondition(count <= capacity, "\(count) rows exceed the capacity \(capacity)")
        var source = inputs
        let layers = widths.count - 1
        for l in 0..<layers {
            let input = widths[l], output = widths[l + 1]
            let out = activations[l].pointer, bias = biases[l].pointer
            BLAS.gemm(transposeA: false, transposeB: true, m: count, n: output, k: input,
                      a: source, b: weights[l].pointer, beta: 0, c: out)
            if l < layers - 1 {
                // Fused bias and ReLU, one pass over the layer's output.
                for r in 0..<count {
                    let row = out + r * output
                    for j in 0..<output { row[j] = max(row[j] + bias[j], 0) }
                }
            } else {
                for r in 0..<count {
                    let row = out + r * output
                    for j in 0..<output { row[j] += bias[j] }
                }
            }
            source = UnsafePointer(out)
        }
        return source
    }
}
