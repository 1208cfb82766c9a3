import ArgumentParser
import Foundation
import MBRLSweeps

/// Make's helper for sweeps: the one implementation of grid expansion and point names
/// (Sources/MBRLSweeps), for the Makefile and scripts/slurm-sweep. Every value comes in a file that
/// Make writes with its own `file` function and the answer goes to a file that Make reads, so no
/// setting passes through a shell. A bad grid, point or seed list is one line on standard error and
/// exit status 1; nothing is written then.
@main
struct SweepGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep-grid",
        abstract: "Expands a sweep's grid into its runs, or checks one grid point's name (for make).",
        subcommands: [Runs.self, Point.self])
}

/// What both modes read: the preset variables, and the variables set on make's command line.
struct VariableFiles: ParsableArguments {
    @Option(help: "A file of the preset variables' names (pipelines/), separated by white space.")
    var variablesFrom: String

    @Option(help: "A file of the names of the variables set on make's command line (a grid may not vary them).")
    var commandLineFrom: String?

    @Option(help: "Where to write the answer (atomically); standard output when not given.")
    var out: String?

    func words(_ path: String?) throws -> [String] {
        guard let path else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepGridError(description: "\(path): cannot read it")
        }
        return String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            .map(String.init)
    }

    func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepGridError(description: "\(path): cannot read it")
        }
        return String(decoding: data, as: UTF8.self)
    }

    func write(_ lines: [String]) throws {
        let text = lines.map { $0 + "\n" }.joined()
        guard let out else { print(text, terminator: ""); return }
        let temporary = out + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)), rename(temporary, out) == 0
        else {
            unlink(temporary)
            throw SweepGridError(description: "\(out): cannot write it")
        }
    }
}

/// Runs `body`; a `SweepGridError` is one line on standard error and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as SweepGridError {
        FileHandle.standardError.write(Data((error.description + "\n").utf8))
        throw ExitCode(1)
    }
}

extension SweepGridCommand {
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a sweep's runs, one a line: its folder (<point>/seed-<n>, or seed-<n> without a "
                + "grid), then the make arguments that run it (POINT=<point> SEED=<n>).",
            discussion: "The points come in GRID's order, the last variable varying fastest; each point's seeds in "
                + "SEEDS's order.")

        @Option(help: "A file holding GRID: VAR=value,value,... entries separated by spaces (empty: the seeds alone).")
        var gridFrom: String

        @Option(help: "A file holding SEEDS, separated by white space.")
        var seedsFrom: String

        @OptionGroup var files: VariableFiles

        func run() throws {
            try reportingErrors {
                let grid = try Grid(
                    parsing: files.text(gridFrom), variables: Set(files.words(files.variablesFrom)),
                    fixed: Set(files.words(files.commandLineFrom)))
                let runs = try SweepRun.runs(grid: grid, seeds: files.words(seedsFrom))
                try files.write(runs.map { ([$0.folder] + $0.makeArguments).joined(separator: " ") })
            }
        }
    }

    struct Point: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Checks POINT, one grid point's name, and writes its settings, one VAR=value a line.")

        @Option(help: "A file holding POINT, e.g. HORIZON-20+LR-3e-4.")
        var pointFrom: String

        @OptionGroup var files: VariableFiles

        func run() throws {
            try reportingErrors {
                let name = try files.text(pointFrom).trimmingCharacters(in: .whitespacesAndNewlines)
                let point = try GridPoint(
                    name: name, variables: Set(files.words(files.variablesFrom)),
                    fixed: Set(files.words(files.commandLineFrom)))
                try files.write(point.settings.map { "\($0.variable)=\($0.value)" })
            }
        }
    }
}
