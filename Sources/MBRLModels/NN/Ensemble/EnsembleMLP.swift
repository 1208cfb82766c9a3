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
    /// One member's multiply-adds per row in a forward pass, Σ in·out over the layers.
    private let multiplyAddsPerRow: Int
    /// Splits the members between two threads when set (a fit on two threads): each half's forward and
    /// backward run whole on one thread, one hand-over per pass.
    var workers: WorkerPair?

    private final class Workspace {
        let input: Buffer<Scalar>  // B × R × in
        let z: [Buffer<Scalar>]  // per hidden layer, B × R × hidden, before the activation
        let activations: [Buffer<Scalar>]  // per hidden layer, B × R × hidden
        let head: Buffer<Scalar>  // B × R × headWidth: mean, raw log-variance
        let logvar: Buffer<Scalar>  // B × R × out: bounded log-variance (Gaussian)
        /// Backward's dL/d(current layer output) and the next one: member b's rows at b·R·`wide`,
        /// whatever the layer's width, so the two halves of the members (one per thread) never write
        /// where the other reads, even a layer apart.
        let gradient: Buffer<Scalar>
        let spare: Buffer<Scalar>
        /// The widest layer: input, hidden or head.
        let wide: Int

        init(_ c: EnsembleConfiguration, rows: Int) {
            let br = c.members * rows
            wide = max(c.hidden, c.headWidth, c.inputSize)
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
        var multiplyAdds = 0
        for l in 0...config.depth {
            let (input, output) = config.layerShape(l)
            multiplyAdds += input * output
        }
        multiplyAddsPerRow = multiplyAdds
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

    /// Runs every member on its `count` rows of `x` (B × count × in, member-major). With `workers`, the
    /// first half of the members run on this thread and the rest on the helper, each member's every
    /// step the call it is on one thread.
    func forward(_ x: UnsafePointer<Scalar>, count: Int) {
        precondition(count <= capacity, "batch of \(count) rows per member exceeds the reserved \(capacity)")
        let b = config.members
        rows = count
        workspace.input.pointer.update(from: x, count: b * count * config.inputSize)
        splitMembers { forward(members: $0, count: count) }
        if !config.deterministic { boundLogvar() }
    }

    /// Runs `body` on the members `0..<B/2` here and on `B/2..<B` on the helper when there is one and
    /// the work pays for the hand-over (`WorkerPair.minimumWork`), else on all members here. The two
    /// halves touch disjoint rows and parameters: members share nothing in forward and backward.
    private func splitMembers(_ body: (Range<Int>) -> Void) {
        let b = config.members, half = b / 2
        guard workers != nil, half * rows * multiplyAddsPerRow >= WorkerPair.minimumWork else {
            body(0..<b)
            return
        }
        workers.run({ body(0..<half) }, { body(half..<b) })
    }

    /// Every layer of the members in `range` on their `count` rows of the workspace's input.
    private func forward(members range: Range<Int>, count: Int) {
        let w = workspace, p = parameters.pointer, first = range.lowerBound, members = range.count
        var source = UnsafePointer(w.input.pointer + first * count * config.inputSize)
        for l in 0...config.depth {
            let (input, output) = config.layerShape(l)
            let destination = (l == config.depth ? w.head.pointer : w.z[l].pointer) + first * count * output
            Scalar.gemmBatched(
                count: members, m: count, n: output, k: input, a: source, strideA: count * input,
                b: p + layout.weightOffset[l] + first * input * output, strideB: input * output, c: destination,
                strideC: count * output)
            // z keeps the biased pre-activation (for backward), `activations` the activation.
            for m in 0..<members {
                let bias = p + layout.biasOffset[l] + (first + m) * output
                let rowsOfMember = destination + m * count * output
                for r in 0..<count {
                    let row = rowsOfMember + r * output
                    for j in 0..<output { row[j] += bias[j] }
                }
            }
            if l < config.depth {
                let activations = w.activations[l].pointer + first * count * output
                config.activation.apply(
                    UnsafePointer(destination), bias: nil, width: output, rows: members * count, into: activations)
                source = UnsafePointer(activations)
            }
        }
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
        let h = workspace.head.pointer, gradient = workspace.gradient.pointer, wide = workspace.wide
        let scale = 1 / Scalar(rows * o)
        var sum = 0.0
        // Row r's head gradient, in backward's member-strided layout.
        @inline(__always) func g(_ r: Int) -> UnsafeMutablePointer<Scalar> {
            gradient + (r / rows) * rows * wide + (r % rows) * hw
        }
        if config.deterministic {
            for r in 0..<n {
                let gr = g(r)
                for j in 0..<o {
                    let d = h[r * hw + j] - target[r * o + j]
                    sum += Double(d * d)
                    gr[j] = 2 * scale * d
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
            let gr = g(r)
            for j in 0..<o {
                let d = h[r * hw + j] - target[r * o + j]
                let inverseVariance = Scalar(Foundation.exp(-Double(lv[r * o + j])))
                sum += Double(d * d * inverseVariance + lv[r * o + j])
                gr[j] = 2 * scale * d * inverseVariance
                // dL/dlogvar, then through the two soft bounds.
                let dLogvar = scale * (1 - d * d * inverseVariance)
                let raw = h[r * hw + o + j]
                let upper = maxLV[j] - Self.softplus(maxLV[j] - raw)
                let sLower = Self.sigmoid(upper - minLV[j]), sUpper = Self.sigmoid(maxLV[j] - raw)
                let dUpper = dLogvar * sLower
                dMin[j] += dLogvar * (1 - sLower)
                dMax[j] += dUpper * (1 - sUpper)
                gr[o + j] = dUpper * sUpper
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
    /// (the bounds' entries were written by `loss`); members split between two threads as in `forward`.
    func backward() {
        splitMembers { backward(members: $0) }
    }

    /// `backward` for the members in `range`: their rows of the workspace and their parameters' gradients.
    private func backward(members range: Range<Int>) {
        let count = rows, w = workspace, g = gradients.pointer, p = parameters.pointer
        let first = range.lowerBound, members = range.count, stride = count * w.wide
        var current = w.gradient.pointer + first * stride, spare = w.spare.pointer + first * stride
        for l in Swift.stride(from: config.depth, through: 0, by: -1) {
            let (input, output) = config.layerShape(l)
            let layerInput = UnsafePointer(l == 0 ? w.input.pointer : w.activations[l - 1].pointer)
            // dW_b = X_bᵀ dZ_b (in × out); db_b = Σ_rows dZ_b.
            Scalar.gemmBatched(
                count: members, transposeA: true, m: input, n: output, k: count,
                a: layerInput + first * count * input, strideA: count * input, b: current, strideB: stride,
                c: g + layout.weightOffset[l] + first * input * output, strideC: input * output)
            for m in 0..<members {
                BackwardPasses.columnSums(
                    current + m * stride, rows: count, width: output,
                    into: g + layout.biasOffset[l] + (first + m) * output)
            }
            guard l > 0 else { break }
            // dA_b = dZ_b W_bᵀ (R × in), then through the activation of hidden layer l − 1.
            Scalar.gemmBatched(
                count: members, transposeB: true, m: count, n: input, k: output, a: current, strideA: stride,
                b: p + layout.weightOffset[l] + first * input * output, strideB: input * output, c: spare,
                strideC: stride)
            swap(&current, &spare)
            for m in 0..<members {
                config.activation.backward(
                    UnsafePointer(w.z[l - 1].pointer + (first + m) * count * input), count: count * input,
                    gradient: current + m * stride)
            }
        }
    }
}
