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

    /// One block's standard normals before the truncation (`drawTruncated`) keeps some of them; made
    /// on the first truncated draw.
    private lazy var candidates = Buffer<Float>(count: min(capacity, Self.block))

    /// Bytes a `NormalDraws` of `capacity` values holds at most (for the plan stage's memory check).
    static func byteCount(capacity: Int) -> Int? {
        MemoryBudget.sum([
            MemoryBudget.product([capacity, MemoryLayout<Float>.size]),
            MemoryBudget.product([2 * min(capacity, block), MemoryLayout<Double>.size]),
            MemoryBudget.product([min(capacity, block), MemoryLayout<Float>.size])
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
            let n = min(Self.block, count - start)
            for i in 0..<n { (uv[2 * i], uv[2 * i + 1]) = rng.normalUniforms() }
            transformBlock(n, into: values.pointer + start)
            start += n
        }
        return UnsafePointer(values.pointer)
    }

    /// Draws `count` normals truncated to [−2, 2] into `values[0..<count]` and returns their start:
    /// value i has the bits of the i-th `rng.truncatedNormal()` (a `Float(rng.normal())` drawn again
    /// while its magnitude is above 2) the generator would have given in its place, and `rng` is left
    /// where those calls leave it.
    ///
    /// How many pairs a value takes is known only after its transform, so a block's pairs are drawn
    /// ahead from a copy of the generator and transformed together; the values are kept in order until
    /// `count` are, and the generator then moves past just the pairs those used (drawing them again,
    /// which costs little beside the transforms).
    @discardableResult
    func drawTruncated(_ count: Int, using rng: inout RandomGenerator) -> UnsafePointer<Float> {
        precondition(count >= 0 && count <= capacity)
        let uv = uniforms.pointer, z = candidates.pointer, out = values.pointer
        var filled = 0
        while filled < count {
            // About 4.6% of normals fall beyond ±2: a few more pairs than values usually suffice.
            let needed = count - filled
            let n = min(min(capacity, Self.block), needed + needed / 16 + 16)
            var ahead = rng
            for i in 0..<n { (uv[2 * i], uv[2 * i + 1]) = ahead.normalUniforms() }
            transformBlock(n, into: z)
            var used = 0
            while used < n && filled < count {
                let x = z[used]
                used += 1
                if abs(x) <= 2 {
                    out[filled] = x
                    filled += 1
                }
            }
            for _ in 0..<used { _ = rng.normalUniforms() }
        }
        return UnsafePointer(out)
    }

    /// Box–Muller on the first `n` pairs of `uniforms` into `z[0..<n]`, in contiguous chunks on up to
    /// `threads` threads when the block is large enough to pay for waking them.
    private func transformBlock(_ n: Int, into z: UnsafeMutablePointer<Float>) {
        let uv = uniforms.pointer
        let chunks = max(1, min(threads, n / Self.minimumPerThread))
        if chunks == 1 {
            Self.transform(uv, into: z, range: 0..<n)
        } else {
            let chunk = (n + chunks - 1) / chunks
            DispatchQueue.concurrentPerform(iterations: chunks) { t in
                Self.transform(uv, into: z, range: (t * chunk)..<min((t + 1) * chunk, n))
            }
        }
    }

    private static func transform(_ uv: UnsafePointer<Double>, into z: UnsafeMutablePointer<Float>, range: Range<Int>) {
        RandomGenerator.boxMuller(pairs: uv + 2 * range.lowerBound, count: range.count, into: z + range.lowerBound)
    }
}
