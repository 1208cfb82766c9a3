/// A fixed-size block of memory for hot loops: allocated once, zero-filled, freed with its owner.
///
/// The network and the planners keep their working memory in these instead of arrays, so inner
/// loops run on plain pointers (no copy-on-write or exclusivity checks) and nothing is allocated
/// while they run. Bounds are the caller's contract, checked once outside the loops. The element
/// accessors are `@inlinable`, for the planners' loops in another target.
public final class Buffer<Element: Numeric> {
    public let pointer: UnsafeMutablePointer<Element>
    public let count: Int

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Element]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

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
