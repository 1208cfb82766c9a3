import ArgumentParser
import MBRL
import MBRLCommandLine

/// Step 1 of the notebook: run a policy (uniform random actions) in the environment and record every
/// transition, as D_env for training the dynamics model.
@main
struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a policy in an environment and record its transitions.",
        discussion: """
            Writes a transitions file (format mbrl.transitions/1, the D4RL layout). Episode i is reset \
            with a seed drawn from --seed, recorded in episodes/seeds, so every episode can be replayed alone.
            """)

    /// The policies `collect` can run.
    enum PolicyName: String, CaseIterable, ExpressibleByArgument {
        /// Uniform in the action bounds.
        case random
    }

    @OptionGroup var environment: EnvironmentOptions

    @Option(help: "Number of episodes.")
    var episodes = 20

    @Option(help: ArgumentHelp("Steps per episode at most (default: the environment's time limit).", valueName: "n"))
    var maxSteps: Int?

    @OptionGroup var seed: SeedOptions

    @Option(help: "Policy that chooses actions (random: uniform in the action bounds).")
    var policy: PolicyName = .random

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard episodes > 0 else { throw ValidationError("--episodes must be at least 1, got \(episodes)") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1, got \(maxSteps)") }
    }

    func run() throws {
        try Stage.run {
            let destination = try AtomicOutput(target: output.out, inputs: [])
            var env = environment.env.make()
            if let maxSteps { env.episodeLimit = maxSteps }
            let steps = env.episodeLimit
            var rollout = Rollout(episodes: episodes, seed: seed.seed)
            try MemoryBudget.check(rollout.byteCount(in: env), for: "--episodes \(episodes) × \(steps) steps: the transitions")

            let progress = ProgressReporter(stage: "collect")
            var actor = RandomPolicy(low: env.actionLow, high: env.actionHigh)
            rollout.onEpisodeEnd = { episode in
                progress.step(episode.episode + 1, of: episodes, String(
                    format: "episode %d of %d: return %.1f, %d steps", episode.episode + 1, episodes, episode.episodeReturn, episode.steps))
            }
            let data: Transitions
            do {
                data = try rollout.run(&actor, in: &env)
            } catch let failure as Rollout.Failure {
                throw StageError("\(output.out): not written: \(failure)")
            }

            let config: JSONValue = [
                "env": .string(env.id), "episodes": .int(episodes), "max_steps": .int(steps),
                "policy": .string(actor.name), "seed": .int(Int(truncatingIfNeeded: seed.seed)),
            ]
            let provenance = try Provenance(
                format: FileFormat.transitions.rawValue, seed: seed.seed, command: Stage.commandLine,
                config: config, inputPaths: [])
            try Stage.writeHDF5(to: destination) { root in
                try data.write(to: root, provenance: provenance)
            }
            progress.milestone("wrote \(data.count) transitions in \(episodes) episodes to \(output.out)")
        }
    }
}
