import CBoxMuller
import Foundation
import MBRLCore
import XCTest

/// The batch Box–Muller transform (`RandomGenerator.boxMuller(pairs:count:into:)`) against the scalar
/// one, `Float(RandomGenerator.boxMuller(u, v))`, which defines every normal of every run.
final class NormalBatchTests: XCTestCase {
    /// Pairs as `normalUniforms()` draws them.
    func drawnPairs(_ count: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        var pairs: [Double] = []
        pairs.reserveCapacity(2 * count)
        for _ in 0..<count {
            let (u, v) = rng.normalUniforms()
            pairs += [u, v]
        }
        return pairs
    }

    /// The ends of both ranges, the logarithm's split at √2/2 and powers of two, and the cosine's
    /// zeros, extrema and octants with their neighbours.
    var edgePairs: [Double] {
        let us: [Double] = [
            0x1p-53, 0x1p-52, 0x1p-30, 0.25, 0.5.nextDown, 0.5, 0.5.nextUp, (0.5 as Double).squareRoot().nextDown,
            (0.5 as Double).squareRoot(), (0.5 as Double).squareRoot().nextUp, 0.9, 1 - 0x1p-52, 1 - 0x1p-53
        ]
        var vs: [Double] = [0, 0x1p-53, 1 - 0x1p-53]
        for k in 1..<8 {
            let v = Double(k) / 8
            vs += [v.nextDown, v, v.nextUp]
        }
        return us.flatMap { u in vs.flatMap { v in [u, v] } }
    }

    func transformed(_ pairs: [Double]) -> (batch: [Float], scalar: [Float]) {
        let count = pairs.count / 2
        var batch = [Float](repeating: .nan, count: count)
        pairs.withUnsafeBufferPointer { p in
            batch.withUnsafeMutableBufferPointer {
                RandomGenerator.boxMuller(pairs: p.baseAddress!, count: count, into: $0.baseAddress!)
            }
        }
        let scalar = (0..<count).map { Float(RandomGenerator.boxMuller(pairs[2 * $0], pairs[2 * $0 + 1])) }
        return (batch, scalar)
    }

    /// Pairs outside the drawn ranges (u of 0, subnormal, 1 or beyond, or NaN; v of 1, beyond or
    /// negative), each among drawn ones: handed over, so they too get the scalar transform's bits.
    var outsidePairs: [Double] {
        let strange: [(Double, Double)] = [
            (0, 0.3), (0x1p-1050, 0.3), (Double.leastNormalMagnitude, 0.3), (0x1p-1000, 0.3), (1, 0.3), (2, 0.3),
            (.nan, 0.3), (0.5, 1), (0.5, 1.5), (0.5, -0.25), (0.5, -0.0), (0.5, .nan), (.infinity, 0.3)
        ]
        let drawn = drawnPairs(7, seed: 3)
        return strange.flatMap { [$0.0, $0.1] + drawn }
    }

    func testTheBatchHasTheBitsOfTheScalarTransform() {
        for pairs in [drawnPairs(1 << 21, seed: 11), edgePairs, outsidePairs] {
            let (batch, scalar) = transformed(pairs)
            let differing = (0..<batch.count).filter { batch[$0].bitPattern != scalar[$0].bitPattern }
            XCTAssertEqual(
                differing.count, 0,
                "first at (u, v) = \(differing.first.map { (pairs[2 * $0], pairs[2 * $0 + 1]) } as Any)")
        }
    }

    /// Counts that are not a multiple of the eight lanes, from any start: the last vector is padded.
    func testEveryCountAndOffsetGivesTheScalarValues() {
        let pairs = drawnPairs(40, seed: 5)
        for start in 0..<9 {
            for count in 0...(40 - start) {
                let slice = Array(pairs[(2 * start)..<(2 * (start + count))])
                let (batch, scalar) = transformed(slice)
                XCTAssertEqual(batch.map(\.bitPattern), scalar.map(\.bitPattern), "start \(start), count \(count)")
            }
        }
    }

    /// The approximation stays within 8 ULP of Double of the scalar transform wherever it decides the
    /// Float itself (the bits above rest on a margin of 4,096 ULP), and hands over the few pairs near a
    /// Float rounding boundary or a zero of the cosine: some, but fewer than 1 in 10⁴.
    func testTheApproximationIsAccurateAndRarelyHandsOver() {
        let pairs = drawnPairs(1 << 20, seed: 12) + edgePairs
        let count = pairs.count / 2
        var values = [Double](repeating: .nan, count: count)
        var handed = [UInt8](repeating: 0, count: count)
        mbrl_box_muller_unrounded(pairs, &values, &handed, count)
        var worst = 0.0
        for i in 0..<count where handed[i] == 0 {
            let exact = RandomGenerator.boxMuller(pairs[2 * i], pairs[2 * i + 1])
            worst = max(worst, abs(values[i] - exact) / exact.magnitude.ulp)
        }
        XCTAssertLessThanOrEqual(worst, 8)
        let handedCount = handed.reduce(0) { $0 + Int($1) }
        XCTAssertGreaterThan(handedCount, 0)
        XCTAssertLessThan(Double(handedCount) / Double(count), 1e-4)
    }

    /// A pair whose Double result lies on a Float rounding boundary is handed to the scalar transform.
    func testPairsNearARoundingBoundaryAreHandedOver() {
        let pairs = drawnPairs(1 << 20, seed: 13)
        let count = pairs.count / 2
        var values = [Double](repeating: .nan, count: count)
        var handed = [UInt8](repeating: 0, count: count)
        mbrl_box_muller_unrounded(pairs, &values, &handed, count)
        for i in 0..<count {
            let low = values[i].bitPattern & (1 << 29 - 1)
            let distance = abs(Int(low) - (1 << 28))
            if distance <= 1 << 12 { XCTAssertEqual(handed[i], 1, "pair \(i)") }
            if distance > 1 << 12 && abs(values[i]) > 0.01 { XCTAssertEqual(handed[i], 0, "pair \(i)") }
        }
    }
}
