import Foundation
@testable import MBRLCore
@testable import MBRLModels
import XCTest

/// The ensemble's elementwise passes and thin layers give, bit for bit, what the loops they replaced
/// gave (written out below as the references: 8 lanes or one value at a time, one row at a time), so
/// planned and trained files do not change bytes. Widths 200, 37, 40, 24 and 5 cover 16-lane chunks,
/// the 8-lane chunk, the scalar tail and rows with no tail; the values include ±0, the exponential's
/// clamps and numbers far beyond them.
final class FastMathTests: XCTestCase {
    /// Random values in [-scale, scale), with 0, −0, ±87, ±88 and ±200 among them.
    static func values(_ count: Int, scale: Float = 12, _ rng: inout RandomGenerator) -> [Float] {
        let special: [Float] = [0, -0.0, 87, -87, 88, -88, 200, -200, 1e-30, -1e-30]
        return (0..<count).map { i in
            i % 7 == 3 ? special[(i / 7) % special.count] : scale * (2 * rng.nextUnitFloat() - 1)
        }
    }

    // MARK: The references: the loops before the 16-lane passes.

    static func referenceSiLU(_ z: [Float], bias: [Float]?, width: Int, rows: Int) -> [Float] {
        var y = [Float](repeating: 0, count: z.count)
        let vectorEnd = width & ~7, one = SIMD8<Float>(repeating: 1)
        for r in 0..<rows {
            var j = 0
            while j < vectorEnd {
                var x = SIMD8<Float>((0..<8).map { z[r * width + j + $0] })
                if let bias { x += SIMD8<Float>((0..<8).map { bias[j + $0] }) }
                let out = x / (one + FastMath.exp(-x))
                for l in 0..<8 { y[r * width + j + l] = out[l] }
                j += 8
            }
            while j < width {
                let x = z[r * width + j] + (bias?[j] ?? 0)
                y[r * width + j] = x / (1 + FastMath.exp(-x))
                j += 1
            }
        }
        return y
    }

    static func referenceSiLUBackward(_ z: [Float], _ g: [Float]) -> [Float] {
        var g = g
        let vectorEnd = z.count & ~7, one = SIMD8<Float>(repeating: 1)
        var i = 0
        while i < vectorEnd {
            let x = SIMD8<Float>((0..<8).map { z[i + $0] }), d = SIMD8<Float>((0..<8).map { g[i + $0] })
            let s = one / (one + FastMath.exp(-x))
            let out = d * s * (one + x * (one - s))
            for l in 0..<8 { g[i + l] = out[l] }
            i += 8
        }
        while i < z.count {
            let s = 1 / (1 + FastMath.exp(-z[i]))
            g[i] *= s * (1 + z[i] * (1 - s))
            i += 1
        }
        return g
    }

    // MARK: The tests.

    func testSixteenLaneExponentialMatchesEightLanes() {
        var rng = RandomGenerator(seed: 3)
        let x = Self.values(4096, scale: 100, &rng)
        for start in stride(from: 0, to: x.count, by: 16) {
            let wide = FastMath.exp(SIMD16<Float>(x[start..<(start + 16)]))
            let low = FastMath.exp(SIMD8<Float>(x[start..<(start + 8)]))
            let high = FastMath.exp(SIMD8<Float>(x[(start + 8)..<(start + 16)]))
            for l in 0..<8 {
                XCTAssertEqual(wide[l].bitPattern, low[l].bitPattern, "exp(\(x[start + l]))")
                XCTAssertEqual(wide[8 + l].bitPattern, high[l].bitPattern, "exp(\(x[start + 8 + l]))")
            }
        }
    }

