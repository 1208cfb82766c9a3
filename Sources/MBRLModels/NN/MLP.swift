import MBRLCore

/// The notebook's dynamics network with PyTorch's semantics, on row-major buffers through BLAS.
///
/// For a batch `X` of shape (B, inputSize), each hidden block computes
///
///     Z = X Wᵀ + b                                   (Linear; W is (out, in) as in PyTorch)
///     Y = γ ⊙ (Z − μ) / √(σ² + ε) + β                (BatchNorm1d, ε = 1e-5)
///     A = max(Y, 0)                                  (ReLU)
///
/// and the last layer is a Linear. In training mode μ and σ² are the batch's mean and *biased*
/// variance, and the running statistics move by momentum 0.1 toward the batch mean and *unbiased*
/// variance; in evaluation mode the running statistics are used. These are PyTorch's semantics.
///
/// Initialization is PyTorch's default for `nn.Linear` (Kaiming-uniform with a = √5), i.e. weights and
/// biases ~ U(−1/√fan_in, 1/√fan_in), and γ = 1, β = 0, running mean 0, running variance 1: a model
/// trained here starts from the same distribution as the notebook's PyTorch class.
///
/// All parameters live in one flat buffer `parameters` (named by `layout`), their gradients in
/// `gradients`, the batch-norm running statistics in `buffers`. Working memory for up to `capacity`
/// rows is allocated once; `forward`, `mseLoss` and `backward` allocate nothing.
final class MLP<Scalar: NetworkScalar> {
    let config: MLPConfiguration
    let layout: ParameterLayout
    let parameters: Buffer<Scalar>
    let gradients: Buffer<Scalar>
    let buffers: Buffer<Scalar>
    /// `num_batches_tracked` of each batch-norm layer (all equal: every training forward adds one).
    var batchesTracked: Int64 = 0
    let epsilon: Scalar = 1e-5
    let momentum: Scalar = 0.1

    /// Rows the working memory holds.
    private(set) var capacity = 0
    /// Rows of the last forward pass.
    private(set) var rows = 0
    private var lastForwardWasTraining = false
    /// Runs `backward`'s two products of a layer at once when set (a trainer on two threads).
    var workers: WorkerPair?
    private var workspace: Workspace

    /// Working memory for `capacity` rows.
    private final class Workspace {
        let input: Buffer<Scalar>  // B × inputSize
        let output: Buffer<Scalar>  // B × outputSize
        let z: [Buffer<Scalar>]  // per hidden layer, B × hidden, before batch norm
        let xhat: [Buffer<Scalar>]  // per hidden layer, B × hidden, normalized
        let activations: [Buffer<Scalar>]  // per hidden layer, B × hidden, after ReLU
        let inverseStd: [Buffer<Scalar>]  // per hidden layer, hidden: 1/√(σ²+ε) used
        let mean: [Buffer<Scalar>]  // per hidden layer, hidden: μ used
        let gradient: Buffer<Scalar>  // backward: dL/d(current layer output)
        let spare: Buffer<Scalar>  // backward: dL/d(current layer input)
        let columns: Buffer<Scalar>  // backward: a per-column factor of batch norm

        init(_ c: MLPConfiguration, rows: Int) {
            let h = c.hidden * rows, wide = max(c.hidden, c.outputSize, c.inputSize) * rows
            input = Buffer(count: c.inputSize * rows)
            output = Buffer(count: c.outputSize * rows)
            // The rows × hidden buffers that batch norm's forward and backward passes read and write
            // at the same index start 1,344 bytes apart modulo a page (`Buffer(count:pageOffset:)`):
            // each layer's Z, X̂ and A, which its forward pass reads and writes together. The gradient
            // and its spare follow in the sequence; the backward passes read a layer's X̂ and A and
            // update one of them in place, and for depths 1 to 4 a store to it shares its place in a
            // page only with loads of X̂ or A made before it or at least 1,088 bytes after it.
            z = (0..<c.depth).map { Buffer(count: h, pageOffset: MLP.pageOffset(ofRowBuffer: 3 * $0)) }
            xhat = (0..<c.depth).map { Buffer(count: h, pageOffset: MLP.pageOffset(ofRowBuffer: 3 * $0 + 1)) }
            activations = (0..<c.depth).map { Buffer(count: h, pageOffset: MLP.pageOffset(ofRowBuffer: 3 * $0 + 2)) }
            inverseStd = (0..<c.depth).map { _ in Buffer(count: c.hidden) }
            mean = (0..<c.depth).map { _ in Buffer(count: c.hidden) }
            gradient = Buffer(count: wide, pageOffset: MLP.pageOffset(ofRowBuffer: 3 * c.depth))
            spare = Buffer(count: wide, pageOffset: MLP.pageOffset(ofRowBuffer: 3 * c.depth + 1))
            columns = Buffer(count: c.hidden)
        }
    }

