import Foundation
import MBRLCore

/// A trained `EnsembleModel` as planning dynamics: particles propagated through the elite members
/// (`Propagation`), the next observation s + Δs with Δs the member's mean or a draw from its Gaussian;
/// for an ensemble that predicts Δx, its Δx output (ρ) the same way, as the auxiliary value.
///
/// The elites' weights are folded once (`LayerFolding`, as `FoldedNetwork` folds its own): the
/// input normalization into the first layer (W ← diag(1/σₓ)·W, b ← b − (μₓ/σₓ)·W, with W (in, out))
/// and the output unnormalization into the head's mean columns (×σ_Δ, +μ_Δ, Δx's σ and μ for its
/// column); the raw log-variance columns stay, bounded softly after the head and turned into the
/// variance σ_Δ²·e^logvar.
///
/// Rows are gathered member-major, E groups of equal size m, so each elite's m rows go through every
/// layer as one block: per hidden layer one product (`gemmBatched`, weights (E, in, out) contiguous)
/// started from the bias, followed by one activation pass over its output while it is in cache. TS-∞ needs
/// no shuffling (particle q's rows are contiguous, and particle blocks are dealt to members in
/// order); TS-1 permutes each candidate's particles every step; the expectation feeds every row to
/// every elite (m = rows) and averages the means.
///
/// Buffers for `capacity` rows are allocated once; `predict` allocates nothing. Use one instance per
/// thread (`copy()`).
public final class EnsembleDynamics: AuxiliaryOutputDynamics {
    public let observationSize: Int
    public let actionSize: Int
    public let capacity: Int
    /// 1 when the members predict Δx after the state change, else 0.
    public let auxiliarySize: Int
    public let settings: PropagationSettings
    let config: EnsembleConfiguration
    /// E, the elites propagated.
    let members: Int
    let weights: [Buffer<Float>]  // per layer, (E, in, out)
    let biases: [Buffer<Float>]  // per layer, (E, out)
    let minLogvar: [Float], maxLogvar: [Float], deltaStd: [Float]
    // Working memory.
    let inputs: Buffer<Float>  // member-major rows × in (E·capacity rows for the expectation)
    let hiddenA: Buffer<Float>, hiddenB: Buffer<Float>
    let head: Buffer<Float>
    let slots: Buffer<Int>  // row → member-major slot (TS-1)
    let permutation: Buffer<Int>
    /// One row's standard deviations of the sampled outputs (`outputSize`).
    let sigmas: Buffer<Float>
    /// One row's draws: the uniform pairs (u, v interleaved) and their standard normals.
    let normalPairs: Buffer<Double>
    let normals: Buffer<Float>
    /// The head's weights with their columns padded with zeros (`paddedWidth`), (E, hidden, padded).
    let paddedHead: Buffer<Float>
    /// Whether the hidden products start from the bias (SGEMM with β = 1; `FoldedNetwork.biasFirstDepth`)
    /// rather than add it in the activation's pass; the two give the same bits (a test compares them).
    var productsFromBias: Bool

