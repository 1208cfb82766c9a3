import ArgumentParser
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLRollouts

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

    /// `collect` runs 20 episodes unless told otherwise.
    enum Defaults: EpisodeDefaults { static let episodes = 20 }

    @OptionGroup var episodes: EpisodeOptions<Defaults>

    @OptionGroup var seed: SeedOptions

    @Option(help: "Policy that chooses actions (random: uniform in the action bounds).")
    var policy: PolicyName = .random

    @OptionGroup var output: OutputOptions

    @OptionGroup var printConfig: PrintConfigOptions

    func run() throws {
        try Stage.run {
            var env = episodes.limiting(environment.env.make())
            var actor = RandomPolicy(low: env.actionLow, high: env.actionHigh)
            let config = self.config(env: env, policy: actor.name)
            if printConfig.requested { return Stage.printConfig(config) }

            let destination = try AtomicOutput(target: output.out, inputs: [])
            var rollout = Rollout(budget: budget, seed: seed.seed)
            try MemoryBudget.check(
                rollout.byteCount(in: env),
                for: "\(episodes.budgetText(episodeLimit: env.episodeLimit)): the transitions")

            let progress = ProgressReporter(stage: "collect")
            switch budget {
            case .episodes(let episodes):
                rollout.onEpisodeEnd = { episode in
                    progress.step(
                        episode.episode + 1, of: episodes,
                        String(
                            format: "episode %d of %d: return %.1f, %d steps", episode.episode + 1, episodes,
                            episode.episodeReturn, episode.steps))
                }
            case .steps(let steps):
                var recorded = 0
                rollout.onEpisodeEnd = { episode in
                    progress.advance(
                        from: recorded, to: episode.recorded, of: steps,
                        String(
                            format: "episode %d: return %.1f, %d steps (%d of %d)", episode.episode + 1,
                            episode.episodeReturn, episode.steps, episode.recorded, steps))
                    recorded = episode.recorded
                }
            }
            let data: Transitions
            do {
                data = try rollout.run(&actor, in: &env)
            } catch let failure as Rollout.Failure {
                throw StageError("\(output.out): not written: \(failure)")
            }

            let provenance = try Provenance(
                format: FileFormat.transitions.rawValue, seed: seed.seed, command: Stage.commandLine,
                config: config, inputPaths: [])
            try Stage.writeHDF5(to: destination) { root in
                try data.write(to: root, provenance: provenance)
            }
            progress.milestone(
                "wrote \(data.count) transitions in \(data.episodeReturns.count) episodes to \(output.out)")
        }
    }

    /// `--episodes` or `--steps`.
    var budget: Rollout.Budget { episodes.steps.map { .steps($0) } ?? .episodes(episodes.count) }

    /// The transitions file's `config`: the environment (with its episode limit), the episodes or the
    /// step budget (`steps`, only when given, so files of an episode budget keep their bytes), the policy
    /// and the seed.
    func config(env: any Environment, policy: String) -> JSONValue {
        var config: [String: JSONValue] = [
            "env": .string(env.id), "max_steps": .int(env.episodeLimit), "policy": .string(policy),
            "seed": .int(Int(truncatingIfNeeded: seed.seed))
        ]
        episodes.record(in: &config)
        return .object(config)
    }
}
