import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLPlanning
import MBRLRollouts

/// Step 3 of the notebook: control the real environment with MPC on the learned model. The rollouts
/// are both the on-policy data of the next training round and the measure of the controller.
@main
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run MPC on a learned model in the real environment and record the transitions.",
        discussion: """
            Planners: rs (random shooting, the notebook's), cem (PETS's cross-entropy method), mppi, \
            icem (the improved cross-entropy method of Pinneri et al. 2020: colored noise, kept elites). \
            At every step the planner scores candidate action sequences on the model with the \
            environment's reward (plus, when asked, costs on leaving bands of the predicted \
            observations: --pitch-limit, --joint-margin, --observation-band) and executes the first \
            action of the best. Writes a transitions file whose policy is the planner's name and whose \
            config holds every planner setting. \
            --print-config reads --model (the environment, the ensemble's propagation and the reward \
            depend on it), not --initial-states.
            """)

    @OptionGroup var modelFile: ModelFileOptions
    var model: String { modelFile.model }

    @OptionGroup var plannerOptions: PlannerOptions

    @Option(
        help: ArgumentHelp(
            "Ensembles: ts-inf (particles fixed to members), ts-1 (resampled every step) or "
                + "expectation (the mean of the members' means) (default: ts-inf).", valueName: "name"))
    var propagation: Propagation?

    @Option(
        help: ArgumentHelp(
            "Ensembles: particles per candidate, a multiple of the elite members; a candidate's "
                + "return is the mean over its particles (default: 20; expectation 1).", valueName: "n"))
    var particles: Int?

    @Option(
        help: ArgumentHelp(
            "Ensembles: each particle's next state is a draw from its member's Gaussian (sample) "
                + "or its mean (mean) (default: sample for Gaussian members).", valueName: "name"))
    var prediction: ParticlePrediction?

    @Option(
        help: ArgumentHelp(
            "MuJoCo models that predict Δx: the task's reward on the predicted Δx (exact), or "
                + "the mean of the root's x velocities before and after the step in place of Δx/dt (approximate, what models "
                + "without Δx get) (default: exact).", valueName: "name"))
    var reward: PlanningReward?

    @Option(
        help: ArgumentHelp(
            "What the candidates are scored on: the model's predictions (model), or the MuJoCo task's own "
                + "simulator (simulator: a perfect model, the ceiling of the planner's settings; slow, a "
                + "diagnostic). The model file still names the task. Recorded in the config when simulator "
                + "(default: model).", valueName: "name"))
    var dynamics: PlanningDynamics = .model

    @Option(
        help: ArgumentHelp(
            "Single networks: the products between hidden layers in fp32, or in bf16 on Intel "
                + "AMX (faster; predictions to bf16's precision; docs/PERFORMANCE.md, \"Reduced precision\"). Without "
                + "AMX-BF16, plan says so and uses fp32. Recorded in the config when bf16 is asked for.",
            valueName: "name"))
    var precision: PlanningPrecision = .fp32

    @Option(
        help: ArgumentHelp(
            "A value file (from `value`, for the model's task): each candidate still alive after the "
                + "horizon also scores γ^H·V(s_H), the value's estimate of the return after it. Recorded in the "
                + "config.", valueName: "file"))
    var value: String?

    /// `plan` runs 5 episodes unless told otherwise.
    enum Defaults: EpisodeDefaults { static let episodes = 5 }

    @OptionGroup var episodeOptions: EpisodeOptions<Defaults>
    var episodes: Int { episodeOptions.count }
    /// `--episodes` or `--steps`.
    var budget: Rollout.Budget { episodeOptions.steps.map { .steps($0) } ?? .episodes(episodes) }

    @OptionGroup var seed: SeedOptions

    @Option(
        help: ArgumentHelp(
            "HDF5 file with dataset initial_states (E, state size), float64: episode i starts "
                + "from row i.", valueName: "file"))
    var initialStates: String?

    @Option(
        help: ArgumentHelp(
            "Worker threads that split the candidates (default: all cores, fewer under a ulimit "
                + "-v too small for their buffers); speed only, not recorded.", valueName: "n"))
    var threads: Int?

    @OptionGroup var logs: LogOptions

    @OptionGroup var output: OutputOptions

    @OptionGroup var printConfig: PrintConfigOptions

    /// The planner's settings (`plannerOptions`) on `--threads` workers: by default all cores, as many
    /// as the address space holds the OpenBLAS buffers of.
    var plannerConfiguration: PlannerConfiguration {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return plannerOptions.configuration(threads: threads ?? min(cores, OpenBLASMemory.threadsThatFit ?? cores))
    }

    /// Refuses what the option groups cannot judge alone (the planner's own settings are
    /// `PlannerOptions.validate()`'s): the thread and particle counts, model options with the simulator,
    /// and a step budget with fixed starts.
    func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be in 1...256, got \(threads)")
        }
        if let particles, particles < 1 || particles > 10_000 {
            throw ValidationError("--particles must be in 1...10000, got \(particles)")
        }
        if dynamics == .simulator, propagation != nil || particles != nil || prediction != nil || precision != .fp32 {
            throw ValidationError(
                "--dynamics simulator plans on the task's simulator: --propagation, --particles, --prediction and "
                    + "--precision are the model's")
        }
        if episodeOptions.steps != nil, initialStates != nil {
            throw ValidationError(
                "--steps runs episodes from seeded resets; --initial-states fixes the episodes: give --episodes")
        }
    }

    /// Every input file: the model, the value and the fixed starts if given.
    var inputs: [String] { [model] + (value.map { [$0] } ?? []) + (initialStates.map { [$0] } ?? []) }

    func run() throws {
        try Stage.run {
            if printConfig.requested {
                // The run's refusals first (BLAS buffers, the memory budget), then the config it records.
                let plan = try preparedSetup()
                try checkMemory(plan, Rollout(budget: budget, seed: seed.seed))
                return Stage.printConfig(plan.config)
            }
            let destination = try AtomicOutput(target: output.out, inputs: inputs)
            let plan = try preparedSetup()
            var env = plan.env
            let starts = try initialStates.map {
                try InitialStates.read(from: $0, stateSize: env.stateSize, needed: episodes)
            }
            // The planner on the model's planning engine (BLAS single-threaded inside each of `threads` workers).
            var rollout = Rollout(budget: budget, seed: seed.seed, initialStates: starts)
            try checkMemory(plan, rollout)
            var controller = controller(plan)

            // The control loop: one planner call per step, episodes from fixed or seeded starts.
            let progress = ProgressReporter(stage: "plan")
            let logs = try report(&rollout, to: progress)
            let data: Transitions
            do { data = try rollout.run(&controller, in: &env) } catch let failure as Rollout.Failure {
                throw stageError(failure)
            }
            logs?.close()
            let provenance = try Provenance(
                format: FileFormat.transitions.rawValue, seed: seed.seed, command: Stage.commandLine,
                config: plan.config, inputPaths: inputs)
            try Stage.writeHDF5(to: destination) { root in
                try data.write(to: root, provenance: provenance)
            }
            // The mean of the complete episodes: a step budget's cut-off last one has a partial return.
            let returns = data.completeEpisodeReturns
            let mean = returns.reduce(0, +) / Double(returns.count)
            let cutOff = returns.count < data.episodeReturns.count ? " (and one cut off at the step budget)" : ""
            progress.milestone(
                String(
                    format: "wrote %@: %d episodes%@, mean return %.1f", output.out, returns.count, cutOff, mean))
        }
    }
}

extension Propagation: ExpressibleByArgument {}
extension PlanningPrecision: ExpressibleByArgument {}

/// `--dynamics`: what the planner scores candidates on.
enum PlanningDynamics: String, ExpressibleByArgument, CaseIterable {
    /// The learned model's predictions.
    case model
    /// The MuJoCo task's own simulator (`SimulatorDynamics`).
    case simulator
}

/// `--reward`: how a MuJoCo model with Δx is planned on (an ablation of the exact reward).
enum PlanningReward: String, ExpressibleByArgument, CaseIterable {
    case exact
    case approximate
}
extension ParticlePrediction: ExpressibleByArgument {}