    public init(_ model: EnsembleModel, settings: PropagationSettings, capacity: Int) {
        precondition(settings.problem(elites: model.elites.count, deterministic: model.config.deterministic) == nil)
        let c = model.config, stats = model.stats, layout = model.layout, p = model.network.parameters
        observationSize = model.observationSize
        actionSize = model.actionSize
        auxiliarySize = c.outputSize - model.observationSize
        self.capacity = capacity
        self.settings = settings
        config = c
        members = model.elites.count
        var weights: [[Float]] = [], biases: [[Float]] = []
        for l in 0...c.depth {
            let (input, output) = c.layerShape(l)
            let folding = LayerFolding.inputMajor(inputs: input, outputs: output)
            // Sized once, so folding holds each layer's weights no more than twice (these arrays and
            // the buffers they are copied to), as `byteCount` counts.
            var w = [Float](), bias = [Float]()
            w.reserveCapacity(model.elites.count * input * output)
            bias.reserveCapacity(model.elites.count * output)
            for e in model.elites {
                var we = (0..<(input * output)).map { p[layout.weightOffset[l] + e * input * output + $0] }
                var be = (0..<output).map { p[layout.biasOffset[l] + e * output + $0] }
                if l == 0 {
                    folding.foldInputNormalization(
                        weight: &we, bias: &be, mean: stats.stateMean + stats.actionMean,
                        std: stats.stateStd + stats.actionStd)
                }
                if l == c.depth {
                    // The mean columns only; the log-variance columns stay raw.
                    folding.foldOutputUnnormalization(
                        weight: &we, bias: &be, mean: stats.targetMean, std: stats.targetStd)
                }
                w += we
                bias += be
            }
            weights.append(w)
            biases.append(bias)
        }
        self.weights = weights.map { Buffer($0) }
        self.biases = biases.map { Buffer($0) }
        minLogvar = c.deterministic ? [] : (0..<c.outputSize).map { p[layout.minLogvarOffset + $0] }
        maxLogvar = c.deterministic ? [] : (0..<c.outputSize).map { p[layout.maxLogvarOffset + $0] }
        deltaStd = stats.targetStd
        let rows = settings.propagation == .expectation ? members * capacity : capacity
        inputs = Buffer(count: rows * c.inputSize)
        hiddenA = Buffer(count: rows * c.hidden)
        hiddenB = Buffer(count: rows * c.hidden)
        head = Buffer(count: rows * c.headWidth)
        slots = Buffer(count: capacity)
        permutation = Buffer(count: settings.particles)
        sigmas = Buffer(count: c.outputSize)
        normalPairs = Buffer(count: 2 * c.outputSize)
        normals = Buffer(count: c.outputSize)
        paddedHead = Self.pad(self.weights[c.depth], members: members, input: c.hidden, output: c.headWidth)
        productsFromBias = c.hidden <= FoldedNetwork.biasFirstDepth
    }

    /// The columns `headLayer` reads per row of the head's weight: 8 for a head of at most 8 outputs
    /// (one 8-lane register), else the outputs rounded up to whole 16-lane registers.
    static func paddedWidth(output: Int) -> Int { output <= 8 ? 8 : (output + 15) / 16 * 16 }

    /// `w` (members × (input, output)) with each row's columns padded with zeros to `paddedWidth`.
    static func pad(_ w: Buffer<Float>, members: Int, input: Int, output: Int) -> Buffer<Float> {
        let width = paddedWidth(output: output)
        let padded = Buffer<Float>(count: members * input * width)
        for g in 0..<members {
            for i in 0..<input {
                for j in 0..<output { padded[(g * input + i) * width + j] = w[(g * input + i) * output + j] }
            }
        }
        return padded
    }

    private init(copying other: EnsembleDynamics) {
        observationSize = other.observationSize
        actionSize = other.actionSize
        auxiliarySize = other.auxiliarySize
        capacity = other.capacity
        settings = other.settings
        config = other.config
        members = other.members
        weights = other.weights.map { Buffer($0.array) }
        biases = other.biases.map { Buffer($0.array) }
        minLogvar = other.minLogvar
        maxLogvar = other.maxLogvar
        deltaStd = other.deltaStd
        inputs = Buffer(count: other.inputs.count)
        hiddenA = Buffer(count: other.hiddenA.count)
        hiddenB = Buffer(count: other.hiddenB.count)
        head = Buffer(count: other.head.count)
        slots = Buffer(count: other.slots.count)
        permutation = Buffer(count: other.permutation.count)
        sigmas = Buffer(count: other.sigmas.count)
        normalPairs = Buffer(count: other.normalPairs.count)
        normals = Buffer(count: other.normals.count)
        paddedHead = Buffer(other.paddedHead.array)
        productsFromBias = other.productsFromBias
    }

    public func copy() -> BatchDynamics { EnsembleDynamics(copying: self) }

