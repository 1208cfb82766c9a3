import ArgumentParser
import MBRL

extension EnvironmentName: ExpressibleByArgument {
    /// The short name (`pendulum`) or the Gymnasium id (`Pendulum-v1`).
    public init?(argument: String) {
        guard let name = EnvironmentName(rawValue: argument.lowercased()) ?? EnvironmentName(id: argument) else { return nil }
        self = name
    }
}
extension PlannerKind: ExpressibleByArgument {}

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
    @Option(help: ArgumentHelp("Output file (HDF5); written to a temporary name, renamed into place when complete.", valueName: "file"))
    public var out: String

    public init() {}

    public func validate() throws {
        if let problem = AtomicOutput.nameProblem(out) {
            throw ValidationError("--out '\(out)' \(problem)")
        }
    }
}
