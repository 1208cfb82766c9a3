import ArgumentParser
import MBRL

/// `--seed`: the one number every random choice of a stage derives from.
public struct SeedOptions: ParsableArguments {
    @Option(help: "Seed for every random number the stage draws; the same seed gives the same file.")
    public var seed: UInt64 = 0

    public init() {}
}

/// `--env`: the environment, by name.
public struct EnvironmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Environment: \(EnvironmentRegistry.names.joined(separator: ", ")).", valueName: "name"))
    public var env: String = "pendulum"

    public init() {}

    public func validate() throws {
        guard EnvironmentRegistry.make(env) != nil else {
            throw ValidationError("unknown environment '\(env)'; choose one of: \(EnvironmentRegistry.names.joined(separator: ", "))")
        }
    }

    /// The environment (validated to exist).
    public func make() -> any Environment { EnvironmentRegistry.make(env)! }
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