    /// The page offset of the workspace's `k`-th rows × width buffer: 0, 1,344, 2,688, 4,032, 1,280, ...:
    /// any three in a row at least 1,344 bytes apart modulo a page.
    static func pageOffset(ofRowBuffer k: Int) -> Int { k * 1_344 % 4_096 }

    init(_ config: MLPConfiguration, capacity: Int = 128) {
        self.config = config
        layout = ParameterLayout(config)
        parameters = Buffer(count: layout.parameterCount)
        gradients = Buffer(count: layout.parameterCount)
        buffers = Buffer(count: layout.bufferCount)
        workspace = Workspace(config, rows: 0)
        if config.batchNorm {
            for l in 0..<config.depth {
                for j in 0..<config.hidden {
                    parameters[layout.gammaOffset[l] + j] = 1
                    buffers[layout.varianceOffset[l] + j] = 1
                }
            }
        }
        reserve(rows: capacity)
    }

    /// Makes the working memory hold at least `rows` rows (allocates only when it grows).
    func reserve(rows needed: Int) {
        guard needed > capacity else { return }
        capacity = needed
        workspace = Workspace(config, rows: needed)
    }

    /// The output of the last forward pass (rows × outputSize).
    var output: UnsafeMutablePointer<Scalar> { workspace.output.pointer }

    /// PyTorch's default initialization (see the type's documentation), drawn from `rng`.
    func initialize(using rng: inout RandomGenerator) {
        for l in 0...config.depth {
            let (fanIn, fanOut) = config.linearShape(l)
            let bound = 1 / Double(fanIn).squareRoot()
            for i in 0..<(fanIn * fanOut) {
                parameters[layout.weightOffset[l] + i] = Scalar(rng.uniform(-bound, bound))
            }
            for i in 0..<fanOut { parameters[layout.biasOffset[l] + i] = Scalar(rng.uniform(-bound, bound)) }
        }
    }

    // MARK: Forward

    /// Runs the network on `count` rows of `x` (count × inputSize). Training mode uses batch
    /// statistics and updates the running ones. The result is in `output` (count × outputSize).
    func forward(_ x: UnsafePointer<Scalar>, count: Int, training: Bool) {
        precondition(count <= capacity, "batch of \(count) rows exceeds the reserved \(capacity)")
        precondition(!training || !config.batchNorm || count > 1, "batch norm in training needs more than one row")
        let w = workspace, p = parameters.pointer
        rows = count
        lastForwardWasTraining = training
        if training && config.batchNorm { batchesTracked += 1 }
        w.input.pointer.update(from: x, count: count * config.inputSize)
        var source = UnsafePointer(w.input.pointer)
        for l in 0...config.depth {
            let (inputWidth, outputWidth) = config.linearShape(l)
            let destination = l == config.depth ? w.output.pointer : w.z[l].pointer
            linear(
                source, rows: count, inputWidth: inputWidth, outputWidth: outputWidth,
                weight: p + layout.weightOffset[l], bias: p + layout.biasOffset[l], into: destination)
            if l < config.depth {
                if config.batchNorm {
                    normalizeAndActivate(layer: l, training: training)
                } else {
                    let z = w.z[l].pointer, a = w.activations[l].pointer
                    for i in 0..<(count * outputWidth) { a[i] = max(z[i], 0) }
                }
                source = UnsafePointer(w.activations[l].pointer)
            }
        }
    }

