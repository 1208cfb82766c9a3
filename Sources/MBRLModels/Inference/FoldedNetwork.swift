import MBRLCore

/// A trained `DynamicsModel` compiled for fast batched prediction in evaluation mode: the predicted
/// raw state change Δs = P(s, a) (and Δx after it, for a model that predicts Δx), with every affine
/// step folded into the linear layers.
///
/// Folding (exact up to rounding): the input normalization into the first layer
/// (W ← W·diag(1/σₓ), b ← b − W·(μₓ/σₓ)); each evaluation-mode batch norm into the linear layer
/// before it (with s = γ/√(running_var + ε): W ← diag(s)·W, b ← s⊙(b − running_mean) + β); and the
/// output unnormalization into the last layer (W ← diag(σ_Δ)·W, b ← σ_Δ⊙b + μ_Δ, with Δx's σ and μ
/// for its output; `LayerFolding`, shared with `EnsembleDynamics`, folds the normalizations). What
/// remains per hidden layer is one GEMM and one fused bias-and-ReLU pass.
///
/// Buffers for `capacity` rows are allocated once; `predictDelta` allocates nothing. One instance
/// must not be used from two threads at once (give each thread its own `copy()`).
public final class FoldedNetwork {
    public let observationSize: Int
    public let actionSize: Int
    /// Outputs per row: the state change, then Δx when the model predicts it.
    public let outputSize: Int
    public let capacity: Int
    let widths: [Int]  // input, hidden..., output
    let weights: [Buffer<Float>]  // per layer, (out, in) row-major
    let biases: [Buffer<Float>]
    let activations: [Buffer<Float>]  // per layer output, capacity × width
    let firstLayerTransposed: Buffer<Float>  // Wᵀ of layer 0, (input, output)
    /// Per layer, its weight in bf16 when the layer's product runs in bf16 (`PlanningPrecision`),
    /// else nil.
    let reducedWeights: [BF16Matrix?]

    /// Bytes building a folded network of `config` for `capacity` rows takes at its peak (Float32): the
    /// folded weights and biases twice (the arrays they are folded in, and the buffers they are copied
    /// to), layer 0's transposed weight, and every layer's activations for `capacity` rows; nil on
    /// overflow. Checked with `MemoryBudget` before a stage builds one (bf16 copies are not counted:
    /// they are half the hidden weights, on the machines that have them).
    public static func byteCount(_ config: MLPConfiguration, capacity: Int) -> Int? {
        let shapes = (0...config.depth).map(config.linearShape)
        let parameters = MemoryBudget.sum(shapes.map { MemoryBudget.sum([MemoryBudget.product([$0, $1]), $1]) })
        return MemoryBudget.product([
            MemoryBudget.sum([
                MemoryBudget.product([parameters ?? -1, 2]), MemoryBudget.product([shapes[0].input, shapes[0].output]),
                MemoryBudget.product([capacity, shapes.map(\.output).reduce(0, +)])
            ]) ?? -1, 4
        ])
    }

