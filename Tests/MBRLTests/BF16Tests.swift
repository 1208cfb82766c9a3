import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLModels
import MBRLPlanning
import MBRLTestSupport
import XCTest

/// The planner's bf16 path (`BF16Matrix`, `PlanningPrecision`): the rounding to bfloat16, the AMX
/// product against a double-precision reference of the rounded operands, and the folded network
/// built on it. The product's tests are skipped on a CPU (or a kernel) without AMX-BF16.
final class BF16Tests: XCTestCase {
    private func float(_ bits: UInt32) -> Float { Float(bitPattern: bits) }

    /// Round to nearest with ties to even, on the 16 dropped bits; NaN, ±Inf and overflow kept apart;
    /// subnormals rounded, not flushed. The same for the scalar and the vectorized conversion (37
    /// values: two full vectors and a remainder).
    func testRoundingIsToNearestWithTiesToEven() {
        let cases: [(Float, Float)] = [
            (1, 1),
            (float(0x3f80_8000), 1),  // 1 + 2⁻⁸: a tie, to the even 1
            (float(0x3f81_8000), float(0x3f82_0000)),  // 1 + 3·2⁻⁸: a tie, to the even 1 + 2⁻⁶
            (float(0x3f80_8001), float(0x3f81_0000)),  // just above the tie: up
            (float(0x3f80_7fff), 1),  // just below: down
            (-float(0x3f80_8001), -float(0x3f81_0000)),  // the same with a sign
            (.infinity, .infinity), (-.infinity, -.infinity),
            (.greatestFiniteMagnitude, .infinity),  // rounds past the largest bf16
            (float(0x7f7f_0000), float(0x7f7f_0000)),  // the largest bf16 itself
            (float(0x0000_8000), 0),  // a subnormal tie, to the even 0
            (float(0x0001_8000), float(0x0002_0000)),  // a subnormal tie, up to the even
            (float(0x0000_c000), float(0x0001_0000)),  // a subnormal above the tie
            (-0.0, -0.0)
        ]
        var inputs = cases.map(\.0), expected = cases.map(\.1)
        var rng = RandomGenerator(seed: 11)
        while inputs.count < 37 {
            let x = Float(rng.normal()) * 100
            inputs.append(x)
            // Reference: the nearer of the two bf16 neighbours, the even one on a tie.
            let bits = x.bitPattern, down = float(bits & 0xffff_0000), up = float((bits & 0xffff_0000) + 0x1_0000)
            let dDown = abs(Double(x) - Double(down)), dUp = abs(Double(up) - Double(x))
            expected.append(dDown < dUp ? down : dUp < dDown ? up : ((bits >> 16) & 1 == 0 ? down : up))
        }
        let vectorized = BF16Matrix.rounded(inputs)
        for i in inputs.indices {
            XCTAssertEqual(
                BF16Matrix.rounded(inputs[i]).bitPattern, expected[i].bitPattern,
                "scalar, \(inputs[i]) "
                    + "(0x\(String(inputs[i].bitPattern, radix: 16)))")
            XCTAssertEqual(vectorized[i].bitPattern, expected[i].bitPattern, "vectorized, \(inputs[i])")
        }
        for nan in [Float.nan, -Float.nan, float(0x7f80_0001), float(0xff80_0001), float(0x7fff_ffff)] {
            let scalar = BF16Matrix.rounded(nan), vector = BF16Matrix.rounded([nan, 1])[0]
            XCTAssertTrue(scalar.isNaN && vector.isNaN, "NaN 0x\(String(nan.bitPattern, radix: 16)) stays NaN")
            XCTAssertEqual(scalar.sign, nan.sign)
            XCTAssertEqual(vector.bitPattern, scalar.bitPattern)
            XCTAssertFalse(scalar.isSignalingNaN)
        }
    }

    private func requireAMX() throws {
        try XCTSkipUnless(
            BF16Matrix.isAvailable,
            "this CPU (or kernel) has no AMX-BF16 (or MBRL_DISABLE_AMX is "
                + "set): the bf16 product cannot run here")
    }

    /// c = x Wᵀ equals the double-precision product of the bf16-rounded operands to fp32
    /// accumulation's rounding, for shapes with every kind of edge (rows, columns and inner dimension
    /// not multiples of the tiles' 16, 16 and 32).
    func testProductMatchesTheRoundedReference() throws {
        try requireAMX()
        var rng = RandomGenerator(seed: 12)
        for (rows, output, input) in [
            (1, 1, 1), (37, 17, 23), (33, 33, 65), (50, 200, 200), (16, 16, 32), (17, 3, 40), (64, 48, 96)
        ] {
            let x = (0..<(rows * input)).map { _ in Float(rng.normal()) * 3 }
            let w = (0..<(output * input)).map { _ in Float(rng.normal()) }
            let matrix = w.withUnsafeBufferPointer { BF16Matrix(weight: $0.baseAddress!, output: output, input: input) }
            var c = [Float](repeating: .nan, count: rows * output)
            matrix.multiply(x, rows: rows, into: &c)
            let xr = x.map { Double(BF16Matrix.rounded($0)) }, wr = w.map { Double(BF16Matrix.rounded($0)) }
            for r in 0..<rows {
                for o in 0..<output {
                    var sum = 0.0, magnitude = 0.0
                    for i in 0..<input {
                        sum += xr[r * input + i] * wr[o * input + i]
                        magnitude += abs(xr[r * input + i] * wr[o * input + i])
                    }
                    // fp32 sums of `input` exact products: within input · 2⁻²⁴ of the sum of magnitudes.
                    let tolerance = Double(input + 1) * 0x1p-24 * magnitude
                    XCTAssertLessThanOrEqual(
                        abs(Double(c[r * output + o]) - sum), tolerance,
                        "\(rows)×\(output)×\(input), row \(r), column \(o)")
                }
            }
        }
    }

