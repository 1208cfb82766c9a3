import ArgumentParser
import Foundation
import MBRL

/// The conventions every stage follows when it runs.
public enum Stage {
    /// Runs a stage's work. Any error from bad input, a bad file or a failed write is printed as one
    /// line, `error: <file>: <what is wrong>`, and the process exits with status 1. Usage errors are
    /// reported by the argument parser before `run()` (status 64).
    public static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The command line as typed, with the program's path shortened to its name, for provenance.
    public static var commandLine: [String] {
        var argv = CommandLine.arguments
        if let first = argv.first { argv[0] = URL(fileURLWithPath: first).lastPathComponent }
        return argv
    }

    /// Writes an HDF5 output atomically: `body` fills the root group of a new file at a temporary
    /// name (errors name the final target), then the file is closed and renamed onto `target`.
    public static func writeHDF5(to target: String, _ body: (HDF5Group) throws -> Void) throws {
        try AtomicOutput.write(to: target) { temporary in
            let file = try HDF5File.create(at: temporary, displayPath: target)
            try body(try file.root)
            try file.close()
        }
    }
}

/// A stage's failure that is not tied to an HDF5 object: `description` is the whole message.
public struct StageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
