import ArgumentParser
import MBRLCore
import MBRLEnvironments

/// `--print-config`: print the configuration a stage would record, write nothing.
///
/// The stage validates its options, resolves its configuration by the same code that fills the
/// `config` attribute of its output (`Provenance.config`), prints that JSON text on one line, and
/// exits 0 without creating its output, its folder or its logs. It reads an input file only when a
/// recorded value depends on it; each stage's `--help` says which.
public struct PrintConfigOptions: ParsableArguments {
    @Flag(
        name: .customLong("print-config"),
        help: ArgumentHelp(
            "Print the configuration this command would record in its output's `config` (JSON, one line) and "
                + "exit without writing anything."))
    public var requested = false

    public init() {}
}

extension Stage {
    /// Prints `config` exactly as `Provenance.write` stores it in the `config` attribute, then a newline.
    public static func printConfig(_ config: JSONValue) {
        print(config.text)
    }
}

/// A stage's default number of episodes, shown in `--help` (`EpisodeOptions`).
public protocol EpisodeDefaults {
    static var episodes: Int { get }
}

/// `--episodes`, `--steps` and `--max-steps`: how much a stage runs in the environment, as a number of
/// episodes or a budget of environment steps, and how long each episode may be (`collect`, `plan`); the
/// default count is the stage's (`Defaults.episodes`).
public struct EpisodeOptions<Defaults: EpisodeDefaults>: ParsableArguments {
    @Option(
        name: .customLong("episodes"),
        help: ArgumentHelp("Number of episodes (default: \(Defaults.episodes)).", valueName: "n"))
    var episodeCount: Int?

    @Option(
        help: ArgumentHelp(
            "Environment steps in all, instead of a number of episodes: episodes run one after another "
                + "until this many transitions are recorded, the last one cut off at the budget (flagged a "
                + "timeout). For tasks that terminate (Hopper, Ant), whose episodes have no fixed length.",
            valueName: "n"))
    public var steps: Int?

    @Option(help: ArgumentHelp("Steps per episode at most (default: the environment's time limit).", valueName: "n"))
    public var maxSteps: Int?

    public init() {}

    /// The number of episodes, `--episodes` or the stage's default; meaningless with `--steps`, which
    /// `validate()` accepts only without `--episodes`.
    public var count: Int { episodeCount ?? Defaults.episodes }

    public func validate() throws {
        if let episodeCount, episodeCount <= 0 {
            throw ValidationError("--episodes must be at least 1, got \(episodeCount)")
        }
        if let steps {
            guard steps > 0 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
            guard episodeCount == nil else {
                throw ValidationError("--episodes and --steps: give one, a number of episodes or a budget of steps")
            }
        }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1, got \(maxSteps)") }
    }

    /// The budget as the options say it, for messages: `--episodes E × L steps` (`L` the episode
    /// limit) or `--steps N`.
    public func budgetText(episodeLimit: Int) -> String {
        steps.map { "--steps \($0)" } ?? "--episodes \(count) × \(episodeLimit) steps"
    }

    /// Records the budget in a stage's `config`: `episodes`, or `steps` only when given, so that the
    /// files of an episode budget keep their bytes.
    public func record(in config: inout [String: JSONValue]) {
        if let steps { config["steps"] = .int(steps) } else { config["episodes"] = .int(count) }
    }

    /// `env` with its episode limit replaced by `--max-steps` when given.
    public func limiting(_ env: any Environment) -> any Environment {
        var env = env
        if let maxSteps { env.episodeLimit = maxSteps }
        return env
    }
}

/// `--logdir`: the folder a stage writes its TensorBoard events and CSV log to (`train`, `plan`).
/// Logs carry wall-clock times and speeds, so they are not part of the stage's recorded output.
public struct LogOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Folder for TensorBoard events and the stage's CSV log, train.csv or plan.csv "
                + "(replaces only what an earlier run of the same stage wrote there).", valueName: "dir"))
    public var logdir: String?

    public init() {}

    /// The writer of `program`'s scalars `columns` (TensorBoard names) in `--logdir`, or nil without one.
    public func writer(program: String, columns: [String]) throws -> TensorBoardWriter? {
        try logdir.map {
            try TensorBoardWriter(directory: $0, program: program, csvName: program + ".csv", columns: columns)
        }
    }
}

/// `--model`: the model file a stage reads (`plan`, `evaluate`).
public struct ModelFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Model file (from `train`).", valueName: "file"))
    public var model: String

    public init() {}
}