    /// `out = x Wᵀ + b` for `rows` rows.
    private func linear(
        _ x: UnsafePointer<Scalar>, rows: Int, inputWidth: Int, outputWidth: Int,
        weight: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>, into out: UnsafeMutablePointer<Scalar>
    ) {
        for r in 0..<rows { (out + r * outputWidth).update(from: bias, count: outputWidth) }
        Scalar.gemm(
            transposeA: false, transposeB: true, m: rows, n: outputWidth, k: inputWidth,
            alpha: 1, a: x, b: weight, beta: 1, c: out)
    }

    /// Batch norm and ReLU of hidden layer `l`: from Z into X̂ and A.
    private func normalizeAndActivate(layer l: Int, training: Bool) {
        let h = config.hidden, count = rows, w = workspace
        let gamma = parameters.pointer + layout.gammaOffset[l], beta = parameters.pointer + layout.betaOffset[l]
        let runningMean = buffers.pointer + layout.meanOffset[l]
        let runningVar = buffers.pointer + layout.varianceOffset[l]
        let z = w.z[l].pointer, xhat = w.xhat[l].pointer, a = w.activations[l].pointer
        let mean = w.mean[l].pointer, invStd = w.inverseStd[l].pointer
        // Each pass walks the rows with a row pointer, so the inner loop over the columns is
        // elementwise (and vectorizes); every element sees the same operations in the same order.
        if training {
            let variance = w.gradient.pointer  // scratch: the backward buffer is free during forward
            mean.update(repeating: 0, count: h)
            variance.update(repeating: 0, count: h)
            for r in 0..<count {
                let zr = UnsafePointer(z + r * h)
                for j in 0..<h { mean[j] += zr[j] }
            }
            let n = Scalar(count)
            for j in 0..<h { mean[j] /= n }
            for r in 0..<count {
                let zr = UnsafePointer(z + r * h)
                for j in 0..<h {
                    let d = zr[j] - mean[j]
                    variance[j] += d * d
                }
            }
            for j in 0..<h {
                invStd[j] = 1 / (variance[j] / n + epsilon).squareRoot()
                runningMean[j] = (1 - momentum) * runningMean[j] + momentum * mean[j]
                runningVar[j] = (1 - momentum) * runningVar[j] + momentum * variance[j] / (n - 1)
            }
        } else {
            for j in 0..<h {
                mean[j] = runningMean[j]
                invStd[j] = 1 / (runningVar[j] + epsilon).squareRoot()
            }
        }
        NormalizePass.normalizeAndReLU(
            z, mean: mean, invStd: invStd, gamma: gamma, beta: beta, rows: count, width: h,
            normalized: xhat, activations: a)
    }

    // MARK: Loss and backward

    /// The mean squared error between `output` and `target` (rows × outputSize) over all elements,
    /// as PyTorch's `F.mse_loss`. Also leaves its gradient w.r.t. the output for `backward()`.
    func mseLoss(target: UnsafePointer<Scalar>) -> Double {
        let n = rows * config.outputSize
        let scale = 2 / Scalar(n)
        let o = workspace.output.pointer, g = workspace.gradient.pointer
        var sum = 0.0
        for i in 0..<n {
            let d = o[i] - target[i]
            sum += Double(d * d)
            g[i] = scale * d
        }
        return sum / Double(n)
    }

    /// The mean squared error of the last forward's output against `target`, without a gradient.
    func meanSquaredError(target: UnsafePointer<Scalar>) -> Double {
        let n = rows * config.outputSize
        let o = workspace.output.pointer
        var sum = 0.0
        for i in 0..<n {
            let d = Double(o[i] - target[i])
            sum += d * d
        }
        return sum / Double(n)
    }

