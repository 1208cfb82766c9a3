import Foundation
@testable import MBRLCore
@testable import MBRLModels
import XCTest

/// The fused SIMD passes of training (`BackwardPasses`, `NormalizePass`, Adam's Float loop) give, bit for bit, what one
/// plain scalar loop per step gives: trained model files do not change bytes. Widths 21 and 16 cover
/// the vector part, the scalar tail and a row with no tail.
final class BackwardPassesTests: XCTestCase {
    /// Random values in [-1, 1), a quarter of them exactly 0 (the ReLU's boundary).
    static func values(_ count: Int, _ rng: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in
            let x = 2 * rng.nextUnitFloat() - 1
            return abs(x) < 0.25 ? 0 : x
        }
    }

    /// A buffer given a page offset starts exactly there in its page, zero-filled, whatever the
    /// allocator returned; any three of MLP's row buffers in a row take offsets at least 1,344 bytes apart
    /// modulo a page.
    func testPageOffsetsPlaceBuffersWithinTheirPages() {
        for offset in [0, 64, 1_344, 4_032] {
            for count in [1, 100, 300_000] {
                let buffer = Buffer<Float>(count: count, pageOffset: offset)
                XCTAssertEqual(Int(bitPattern: UnsafeRawPointer(buffer.pointer)) % 4096, offset)
                XCTAssertTrue(buffer.array.allSatisfy { $0 == 0 })
            }
        }
        for k in 0..<12 {
            let a = MLP<Float>.pageOffset(ofRowBuffer: k)
            XCTAssertEqual(a % 64, 0)
            for b in [MLP<Float>.pageOffset(ofRowBuffer: k + 1), MLP<Float>.pageOffset(ofRowBuffer: k + 2)] {
                XCTAssertGreaterThanOrEqual(min(abs(a - b), 4096 - abs(a - b)), 1344, "buffers \(k) and after")
            }
        }
    }

    func testFusedPassesMatchThePlainLoops() {
        var rng = RandomGenerator(seed: 7)
        for width in [21, 16, 5] {
            let rows = 9
            let g = Self.values(rows * width, &rng), a = Self.values(rows * width, &rng).map { max($0, 0) }
            let xhat = Self.values(rows * width, &rng), scale = Self.values(width, &rng)
            let n: Float = 9

            // The plain loops: mask; dγ, dβ; batch norm's input gradient; the bias sum.
            var gr = g, dGamma = [Float](repeating: 0, count: width), dBeta = dGamma, dBias = dGamma
            for i in 0..<(rows * width) { gr[i] = a[i] > 0 ? gr[i] : 0 }
            for r in 0..<rows {
                for j in 0..<width {
                    dGamma[j] += gr[r * width + j] * xhat[r * width + j]; dBeta[j] += gr[r * width + j]
                }
            }
            var masked = gr
            for r in 0..<rows {
                for j in 0..<width {
                    gr[r * width + j] = scale[j] * (n * gr[r * width + j] - dBeta[j] - xhat[r * width + j] * dGamma[j])
                }
            }
            for r in 0..<rows { for j in 0..<width { dBias[j] += gr[r * width + j] } }

            let fused = Buffer<Float>(g), fGamma = Buffer<Float>(count: width), fBeta = Buffer<Float>(count: width)
            let fBias = Buffer<Float>(count: width), aa = Buffer<Float>(a), xx = Buffer<Float>(xhat),
                ss = Buffer<Float>(scale)
            BackwardPasses.reluAndNormSums(
                gradient: fused.pointer, activations: aa.pointer, normalized: xx.pointer, rows: rows, width: width,
                dGamma: fGamma.pointer, dBeta: fBeta.pointer)
            XCTAssertEqual(fused.array.map(\.bitPattern), masked.map(\.bitPattern), "mask, width \(width)")
            XCTAssertEqual(fGamma.array.map(\.bitPattern), dGamma.map(\.bitPattern), "dγ, width \(width)")
            XCTAssertEqual(fBeta.array.map(\.bitPattern), dBeta.map(\.bitPattern), "dβ, width \(width)")
            BackwardPasses.normInputAndBiasSum(
                gradient: fused.pointer, normalized: xx.pointer, scale: ss.pointer, n: n, dGamma: fGamma.pointer,
                dBeta: fBeta.pointer, rows: rows, width: width, dBias: fBias.pointer)
            XCTAssertEqual(fused.array.map(\.bitPattern), gr.map(\.bitPattern), "dZ, width \(width)")
            XCTAssertEqual(fBias.array.map(\.bitPattern), dBias.map(\.bitPattern), "db, width \(width)")

            // Without batch norm: mask and bias sum; evaluation mode: a column factor and bias sum.
            let relu = Buffer<Float>(g)
            BackwardPasses.reluAndBiasSum(
                gradient: relu.pointer, activations: aa.pointer, rows: rows, width: width, dBias: fBias.pointer)
            masked = (0..<(rows * width)).map { a[$0] > 0 ? g[$0] : 0 }
            var sums = [Float](repeating: 0, count: width)
            for r in 0..<rows { for j in 0..<width { sums[j] += masked[r * width + j] } }
            XCTAssertEqual(relu.array.map(\.bitPattern), masked.map(\.bitPattern), "ReLU, width \(width)")
            XCTAssertEqual(fBias.array.map(\.bitPattern), sums.map(\.bitPattern), "ReLU db, width \(width)")
            let scaled = Buffer<Float>(g)
            BackwardPasses.scaleAndBiasSum(
                gradient: scaled.pointer, scale: ss.pointer, rows: rows, width: width, dBias: fBias.pointer)
            let expected = (0..<(rows * width)).map { g[$0] * scale[$0 % width] }
            sums = [Float](repeating: 0, count: width)
            for r in 0..<rows { for j in 0..<width { sums[j] += expected[r * width + j] } }
            XCTAssertEqual(scaled.array.map(\.bitPattern), expected.map(\.bitPattern), "scale, width \(width)")
            XCTAssertEqual(fBias.array.map(\.bitPattern), sums.map(\.bitPattern), "scale db, width \(width)")
        }
    }

    func testNormalizePassMatchesThePlainLoop() {
        var rng = RandomGenerator(seed: 11)
        for width in [21, 16, 5] {
            let rows = 7
            let z = Self.values(rows * width, &rng), mean = Self.values(width, &rng),
                invStd = Self.values(width, &rng).map { abs($0) + 0.5 }
            // γ = 0 and β = −0 at some columns: the ReLU sees ±0 (max(y, 0) keeps +0 for −0).
            let gamma = Self.values(width, &rng), beta = Self.values(width, &rng).map { $0 == 0 ? -0.0 : $0 }
            var xhat = [Float](repeating: 0, count: rows * width), a = xhat
            for r in 0..<rows {
                for j in 0..<width {
                    let normalized = (z[r * width + j] - mean[j]) * invStd[j]
                    xhat[r * width + j] = normalized
                    a[r * width + j] = max(gamma[j] * normalized + beta[j], 0)
                }
            }
            let zz = Buffer<Float>(z), mm = Buffer<Float>(mean), ss = Buffer<Float>(invStd), gg = Buffer<Float>(gamma),
                bb = Buffer<Float>(beta)
            let xx = Buffer<Float>(count: rows * width), aa = Buffer<Float>(count: rows * width)
            NormalizePass.normalizeAndReLU(
                zz.pointer, mean: mm.pointer, invStd: ss.pointer, gamma: gg.pointer, beta: bb.pointer,
                rows: rows, width: width, normalized: xx.pointer, activations: aa.pointer)
            XCTAssertEqual(xx.array.map(\.bitPattern), xhat.map(\.bitPattern), "x̂, width \(width)")
            XCTAssertEqual(aa.array.map(\.bitPattern), a.map(\.bitPattern), "a, width \(width)")
        }
    }

    func testAdamMatchesThePlainLoop() {
        var rng = RandomGenerator(seed: 3)
        let count = 21
        let config = AdamConfiguration(learningRate: 0.01, weightDecay: 0.05)
        let adam = Adam<Float>(parameterCount: count, config: config)
        let parameters = Buffer<Float>(Self.values(count, &rng))
        var p = parameters.array, m = [Float](repeating: 0, count: count), v = m
        for step in 1...3 {
            let g = Self.values(count, &rng)
            adam.update(parameters: parameters, gradients: Buffer<Float>(g))
            let correction1 = 1 - pow(Double(config.beta1), Double(step))
            let root = Float((1 - pow(Double(config.beta2), Double(step))).squareRoot())
            let stepSize = Float(Double(config.learningRate) / correction1)
            for i in 0..<count {
                let grad = g[i] + config.weightDecay * p[i]
                m[i] = config.beta1 * m[i] + (1 - config.beta1) * grad
                v[i] = config.beta2 * v[i] + (1 - config.beta2) * grad * grad
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / root + config.epsilon)
            }
            XCTAssertEqual(parameters.array.map(\.bitPattern), p.map(\.bitPattern), "step \(step)")
            XCTAssertEqual(adam.m.array.map(\.bitPattern), m.map(\.bitPattern), "step \(step)")
        }
    }
}