    /// Folds `model` for batches of up to `capacity` rows. With `precision` `.bf16` (which needs
    /// `BF16Matrix.isAvailable`), the products between hidden layers are bf16 (`PlanningPrecision`).
    public init(_ model: DynamicsModel, capacity: Int, precision: PlanningPrecision = .fp32) {
        let config = model.config, stats = model.stats, network = model.network, layout = network.layout
        observationSize = model.observationSize
        actionSize = model.actionSize
        outputSize = config.outputSize
        self.capacity = capacity
        widths = [config.inputSize] + Array(repeating: config.hidden, count: config.depth) + [config.outputSize]
        var weights: [[Float]] = [], biases: [[Float]] = []
        let p = network.parameters, b = network.buffers
        for l in 0...config.depth {
            let (input, output) = config.linearShape(l)
            var w = (0..<(input * output)).map { p[layout.weightOffset[l] + $0] }
            var bias = (0..<output).map { p[layout.biasOffset[l] + $0] }
            let folding = LayerFolding.outputMajor(inputs: input, outputs: output)
            if l == 0 {
                folding.foldInputNormalization(
                    weight: &w, bias: &bias, mean: stats.stateMean + stats.actionMean,
                    std: stats.stateStd + stats.actionStd)
            }
            if l < config.depth && config.batchNorm {
                for o in 0..<output {
                    let s =
                        p[layout.gammaOffset[l] + o] / (b[layout.varianceOffset[l] + o] + network.epsilon).squareRoot()
                    for i in 0..<input { w[o * input + i] *= s }
                    bias[o] = s * (bias[o] - b[layout.meanOffset[l] + o]) + p[layout.betaOffset[l] + o]
                }
            }
            if l == config.depth {
                folding.foldOutputUnnormalization(weight: &w, bias: &bias, mean: stats.targetMean, std: stats.targetStd)
            }
            weights.append(w)
            biases.append(bias)
        }
        self.weights = weights.map { Buffer($0) }
        self.biases = biases.map { Buffer($0) }
        activations = widths.dropFirst().map { Buffer(count: $0 * capacity) }
        firstLayerTransposed = Self.transpose(weights[0], rows: widths[1], columns: widths[0])
        let widths = widths, packed = self.weights
        let reduced = Self.precision(of: config, asked: precision) == .bf16
        reducedWeights = widths.indices.dropLast().map { l in
            reduced && l > 0 && l < widths.count - 2
                ? BF16Matrix(weight: packed[l].pointer, output: widths[l + 1], input: widths[l]) : nil
        }
    }

