import Foundation
import MBRLCore
import MBRLModels

/// The matrix products of one training step alone, with the shapes, transposes and order the trainer
/// calls them in, and how fast OpenBLAS runs them: the rate training would reach if everything else in
/// a step (batch norm, activations, the loss, Adam, the minibatch's gather) took no time. Against the
/// 1024³ SGEMM rate this says how much of a share-of-peak target the shapes themselves allow: products
/// with k = 23 or n = 18, or over a minibatch of 128 rows, run well below the square product's rate.
///
/// The list mirrors `MLP` (weights out × in, the forward product onto C preloaded with the bias) and
/// `EnsembleMLP` (weights in × out, one product per member, each layer for all members before the
/// next); the values do not matter for the speed, where they are in memory does (`seconds`).
struct TrainingProducts {
    /// One `cblas_sgemm` call: row-major C (m × n) = op(A) (m × k) · op(B) (k × n) + beta · C, on the
    /// operands of ensemble member `member` (each member's rows and weights are memory of their own).
    struct Product: Equatable {
        var transposeA = false, transposeB = false
        let m: Int, n: Int, k: Int
        var beta: Float = 0
        var member = 0

        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    /// How a network stores its weights, which decides the transposes of its products.
    enum Layout {
        /// `MLP`: each layer's weight is out × in; forward is X·Wᵀ onto the preloaded bias.
        case outByIn
        /// `EnsembleMLP`: each member's weight is in × out; forward is X·W, the bias added after.
        case inByOut
    }

    /// The products of one step, in call order.
    let products: [Product]

    /// One step on a minibatch of `rows` rows per member through layers of `widths` (input,
    /// hidden..., output): the forward products, then from the last layer to the first the weights'
    /// gradient and, for every layer but the first (nothing needs the data's gradient), its input's.
    init(widths: [Int], rows: Int, layout: Layout, members: Int = 1) {
        let layers = Array(zip(widths, widths.dropFirst()))
        var products: [Product] = []
        for (input, output) in layers {
            for b in 0..<members {
                products.append(
                    layout == .outByIn
                        ? Product(transposeB: true, m: rows, n: output, k: input, beta: 1, member: b)
                        : Product(m: rows, n: output, k: input, member: b))
            }
        }
        for (l, (input, output)) in layers.enumerated().reversed() {
            for b in 0..<members {
                products.append(
                    layout == .outByIn
                        ? Product(transposeA: true, m: output, n: input, k: rows, member: b)
                        : Product(transposeA: true, m: input, n: output, k: rows, member: b))
            }
            guard l > 0 else { break }
            for b in 0..<members {
                products.append(
                    layout == .outByIn
                        ? Product(m: rows, n: input, k: output, member: b)
                        : Product(transposeB: true, m: rows, n: input, k: output, member: b))
            }
        }
        self.products = products
    }

    /// Multiply-adds of all products, 2·m·n·k each: `Workloads.trainingFLOPsPerSample` × rows × members.
    var flops: Double { products.map(\.flops).reduce(0, +) }

    /// The median seconds of running every product once, in order, on 1 OpenBLAS thread. Each member's
    /// products read and write operands of their own; within a member, the products share them (the
    /// trainer's layers hand their buffers on), so the figure is that of warm caches: an upper bound of
    /// the rate the products reach inside a training step.
    func seconds(repetitions: Int) -> Double {
        BLAS.threads = 1
        let members = (products.map(\.member).max() ?? 0) + 1
        let sizeA = products.map { $0.m * $0.k }.max() ?? 0, sizeB = products.map { $0.k * $0.n }.max() ?? 0
        let sizeC = products.map { $0.m * $0.n }.max() ?? 0
        var rng = RandomGenerator(seed: 1)
        let a = Buffer<Float>((0..<(members * sizeA)).map { _ in rng.nextUnitFloat() })
        let b = Buffer<Float>((0..<(members * sizeB)).map { _ in rng.nextUnitFloat() })
        let c = Buffer<Float>(count: members * sizeC)
        return Workloads.median(repetitions: repetitions) {
            for p in products {
                BLAS.gemm(
                    transposeA: p.transposeA, transposeB: p.transposeB, m: p.m, n: p.n, k: p.k, alpha: 1,
                    a: a.pointer + p.member * sizeA, b: b.pointer + p.member * sizeB, beta: p.beta,
                    c: c.pointer + p.member * sizeC)
            }
        }
    }

    /// The products' share of the SGEMM `peak` (GFLOP/s) when they take `seconds`, and their share of
    /// a training step's time at `samplesPerSecond` with `samplesPerStep` samples a step (percent),
    /// with a line of text for the report. The products must hold the step's whole arithmetic,
    /// `flopsPerSample` × `samplesPerStep`.
    func shares(
        seconds: Double, flopsPerSample: Double, samplesPerStep: Int, samplesPerSecond: Double, peak: Double
    ) -> (peakPercent: Double, timePercent: Double, text: String) {
        precondition(
            flops == flopsPerSample * Double(samplesPerStep),
            "the products' arithmetic is not the step's: \(flops) FLOP against \(flopsPerSample) × \(samplesPerStep)")
        let rate = flops / seconds / 1e9
        let peakPercent = 100 * rate / peak
        let timePercent = 100 * seconds / (Double(samplesPerStep) / samplesPerSecond)
        let text = String(
            format: "%.1f GFLOP/s (%.0f%% of SGEMM 1 thread), %.0f%% of a step's time", rate, peakPercent, timePercent)
        return (peakPercent, timePercent, text)
    }
}
