import ArgumentParser
import Foundation
import MBRL

/// The conventions every stage follows when it runs.
public enum Stage {
    /// Runs a stage's work. Any error from bad input, a bad file or a failed write is printed as one
    /// line, `error: <file>: <what is wrong>`, and the process exits with status 1. Usage errors are
    /// reported by the argument parser before `run()` (status 64).
    public static func run(_ body: () throws -> Void) throws {
        SignalCleanup.install()
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            // Leave without running exit handlers: after a failed write (a full disk) the HDF5
            // library's own teardown can crash on the half-closed file. Temporary outputs have been
            // removed by then; standard error is unbuffered.
            _exit(1)
        }
    }

    /// Prepares the stage's output before any work, so that an unwritable destination fails at once:
    /// checks the folder, removes stale temporaries, and reserves the temporary name (removed on
    /// SIGINT / SIGTERM from then on).
    public static func prepareOutput(_ target: String) throws -> AtomicOutput {
        try AtomicOutput(target: target)
    }

    /// The command line as typed, with the program's path shortened to its name, for provenance.
    public static var commandLine: [String] {
        var argv = CommandLine.arguments
        if let first = argv.first { argv[0] = URL(fileURLWithPath: first).lastPathComponent }
        return argv
    }

    /// Writes an HDF5 output atomically: `body` fills the root group of a new file at the output's
    /// temporary name (errors name the final target), then the file is closed and renamed into place.
    /// On any error the temporary file is removed and the target is left as it was.
    public static func writeHDF5(to output: AtomicOutput, _ body: (HDF5Group) throws -> Void) throws {
        do {
            let file = try HDF5File.create(at: output.temporary, displayPath: output.target)
            try body(try file.root)
            try file.close()
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }
}

/// A stage's failure that is not tied to an HDF5 object: `description` is the whole message.
public struct StageError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
