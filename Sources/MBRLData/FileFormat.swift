import MBRLCore

/// The `format` attribute values of the pipeline's files, and the check every reader makes first.
///
/// The raw value is the version writers write; readers also accept `olderVersions`, and the model
/// formats' `deltaXVersion`, which writers write instead for a model that also predicts Δx.
public enum FileFormat: String, CaseIterable {
    case transitions = "mbrl.transitions/1"
    case stats = "mbrl.stats/1"
    /// Version 2 adds the training curve (`training/train_loss`, `training/val_loss`).
    case model = "mbrl.model/2"
    /// A PETS ensemble: mbrl-lib's `GaussianMLP` state_dict, elites and statistics.
    case ensemble = "mbrl.ensemble/1"
    case eval = "mbrl.eval/1"

    /// Earlier versions that readers still accept, and the Δx version.
    public var olderVersions: [String] {
        switch self {
        case .model: return ["mbrl.model/1", "mbrl.model/3"]
        case .ensemble: return ["mbrl.ensemble/2"]
        default: return []
        }
    }

    /// The version a model file has when the model also predicts Δx (one more output, statistics
    /// with `delta_x_residual_mean` and `delta_x_residual_std`): `mbrl.model/3` and `mbrl.ensemble/2`. Readers that
    /// predate it refuse such a file by its format instead of misreading the extra output. Models
    /// without Δx keep the version they had, so their files do not change.
    public var deltaXVersion: String? {
        switch self {
        case .model: return "mbrl.model/3"
        case .ensemble: return "mbrl.ensemble/2"
        default: return nil
        }
    }

    /// The version to write for a model with or without Δx.
    public func version(deltaX: Bool) -> String {
        deltaX ? deltaXVersion! : rawValue
    }

    /// The format of a `format` attribute value, of any accepted version.
    public init?(anyVersion value: String) {
        guard let format = Self.allCases.first(where: { $0.rawValue == value || $0.olderVersions.contains(value) })
        else { return nil }
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

    /// Throws unless `root` carries this format; the message says what the file is instead. Returns
    /// the version found.
    @discardableResult
    public func check(_ root: HDF5Group) throws -> String {
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
        return found
    }
}
