import ArgumentParser
import Foundation
import MBRLCore
import MBRLEnvironments

extension EnvironmentName: ExpressibleByArgument {
    /// The short name (`pendulum`) or the Gymnasium id (`Pendulum-v1`).
    public init?(argument: String) {
        guard let name = EnvironmentName(rawValue: argument.lowercased()) ?? EnvironmentName(id: argument) else {
            return nil
        }
        self = name
    }
}

/// `--seed`: the one number every random choice of a stage derives from.
public struct SeedOptions: ParsableArguments {
    @Option(help: "Seed for every random number the stage draws; the same seed gives the same file.")
    public var seed: UInt64 = 0

    public init() {}
}

/// `--env`: the environment, by its short name.
public struct EnvironmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Environment.", valueName: "name"))
    public var env: EnvironmentName = .pendulum

    public init() {}
}

/// `--out`: the file a stage writes, always atomically (temporary name, then rename).
public struct OutputOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Output file (HDF5); written to a temporary name, renamed into place when complete.", valueName: "file"))
    public var out: String

    public init() {}

    public func validate() throws {
        if let problem = AtomicOutput.nameProblem(out) {
            throw ValidationError("--out '\(out)' \(problem)")
        }
    }
}

/// `--runs`, `--runs-from` and `--grid`: the run folders a program reads across (`summarize`,
/// `report`). A sweep too large for one command line lists its folders in a file, one per line.
public struct RunFolderOptions: ParsableArguments {
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Run folders, e.g. data/pendulum/seed-0.", valueName: "dir"))
    public var runs: [String] = []

    @Option(
        name: .customLong("runs-from"),
        help: ArgumentHelp(
            "A file naming more run folders, one per line (for sweeps too large for a "
                + "command line).", valueName: "file"))
    public var runsFrom: String?

    @Flag(help: "The runs are a grid sweep's (<point>/seed-<n>).")
    public var grid = false

    public init() {}

    public func validate() throws {
        guard !runs.isEmpty || runsFrom != nil else {
            throw ValidationError(
                "give at least one --runs folder (or "
                    + "--runs-from a file)")
        }
    }

    /// Every run folder, `--runs` first, then the lines of `--runs-from` (empty lines skipped). Throws
    /// naming the file when the list cannot be read or is empty, and when two names are one folder
    /// (a symbolic link to another run would count that run twice).
    public func folders() throws -> [String] {
        var folders = runs
        if let list = runsFrom {
            guard let text = try? String(contentsOfFile: list, encoding: .utf8) else {
                throw StageError("\(list): cannot read the list of run folders")
            }
            folders += text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        }
        guard !folders.isEmpty else { throw StageError("\(runsFrom ?? "--runs"): no run folders") }
        var seen: [FileIdentity: String] = [:]
        for folder in folders {
            // A missing folder is reported by its reader.
            guard let identity = FileIdentity(path: folder) else { continue }
            if let first = seen[identity] {
                throw StageError("\(folder): the same folder as \(first); each run may be given once")
            }
            seen[identity] = folder
        }
        return folders
    }
}

/// A file's device and inode: equal for two names of one file or folder.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
