import Foundation
import MBRLCore

/// mbrl-lib's `GaussianMLP` on row-major buffers: B members computed together, each layer one batched
/// product for all members (`gemmBatched`), no batch norm.
///
/// Rows are member-major: an input of R rows per member is (B, R, in) contiguous, and member b sees
/// its own rows (its bootstrap in training). Member b computes, per hidden layer,
/// `A = f(X·W_b + b_b)` with f the activation, then the head `H = A·W_b + b_b` (R × head). For
/// Gaussian members the head's first `out` columns are the mean, the rest the raw log-variance ℓ,
/// bounded softly as in PETS:
///
///     ℓ₁ = max_logvar − softplus(max_logvar − ℓ),   logvar = min_logvar + softplus(ℓ₁ − min_logvar)
///
/// Loss (mbrl-lib's `_nll_loss`), summed over members of the mean over rows and outputs:
///
///     Σ_b mean_{r,j} [(μ − y)²·e^(−logvar) + logvar] + 0.01·(Σ max_logvar − Σ min_logvar)
///
/// and for deterministic members the MSE, Σ_b mean_{r,j} (μ − y)².
///
/// Initialization is mbrl-lib's (`truncated_normal_init`): weights ~ N(0, (1/(2√in))²) truncated at
/// two standard deviations, biases 0, min_logvar −10, max_logvar 0.5. All parameters share one flat
/// buffer (`layout`), gradients another; working memory for `capacity` rows per member is allocated
/// once, and `forward`, the losses and `backward` allocate nothing.
final class EnsembleMLP<Scalar: NetworkScalar> {
    let config: EnsembleConfiguration
    let layout: EnsembleLayout
    let parameters: Buffer<Scalar>
    let gradients: Buffer<Scalar>

    private(set) var capacity = 0
    /// Rows per member of the last forward pass.
    private(set) var rows = 0
    private var workspace: Workspace
    /// Splits the members' products between two threads when set (a fit on two threads).
    var workers: WorkerPair?

    private final class Workspace {
        let input: Buffer<Scalar>  // B × R × in
        let z: [Buffer<Scalar>]  // per hidden layer, B × R × hidden, before the activation
        let activations: [Buffer<Scalar>]  // per hidden layer, B × R × hidden
        let head: Buffer<Scalar>  // B × R × headWidth: mean, raw log-variance
        let logvar: Buffer<Scalar>  // B × R × out: bounded log-variance (Gaussian)
        let gradient: Buffer<Scalar>  // backward: dL/d(current layer output)
        let spare: Buffer<Scalar>

        init(_ c: EnsembleConfiguration, rows: Int) {
            let br = c.members * rows, wide = max(c.hidden, c.headWidth, c.inputSize)
            input = Buffer(count: br * c.inputSize)
            z = (0..<c.depth).map { _ in Buffer(count: br * c.hidden) }
            activations = (0..<c.depth).map { _ in Buffer(count: br * c.hidden) }
            head = Buffer(count: br * c.headWidth)
            logvar = Buffer(count: br * c.outputSize)
            gradient = Buffer(count: br * wide)
            spare = Buffer(count: br * wide)
        }
    }

    init(_ config: EnsembleConfiguration, capacity: Int = 128) {
        self.config = config
        layout = EnsembleLayout(config)
        parameters = Buffer(count: layout.parameterCount)
        gradients = Buffer(count: layout.parameterCount)
        workspace = Workspace(config, rows: 0)
        if !config.deterministic {
            for j in 0..<config.outputSize {
                parameters[layout.minLogvarOffset + j] = -10
                parameters[layout.maxLogvarOffset + j] = 0.5
            }
        }
        reserve(rows: capacity)
    }

    /// Makes the working memory hold at least `rows` rows per member.
    func reserve(rows needed: Int) {
        guard needed > capacity else { return }
        capacity = needed
        workspace = Workspace(config, rows: needed)
    }