    /// Back-propagates the loss gradient left by `mseLoss` through the last forward pass (in either
    /// mode) and overwrites `gradients` with dLoss/dParameters.
    func backward() {
        let count = rows, w = workspace, g = gradients.pointer, p = parameters.pointer
        var current = w.gradient.pointer  // dL/dZ of layer l (dL/d output for the last layer)
        var spare = w.spare.pointer
        // db = Σ_rows dZ: here for the last layer, for the hidden ones in the pass that makes their dZ.
        BackwardPasses.columnSums(
            current, rows: count, width: config.outputSize, into: g + layout.biasOffset[config.depth])
        for l in stride(from: config.depth, through: 0, by: -1) {
            let (inputWidth, outputWidth) = config.linearShape(l)
            let layerInput = UnsafePointer(l == 0 ? w.input.pointer : w.activations[l - 1].pointer)
            let dZ = UnsafePointer(current), dA = spare
            // dW = dZᵀ X (out × in).
            let weightGradient = {
                Scalar.gemm(
                    transposeA: true, transposeB: false, m: outputWidth, n: inputWidth, k: count,
                    alpha: 1, a: dZ, b: layerInput, beta: 0, c: g + self.layout.weightOffset[l])
            }
            guard l > 0 else {
                weightGradient()
                break
            }
            // dA of the previous block = dZ W (rows × in): independent of dW, so at once on a pair.
            workers.run(
                weightGradient,
                {
                    Scalar.gemm(
                        transposeA: false, transposeB: false, m: count, n: inputWidth, k: outputWidth,
                        alpha: 1, a: dZ, b: p + self.layout.weightOffset[l], beta: 0, c: dA)
                }, parallel: count * inputWidth * outputWidth >= WorkerPair.minimumWork)
            swap(&current, &spare)
            backwardThroughBlock(l - 1, gradient: current)
        }
    }

    /// Turns dL/dA of hidden block `l` (`grad`, rows × hidden) into dL/dZ in place, through the ReLU
    /// and, with batch norm, the normalization (accumulating dγ and dβ), and writes the bias gradient
    /// of the block's Linear, Σ_rows dZ, in two fused passes (`BackwardPasses`: bit-identical to one
    /// pass per step).
    private func backwardThroughBlock(_ l: Int, gradient grad: UnsafeMutablePointer<Scalar>) {
        let count = rows, h = config.hidden, w = workspace
        let a = w.activations[l].pointer
        let dBias = gradients.pointer + layout.biasOffset[l]
        guard config.batchNorm else {
            BackwardPasses.reluAndBiasSum(gradient: grad, activations: a, rows: count, width: h, dBias: dBias)
            return
        }
        let gamma = parameters.pointer + layout.gammaOffset[l]
        let dGamma = gradients.pointer + layout.gammaOffset[l], dBeta = gradients.pointer + layout.betaOffset[l]
        let xhat = w.xhat[l].pointer, invStd = w.inverseStd[l].pointer, scale = w.columns.pointer
        BackwardPasses.reluAndNormSums(
            gradient: grad, activations: a, normalized: xhat, rows: count, width: h, dGamma: dGamma, dBeta: dBeta)
        guard lastForwardWasTraining else {
            // Evaluation mode: batch norm is the fixed affine map Y = γ·(Z − μ)/σ + β.
            for j in 0..<h { scale[j] = gamma[j] * invStd[j] }
            BackwardPasses.scaleAndBiasSum(gradient: grad, scale: scale, rows: count, width: h, dBias: dBias)
            return
        }
        // Training mode, where μ and σ depend on the batch:
        // dZ = γ/(B·σ) · (B·dY − Σ dY − X̂ · Σ dY⊙X̂), where Σ dY = dβ and Σ dY⊙X̂ = dγ.
        let n = Scalar(count)
        for j in 0..<h { scale[j] = gamma[j] * invStd[j] / n }
        BackwardPasses.normInputAndBiasSum(
            gradient: grad, normalized: xhat, scale: scale, n: n, dGamma: dGamma, dBeta: dBeta,
            rows: count, width: h, dBias: dBias)
    }
}
