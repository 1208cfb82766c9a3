/// The `format` attribute values of the pipeline's files, and the check every reader makes first.
///
/// The raw value is the version writers write; readers also accept `olderVersions`.
public enum FileFormat: String, CaseIterable {
    case transitions = "mbrl.transitions/1"
    case stats = "mbrl.stats/1"
    /// Version 2 adds the training curve (`training/train_loss`, `training/val_loss`).
    case model = "mbrl.model/2"
    case eval = "mbrl.eval/1"

    /// Earlier versions that readers still accept.
    public var olderVersions: [String] {
        self == .model ? ["mbrl.model/1"] : []
    }

    /// The format of a `format` attribute value, of any accepted version.
    public init?(anyVersion value: String) {
        guard let format = Self.allCases.first(where: { $0.rawValue == value || $0.olderVersions.contains(value) }) else { return nil }
        self = format
    }

    /// What a user calls a file of this format, for messages.
    public var noun: String {
        switch self {
        case .transitions: return "a transitions file"
        case .stats: return "a stats file"
        case .model: return "a model file"
        case .eval: return "an evaluation file"
        }
    }

    /// Throws unless `root` carries this format; the message says what the file is instead.
    public func check(_ root: HDF5Group) throws {
        let path = root.file.displayPath
        guard root.hasAttribute("format") else {
            throw HDF5Error(path: path, "has no 'format' attribute; expected \(noun) (\(rawValue))")
        }
        let found = try root.stringAttribute("format")
        guard found == rawValue || olderVersions.contains(found) else {
            if let other = FileFormat(anyVersion: found) {
                throw HDF5Error(path: path, "is \(other.noun) (\(found)), expected \(noun) (\(rawValue))")
            }
            throw HDF5Error(path: path, "has format '\(found)', expected \(rawValue)")
        }
    }
}

extension HDF5Group {
    /// Reads a Float32 dataset of rank 2 with `columns` columns (or rank 1 when `columns` is nil),
    /// checking that every value is finite.
    func readMatrix(_ member: String, columns: Int?, rows expectedRows: Int? = nil) throws -> ShapedArray<Float> {
        let array = try read(member, as: Float.self)
        if let columns {
            guard array.rank == 2, array.shape[1] == columns else {
                throw error(member, "has shape \(Self.shapeText(array.shape)), expected (N, \(columns))")
            }
        } else {
            guard array.rank == 1 else {
                throw error(member, "has shape \(Self.shapeText(array.shape)), expected (N,)")
            }
        }
        if let expectedRows, array.rows != expectedRows {
            throw error(member, "has \(array.rows) rows, expected \(expectedRows) like observations")
        }
        try checkFinite(array.values, columns: columns ?? 1, member)
        return array
    }

    /// Throws naming the first row that holds NaN or an infinity.
    func checkFinite<T: BinaryFloatingPoint>(_ values: [T], columns: Int, _ member: String) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw error(member, "holds \(values[bad].isNaN ? "NaN" : "an infinity") at row \(bad / max(columns, 1))")
        }
    }

    /// A shape as NumPy prints it: `(3,)`, `(200, 3)`, `()`.
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
