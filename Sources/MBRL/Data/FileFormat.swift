/// The `format` attribute values of the pipeline's files, and the check every reader makes first.
///
/// The raw value is the version writers write; readers also accept `olderVersions`.
public enum FileFormat: String, CaseIterable {
    case transitions = "mbrl.transitions/1"
    case stats = "mbrl.stats/1"
    /// Version 2 adds the training curve (`training/train_loss`, `training/val_loss`).
    case model = "mbrl.model/2"
    /// A PETS ensemble: mbrl-lib's `GaussianMLP` state_dict, elites and statistics.
    case ensemble = "mbrl.ensemble/1"
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
        case .ensemble: return "an ensemble model file"
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