    /// The vector square root is `Float.squareRoot()` lane by lane, bit for bit: on random magnitudes
    /// over many binades, subnormals, zeros of both signs, negative numbers (NaN), infinities and NaN.
    func testVectorSquareRootIsTheScalarOneLaneByLane() {
        var rng = RandomGenerator(seed: 5)
        var x = (0..<4096).map { _ in Float(pow(10, Double(rng.nextUnitFloat()) * 60 - 30)) * rng.nextUnitFloat() }
        x += [0, -0.0, -1, -.infinity, .leastNonzeroMagnitude, .leastNormalMagnitude, 1e-40]
        x += [.greatestFiniteMagnitude, .infinity, .nan]
        while x.count % 8 != 0 { x.append(1) }
        for start in stride(from: 0, to: x.count, by: 8) {
            let roots = FastMath.squareRoot(SIMD8<Float>(x[start..<(start + 8)]))
            for l in 0..<8 {
                XCTAssertEqual(roots[l].bitPattern, x[start + l].squareRoot().bitPattern, "√\(x[start + l])")
            }
        }
    }

    func testSiLUPassesMatchThePlainLoops() {
        var rng = RandomGenerator(seed: 5)
        for width in [200, 37, 40, 24, 5] {
            let rows = 3, z = Self.values(rows * width, &rng), bias = Self.values(width, &rng)
            for b in [bias, nil] {
                var y = [Float](repeating: 0, count: z.count)
                FastMath.biasSiLU(z, bias: b, width: width, rows: rows, into: &y)
                let expected = Self.referenceSiLU(z, bias: b, width: width, rows: rows)
                XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern), "width \(width), bias \(b != nil)")
                // In place, as the planner and the trainer call it.
                var inPlace = z
                inPlace.withUnsafeMutableBufferPointer {
                    FastMath.biasSiLU($0.baseAddress!, bias: b, width: width, rows: rows, into: $0.baseAddress!)
                }
                XCTAssertEqual(inPlace.map(\.bitPattern), expected.map(\.bitPattern), "in place, width \(width)")
            }
            let g = Self.values(rows * width, &rng)
            var backward = g
            FastMath.siluBackward(z, count: z.count, gradient: &backward)
            XCTAssertEqual(
                backward.map(\.bitPattern), Self.referenceSiLUBackward(z, g).map(\.bitPattern),
                "backward, \(z.count) values")
        }
    }

    /// The first layer with its activation, four rows at a time and one by one, against the layer's
    /// plain sums (bias first, then each input in order) followed by the activation pass over the
    /// whole output.
    func testThinLayerMatchesThePlainLoops() {
        var rng = RandomGenerator(seed: 9)
        // Rows: two groups of four and one left over.
        for (input, output) in [(4, 200), (4, 37), (26, 40), (3, 24), (2, 5), (23, 200), (35, 200)] {
            let rows = 9, x = Self.values(rows * input, scale: 2, &rng)
            let w = Self.values(input * output, scale: 1, &rng), bias = Self.values(output, scale: 1, &rng)
            for activation in Activation.allCases {
                var plain = [Float](repeating: 0, count: rows * output)
                for r in 0..<rows {
                    for j in 0..<output {
                        var sum = bias[j]
                        for i in 0..<input { sum += x[r * input + i] * w[i * output + j] }
                        plain[r * output + j] = sum
                    }
                }
                var expected = plain
                activation.applyFloat(plain, bias: nil, width: output, rows: rows, into: &expected)
                if activation == .silu {
                    XCTAssertEqual(
                        expected.map(\.bitPattern),
                        Self.referenceSiLU(plain, bias: nil, width: output, rows: rows).map(\.bitPattern))
                }
                var out = [Float](repeating: 0, count: rows * output)
                EnsembleDynamics.thinLayer(
                    x, rows: rows, input: input, output: output, weight: w, bias: bias, activation: activation,
                    into: &out)
                XCTAssertEqual(
                    out.map(\.bitPattern), expected.map(\.bitPattern), "\(input) → \(output), \(activation)")
            }
        }
    }

    /// The head four rows at a time: up to 8 outputs, every row's even inputs summed into one
    /// accumulator (from the bias), its odd inputs into another (from 0), then the two added, as one
    /// row at a time does; wider heads (HalfCheetah's 36, Ant's 56, Hopper's 26 with Δx), one sum from
    /// the bias over the inputs in order, as the plain loop this replaced, whatever the rows left over.
    func testHeadLayerMatchesThePlainLoop() {
        var rng = RandomGenerator(seed: 13)
        for (input, output, rows) in [
            (200, 6, 11), (37, 8, 4), (37, 3, 3), (1, 2, 6), (200, 36, 11), (200, 56, 8), (200, 26, 5), (37, 9, 3),
            (5, 16, 4), (1, 17, 1)
        ] {
            let x = Self.values(rows * input, scale: 2, &rng)
            let w = Self.values(input * output, scale: 1, &rng), bias = Self.values(output, scale: 1, &rng)
            var expected = [Float](repeating: 0, count: rows * output)
            for r in 0..<rows {
                for j in 0..<output where output > 8 {
                    var sum = bias[j]
                    for i in 0..<input { sum += x[r * input + i] * w[i * output + j] }
                    expected[r * output + j] = sum
                }
                for j in 0..<output where output <= 8 {
                    var even = bias[j], odd: Float = 0
                    var i = 0
                    while i + 1 < input {
                        even += x[r * input + i] * w[i * output + j]
                        odd += x[r * input + i + 1] * w[(i + 1) * output + j]
                        i += 2
                    }
                    if i < input { even += x[r * input + i] * w[i * output + j] }
                    expected[r * output + j] = even + odd
                }
            }
            let padded = EnsembleDynamics.pad(Buffer(w), members: 1, input: input, output: output)
            XCTAssertEqual(padded.count, input * EnsembleDynamics.paddedWidth(output: output))
            // One element past the end is a guard: the layer writes exactly rows × output values.
            var out = [Float](repeating: .nan, count: rows * output + 1)
            EnsembleDynamics.headLayer(
                x, rows: rows, input: input, output: output, padded: padded.pointer, bias: bias, into: &out)
            XCTAssert(out[rows * output].isNaN, "\(input) → \(output): wrote past the end")
            out.removeLast()
            if output > 8 {
                // The means only (the first half of a Gaussian head): those columns as before, and
                // nothing written past the registers that hold them.
                let needed = output / 2, computed = min((needed + 15) / 16 * 16, output)
                var means = [Float](repeating: .nan, count: rows * output)
                EnsembleDynamics.headLayer(
                    x, rows: rows, input: input, output: output, needed: needed, padded: padded.pointer, bias: bias,
                    into: &means)
                for r in 0..<rows {
                    for j in 0..<output {
                        let got = means[r * output + j]
                        if j < computed {
                            XCTAssertEqual(got.bitPattern, expected[r * output + j].bitPattern, "row \(r), column \(j)")
                        } else {
                            XCTAssert(got.isNaN, "\(input) → \(output), \(needed) needed: column \(j) written")
                        }
                    }
                }
            }
            XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(input) → \(output), \(rows) rows")
        }
    }

    /// The sampled σ of a row: the scalar softplus bounds, one output at a time.
    func testStandardDeviationsMatchTheScalarBounds() {
        var rng = RandomGenerator(seed: 17)
        for outputs in [3, 8, 18] {
            let raw = Self.values(outputs, scale: 15, &rng)
            let low = (0..<outputs).map { _ in -10 + rng.nextUnitFloat() }
            let high = (0..<outputs).map { _ in 0.5 + rng.nextUnitFloat() }
            let std = (0..<outputs).map { _ in 0.1 + rng.nextUnitFloat() }
            let expected = (0..<outputs).map { j in
                let upper = high[j] - EnsembleDynamics.softplus(high[j] - raw[j])
                let logvar = low[j] + EnsembleDynamics.softplus(upper - low[j])
                return std[j] * FastMath.exp(logvar / 2)
            }
            var sigma = [Float](repeating: 0, count: outputs)
            EnsembleDynamics.standardDeviations(
                rawLogvar: raw, count: outputs, minLogvar: low, maxLogvar: high, deltaStd: std, into: &sigma)
            XCTAssertEqual(sigma.map(\.bitPattern), expected.map(\.bitPattern), "\(outputs) outputs")
        }
    }
}