    /// Bytes one instance allocates for `capacity` rows at its peak, while it is built (Float32 unless
    /// said): the elites' folded weights and biases twice (the arrays they are folded in, sized once,
    /// and the buffers they are copied to) and the padded head; the activations, inputs and head per
    /// member row; each row's slot (an Int); the particles' permutation (Ints) and one row's draws
    /// (the standard deviations, the Float64 uniform pairs and the normals); nil on overflow. A
    /// planner's worker adds its evaluator's buffers (`TrajectoryEvaluator.workerBytes`). Checked with
    /// `MemoryBudget` before planning or evaluation starts.
    public static func byteCount(
        _ c: EnsembleConfiguration, settings: PropagationSettings, elites: Int, capacity: Int
    ) -> Int? {
        let memberRows = MemoryBudget.product([settings.propagation == .expectation ? elites : 1, capacity])
        let perMemberRow = 2 * c.hidden + c.inputSize + c.headWidth
        let perMember = MemoryBudget.sum(
            (0...c.depth).map(c.layerShape).map { MemoryBudget.sum([MemoryBudget.product([$0, $1]), $1]) })
        return MemoryBudget.sum([
            MemoryBudget.product([elites, perMember ?? -1, 2, 4]),
            MemoryBudget.product([elites, c.hidden, paddedWidth(output: c.headWidth), 4]),
            MemoryBudget.product([memberRows ?? -1, perMemberRow, 4]), MemoryBudget.product([capacity, 8]),
            MemoryBudget.product([settings.particles, 8]), MemoryBudget.product([c.outputSize, 4 + 16 + 4])
        ])
    }

    public var particles: Int { settings.particles }

    /// Whether `predict` draws each particle's next state from its member's Gaussian (and so reads the
    /// head's log-variance columns).
    var drawsFromGaussians: Bool {
        !config.deterministic && settings.prediction == .sample && settings.propagation != .expectation
    }

