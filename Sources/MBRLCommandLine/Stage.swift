import ArgumentParser
import Foundation
import MBRLCore

/// The conventions every stage follows when it runs.
public enum Stage {
    /// Runs a stage's work. Any error from bad input, a bad file or a failed write is printed as one
    /// line, `error: <file>: <what is wrong>`, and the process exits with status 1. Usage errors are
    /// reported by the argument parser before `run()` (status 64).
    ///
    /// Standard error is written so that its failure (a full disk, a closed descriptor, a pipe whose
    /// reader is gone) is ignored: SIGPIPE is ignored, and lines go through `StandardError`.
    ///
    /// First of all the stage runs itself again with OpenBLAS limited to one thread
    /// (`OpenBLASMemory.limitThreads()`), before it has made any file: every stage calls BLAS from
    /// its own threads only, and the library's idle workers would each hold a 128 MiB buffer.
    public static func run(_ body: () throws -> Void) throws {
        OpenBLASMemory.limitThreads()
        SignalCleanup.install()
        signal(SIGPIPE, SIG_IGN)
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StandardError.write(StandardError.lineStart + "error: \(error)\n")
            // Leave without running exit handlers: after a failed write (a full disk) the HDF5
            // library's own teardown can crash on the half-closed file. Temporary outputs have been
            // removed by then; standard error is unbuffered.
            _exit(1)
        }
    }

    /// Options that change how a stage runs but never what it writes (worker threads); they are left
    /// out of the recorded command, so the same settings give the same bytes whatever their value.
    public static let executionOnlyOptions: Set<String> = ["--threads"]

    /// The command line as typed, with the program's path shortened to its name and the
    /// `executionOnlyOptions` (with their values) left out, for provenance.
    public static var commandLine: [String] {
        recordedCommand(CommandLine.arguments)
    }

    /// `argv` as recorded in provenance: the program's name without its folder, and no
    /// execution-only option, whether written `--threads 2` or `--threads=2`.
    public static func recordedCommand(_ argv: [String]) -> [String] {
        var recorded: [String] = []
        var index = argv.startIndex
        while index < argv.endIndex {
            let argument = argv[index]
            if executionOnlyOptions.contains(argument) {
                index += 2
                continue
            }
            if let equals = argument.firstIndex(of: "="), executionOnlyOptions.contains(String(argument[..<equals])) {
                index += 1
                continue
            }
            recorded.append(index == argv.startIndex ? URL(fileURLWithPath: argument).lastPathComponent : argument)
            index += 1
        }
        return recorded
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
