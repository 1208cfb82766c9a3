import Dispatch
import MBRLCore
import MBRLModels

/// Standard normals in bulk: value i of a `draw` has the bits of the i-th `Float(rng.normal())` the
/// generator would have given in its place, so a planner can draw a round's normals at once and share
/// their cost among its threads without changing a bit of its plans.
///
/// The generator's state is sequential, so the uniforms are drawn on the calling thread, in order
/// (`RandomGenerator.normalUniforms`), a block at a time. The Box–Muller transform, the costly part (a
/// logarithm, a square root and a cosine in Double, eight pairs at a time:
/// `RandomGenerator.boxMuller(pairs:count:into:)`), is a pure function of each pair: a block's
/// transforms run in contiguous chunks on up to `threads` threads when the block is large enough to pay
/// for waking them. The values never depend on `threads`.
final class NormalDraws {
    /// The most values one `draw` gives.
    let capacity: Int
    let threads: Int
    /// The last `draw`'s values.
    let values: Buffer<Float>
    /// One block's uniform pairs, (u, v) interleaved.
    private let uniforms: Buffer<Double>

    /// Values whose uniforms are held at once: 256 KiB of pairs, which stay in cache until transformed.
    static let block = 16_384
    /// Values below which a chunk of a block is not handed to another thread.
    static let minimumPerThread = 2_048

    /// Bytes a `NormalDraws` of `capacity` values holds (for the plan stage's memory check).
    static func byteCount(capacity: Int) -> Int? {
        MemoryBudget.sum([
            MemoryBudget.product([capacity, MemoryLayout<Float>.size]),
            MemoryBudget.product([2 * min(capacity, block), MemoryLayout<Double>.size])
        ])
    }

    init(capacity: Int, threads: Int) {
        precondition(capacity >= 0 && threads >= 1)
        self.capacity = capacity
        self.threads = threads
        values = Buffer(count: capacity)
        uniforms = Buffer(count: 2 * min(capacity, Self.block))
    }

    /// Draws `count` normals from `rng` into `values[0..<count]` and returns their start.
    @discardableResult
    func draw(_ count: Int, using rng: inout RandomGenerator) -> UnsafePointer<Float> {
        precondition(count >= 0 && count <= capacity)
        let uv = uniforms.pointer
        var start = 0
        while start < count {
            let n = min(Self.block, count - start), z = values.pointer + start
            for i in 0..<n { (uv[2 * i], uv[2 * i + 1]) = rng.normalUniforms() }
            let chunks = max(1, min(threads, n / Self.minimumPerThread))
            if chunks == 1 {
                Self.transform(uv, into: z, range: 0..<n)
            } else {
                let chunk = (n + chunks - 1) / chunks
                DispatchQueue.concurrentPerform(iterations: chunks) { t in
                    Self.transform(uv, into: z, range: (t * chunk)..<min((t + 1) * chunk, n))
                }
            }
            start += n
        }
        return UnsafePointer(values.pointer)
    }

    private static func transform(_ uv: UnsafePointer<Double>, into z: UnsafeMutablePointer<Float>, range: Range<Int>) {
        RandomGenerator.boxMuller(pairs: uv + 2 * range.lowerBound, count: range.count, into: z + range.lowerBound)
    }
}
