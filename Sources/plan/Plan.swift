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

    /// Defaults shown in the help text; they live in `PlannerConfiguration`.
    private static let rs = PlannerConfiguration(kind: .rs), cem = PlannerConfiguration(kind: .cem),
        icem = PlannerConfiguration(kind: .icem)

    @OptionGroup var modelFile: ModelFileOptions
    var model: String { modelFile.model }

    @Option(help: "Planner.")
    var planner: PlannerKind = .rs

    @Option(
        help: ArgumentHelp(
            "Candidate sequences per iteration; iCEM: in the first iteration (default: rs, "
                + "mppi \(rs.candidates); cem \(cem.candidates); icem \(icem.candidates)).", valueName: "n"))
    var candidates: Int?

    @Option(
        help: ArgumentHelp(
            "Planning horizon in steps (default: rs, mppi \(rs.horizon); cem, "
                + "icem \(cem.horizon)).", valueName: "n"))
    var horizon: Int?

    @Option(
        help: ArgumentHelp(
            "Discount γ of rewards along the horizon, in (0, 1] (default: \(rs.discount)).", valueName: "γ"))
    var discount: Float?

    @Option(
        help: ArgumentHelp(
            "Optimization iterations per step (default: cem \(cem.iterations), "
                + "mppi \(rs.iterations), icem \(icem.iterations)).", valueName: "n"))
    var iterations: Int?

    @Option(
        help: ArgumentHelp(
            "CEM, iCEM: elite sequences per iteration; iCEM: at most half the candidates "
                + "(default: cem \(cem.elites), icem \(icem.elites)).", valueName: "n"))
    var elites: Int?

    @Option(
        help: ArgumentHelp(
            "CEM, iCEM: smoothing α of mean and variance (iCEM: standard deviation), new = α·old "
                + "+ (1−α)·elites (default: \(cem.alpha)).", valueName: "α"))
    var alpha: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: exponent β of the colored noise, power spectrum 1/f^β along the horizon, in "
                + "[0, 10]; 0 is white noise, larger is smoother (default: \(icem.beta)).", valueName: "β"))
    var beta: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: population decay γ in [1, 100]; iteration i scores max(candidates·γ^−i, "
                + "2·elites) samples (default: \(icem.populationDecay)).", valueName: "factor"))
    var populationDecay: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: fraction ξ in [0, 1] of the elites kept for the next iteration and, shifted "
                + "by one step, for the next control step (default: \(icem.keepFraction)).", valueName: "ξ"))
    var keepFraction: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: the standard deviation each control step starts from, as a fraction of half "
                + "the action bounds' width, in (0, 10] (default: \(icem.initialStd)).", valueName: "σ"))
    var initialStd: Float?

    @Option(
        help: ArgumentHelp(
            "MPPI: temperature λ of the exponential weights (default: \(rs.temperature)).", valueName: "λ"))
    var temperature: Float?

    @Option(
        help: ArgumentHelp(
            "MPPI: standard deviation of the action perturbations (default: \(rs.noise)).", valueName: "σ"))
    var noise: Float?

    @Option(
        help: ArgumentHelp(
            "Tasks with a root pitch (HalfCheetah, Hopper): a predicted step whose |root pitch| "
                + "exceeds this many radians loses --pitch-penalty of its planning reward, so the planner "
                + "keeps the runner upright (the real episode's reward is unchanged; default: no limit).",
            valueName: "rad"))
    var pitchLimit: Float?

    @Option(
        help: ArgumentHelp(
            "With --pitch-limit: the reward a predicted step beyond the limit loses "
                + "(default: \(rs.constraints.pitchPenalty)).", valueName: "reward"))
    var pitchPenalty: Float?

    @Option(
        help: ArgumentHelp(
            "MuJoCo tasks: a predicted step with a joint angle within this many radians of its "
                + "joint's stops loses --joint-penalty of its planning reward, so the planner keeps the "
                + "joints off their stops (the real episode's reward is unchanged; default: no margin).",
            valueName: "rad"))
    var jointMargin: Float?

    @Option(
        help: ArgumentHelp(
            "With --joint-margin: the reward a predicted step within the margin loses "
                + "(default: \(rs.constraints.jointPenalty)).", valueName: "reward"))
    var jointPenalty: Float?

    @Option(
        help: ArgumentHelp(
            "A band index:low:high of the observation (e.g. 0:-0.5:0.5, Swimmer's heading); a predicted "
                + "step outside any band given loses --band-penalty of its planning reward (the real episode's "
                + "reward is unchanged). Repeatable.", valueName: "i:low:high"),
        transform: ObservationBand.parse)
    var observationBand: [PlanningObjective.Band] = []

    @Option(
        help: ArgumentHelp(
            "With --observation-band: the reward a predicted step outside a band loses "
                + "(default: \(rs.constraints.bandPenalty)).", valueName: "reward"))
    var bandPenalty: Float?

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

    /// The planner's settings: its kind's defaults, replaced by the options given.
    var plannerConfiguration: PlannerConfiguration {
        var c = PlannerConfiguration(kind: planner)
        c.candidates = candidates ?? c.candidates
        c.horizon = horizon ?? c.horizon
        c.discount = discount ?? c.discount
        c.iterations = iterations ?? c.iterations
        c.elites = elites ?? c.elites
        c.alpha = alpha ?? c.alpha
        c.beta = beta ?? c.beta
        c.populationDecay = populationDecay ?? c.populationDecay
        c.keepFraction = keepFraction ?? c.keepFraction
        c.initialStd = initialStd ?? c.initialStd
        c.temperature = temperature ?? c.temperature
        c.noise = noise ?? c.noise
        c.constraints.pitchLimit = pitchLimit
        c.constraints.pitchPenalty = pitchPenalty ?? c.constraints.pitchPenalty
        c.constraints.jointMargin = jointMargin
        c.constraints.jointPenalty = jointPenalty ?? c.constraints.jointPenalty
        c.constraints.observationBands = observationBand
        c.constraints.bandPenalty = bandPenalty ?? c.constraints.bandPenalty
        // By default all cores, as many as the address space holds the OpenBLAS buffers of.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        c.threads = min(threads ?? min(cores, OpenBLASMemory.threadsThatFit ?? cores), c.candidates)
        return c
    }

    func validate() throws {
        let c = plannerConfiguration
        guard c.candidates >= 2, c.candidates <= 1_000_000 else {
            throw ValidationError("--candidates must be in 2...1000000, got \(c.candidates)")
        }
        guard c.horizon >= 1, c.horizon <= 10_000 else {
            throw ValidationError("--horizon must be in 1...10000, got \(c.horizon)")
        }
        guard c.iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(c.iterations)") }
        guard c.discount > 0, c.discount <= 1 else {
            throw ValidationError("--discount must be in (0, 1], got \(c.discount)")
        }
        if planner == .cem {
            guard c.elites >= 1, c.elites <= c.candidates else {
                throw ValidationError("--elites must be in 1...candidates, got \(c.elites)")
            }
        }
        if planner == .icem {
            guard c.elites >= 1, 2 * c.elites <= c.candidates else {
                throw ValidationError(
                    "--elites must be in 1...candidates/2 (every iteration scores at least twice the elites), "
                        + "got \(c.elites) with --candidates \(c.candidates)")
            }
            guard c.beta >= 0, c.beta <= 10 else { throw ValidationError("--beta must be in [0, 10], got \(c.beta)") }
            guard c.populationDecay >= 1, c.populationDecay <= 100 else {
                throw ValidationError("--population-decay must be in [1, 100], got \(c.populationDecay)")
            }
            guard c.keepFraction >= 0, c.keepFraction <= 1 else {
                throw ValidationError("--keep-fraction must be in [0, 1], got \(c.keepFraction)")
            }
            guard c.initialStd > 0, c.initialStd <= 10 else {
                throw ValidationError("--initial-std must be in (0, 10], got \(c.initialStd)")
            }
        }
        if planner == .cem || planner == .icem {
            guard c.alpha >= 0, c.alpha < 1 else { throw ValidationError("--alpha must be in [0, 1), got \(c.alpha)") }
        }
        guard c.temperature > 0 else { throw ValidationError("--temperature must be positive, got \(c.temperature)") }
        guard c.noise > 0 else { throw ValidationError("--noise must be positive, got \(c.noise)") }
        if let limit = pitchLimit, !(limit > 0 && limit <= .pi) {
            throw ValidationError("--pitch-limit must be in (0, π] radians, got \(limit)")
        }
        try Self.validatePenalty(
            pitchPenalty, named: "--pitch-penalty", needs: "--pitch-limit", given: pitchLimit != nil)
        if let margin = jointMargin, !(margin > 0 && margin <= .pi) {
            throw ValidationError("--joint-margin must be in (0, π] radians, got \(margin)")
        }
        try Self.validatePenalty(
            jointPenalty, named: "--joint-penalty", needs: "--joint-margin", given: jointMargin != nil)
        try Self.validatePenalty(
            bandPenalty, named: "--band-penalty", needs: "--observation-band", given: !observationBand.isEmpty)
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

    /// Refuses a constraint's penalty given without its constraint (`needs`, `given` whether it was),
    /// or outside [0, `PlanningConstraints.largestPenalty`].
    static func validatePenalty(_ penalty: Float?, named name: String, needs: String, given: Bool) throws {
        guard let penalty else { return }
        guard given else { throw ValidationError("\(name) needs \(needs)") }
        guard penalty >= 0, penalty <= PlanningConstraints.largestPenalty else {
            throw ValidationError(
                "\(name) must be in [0, 1000000] (a larger one drowns the task's reward in Float32), got \(penalty)")
        }
    }

    /// The propagation options given (an ensemble's; the model fills in the defaults).
    var propagationRequest: PropagationRequest {
        PropagationRequest(propagation: propagation, particles: particles, prediction: prediction)
    }

    /// The model's planning engine for `settings`, its refusal as the stage's error.
    func planningEngine(_ learned: any PlanningModel, _ settings: PlannerConfiguration) throws -> PlanningEngine {
        do {
            let engine = try learned.planningEngine(
                for: settings, propagation: propagationRequest, precision: precision)
            switch engine.precision.fallback {
            case nil: break
            case .noAMX:
                StandardError.write(
                    "plan: --precision bf16 is unavailable on this CPU (it needs Intel AMX-BF16); planning in fp32\n")
            case .noHiddenToHiddenProduct:
                StandardError.write(
                    "plan: \(model) has one hidden layer, no product between hidden layers for bf16; planning in "
                        + "fp32\n")
            }
            return engine
        } catch let failure as PlanningEngine.Failure {
            switch failure {
            case .propagationNeedsEnsemble:
                throw StageError(
                    "\(model): --propagation, --particles and --prediction need an ensemble model "
                        + "(train --members); this is the single network \(learned.description)")
            case .propagation(let problem):
                throw StageError("\(model): \(problem)")
            case .tooManyRowsPerWorker(let particles):
                throw StageError(
                    "--candidates \(settings.candidates) × --particles \(particles): too many rows "
                        + "per worker")
            case .precisionNeedsSingleNetwork:
                throw StageError("\(model): --precision bf16 is for a single network; an ensemble plans in fp32")
            }
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

    /// `setup()` after OpenBLAS is made ready for the planner's workers: each calls BLAS
    /// (single-threaded) with a work buffer of its own, checked to fit the address space first.
    func preparedSetup() throws -> Setup {
        try OpenBLASMemory.prepare(concurrentCallers: plannerConfiguration.threads)
        return try setup()
    }

    /// The planner `plan` asks for on the model's planning engine, scoring with the setup's objective,
    /// seeded from the run's seed. Builds the engine's dynamics: call it after `checkMemory`.
    func controller(_ plan: Setup) -> PlannerPolicy {
        let dynamics = plan.engine.makeDynamics()
        return PlannerPolicy(plan.settings.make(dynamics: dynamics, objective: plan.objective), seed: seed.seed)
    }

    /// Refuses (`MemoryError`, one line naming the options) a plan whose planner and `rollout`'s
    /// transitions (every episode at its step limit, or the step budget's rows) exceed the memory this
    /// process may use: the run's check before it starts, which `--print-config` makes too, so both
    /// refuse the same settings.
    func checkMemory(_ plan: Setup, _ rollout: Rollout) throws {
        // Each worker's value evaluator holds its rows (every particle's).
        let valueBytes = plan.objective.terminalValue.map {
            MemoryBudget.product([
                $0.evaluatorBytes(rows: plan.settings.rowsPerWorker * plan.engine.particles) ?? -1,
                plan.settings.threads
            ])
        }
        try MemoryBudget.check(
            MemoryBudget.sum([plan.engine.byteCount, rollout.byteCount(in: plan.env), valueBytes ?? 0]),
            for: "--candidates \(plan.settings.candidates) × --horizon \(plan.settings.horizon) and "
                + "\(episodeOptions.budgetText(episodeLimit: plan.env.episodeLimit)): the planner and the transitions")
    }

    /// What a run plans with, resolved from the options and the model file (`setup()`).
    struct Setup {
        /// The model's environment, its episode limit replaced by --max-steps when given.
        var env: any Environment
        var settings: PlannerConfiguration
        /// What the candidates are scored on: the model's engine, or the task's simulator's.
        var engine: PlanningEngine
        var reward: PlanningReward?
        /// What the planner maximizes: the task's reward (`reward`) with the settings' constraints.
        var objective: PlanningObjective
        /// The rollouts file's `config`, and what --print-config prints.
        var config: JSONValue
    }

    /// Reads the model file (not --initial-states) and builds the environment, the planning engine
    /// and the planning reward the options ask for, with the `config` they make; its errors are the
    /// stage's (a model for another environment, settings the model refuses).
    func setup() throws -> Setup {
        let (learned, envID) = try ModelFile.readPlanningModel(fromFile: model)
        let env = try environment(envID, for: learned)
        let settings = plannerConfiguration
        let engine: PlanningEngine
        let reward: PlanningReward?
        switch dynamics {
        case .model:
            engine = try planningEngine(learned, settings)
            reward = try planningReward(learned, env)
        case .simulator:
            // The model only names the task: neither its engine nor its outputs are used.
            guard let task = env as? any MuJoCoEnvironment else {
                throw StageError("\(model): --dynamics simulator needs a MuJoCo task; the model is for \(env.id)")
            }
            engine = SimulatorDynamics.planningEngine(task, settings: settings)
            reward = self.reward ?? .exact
        }
        var objective = try planningObjective(env, settings.constraints, reward: reward)
        objective.terminalValue = try terminalValue(for: env)
        return Setup(
            env: env, settings: settings, engine: engine, reward: reward, objective: objective,
            config: config(
                env: env.id, steps: env.episodeLimit, settings: settings, engine: engine, reward: reward,
                value: objective.terminalValue))
    }

    /// The value function of `--value`, checked to be for the model's task; nil without it.
    func terminalValue(for env: any Environment) throws -> ValueFunction? {
        guard let value else { return nil }
        let (function, valueEnv) = try ValueFunction.read(fromFile: value)
        guard valueEnv == env.id, function.observationSize == env.observationSize else {
            throw StageError(
                "\(value): value is for \(valueEnv) (observations of size \(function.observationSize)), the model "
                    + "\(model) for \(env.id) (size \(env.observationSize))")
        }
        return function
    }

    /// The model's environment, checked to fit the model, with --max-steps applied.
    func environment(_ envID: String, for learned: any LearnedModel) throws -> any Environment {
        guard let envName = EnvironmentName(id: envID) else {
            throw StageError("\(model): model is for environment '\(envID)', which this program does not know")
        }
        let env = envName.make()
        try learned.checkCompatible(
            observationSize: env.observationSize, actionSize: env.actionSize, path: model, with: env.id)
        return episodeOptions.limiting(env)
    }

    /// The planning reward: the task's exact reward on the predicted Δx when the model predicts it
    /// (MuJoCo tasks), unless --reward asks for the approximate one; nil for models without Δx.
    func planningReward(_ learned: any LearnedModel, _ env: any Environment) throws -> PlanningReward? {
        guard !learned.predictsDeltaX || env.deltaXRewards != nil else {
            throw StageError(
                "\(model): model predicts Δx, a MuJoCo task's forward displacement, but \(env.id) has "
                    + "no reward on it")
        }
        if reward != nil && !learned.predictsDeltaX {
            throw StageError(
                "\(model): --reward needs a model that predicts Δx (a MuJoCo task's mbrl.model/3 or "
                    + "mbrl.ensemble/2); this one gets the approximate reward")
        }
        return learned.predictsDeltaX ? (reward ?? .exact) : nil
    }

    /// The task's planning objective (the exact reward on Δx when `reward` is `.exact`) with
    /// `constraints`; a constraint the task cannot take is the stage's error, naming the model.
    func planningObjective(
        _ env: any Environment, _ constraints: PlanningConstraints, reward: PlanningReward?
    ) throws -> PlanningObjective {
        let task = PlanningObjective(environment: env, predictsDeltaX: reward == .exact)
        do {
            return try constraints.applied(to: task, on: env)
        } catch {
            let problem: String
            switch error {
            case .noRootPitch:
                problem = "--pitch-limit needs a task with a root pitch (HalfCheetah, Hopper); \(env.id) has none"
            case .noJoints:
                problem = "--joint-margin needs a task with limited joints (the MuJoCo tasks); \(env.id) has none"
            case .marginTooWide(let joint):
                problem =
                    "--joint-margin \(constraints.jointMargin ?? 0) leaves no room between the stops of \(env.id)'s "
                    + "narrowest joint (\(joint))"
            case .bandBeyondObservation(let index):
                problem =
                    "--observation-band \(index):…: \(env.id)'s observation has \(env.observationSize) values "
                    + "(indices 0...\(env.observationSize - 1))"
            }
            throw StageError("\(model): \(problem)")
        }
    }

    /// Progress lines per step and episode, and --logdir's scalars per episode (its writer returned).
    func report(_ rollout: inout Rollout, to progress: ProgressReporter) throws -> TensorBoardWriter? {
        let logs = try self.logs.writer(program: "plan", columns: ["plan/episode_return", "plan/ms_per_step"])
        // "episode i/n" of an episode budget; "episode i" and the steps so far of a step budget.
        let budget = self.budget
        func episodeText(_ progress: Rollout.Progress) -> String {
            switch budget {
            case .episodes(let episodes): return "episode \(progress.episode + 1)/\(episodes)"
            case .steps(let steps): return "episode \(progress.episode + 1) (\(progress.recorded) of \(steps) steps)"
            }
        }
        rollout.onStep = { step in
            if step.steps % 10 == 0 {
                progress.update(
                    String(
                        format: "%@  step %d  return %.1f  %.2f ms/step", episodeText(step), step.steps,
                        step.episodeReturn, step.seconds * 1000 / Double(step.steps)))
            }
        }
        rollout.onEpisodeEnd = { episode in
            let ms = episode.seconds * 1000 / Double(max(episode.steps, 1))
            // An episode a step budget cut off has a partial return: not logged as an episode's return.
            if !episode.cutOff {
                try logs?.write(
                    step: episode.episode + 1,
                    scalars: ["plan/episode_return": episode.episodeReturn, "plan/ms_per_step": ms])
            }
            // Every episode's line, in a log too: an episode takes seconds to minutes, and
            // scripts/planner-ablation reads the returns from these lines.
            progress.milestone(
                String(
                    format: "%@  return %.1f  %.2f ms/step%@", episodeText(episode), episode.episodeReturn, ms,
                    episode.cutOff ? "  (cut off at the step budget: a partial return)" : ""))
        }
        return logs
    }

    /// A failed rollout as the stage's error, naming the file to blame.
    func stageError(_ failure: Rollout.Failure) -> StageError {
        switch failure {
        case .nonFiniteStart(let episode):
            return StageError(
                "\(initialStates ?? model): initial_states: row \(episode) gives a non-finite "
                    + "observation")
        case .nonFiniteAction:
            return StageError("\(model): the planner found \(failure) (the model's predictions diverge)")
        case .nonFiniteStep(let episode, _):
            let start = initialStates.map { "from row \(episode) of \($0)" } ?? "from its seeded start"
            return StageError(
                "\(initialStates ?? output.out): \(failure) (\(start)); the environment cannot "
                    + "continue from that state")
        case .simulatorWarning(let episode, 0, let message):
            let start =
                initialStates == nil
                ? "the seeded start of episode \(episode + 1)" : "initial_states: row \(episode)"
            return StageError("\(initialStates ?? output.out): \(start) makes the simulator warn: \(message)")
        case .simulatorWarning(let episode, _, _):
            let start = initialStates.map { "from row \(episode) of \($0)" } ?? "from its seeded start"
            return StageError(
                "\(initialStates ?? output.out): \(failure) (\(start)); the simulation is not valid "
                    + "from there")
        }
    }

    /// The rollouts file's `config`: the run's settings, every planner setting, the model's planning
    /// settings (an ensemble's propagation), the planning reward of a model with Δx, and the value file
    /// and its discount when planning with one.
    func config(
        env: String, steps: Int, settings: PlannerConfiguration, engine: PlanningEngine, reward: PlanningReward?,
        value function: ValueFunction? = nil
    ) -> JSONValue {
        var config: [String: JSONValue] = [
            "model": .string(model), "env": .string(env), "max_steps": .int(steps),
            "seed": .int(Int(truncatingIfNeeded: seed.seed)),
            "initial_states": initialStates.map { .string($0) } ?? .null
        ]
        episodeOptions.record(in: &config)
        if case .object(let plannerSettings) = settings.json { config.merge(plannerSettings) { $1 } }
        config.merge(engine.config) { $1 }
        if let reward { config["reward"] = .string(reward.rawValue) }
        // Only with a value, so that the configs of runs without one keep their bytes. Its discount beside
        // it: the planner adds V as fitted, whatever its own --discount.
        if let value, let function {
            config["value"] = .string(value)
            config["value_discount"] = .float(function.discount)
        }
        return .object(config)
    }
}

extension PlannerKind: ExpressibleByArgument {}
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

/// `--observation-band i:low:high`: an observation index and the interval its predicted values keep to.
enum ObservationBand {
    /// The band `argument` gives; throws, saying what is wrong, when it is not `i:low:high` with an index
    /// ≥ 0 and finite low < high.
    @Sendable static func parse(_ argument: String) throws -> PlanningObjective.Band {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let index = Int(parts[0]), index >= 0, let low = Float(parts[1]),
            let high = Float(parts[2])
        else { throw ValidationError("expected i:low:high, an observation index ≥ 0 and two numbers") }
        guard low.isFinite, high.isFinite, low < high else {
            throw ValidationError("low and high must be finite with low < high")
        }
        return PlanningObjective.Band(index: index, low: low, high: high)
    }
}
