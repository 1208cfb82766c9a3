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

    @OptionGroup var environment: EnvironmentOptions

    @Option(help: "Number of episodes.")
    var episodes = 20

    @Option(help: ArgumentHelp("Steps per episode at most (default: the environment's time limit).", valueName: "n"))
    var maxSteps: Int?

    @OptionGroup var seed: SeedOptions

    @Option(help: "Policy that chooses actions: random (uniform in the action bounds).")
    var policy = "random"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard episodes > 0 else { throw ValidationError("--episodes must be at least 1, got \(episodes)") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1, got \(maxSteps)") }
        guard policy == "random" else { throw ValidationError("unknown policy '\(policy)'; the only one is: random") }
    }

    func run() throws {
        try Stage.run {
            let destination = try Stage.prepareOutput(output.out, inputs: [])
            var env = environment.make()
            if let maxSteps { env.episodeLimit = maxSteps }
            let steps = env.episodeLimit
            try MemoryBudget.check(
                MemoryBudget.product([episodes, steps]).flatMap {
                    Transitions.byteCount(rows: $0, observationSize: env.observationSize, actionSize: env.actionSize)
                },
                for: "--episodes \(episodes) × \(steps) steps: the transitions")
            let progress = ProgressReporter(stage: "collect")
            var seeds = RandomGenerator(seed: seed.seed, stream: RandomStreams.episodeSeeds)
            var data = Transitions(observationSize: env.observationSize, actionSize: env.actionSize, env: env.id, policy: policy)

            for episode in 0..<episodes {
                let episodeSeed = seeds.next()
                var actions = RandomGenerator(seed: episodeSeed, stream: RandomStreams.actions)
                var observation = env.reset(seed: episodeSeed)
                var episodeReturn = 0.0
                var length = 0
                while length < steps {
                    let action = (0..<env.actionSize).map { j in
                        env.actionLow[j] + (env.actionHigh[j] - env.actionLow[j]) * actions.nextUnitFloat()
                    }
                    let result = env.step(action)
                    length += 1
                    episodeReturn += result.reward
                    let timeout = result.truncated || length == steps
                    data.append(observation: observation, action: action, reward: result.reward,
                                nextObservation: result.observation, terminal: result.terminated, timeout: timeout && !result.terminated)
                    observation = result.observation
                    if result.terminated || timeout { break }
                }
                data.endEpisode(return: episodeReturn, length: length, seed: episodeSeed)
                progress.step(episode + 1, of: episodes, "episode \(episode + 1) of \(episodes): return \(String(format: "%.1f", episodeReturn)), \(length) steps")
            }

            let config: JSONValue = [
                "env": .string(env.id), "episodes": .int(episodes), "max_steps": .int(steps),
                "policy": .string(policy), "seed": .int(Int(truncatingIfNeeded: seed.seed)),
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
