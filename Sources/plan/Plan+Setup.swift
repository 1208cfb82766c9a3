import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLPlanning
import MBRLRollouts

/// What `plan` plans with: the model's environment, the planning engine (the model's, or the task's
/// simulator), the planning reward and objective, each refusal as the stage's one-line error naming
/// the file or option, the memory check, and the `config` the rollouts file records.
extension Plan {
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
