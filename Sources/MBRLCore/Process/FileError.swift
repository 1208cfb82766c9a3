/// A file the stage cannot read, use or write, as one line: `<file>: <problem>`.
///
/// The error of every file that is not HDF5's own (`HDF5Error`): outputs (`AtomicOutput`, logs,
/// provenance) and inputs such as a Minari dataset's files and a bench result. Equatable, like
/// `HDF5Error`.
public struct FileError: Error, CustomStringConvertible, Equatable {
    /// The file (or folder) as the user gave it.
    public var path: String
    /// What is wrong with it.
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
