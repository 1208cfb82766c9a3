/// A failure reading or writing an HDF5 file, phrased for the user: which file, which object in it,
/// and what is wrong. `description` is one line, `<file>: <object>: <message>`.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    /// The file's path as the user gave it.
    public var path: String
    /// The object inside the file (`observations`, `episodes/returns`, an attribute as `@format`), if any.
    public var object: String?
    /// What is wrong, in lower case, without a trailing period.
    public var message: String

    public init(path: String, object: String? = nil, _ message: String) {
        self.path = path
        self.object = object
        self.message = message
    }

    public var description: String {
        if let object { return "\(path): \(object): \(message)" }
        return "\(path): \(message)"
    }
}
