import Foundation

/// Where a file came from: the root attributes every output of the pipeline carries
/// (`format`, `seed`, `command`, `config`, `inputs`, `software`).
///
/// Nothing time- or host-dependent is recorded, so the same seed and inputs give the same bytes.
public struct Provenance {
    /// The file format and version, e.g. `mbrl.transitions/1`.
    public var format: String
    public var seed: UInt64
    /// The command line as typed (argv joined by spaces, arguments with spaces quoted).
    public var command: String
    /// Every resolved parameter of the stage.
    public var config: JSONValue
    /// Input paths (as given) and the SHA-256 of their content.
    public var inputs: [String: String]

    public init(format: String, seed: UInt64, command: [String], config: JSONValue, inputPaths: [String]) throws {
        self.format = format
        self.seed = seed
        self.command = command.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        self.config = config
        var inputs: [String: String] = [:]
        for path in inputPaths { inputs[path] = try Provenance.sha256(ofFile: path) }
        self.inputs = inputs
    }

    /// The project version recorded in `software`.
    public static let projectVersion = "0.1.0"

    /// Versions of the project and of the native libraries it runs on, and the OpenBLAS kernel that
    /// computed the products (kernels sum in different orders, so it explains last-bit differences
    /// between machines).
    public static var software: JSONValue {
        [
            "mbrl": .string(projectVersion), "hdf5": .string(HDF5Library.version), "openblas": .string(BLAS.version),
            "openblas_kernel": .string(OpenBLASKernel.name)
        ]
    }

    /// Writes the attributes on `group` (normally the root group).
    public func write(to group: HDF5Group) throws {
        try group.setAttribute("format", format)
        try group.setAttribute("seed", Int(truncatingIfNeeded: seed))
        try group.setAttribute("command", command)
        try group.setAttribute("config", config.text)
        try group.setAttribute("inputs", JSONValue.object(inputs.mapValues { .string($0) }).text)
        try group.setAttribute("software", Provenance.software.text)
    }

    /// The `config` a stage recorded on `group` (`write(to:)`), parsed: nil when the group has none
    /// (an imported file) or it is not a JSON object.
    public static func recordedConfig(of group: HDF5Group) -> [String: Any]? {
        guard group.hasAttribute("config"), let text = try? group.stringAttribute("config") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// The lower-case hex SHA-256 of a file's content.
    public static func sha256(ofFile path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileError(path: path, "cannot be read")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(chunk)
        }
        return hasher.hexDigest()
    }
}