    /// A row's result does not depend on the other rows: the product of all rows equals, bit for bit,
    /// the products of uneven slices of them (as the planner's threads split the candidates), and a
    /// second call equals the first.
    func testProductIsTheSameForAnySplitOfTheRows() throws {
        try requireAMX()
        var rng = RandomGenerator(seed: 13)
        let rows = 101, output = 40, input = 70
        let x = (0..<(rows * input)).map { _ in Float(rng.normal()) }
        let w = (0..<(output * input)).map { _ in Float(rng.normal()) }
        let matrix = w.withUnsafeBufferPointer { BF16Matrix(weight: $0.baseAddress!, output: output, input: input) }
        var whole = [Float](repeating: 0, count: rows * output), again = whole, pieces = whole
        matrix.multiply(x, rows: rows, into: &whole)
        matrix.copy().multiply(x, rows: rows, into: &again)
        XCTAssertEqual(whole, again)
        x.withUnsafeBufferPointer { xp in
            pieces.withUnsafeMutableBufferPointer { cp in
                var start = 0
                for size in [1, 33, 7, 50, 10] {
                    matrix.multiply(xp.baseAddress! + start * input, rows: size, into: cp.baseAddress! + start * output)
                    start += size
                }
            }
        }
        XCTAssertEqual(whole, pieces)
    }

    /// The folded network in bf16 predicts what the fp32 one predicts to bf16's precision (a few
    /// parts in a thousand of the change's scale), is not the fp32 network under another name, and
    /// its copies give the same bits.
    func testFoldedNetworkInBF16IsCloseToFP32() throws {
        try requireAMX()
        let o = 17, a = 6, rows = 45
        var rng = RandomGenerator(seed: 14)
        let stats = NormalizationStats.random(observations: o, actions: a, using: &rng)
        let model = DynamicsModel(stats: stats, hidden: 64, depth: 3, batchNorm: true, seed: 15)
        // Running variances in [0.5, 1.5) and running means near zero, so the hidden units are alive.
        for i in 0..<model.network.buffers.count { model.network.buffers[i] = 0.5 + Float(rng.nextUnit()) }
        let layout = model.network.layout
        for l in 0..<3 {
            for j in 0..<64 { model.network.buffers[layout.meanOffset[l] + j] = 0.1 * Float(rng.normal()) }
        }
        for i in 0..<model.network.parameters.count { model.network.parameters[i] += 0.1 * Float(rng.normal()) }
        let inputs = (0..<(rows * (o + a))).map { _ in Float(rng.normal()) }
        let fp32 = FoldedNetwork(model, capacity: rows), bf16 = FoldedNetwork(model, capacity: rows, precision: .bf16)
        XCTAssertEqual(fp32.precision, .fp32)
        XCTAssertEqual(bf16.precision, .bf16)
        // The output is the network's own buffer: read it while the network is alive.
        func predicted(_ network: FoldedNetwork) -> [Float] {
            withExtendedLifetime(network) {
                Array(UnsafeBufferPointer(start: network.predictDelta(inputs: inputs, count: rows), count: rows * o))
            }
        }
        let reference = predicted(fp32), reduced = predicted(bf16), copied = predicted(bf16.copy())
        let scale = Double(stats.deltaStateStd.max()!)
        let error = maxRelativeError(reduced, reference, floor: scale).error
        XCTAssertLessThan(error, 2e-2, "bf16 far from fp32")
        XCTAssertGreaterThan(error, 1e-6, "bf16 equal to fp32: the reduced product is not used")
        XCTAssertEqual(reduced, copied)
    }

    /// The planning engine reports the precision it computes in and why it is not the one asked for:
    /// bf16 where the CPU has AMX-BF16 and the network a product between two hidden layers; without
    /// AMX-BF16 (this CPU, or MBRL_DISABLE_AMX), that reason for either network; with it, the
    /// one-hidden-layer network's. Whatever the CPU, the reported values follow `BF16Matrix.isAvailable`.
    func testPlanningEngineReportsItsPrecisionAndTheReasonForAFallback() throws {
        let stats = NormalizationStats(
            stateMean: [0, 0, 0], stateStd: [1, 1, 1], actionMean: [0], actionStd: [1],
            deltaStateMean: [0, 0, 0], deltaStateStd: [1, 1, 1], count: 1)
        var settings = PlannerConfiguration(kind: .rs)
        settings.candidates = 8
        settings.horizon = 3
        func decision(depth: Int, _ precision: PlanningPrecision) throws -> PrecisionDecision {
            let model = DynamicsModel(stats: stats, hidden: 16, depth: depth, batchNorm: false, seed: 1)
            let engine = try model.planningEngine(
                for: settings, propagation: PropagationRequest(), precision: precision)
            // Decided before the network is built, as the built network computes.
            XCTAssertEqual((engine.makeDynamics() as? ModelDynamics)?.network.precision, engine.precision.used)
            return engine.precision
        }
        let amx = BF16Matrix.isAvailable
        XCTAssertEqual(
            try decision(depth: 2, .bf16),
            amx
                ? PrecisionDecision(requested: .bf16, used: .bf16, fallback: nil)
                : PrecisionDecision(requested: .bf16, used: .fp32, fallback: .noAMX))
        XCTAssertEqual(
            try decision(depth: 1, .bf16),
            PrecisionDecision(requested: .bf16, used: .fp32, fallback: amx ? .noHiddenToHiddenProduct : .noAMX))
        XCTAssertEqual(try decision(depth: 2, .fp32), .fp32)
        XCTAssertEqual(try decision(depth: 0, .fp32), .fp32)
    }
}
