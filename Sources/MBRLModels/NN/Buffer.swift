/// A fixed-size block of memory for hot loops: allocated once, zero-filled, freed with its owner.
///
/// The network and the planners keep their working memory in these instead of arrays, so inner
/// loops run on plain pointers (no copy-on-write or exclusivity checks) and nothing is allocated
/// while they run. Bounds are the caller's contract, checked once outside the loops. The element
/// accessors are `@inlinable`, for the planners' loops in another target.
public final class Buffer<Element: Numeric> {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    /// The memory as allocated; `pointer` is at its start or, with a page offset, within its first page.
    private let allocation: UnsafeMutableRawPointer

    /// A zero-filled buffer of `count` elements; with `pageOffset` (a multiple of 64 below 4,096),
    /// starting that many bytes into a page, for one page more of memory.
    ///
    /// A loop that reads one buffer and writes another at the same index (batch norm's passes read Z and
    /// write X̂ and A) stalls on every load whose address agrees in its low 12 bits with a store still in
    /// flight ("4K aliasing"). Large blocks come from the system page-aligned, all at the same offset in
    /// their page, and blocks allocated one after another from the heap sit a few bytes apart modulo a
    /// page; buffers given page offsets a kilobyte or more apart keep such loads and stores in
    /// different places of the page. Only the speed depends on it.
    public init(count: Int, pageOffset: Int? = nil) {
        self.count = count
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if let pageOffset {
            precondition(pageOffset >= 0 && pageOffset < 4096 && pageOffset % 64 == 0, "page offset \(pageOffset)")
            allocation = .allocate(byteCount: bytes + 4096, alignment: 64)
            let shift = (pageOffset - Int(bitPattern: allocation) % 4096 + 4096) % 4096
            pointer = (allocation + shift).bindMemory(to: Element.self, capacity: max(count, 1))
        } else {
            allocation = .allocate(byteCount: bytes, alignment: MemoryLayout<Element>.alignment)
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
