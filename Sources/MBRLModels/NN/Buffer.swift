import Synchronization

/// The number of staggered buffers allocated so far (`Buffer.staggeredSize`).
private let bufferStaggerCount = Atomic<Int>(0)

/// A fixed-size block of memory for hot loops: allocated once, zero-filled, freed with its owner.
///
/// The network and the planners keep their working memory in these instead of arrays, so inner
/// loops run on plain pointers (no copy-on-write or exclusivity checks) and nothing is allocated
/// while they run. Bounds are the caller's contract, checked once outside the loops. The element
/// accessors are `@inlinable`, for the planners' loops in another target.
public final class Buffer<Element: Numeric> {
    /// Buffers of at least this many bytes start at staggered offsets from a 64-byte boundary.
    ///
    /// A loop that reads one large buffer and writes another at the same index (batch norm's passes
    /// read Z and write X̂ and A) stalls on every load whose address agrees in its low 12 bits with a
    /// store still in flight ("4K aliasing"), and large blocks come from the system page-aligned, all
    /// at the same offset in their page. Starting each one a different number of cache lines into its
    /// page (1,344 bytes apart, modulo 4,096) keeps same-index loads and stores in different places of
    /// the page. Only the speed depends on it; it costs one page per large buffer.
    static var staggeredSize: Int { 16_384 }

    /// The offset in its page of the next staggered buffer: 0, 1,344, 2,688, 4,032, 1,280, ...
    private static func nextStagger() -> Int {
        let k = bufferStaggerCount.add(1, ordering: .relaxed).oldValue
        return k * 1_344 % 4_096
    }

    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    /// The memory as allocated; `pointer` is at its start or, for a staggered buffer, within its first
    /// page.
    private let allocation: UnsafeMutableRawPointer

    public init(count: Int) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if bytes >= Self.staggeredSize {
            // One page more than needed, so the start can be placed at any offset of a page.
            allocation = .allocate(byteCount: bytes + 4096, alignment: 64)
            let address = Int(bitPattern: allocation)
            let shift = (Self.nextStagger() - address % 4096 + 4096) % 4096
            pointer = (allocation + shift).bindMemory(to: Element.self, capacity: count)
        } else {
            allocation = .allocate(byteCount: bytes, alignment: 64)
            pointer = allocation.bindMemory(to: Element.self, capacity: max(count, 1))
        }
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { allocation.deallocate() }

    @inlinable @inline(__always)
    public subscript(i: Int) -> Element {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    /// A copy of the contents.
    @inlinable
    public var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// Copies `values` (exactly `count` of them) into the buffer.
    @inlinable
    public func assign(_ values: [Element]) {
        precondition(values.count == count, "\(values.count) values for a buffer of \(count)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Sets every element to `value`.
    @inlinable
    public func fill(_ value: Element) { pointer.update(repeating: value, count: count) }
}
