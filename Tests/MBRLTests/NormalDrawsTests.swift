@testable import MBRLCore
@testable import MBRLModels
@testable import MBRLPlanning
import XCTest

/// `NormalDraws` gives the bits `RandomGenerator.normal()` gives, one call at a time, whatever its
/// threads and blocks, and leaves the generator where those calls would.
final class NormalDrawsTests: XCTestCase {
    func testDrawsAreTheSequentialNormalsOnAnyThreads() {
        // One value, a block's chunk boundary, a partial block, several blocks and a remainder.
        let counts = [0, 1, NormalDraws.minimumPerThread * 2 + 1, NormalDraws.block - 3, 2 * NormalDraws.block + 777]
        for threads in [1, 2, 3] {
            let draws = NormalDraws(capacity: counts.max()!, threads: threads)
            var bulk = RandomGenerator(seed: 21), oneByOne = RandomGenerator(seed: 21)
            for count in counts {
                let z = draws.draw(count, using: &bulk)
                for i in 0..<count {
                    let expected = Float(oneByOne.normal())
                    guard z[i].bitPattern == expected.bitPattern else {
                        return XCTFail("\(threads) threads, \(count) values: value \(i) is \(z[i]), not \(expected)")
                    }
                }
                XCTAssertEqual(bulk.next(), oneByOne.next(), "\(threads) threads: the generator after \(count) values")
            }
        }
    }

    /// `drawTruncated` gives the bits of successive `truncatedNormal()` calls (each rejection included)
    /// on any threads, from small capacities to several blocks, and leaves the generator where they do.
    func testTruncatedDrawsAreTheSequentialTruncatedNormals() {
        let counts = [0, 1, 7, NormalDraws.minimumPerThread * 2 + 1, NormalDraws.block + 5, 2 * NormalDraws.block + 777]
        for threads in [1, 2] {
            for capacity in [7, counts.max()!] {
                let draws = NormalDraws(capacity: capacity, threads: threads)
                var bulk = RandomGenerator(seed: 33), oneByOne = RandomGenerator(seed: 33)
                var rejected = 0
                for count in counts where count <= capacity {
                    let z = draws.drawTruncated(count, using: &bulk)
                    for i in 0..<count {
                        var probe = oneByOne
                        while abs(Float(probe.normal())) > 2 { rejected += 1 }
                        let expected = oneByOne.truncatedNormal()
                        guard z[i].bitPattern == expected.bitPattern else {
                            return XCTFail("\(threads) threads, capacity \(capacity), \(count) values: value \(i)")
                        }
                    }
                    XCTAssertEqual(bulk.next(), oneByOne.next(), "\(threads) threads, capacity \(capacity), \(count)")
                }
                if capacity > 7 { XCTAssertGreaterThan(rejected, 100, "the truncation rejected values") }
            }
        }
    }

    /// The one draw in 2⁵³ that is 0 is drawn again, in bulk as one call at a time.
    func testAZeroUniformIsRedrawn() {
        // A state whose next output is below 2¹¹ (so its uniform is 0): xoshiro256** gives 0 for an
        // all-zero s1 on the first call.
        var zero = RandomGenerator(seed: 0)
        (zero.s0, zero.s1, zero.s2, zero.s3) = (1, 0, 2, 3)
        var copy = zero
        XCTAssertEqual(copy.nextUnit(), 0)
        let draws = NormalDraws(capacity: 4, threads: 1)
        var bulk = zero, oneByOne = zero
        let z = draws.draw(4, using: &bulk)
        for i in 0..<4 { XCTAssertEqual(z[i].bitPattern, Float(oneByOne.normal()).bitPattern, "value \(i)") }
        XCTAssert(z[0].isFinite)
        XCTAssertEqual(bulk.next(), oneByOne.next())
    }
}