    /// mbrl-lib's initialization (see the type's documentation), drawn from `rng`.
    func initialize(using rng: inout RandomGenerator) {
        for l in 0...config.depth {
            let (input, output) = config.layerShape(l)
            let std = 1 / (2 * Double(input).squareRoot())
            for i in 0..<(config.members * input * output) {
                var z = rng.normal()
                while abs(z) > 2 { z = rng.normal() }
                parameters[layout.weightOffset[l] + i] = Scalar(std * z)
            }
            for i in 0..<(config.members * output) { parameters[layout.biasOffset[l] + i] = 0 }
        }
    }

    /// The head of the last forward pass: B × R × headWidth (mean first).
    var head: UnsafePointer<Scalar> { UnsafePointer(workspace.head.pointer) }
    /// The bounded log-variance of the last forward pass: B × R × out (Gaussian members).
    var logvar: UnsafePointer<Scalar> { UnsafePointer(workspace.logvar.pointer) }

    // MARK: Forward

    /// Runs every member on its `count` rows of `x` (B × count × in, member-major).
    func forward(_ x: UnsafePointer<Scalar>, count: Int) {
        precondition(count <= capacity, "batch of \(count) rows per member exceeds the reserved \(capacity)")
        let w = workspace, p = parameters.pointer, b = config.members
        rows = count
        w.input.pointer.update(from: x, count: b * count * config.inputSize)
        var source = UnsafePointer(w.input.pointer)
        for l in 0...config.depth {
            let (input, output) = config.layerShape(l)
            let destination = l == config.depth ? w.head.pointer : w.z[l].pointer
            Scalar.gemmBatched(
                count: b, m: count, n: output, k: input, a: source, strideA: count * input,
                b: p + layout.weightOffset[l], strideB: input * output, c: destination, strideC: count * output,
                workers: workers)
            // z keeps the biased pre-activation (for backward), `activations` the activation.
            for m in 0..<b {
                let bias = p + layout.biasOffset[l] + m * output, rowsOfMember = destination + m * count * output
                for r in 0..<count {
                    let row = rowsOfMember + r * output
                    for j in 0..<output { row[j] += bias[j] }
                }
            }
            if l < config.depth {
                config.activation.apply(
                    UnsafePointer(w.z[l].pointer), bias: nil, width: output, rows: b * count,
                    into: w.activations[l].pointer)
                source = UnsafePointer(w.activations[l].pointer)
            }
        }
        if !config.deterministic { boundLogvar() }
    }

    /// logvar from the head's raw log-variance, through the soft bounds.
    private func boundLogvar() {
        let o = config.outputSize, hw = config.headWidth, n = config.members * rows
        let h = workspace.head.pointer, lv = workspace.logvar.pointer
        let minLV = parameters.pointer + layout.minLogvarOffset, maxLV = parameters.pointer + layout.maxLogvarOffset
        for r in 0..<n {
            for j in 0..<o {
                let raw = h[r * hw + o + j]
                let upper = maxLV[j] - Self.softplus(maxLV[j] - raw)
                lv[r * o + j] = minLV[j] + Self.softplus(upper - minLV[j])
            }
        }
    }

    @inline(__always)
    static func softplus(_ x: Scalar) -> Scalar {
        max(x, 0) + Scalar(Foundation.log1p(Foundation.exp(-Double(abs(x)))))
    }

    @inline(__always)
    static func sigmoid(_ x: Scalar) -> Scalar { 1 / (1 + Scalar(Foundation.exp(-Double(x)))) }

    // MARK: Losses and backward