    /// The head's columns `predict` reads: all of them when it draws from the Gaussians, else the
    /// means only (the first `outputSize`).
    var neededHeadColumns: Int { drawsFromGaussians ? config.headWidth : config.outputSize }
    public var isStochastic: Bool {
        settings.propagation == .ts1 || (settings.prediction == .sample && settings.propagation != .expectation)
    }

    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>?, context: PredictionContext
    ) {
        precondition(count <= capacity, "\(count) rows exceed the capacity \(capacity)")
        let o = observationSize, a = actionSize, width = o + a, x = inputs.pointer
        let e = members, expectation = settings.propagation == .expectation
        // Gather: slot of each row in the member-major layout.
        let m = expectation ? count : count / e
        precondition(expectation || m * e == count, "\(count) rows do not split into \(e) equal member groups")
        let slot = slots.pointer
        switch settings.propagation {
        case .tsInf, .expectation:
            for r in 0..<count { slot[r] = r }
        case .ts1:
            let p = settings.particles, n = count / p, share = p / e, perm = permutation.pointer
            for c in 0..<n {
                var rng = ParticleRandom.generator(context.seed, context.firstCandidate + c, -1, context.step)
                for q in 0..<p { perm[q] = q }
                for q in stride(from: p - 1, to: 0, by: -1) {
                    let j = rng.index(below: q + 1)
                    (perm[q], perm[j]) = (perm[j], perm[q])
                }
                // Particle q takes position perm[q]: member perm[q] / share, place (perm[q] % share)·n + c.
                for q in 0..<p { slot[q * n + c] = (perm[q] / share) * m + (perm[q] % share) * n + c }
            }
        }
        for r in 0..<count {
            let row = x + slot[r] * width
            for j in 0..<o { row[j] = observations[r * o + j] }
            for j in 0..<a { row[o + j] = actions[r * a + j] }
        }
        if expectation {
            for g in 1..<e { (x + g * count * width).update(from: x, count: count * width) }
        }
        let out = forward(rowsPerMember: m)
        // Scatter: next = s + Δ (the mean, a draw, or the mean over elites); Δx the same way.
        let hw = config.headWidth, draws = drawsFromGaussians
        let outputs = config.outputSize, extra = auxiliarySize
        for r in 0..<count {
            let base = r * o
            if expectation {
                for j in 0..<outputs {
                    var sum: Float = 0
                    for g in 0..<e { sum += out[(g * count + r) * hw + j] }
                    if j < o {
                        next[base + j] = observations[base + j] + sum / Float(e)
                    } else {
                        auxiliary?[r * extra + j - o] = sum / Float(e)
                    }
                }
                continue
            }
            let h = out + slot[r] * hw
            if draws {
                let n = count / settings.particles
                var rng = ParticleRandom.generator(context.seed, context.firstCandidate + r % n, r / n, context.step)
                let sigma = sigmas.pointer
                Self.standardDeviations(
                    rawLogvar: h + outputs, count: outputs, minLogvar: minLogvar, maxLogvar: maxLogvar,
                    deltaStd: deltaStd, into: sigma)
                // The row's normals in the order `rng.normal()` would give them, transformed together.
                let uv = normalPairs.pointer, z = normals.pointer
                for j in 0..<outputs { (uv[2 * j], uv[2 * j + 1]) = rng.normalUniforms() }
                RandomGenerator.boxMuller(pairs: uv, count: outputs, into: z)
                for j in 0..<outputs {
                    let noise = sigma[j] * z[j]
                    if j < o {
                        next[base + j] = observations[base + j] + h[j] + noise
                    } else {
                        auxiliary?[r * extra + j - o] = h[j] + noise
                    }
                }
            } else {
                for j in 0..<o { next[base + j] = observations[base + j] + h[j] }
                if let auxiliary { for k in 0..<extra { auxiliary[r * extra + k] = h[o + k] } }
            }
        }
    }

    @inline(__always)
    static func softplus(_ x: Float) -> Float { max(x, 0) + log1p(FastMath.exp(-abs(x))) }

    /// σⱼ = σ_Δⱼ·e^(logvarⱼ/2) for one row's `count` raw log-variances, logvar bounded
    /// softly as in training: upper = max − softplus(max − raw), logvar = min + softplus(upper − min).
    /// Each output gets `softplus`'s operations in its order; the three exponentials of 8 outputs are
    /// one 8-lane `FastMath.exp` each instead of one per output (a lane's bits do not depend on the
    /// others), the `log1p`s stay libm's, one per output.
    @inline(__always)
    static func standardDeviations(
        rawLogvar raw: UnsafePointer<Float>, count outputs: Int, minLogvar low: [Float], maxLogvar high: [Float],
        deltaStd: [Float], into sigma: UnsafeMutablePointer<Float>
    ) {
        var start = 0
        while start < outputs {
            let lanes = min(8, outputs - start)
            var toHigh = SIMD8<Float>(repeating: 0), toLow = toHigh, logvar = toHigh, exponent = toHigh
            for l in 0..<lanes {
                toHigh[l] = high[start + l] - raw[start + l]
                exponent[l] = -abs(toHigh[l])
            }
            let e1 = FastMath.exp(exponent)
            for l in 0..<lanes {
                let upper = high[start + l] - (max(toHigh[l], 0) + log1p(e1[l]))
                toLow[l] = upper - low[start + l]
                exponent[l] = -abs(toLow[l])
            }
            let e2 = FastMath.exp(exponent)
            for l in 0..<lanes { logvar[l] = low[start + l] + (max(toLow[l], 0) + log1p(e2[l])) }
            let e3 = FastMath.exp(logvar / 2)
            for l in 0..<lanes { sigma[start + l] = deltaStd[start + l] * e3[l] }
            start += lanes
        }
    }

    /// The elites on their member-major rows (E × m × in in `inputs`); returns the heads (E·m × head).
    ///
    /// Member by member, each member's rows through every layer before the next member's: a product's
    /// output is activated, and the last hidden layer read by the head, while it is still in cache
    /// (all members' activations at once are several times the size of a core's cache). Every
    /// product is the one the layer-by-layer order computes (same rows, same weights, same shape), and
    /// the members' products are independent of each other, so the order changes no result.
    private func forward(rowsPerMember m: Int) -> UnsafePointer<Float> {
        let c = config, hw = c.headWidth
        for g in 0..<members {
            forwardMember(
                g, rows: m, inputs: inputs.pointer + g * m * c.inputSize, into: head.pointer + g * m * hw)
        }
        return UnsafePointer(head.pointer)
    }

    /// Elite `g` on `m` rows (m × in at `x`): the thin first layer, the hidden products with their
    /// bias and activation, the head into `out` (m × head).
    @inline(__always)
    private func forwardMember(
        _ g: Int, rows m: Int, inputs x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        let c = config, activation = c.activation, hw = c.headWidth
        var source = hiddenA.pointer, spare = hiddenB.pointer
        // Layer 0: a handful of inputs, as SIMD loops, each row activated while in cache.
        Self.thinLayer(
            x, rows: m, input: c.inputSize, output: c.hidden, weight: weights[0].pointer + g * c.inputSize * c.hidden,
            bias: biases[0].pointer + g * c.hidden, activation: activation, into: source)
        // The hidden products start from the bias (β = 1) where that keeps the bits of adding it in the
        // activation's pass (`productsFromBias`), and OpenBLAS skips its pass zeroing C.
        let fromBias = productsFromBias
        for l in 1..<c.depth {
            let bias = biases[l].pointer + g * c.hidden
            if fromBias { FoldedNetwork.fill(spare, rows: m, width: c.hidden, with: bias) }
            Float.gemmBatched(
                count: 1, m: m, n: c.hidden, k: c.hidden, a: source, strideA: 0,
                b: weights[l].pointer + g * c.hidden * c.hidden, strideB: 0, beta: fromBias ? 1 : 0, c: spare,
                strideC: 0)
            activation.applyFloat(
                UnsafePointer(spare), bias: fromBias ? nil : bias, width: c.hidden, rows: m, into: spare)
            swap(&source, &spare)
        }
        // The head: few outputs, as SIMD rows of the (padded) weight.
        Self.headLayer(
            source, rows: m, input: c.hidden, output: hw, needed: neededHeadColumns,
            padded: paddedHead.pointer + g * c.hidden * Self.paddedWidth(output: hw),
            bias: biases[c.depth].pointer + g * hw,
            into: out)
    }

    /// `out = f(x·W + b)` for a layer with few inputs, W (input, output), f the activation: each
    /// output row is the bias plus `input` scaled rows of W, 16 outputs at a time, then 8, then one
    /// (each output's sum in the same order at every width); the rows are activated right after.
    /// Four rows at a time share each loaded row of W and keep four independent sums in flight (one
    /// row's sum is a chain of dependent additions); the rows left over go one at a time.
    @inline(__always)
    static func thinLayer(
        _ x: UnsafePointer<Float>, rows: Int, input: Int, output: Int, weight w: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, activation: Activation, into out: UnsafeMutablePointer<Float>
    ) {
        let wide = output & ~15, narrow = output & ~7
        let wr = UnsafeRawPointer(w), br = UnsafeRawPointer(bias)
        /// Outputs `j..<j + V.scalarCount` of rows r..<r + 4 (inputs at `x0`, outputs at `o0`).
        func fourRows<V: SIMD>(_: V.Type, _ j: Int, _ x0: UnsafePointer<Float>, _ o0: UnsafeMutableRawPointer)
        where V.Scalar == Float {
            let x1 = x0 + input, x2 = x1 + input, x3 = x2 + input
            let b = br.loadUnaligned(fromByteOffset: j * 4, as: V.self)
            var a0 = b, a1 = b, a2 = b, a3 = b
            for i in 0..<input {
                let wi = wr.loadUnaligned(fromByteOffset: (i * output + j) * 4, as: V.self)
                a0 += V(repeating: x0[i]) * wi
                a1 += V(repeating: x1[i]) * wi
                a2 += V(repeating: x2[i]) * wi
                a3 += V(repeating: x3[i]) * wi
            }
            let stride = output * 4
            o0.storeBytes(of: a0, toByteOffset: j * 4, as: V.self)
            o0.storeBytes(of: a1, toByteOffset: stride + j * 4, as: V.self)
            o0.storeBytes(of: a2, toByteOffset: 2 * stride + j * 4, as: V.self)
            o0.storeBytes(of: a3, toByteOffset: 3 * stride + j * 4, as: V.self)
        }
        var r = 0
        while r + 4 <= rows {
            let x0 = x + r * input, row = out + r * output, o0 = UnsafeMutableRawPointer(row)
            var j = 0
            while j < wide {
                fourRows(SIMD16<Float>.self, j, x0, o0)
                j += 16
            }
            if j < narrow {
                fourRows(SIMD8<Float>.self, j, x0, o0)
                j += 8
            }
            while j < output {
                for q in 0..<4 {
                    let xq = x0 + q * input
                    var sum = bias[j]
                    for i in 0..<input { sum += xq[i] * w[i * output + j] }
                    row[q * output + j] = sum
                }
                j += 1
            }
            activation.applyFloat(UnsafePointer(row), bias: nil, width: output, rows: 4, into: row)
            r += 4
        }
        var xr = x + r * input, row = out + r * output
        for _ in r..<rows {
            let or = UnsafeMutableRawPointer(row)
            var j = 0
            while j < wide {
                var acc = br.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                for i in 0..<input {
                    acc +=
                        SIMD16(repeating: xr[i])
                        * wr.loadUnaligned(fromByteOffset: (i * output + j) * 4, as: SIMD16<Float>.self)
                }
                or.storeBytes(of: acc, toByteOffset: j * 4, as: SIMD16<Float>.self)
                j += 16
            }
            if j < narrow {
                var acc = br.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                for i in 0..<input {
                    acc +=
                        SIMD8(repeating: xr[i])
                        * wr.loadUnaligned(fromByteOffset: (i * output + j) * 4, as: SIMD8<Float>.self)
                }
                or.storeBytes(of: acc, toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
            while j < output {
                var sum = bias[j]
                for i in 0..<input { sum += xr[i] * w[i * output + j] }
                row[j] = sum
                j += 1
            }
            activation.applyFloat(UnsafePointer(row), bias: nil, width: output, rows: 1, into: row)
            xr += input
            row += output
        }
    }

    /// `out = x·W + b` for the head, W (input, output) given padded to `paddedWidth(output:)` columns
    /// (`pad`): per row, the outputs accumulate `input` scaled rows of W in SIMD registers, four rows at
    /// a time sharing each loaded row of W.
    ///
    /// The order of each output's sum depends on the head's width, and is part of what a plan file's
    /// bits depend on: up to 8 outputs (Pendulum's), the even inputs into one sum from the bias and the
    /// odd ones into another from 0, then the two added; wider heads (the MuJoCo tasks'), one sum from
    /// the bias over the inputs in order.
    @inline(__always)
    static func headLayer(
        _ x: UnsafePointer<Float>, rows: Int, input: Int, output: Int, needed: Int? = nil,
        padded: UnsafePointer<Float>, bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        if output > 8 {
            wideHeadLayer(
                x, rows: rows, input: input, output: output, needed: needed ?? output, padded: padded, bias: bias,
                into: out)
        } else {
            let zero = SIMD8<Float>(repeating: 0), wr = UnsafeRawPointer(padded)
            var b = zero
            for j in 0..<output { b[j] = bias[j] }
            // Four rows at a time share each loaded row of W and keep eight independent sums in flight;
            // every row still adds its even inputs into one sum and its odd ones into another, in order.
            var r = 0
            while r + 4 <= rows {
                let x0 = x + r * input, x1 = x0 + input, x2 = x1 + input, x3 = x2 + input
                var a0 = b, a1 = b, a2 = b, a3 = b
                var o0 = zero, o1 = zero, o2 = zero, o3 = zero
                var i = 0
                while i + 1 < input {
                    let even = wr.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    let odd = wr.loadUnaligned(fromByteOffset: (i + 1) * 32, as: SIMD8<Float>.self)
                    a0 += SIMD8(repeating: x0[i]) * even
                    o0 += SIMD8(repeating: x0[i + 1]) * odd
                    a1 += SIMD8(repeating: x1[i]) * even
                    o1 += SIMD8(repeating: x1[i + 1]) * odd
                    a2 += SIMD8(repeating: x2[i]) * even
                    o2 += SIMD8(repeating: x2[i + 1]) * odd
                    a3 += SIMD8(repeating: x3[i]) * even
                    o3 += SIMD8(repeating: x3[i + 1]) * odd
                    i += 2
                }
                if i < input {
                    let last = wr.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    a0 += SIMD8(repeating: x0[i]) * last
                    a1 += SIMD8(repeating: x1[i]) * last
                    a2 += SIMD8(repeating: x2[i]) * last
                    a3 += SIMD8(repeating: x3[i]) * last
                }
                let s0 = a0 + o0, s1 = a1 + o1, s2 = a2 + o2, s3 = a3 + o3
                let row = out + r * output
                for j in 0..<output {
                    row[j] = s0[j]
                    row[output + j] = s1[j]
                    row[2 * output + j] = s2[j]
                    row[3 * output + j] = s3[j]
                }
                r += 4
            }
            while r < rows {
                var acc0 = b, acc1 = zero
                let xr = x + r * input
                var i = 0
                while i + 1 < input {
                    acc0 += SIMD8(repeating: xr[i]) * wr.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                    acc1 +=
                        SIMD8(repeating: xr[i + 1])
                        * wr.loadUnaligned(fromByteOffset: (i + 1) * 32, as: SIMD8<Float>.self)
                    i += 2
                }
                if i < input {
                    acc0 += SIMD8(repeating: xr[i]) * wr.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self)
                }
                let acc = acc0 + acc1
                for j in 0..<output { out[r * output + j] = acc[j] }
                r += 1
            }
        }
    }

    /// `headLayer` for more than 8 outputs: each 16 outputs of a row in one register, from the bias,
    /// adding input i's scaled row of W for i in order (as a plain loop over the inputs adds them), four
    /// rows at a time so that four independent sums hide each addition's latency; the four rows stay in
    /// cache while every 16 outputs are computed from them. Only the registers holding the first
    /// `needed` outputs are computed (the means, when nothing reads the log-variances); the columns
    /// past them are left as they were.
    @inline(__always)
    static func wideHeadLayer(
        _ x: UnsafePointer<Float>, rows: Int, input: Int, output: Int, needed: Int, padded: UnsafePointer<Float>,
        bias: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        typealias Vector = SIMD16<Float>
        let width = paddedWidth(output: output), wr = UnsafeRawPointer(padded)
        /// Outputs `first..<first + 16` of `bias` (0 past the head's edge).
        func biasVector(_ first: Int) -> Vector {
            if first + 16 <= output { return UnsafeRawPointer(bias + first).loadUnaligned(as: Vector.self) }
            var b = Vector(repeating: 0)
            for l in 0..<(output - first) { b[l] = bias[first + l] }
            return b
        }
        /// Outputs `first..<first + 16` of a row: stored whole, or lane by lane at the head's edge.
        func store(_ v: Vector, row: Int, first: Int) {
            let destination = out + row * output + first
            if first + 16 <= output {
                UnsafeMutableRawPointer(destination).storeBytes(of: v, as: Vector.self)
            } else {
                for l in 0..<(output - first) { destination[l] = v[l] }
            }
        }
        var r = 0
        while r + 4 <= rows {
            let x0 = x + r * input, x1 = x0 + input, x2 = x1 + input, x3 = x2 + input
            for first in stride(from: 0, to: needed, by: 16) {
                let b = biasVector(first)
                var a0 = b, a1 = b, a2 = b, a3 = b
                for i in 0..<input {
                    let wi = wr.loadUnaligned(fromByteOffset: (i * width + first) * 4, as: Vector.self)
                    a0 = a0 + Vector(repeating: x0[i]) * wi
                    a1 = a1 + Vector(repeating: x1[i]) * wi
                    a2 = a2 + Vector(repeating: x2[i]) * wi
                    a3 = a3 + Vector(repeating: x3[i]) * wi
                }
                store(a0, row: r, first: first)
                store(a1, row: r + 1, first: first)
                store(a2, row: r + 2, first: first)
                store(a3, row: r + 3, first: first)
            }
            r += 4
        }
        while r < rows {
            let xr = x + r * input
            for first in stride(from: 0, to: needed, by: 16) {
                var a = biasVector(first)
                for i in 0..<input {
                    let wi = wr.loadUnaligned(fromByteOffset: (i * width + first) * 4, as: Vector.self)
                    a = a + Vector(repeating: xr[i]) * wi
                }
                store(a, row: r, first: first)
            }
            r += 1
        }
    }
}