    static func transpose(_ m: [Float], rows: Int, columns: Int) -> Buffer<Float> {
        let t = Buffer<Float>(count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = m[r * columns + c] } }
        return t
    }

    /// Another instance with the same weights and its own buffers (for another thread).
    public func copy() -> FoldedNetwork { FoldedNetwork(copying: self) }

    private init(copying other: FoldedNetwork) {
        observationSize = other.observationSize
        actionSize = other.actionSize
        outputSize = other.outputSize
        capacity = other.capacity
        widths = other.widths
        weights = other.weights.map { Buffer($0.array) }
        biases = other.biases.map { Buffer($0.array) }
        activations = widths.dropFirst().map { Buffer(count: $0 * other.capacity) }
        firstLayerTransposed = Buffer(other.firstLayerTransposed.array)
        reducedWeights = other.reducedWeights.map { $0?.copy() }
    }

    /// The precision the products between hidden layers of a network of `config` compute in when
    /// `asked` is asked for (and available): bf16 only where there is such a product, two hidden layers
    /// or more; fp32 otherwise.
    public static func precision(of config: MLPConfiguration, asked: PlanningPrecision) -> PlanningPrecision {
        asked == .bf16 && config.depth >= 2 ? .bf16 : .fp32
    }

    /// The precision of the products between hidden layers.
    public var precision: PlanningPrecision { reducedWeights.contains { $0 != nil } ? .bf16 : .fp32 }

    /// The predicted state change for `count` rows of raw inputs `[s, a]` (count × (obs + act));
    /// returns a pointer to count × `outputSize` values (the state change, then Δx when predicted),
    /// valid until the next call.
    ///
    /// The hidden layers between two hidden widths are one SGEMM each plus a fused pass for the ReLU.
    /// A product starts from the bias in every row (SGEMM with β = 1): it adds the bias in its own
    /// rounding, fl(Σ + b), as adding it afterwards does, and spares OpenBLAS's pass that zeroes C; the
    /// ReLU then comes in the pass that also lays the next product's bias. A reduced-precision product
    /// (`reducedWeights`), or one of more than `biasFirstDepth` terms, overwrites its output instead,
    /// and its bias is added in that pass, before the ReLU.
    ///
    /// A first layer of a handful of inputs and a last of a handful of outputs (Pendulum's) are too thin
    /// for SGEMM to reach speed (its packing dominates), so they are written as loops that vectorize:
    /// the first over output columns, the last as SIMD dot products along the hidden width (timings in
    /// docs/PERFORMANCE.md). Wider ones (the MuJoCo tasks') are SGEMMs: see `thinInputWidth`,
    /// `thinOutputWidth`.
    @inline(__always)
    public func predictDelta(inputs: UnsafePointer<Float>, count: Int) -> UnsafePointer<Float> {
        precondition(count <= capacity, "\(count) rows exceed the capacity \(capacity)")
        let out = activations[activations.count - 1].pointer
        guard widths.count > 2 else {
            // No hidden layer: the whole network is one affine map.
            Self.affine(
                inputs, rows: count, input: widths[0], output: widths[1], weight: weights[0].pointer,
                bias: biases[0].pointer, into: out)
            return UnsafePointer(out)
        }
        let last = widths.count - 2
        // `source` is the last hidden layer computed; it still needs its ReLU when `pendingReLU` is set,
        // and its bias first when `pendingBias` is (a product that did not start from it).
        var source = activations[0].pointer
        var pendingBias: UnsafePointer<Float>? = nil
        var pendingReLU = false
        if widths[0] <= Self.thinInputWidth {
            Self.thinInputLayer(
                inputs, rows: count, input: widths[0], output: widths[1],
                transposedWeight: firstLayerTransposed.pointer, bias: biases[0].pointer, into: source)
        } else {
            // Many inputs (HalfCheetah's 23, Ant's 35): one SGEMM.
            let fromBias = widths[0] <= Self.biasFirstDepth
            if fromBias { Self.fill(source, rows: count, width: widths[1], with: biases[0].pointer) }
            BLAS.gemm(
                transposeA: false, transposeB: true, m: count, n: widths[1], k: widths[0],
                a: inputs, b: weights[0].pointer, beta: fromBias ? 1 : 0, c: source)
            pendingBias = fromBias ? nil : UnsafePointer(biases[0].pointer)
            pendingReLU = true
        }
        for l in 1..<last {
            let next = activations[l].pointer
            pendingBias = product(l, of: source, rows: count, adding: pendingBias, rectifying: pendingReLU, into: next)
            source = next
            pendingReLU = true
        }
        let input = widths[last], output = widths[last + 1]
        if output <= Self.thinOutputWidth {
            Self.affine(
                source, rows: count, input: input, output: output, weight: weights[last].pointer,
                bias: biases[last].pointer, inputBias: pendingBias, rectifyingInput: pendingReLU, into: out)
        } else {
            // Many outputs (HalfCheetah's 17, Ant's 27): one SGEMM after one pass of the pending ReLU;
            // dot products per output would redo that pass once per output.
            let lacking = product(
                last, of: source, rows: count, adding: pendingBias, rectifying: pendingReLU, into: out)
            if let bias = lacking {
                for r in 0..<count {
                    let row = out + r * output
                    for j in 0..<output { row[j] += bias[j] }
                }
            }
        }
        return UnsafePointer(out)
    }

    /// Products of at most this many terms (a layer's inputs) start from the bias (SGEMM with β = 1).
    /// OpenBLAS sums a product's terms in one pass when there are at most its kernel's `GEMM_Q` of them
    /// (in 0.3.21: 320 on Haswell, Zen, Cooperlake and Sapphire Rapids, 448 on SkylakeX); beyond, in
    /// blocks, and a bias laid in C first would enter the sum before the second block, not after the
    /// last. So wider layers take the bias in the pass after their product, which gives the same bits
    /// either way, and so do all layers under the older kernels, some of whose blocks are shorter
    /// (168 terms on Bulldozer): 0 there.
    static let biasFirstDepth = OpenBLASKernel.level(ofKernel: OpenBLASKernel.name) >= .avx2 ? 256 : 0

    /// Layer `l`'s product of `source` (rows × widths[l]) into `next` (rows × widths[l + 1]), after
    /// finishing `source` (`bias` added and the ReLU applied when given and set) in a pass that also
    /// lays layer `l`'s bias into `next` when the product starts from it. Returns the bias `next` still
    /// lacks: nil when the product started from it.
    @inline(__always)
    private func product(
        _ l: Int, of source: UnsafeMutablePointer<Float>, rows count: Int, adding bias: UnsafePointer<Float>?,
        rectifying: Bool, into next: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float>? {
        let input = widths[l], output = widths[l + 1], layerBias = UnsafePointer(biases[l].pointer)
        if let reduced = reducedWeights[l] {
            if rectifying { Self.rectify(source, rows: count, width: input, adding: bias) }
            reduced.multiply(source, rows: count, into: next)
            return layerBias
        }
        let fromBias = input <= Self.biasFirstDepth
        if fromBias {
            Self.rectify(
                source, rows: count, width: input, adding: bias, rectifying: rectifying, filling: next,
                width: output, with: layerBias)
        } else if rectifying {
            Self.rectify(source, rows: count, width: input, adding: bias)
        }
        BLAS.gemm(
            transposeA: false, transposeB: true, m: count, n: output, k: input,
            a: source, b: weights[l].pointer, beta: fromBias ? 1 : 0, c: next)
        return fromBias ? nil : layerBias
    }

    /// Up to this many outputs, the last layer is written as SIMD dot products (`affine`); beyond, it
    /// is an SGEMM. The bound was chosen by timing both forms with `make bench`: a few outputs
    /// (Pendulum's 3) leave SGEMM's packing dominant, so dot products win; at HalfCheetah's 17 outputs
    /// (and 23 inputs) the SGEMMs win (docs/PERFORMANCE.md).
    public static let thinOutputWidth = 8

    /// Up to this many inputs, the first layer is written as SIMD loops (`thinInputLayer`); beyond, it
    /// is an SGEMM (chosen with `thinOutputWidth`).
    public static let thinInputWidth = 8

    /// Every row of `x` (`rows` × `width`) set to `values` (`width` values).
    @inline(__always)
    static func fill(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, with values: UnsafePointer<Float>) {
        for r in 0..<rows { (x + r * width).update(from: values, count: width) }
    }

    /// `x = relu(x + bias)` in place (`relu(x)` without `bias`), for `rows` rows of `width` values.
    @inline(__always)
    static func rectify(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, adding bias: UnsafePointer<Float>?) {
        for r in 0..<rows { rectifyRow(x + r * width, width: width, adding: bias) }
    }

    /// In one pass over the rows: `x = relu(x + bias)` in place (`relu(x)` without `bias`; nothing
    /// when `rectifying` is false), and every row of `next` (`rows` × `nextWidth`) set to `nextBias`.
    @inline(__always)
    static func rectify(
        _ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, adding bias: UnsafePointer<Float>?,
        rectifying: Bool, filling next: UnsafeMutablePointer<Float>, width nextWidth: Int,
        with nextBias: UnsafePointer<Float>
    ) {
        for r in 0..<rows {
            if rectifying { rectifyRow(x + r * width, width: width, adding: bias) }
            (next + r * nextWidth).update(from: nextBias, count: nextWidth)
        }
    }

    @inline(__always)
    private static func rectifyRow(_ row: UnsafeMutablePointer<Float>, width: Int, adding bias: UnsafePointer<Float>?) {
        if let bias {
            for j in 0..<width { row[j] = max(row[j] + bias[j], 0) }
        } else {
            for j in 0..<width { row[j] = max(row[j], 0) }
        }
    }

    /// `out = relu(x Wᵀ + b)` for a layer with few inputs, from Wᵀ (input × output): per row, the
    /// output row is the bias plus `input` scaled rows of Wᵀ, accumulated in SIMD registers 16 outputs
    /// at a time (one store per output, no reloads), then clamped at zero.
    @inline(__always)
    static func thinInputLayer(
        _ x: UnsafePointer<Float>, rows: Int, input: Int, output: Int,
        transposedWeight wt: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let vectorEnd = output & ~15
        let wtRaw = UnsafeRawPointer(wt), biasRaw = UnsafeRawPointer(bias), outRaw = UnsafeMutableRawPointer(out)
        let zero = SIMD16<Float>(repeating: 0)
        for r in 0..<rows {
            let xr = x + r * input
            var j = 0
            while j < vectorEnd {
                var acc = biasRaw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                for i in 0..<input {
                    acc +=
                        SIMD16(repeating: xr[i])
                        * wtRaw.loadUnaligned(fromByteOffset: (i * output + j) * 4, as: SIMD16<Float>.self)
                }
                outRaw.storeBytes(
                    of: acc.replacing(with: zero, where: acc .< zero), toByteOffset: (r * output + j) * 4,
                    as: SIMD16<Float>.self)
                j += 16
            }
            while j < output {
                var sum = bias[j]
                for i in 0..<input { sum += xr[i] * wt[i * output + j] }
                out[r * output + j] = max(sum, 0)
                j += 1
            }
        }
    }

    /// `out = x' Wᵀ + b` with W (output × input), as SIMD dot products along `input` (for few
    /// outputs), where x' = relu(x + inputBias) when `inputBias` is given, relu(x) when
    /// `rectifyingInput` is set, and x otherwise.
    @inline(__always)
    static func affine(
        _ x: UnsafePointer<Float>, rows: Int, input: Int, output: Int,
        weight w: UnsafePointer<Float>, bias: UnsafePointer<Float>, inputBias: UnsafePointer<Float>? = nil,
        rectifyingInput: Bool = false, into out: UnsafeMutablePointer<Float>
    ) {
        let rectify = inputBias != nil || rectifyingInput
        let vectorEnd = input & ~7
        let xRaw = UnsafeRawPointer(x), wRaw = UnsafeRawPointer(w)
        let zero = SIMD8<Float>(repeating: 0)
        if output <= 4 && vectorEnd == input {
            // Few outputs (a state change): read each input row once, with up to four accumulators.
            for r in 0..<rows {
                var acc = (zero, zero, zero, zero)
                for j in stride(from: 0, to: input, by: 8) {
                    var xv = xRaw.loadUnaligned(fromByteOffset: (r * input + j) * 4, as: SIMD8<Float>.self)
                    if let inputBias {
                        xv += UnsafeRawPointer(inputBias).loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    }
                    if rectify { xv = xv.replacing(with: zero, where: xv .< zero) }
                    acc.0 += xv * wRaw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    if output > 1 {
                        acc.1 += xv * wRaw.loadUnaligned(fromByteOffset: (input + j) * 4, as: SIMD8<Float>.self)
                    }
                    if output > 2 {
                        acc.2 += xv * wRaw.loadUnaligned(fromByteOffset: (2 * input + j) * 4, as: SIMD8<Float>.self)
                    }
                    if output > 3 {
                        acc.3 += xv * wRaw.loadUnaligned(fromByteOffset: (3 * input + j) * 4, as: SIMD8<Float>.self)
                    }
                }
                let row = out + r * output
                row[0] = acc.0.sum() + bias[0]
                if output > 1 { row[1] = acc.1.sum() + bias[1] }
                if output > 2 { row[2] = acc.2.sum() + bias[2] }
                if output > 3 { row[3] = acc.3.sum() + bias[3] }
            }
            return
        }
        for r in 0..<rows {
            for o in 0..<output {
                var acc = SIMD8<Float>(repeating: 0)
                var j = 0
                while j < vectorEnd {
                    var xv = xRaw.loadUnaligned(fromByteOffset: (r * input + j) * 4, as: SIMD8<Float>.self)
                    if let inputBias {
                        xv += UnsafeRawPointer(inputBias).loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                    }
                    if rectify { xv = xv.replacing(with: zero, where: xv .< zero) }
                    let wv = wRaw.loadUnaligned(fromByteOffset: (o * input + j) * 4, as: SIMD8<Float>.self)
                    acc += xv * wv
                    j += 8
                }
                var sum = acc.sum()
                while j < input {
                    var xj = x[r * input + j]
                    if let inputBias { xj += inputBias[j] }
                    if rectify { xj = max(xj, 0) }
                    sum += xj * w[o * input + j]
                    j += 1
                }
                out[r * output + o] = sum + bias[o]
            }
        }
    }
}