    /// The training loss of the last forward pass against `target` (B × R × out): the Gaussian NLL
    /// (or the MSE for deterministic members) as in the type's documentation. Leaves the gradient
    /// w.r.t. the head in the workspace and the bounds' gradient in `gradients`, for `backward()`.
    func loss(target: UnsafePointer<Scalar>) -> Double {
        let o = config.outputSize, hw = config.headWidth, n = config.members * rows
        let h = workspace.head.pointer, g = workspace.gradient.pointer
        let scale = 1 / Scalar(rows * o)
        var sum = 0.0
        if config.deterministic {
            for r in 0..<n {
                for j in 0..<o {
                    let d = h[r * hw + j] - target[r * o + j]
                    sum += Double(d * d)
                    g[r * hw + j] = 2 * scale * d
                }
            }
            return sum / Double(rows * o)
        }
        let lv = workspace.logvar.pointer
        let minLV = parameters.pointer + layout.minLogvarOffset, maxLV = parameters.pointer + layout.maxLogvarOffset
        let dMin = gradients.pointer + layout.minLogvarOffset, dMax = gradients.pointer + layout.maxLogvarOffset
        for j in 0..<o {
            dMin[j] = -0.01
            dMax[j] = 0.01
        }
        for r in 0..<n {
            for j in 0..<o {
                let d = h[r * hw + j] - target[r * o + j]
                let inverseVariance = Scalar(Foundation.exp(-Double(lv[r * o + j])))
                sum += Double(d * d * inverseVariance + lv[r * o + j])
                g[r * hw + j] = 2 * scale * d * inverseVariance
                // dL/dlogvar, then through the two soft bounds.
                let dLogvar = scale * (1 - d * d * inverseVariance)
                let raw = h[r * hw + o + j]
                let upper = maxLV[j] - Self.softplus(maxLV[j] - raw)
                let sLower = Self.sigmoid(upper - minLV[j]), sUpper = Self.sigmoid(maxLV[j] - raw)
                let dUpper = dLogvar * sLower
                dMin[j] += dLogvar * (1 - sLower)
                dMax[j] += dUpper * (1 - sUpper)
                g[r * hw + o + j] = dUpper * sUpper
            }
        }
        var bounds = 0.0
        for j in 0..<o { bounds += Double(maxLV[j] - minLV[j]) }
        return sum / Double(rows * o) + 0.01 * bounds
    }

    /// Per member, the mean squared error of the last forward's mean against `target`
    /// (B × R × out), over rows and outputs: mbrl-lib's validation score.
    func meanSquaredErrors(target: UnsafePointer<Scalar>) -> [Double] {
        let o = config.outputSize, hw = config.headWidth, h = workspace.head.pointer
        return (0..<config.members).map { m in
            var sum = 0.0
            for r in (m * rows)..<((m + 1) * rows) {
                for j in 0..<o {
                    let d = Double(h[r * hw + j] - target[r * o + j])
                    sum += d * d
                }
            }
            return sum / Double(max(rows * o, 1))
        }
    }

    /// Back-propagates the gradient left by `loss` and writes dLoss/dParameters into `gradients`
    /// (the bounds' entries were written by `loss`).
    func backward() {
        let count = rows, w = workspace, g = gradients.pointer, p = parameters.pointer, b = config.members
        var current = w.gradient.pointer, spare = w.spare.pointer
        for l in stride(from: config.depth, through: 0, by: -1) {
            let (input, output) = config.layerShape(l)
            let layerInput = UnsafePointer(l == 0 ? w.input.pointer : w.activations[l - 1].pointer)
            // dW_b = X_bᵀ dZ_b (in × out); db_b = Σ_rows dZ_b.
            Scalar.gemmBatched(
                count: b, transposeA: true, m: input, n: output, k: count, a: layerInput, strideA: count * input,
                b: current, strideB: count * output, c: g + layout.weightOffset[l], strideC: input * output,
                workers: workers)
            for m in 0..<b {
                BackwardPasses.columnSums(
                    current + m * count * output, rows: count, width: output,
                    into: g + layout.biasOffset[l] + m * output)
            }
            guard l > 0 else { break }
            // dA_b = dZ_b W_bᵀ (R × in), then through the activation of hidden layer l − 1.
            Scalar.gemmBatched(
                count: b, transposeB: true, m: count, n: input, k: output, a: current, strideA: count * output,
                b: p + layout.weightOffset[l], strideB: input * output, c: spare, strideC: count * input,
                workers: workers)
            swap(&current, &spare)
            config.activation.backward(UnsafePointer(w.z[l - 1].pointer), count: b * count * input, gradient: current)
        }
    }
}
