import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

/// Step 3 of the notebook: control the real environment with MPC on the learned model. The rollouts
/// are both the on-policy data of the next training round and the measure of the controller.
@main
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run MPC on a learned model in the real environment and record the transitions.",
        discussion: """
            Planners: rs (random shooting, the notebook's), cem (PETS's cross-entropy method), mppi. \
            At every step the planner scores candidate action sequences on the model with the \
            environment's reward and executes the first action of the best. Writes a transitions file \
            whose policy is the planner's name and whose config holds every planner setting.
            """)

    @Option(help: ArgumentHelp("Model file (from `train`).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Planner: \(PlannerKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var planner = "rs"

    @Option(help: ArgumentHelp("Candidate sequences per iteration (default: rs, mppi 1024; cem 500).", valueName: "n"))
    var candidates: Int?

    @Option(help: ArgumentHelp("Planning horizon in steps (default: rs, mppi 15; cem 30).", valueName: "n"))
    var horizon: Int?

    @Option(help: "Discount γ of rewards along the horizon, in (0, 1].")
    var discount: Float = 1

    @Option(help: ArgumentHelp("Optimization iterations per step (cem default 5, mppi 1).", valueName: "n"))
    var iterations: Int?

    @Option(help: "CEM: elite sequences per iteration.")
    var elites = 50

    @Option(help: "CEM: smoothing α of mean and variance (new = α·old + (1−α)·elites).")
    var alpha: Float = 0.1

    @Option(help: "MPPI: temperature λ of the exponential weights.")
    var temperature: Float = 0.1

    @Option(help: "MPPI: standard deviation of the action perturbations.")
    var noise: Float = 1

    @Option(help: "Number of episodes.")
    var episodes = 5

    @Option(help: ArgumentHelp("Steps per episode at most (default: the environment's limit).", valueName: "n"))
    var maxSteps: Int?

    @OptionGroup var seed: SeedOptions

    @Option(help: ArgumentHelp("HDF5 file with dataset initial_states (E, state size), float64: episode i starts from row i.", valueName: "file"))
    var initialStates: String?

    @Option(help: ArgumentHelp("Worker threads that split the candidates (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("Folder for TensorBoard events and plan.csv (plan/episode_return).", valueName: "dir"))
    var logdir: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let kind = PlannerKind(rawValue: planner) else {
            throw ValidationError("unknown planner '\(planner)'; choose one of: \(PlannerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let candidates, candidates < 2 { throw ValidationError("--candidates must be at least 2, got \(candidates)") }
        if let candidates, candidates > 1_000_000 { throw ValidationError("--candidates must be at most 1000000, got \(candidates)") }
        if let horizon, horizon < 1 || horizon > 10_000 { throw ValidationError("--horizon must be in 1...10000, got \(horizon)") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        guard discount > 0, discount <= 1 else { throw ValidationError("--discount must be in (0, 1], got \(discount)") }
        if kind == .cem {
            guard elites >= 1, elites <= (candidates ?? kind.defaultCandidates) else {
                throw ValidationError("--elites must be in 1...candidates, got \(elites)")
            }
            guard alpha >= 0, alpha < 1 else { throw ValidationError("--alpha must be in [0, 1), got \(alpha)") }
        }
        guard temperature > 0 else { throw ValidationError("--temperature must be positive, got \(temperature)") }
        guard noise > 0 else { throw ValidationError("--noise must be positive, got \(noise)") }
        guard episodes > 0 else { throw ValidationError("--episodes must be at least 1, got \(episodes)") }
        if let maxSteps, maxSteps <= 0 { throw ValidationError("--max-steps must be at least 1, got \(maxSteps)") }
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256, got \(threads)") }
    }

    func run() throws {
        try Stage.run {
            let destination = try Stage.prepareOutput(output.out, inputs: [model] + (initialStates.map { [$0] } ?? []))
            // The model, its environment, and fixed starts if given.
            let (learned, envName) = try DynamicsModel.read(fromFile: model)
            guard var env = EnvironmentRegistry.make(envName) else {
                throw StageError("\(model): model is for environment '\(envName)', which this program does not know")
            }
            try learned.checkCompatible(observationSize: env.observationSize, actionSize: env.actionSize, path: model, with: env.id)
            let starts = try initialStates.map { try InitialStates.read(from: $0, stateSize: env.stateSize, needed: episodes) }

            // The planner: BLAS single-threaded inside each of `threads` workers.
            BLAS.threads = 1
            var settings = PlannerConfiguration(kind: PlannerKind(rawValue: planner)!)
            settings.candidates = candidates ?? settings.candidates
            settings.horizon = horizon ?? settings.horizon
            settings.iterations = iterations ?? settings.iterations
            settings.discount = discount
            settings.threads = min(threads ?? ProcessInfo.processInfo.activeProcessorCount, settings.candidates)
            settings.elites = elites
            settings.alpha = alpha
            settings.temperature = temperature
            settings.noise = noise
            if let maxSteps { env.episodeLimit = maxSteps }
            let steps = env.episodeLimit
            try MemoryBudget.check(
                MemoryBudget.sum([
                    settings.byteCount(model: learned.config, observationSize: env.observationSize, actionSize: env.actionSize),
                    MemoryBudget.product([episodes, steps]).flatMap {
                        Transitions.byteCount(rows: $0, observationSize: env.observationSize, actionSize: env.actionSize)
                    },
                ]),
                for: "--candidates \(settings.candidates) × --horizon \(settings.horizon) and --episodes \(episodes) × \(steps) steps: the planner and the transitions")
            let dynamics = ModelDynamics(learned, capacity: settings.rowsPerWorker)
            let controller = settings.make(dynamics: dynamics, objective: PlanningObjective(environment: env))

            // The control loop: one planner call per step, episodes from fixed or seeded starts.
            let progress = ProgressReporter(stage: "plan")
            let logs = try logdir.map { try TensorBoardWriter(directory: $0, csvName: "plan.csv", columns: ["plan/episode_return", "plan/ms_per_step"]) }
            var seeds = RandomGenerator(seed: seed.seed, stream: RandomStreams.episodeSeeds)
            var rng = RandomGenerator(seed: seed.seed, stream: RandomStreams.planner)
            var data = Transitions(observationSize: env.observationSize, actionSize: env.actionSize, env: env.id, policy: controller.name)
            for episode in 0..<episodes {
                let episodeSeed = seeds.next()
                var observation = starts.map { env.reset(toState: $0[episode]) } ?? env.reset(seed: episodeSeed)
                if let initialStates, !observation.allSatisfy(\.isFinite) {
                    throw StageError("\(initialStates): initial_states: row \(episode) gives a non-finite observation")
                }
                controller.reset()
                var episodeReturn = 0.0, length = 0
                let started = Date()
                while length < steps {
                    let action = controller.action(for: observation, rng: &rng)
                    guard action.allSatisfy(\.isFinite) else {
                        throw StageError("\(model): the planner found no finite action (the model's predictions diverge) in episode \(episode + 1), step \(length + 1)")
                    }
                    let result = env.step(action)
                    guard result.observation.allSatisfy(\.isFinite), result.reward.isFinite, Float(result.reward).isFinite else {
                        let start = initialStates.map { "from row \(episode) of \($0)" } ?? "from seed \(episodeSeed)"
                        throw StageError("\(initialStates ?? output.out): episode \(episode + 1) (\(start)) reaches a non-finite observation or reward at step \(length + 1); the environment cannot continue from that state")
                    }
                    length += 1
                    episodeReturn += result.reward
                    let timeout = (result.truncated || length == steps) && !result.terminated
                    data.append(observation: observation, action: action, reward: result.reward,
                                nextObservation: result.observation, terminal: result.terminated, timeout: timeout)
                    observation = result.observation
                    if length % 10 == 0 {
                        let ms = Date().timeIntervalSince(started) * 1000 / Double(length)
                        progress.update(String(format: "episode %d/%d  step %d  return %.1f  %.2f ms/step", episode + 1, episodes, length, episodeReturn, ms))
                    }
                    if result.terminated || timeout { break }
                }
                let ms = Date().timeIntervalSince(started) * 1000 / Double(max(length, 1))
                data.endEpisode(return: episodeReturn, length: length, seed: starts == nil ? episodeSeed : UInt64(episode))
                try logs?.write(step: episode + 1, scalars: ["plan/episode_return": episodeReturn, "plan/ms_per_step": ms])
                progress.step(episode + 1, of: episodes, String(format: "episode %d/%d  return %.1f  %.2f ms/step", episode + 1, episodes, episodeReturn, ms))
            }
            logs?.close()

            // The rollouts file.
            var config: [String: JSONValue] = [
                "model": .string(model), "env": .string(env.id), "episodes": .int(episodes), "max_steps": .int(steps),
                "seed": .int(Int(truncatingIfNeeded: seed.seed)), "initial_states": initialStates.map { .string($0) } ?? .null,
            ]
            if case .object(let plannerSettings) = controller.settings { config.merge(plannerSettings) { $1 } }
            let provenance = try Provenance(format: FileFormat.transitions.rawValue, seed: seed.seed, command: Stage.commandLine,
                                            config: .object(config), inputPaths: [model] + (initialStates.map { [$0] } ?? []))
            try Stage.writeHDF5(to: destination) { root in
                try data.write(to: root, provenance: provenance)
            }
            let returns = data.episodeReturns
            let mean = returns.reduce(0, +) / Double(returns.count)
            progress.milestone(String(format: "wrote %@: %d episodes, mean return %.1f", output.out, returns.count, mean))
        }
    }
}
