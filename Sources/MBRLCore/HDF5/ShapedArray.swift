/// A dense row-major array with a shape, as read from or written to an HDF5 dataset.
///
/// `values.count` always equals the product of `shape` (1 for a scalar, whose shape is `[]`).
public struct ShapedArray<Element> {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }

    public var rank: Int { shape.count }

    /// The number of rows: the first dimension (1 for a scalar).
    public var rows: Int { shape.first ?? 1 }

    /// The number of values per row: the product of every dimension after the first.
    public var columns: Int { shape.dropFirst().reduce(1, *) }

    /// The values of row `i` (of the first dimension).
    public func row(_ i: Int) -> ArraySlice<Element> {
        values[(i * columns)..<((i + 1) * columns)]
    }
}

extension ShapedArray: Equatable where Element: Equatable {}
