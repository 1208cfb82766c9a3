import MBRLCore

/// One named tensor of a network's flat storage: its `state_dict` key, PyTorch's shape, and where its
/// values start. The single network (`ParameterLayout`) and the ensemble (`EnsembleLayout`) list
/// their tensors as these, and every model file stores each one as a dataset of that name and shape.
public struct TensorEntry: Equatable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// The tensor reader and writer of every model file (docs/FORMATS.md): each tensor a dataset named by
/// its `state_dict` key with PyTorch's shape, checked on reading for presence, exact shape and values;
/// and the architecture's positive integer attributes.
enum ModelTensors {
    /// Writes `entry`'s values, taken from the flat `values`, as the dataset `entry.name` of `group`.
    static func write<S: HDF5Element>(_ entry: TensorEntry, of values: [S], to group: HDF5Group) throws {
        try group.write(Array(values[entry.range]), shape: entry.shape, to: entry.name)
    }

    /// Reads the dataset `entry.name` of `group` into `buffer` at `entry.offset`, after checking that it
    /// exists, has exactly `entry.shape` and that `problem` finds nothing wrong with its values. Errors
    /// name the dataset and what `owner` (e.g. `the network 4-64-64-3 with batch norm`) expects.
    static func read<S: HDF5Element>(
        _ entry: TensorEntry, from group: HDF5Group, into buffer: Buffer<S>, owner: String,
        problem: ([S]) -> String?
    ) throws {
        guard group.contains(entry.name) else { throw group.error(entry.name, "missing weight (\(owner) needs it)") }
        let array = try group.read(entry.name, as: S.self)
        guard array.shape == entry.shape else {
            throw group.error(
                entry.name,
                "has shape \(HDF5Group.shapeText(array.shape)), "
                    + "expected \(HDF5Group.shapeText(entry.shape)) for \(owner)")
        }
        if let problem = problem(array.values) { throw group.error(entry.name, problem) }
        for (i, v) in array.values.enumerated() { buffer[entry.offset + i] = v }
    }

    /// The rule every tensor of a model file meets, checked by the readers (on what they read) and the
    /// writers (on what they are about to write): finite. Returns where it breaks, as `holds an
    /// infinity at row 0` (a row is one index of the first dimension), or nil.
    static func nonFiniteProblem<C: Collection>(_ values: C, shape: [Int]) -> String?
    where C.Element: BinaryFloatingPoint {
        guard let bad = values.firstIndex(where: { !$0.isFinite }) else { return nil }
        let row = values.distance(from: values.startIndex, to: bad) / max(shape.dropFirst().reduce(1, *), 1)
        return "holds \(values[bad].isNaN ? "NaN" : "an infinity") at row \(row)"
    }

    /// The integer attribute `name` of `root`, which must be positive.
    static func positiveAttribute(_ root: HDF5Group, _ name: String) throws -> Int {
        let value = try root.intAttribute(name)
        guard value > 0 else {
            throw HDF5Error(
                path: root.file.displayPath, object: "@" + name,
                "must be positive, "
                    + "is \(value)")
        }
        return value
    }
}
