import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments

/// Runs a policy in an environment and records every transition: the one episode loop of the
/// pipeline, used by `collect` (random policy) and `plan` (MPC).
///
/// Episode i draws its seed from `RandomGenerator(seed: seed, stream: RandomStreams.episodeSeeds)`
/// and starts from `initialStates[i]` when given, else from `reset(seed:)`. An episode ends when
/// the environment terminates, truncates, or reaches the environment's `episodeLimit`; the last row
/// is flagged `terminals` (terminated) or `timeouts` (cut off). A start or a step after which the
/// simulator warns is an error (`Failure.simulatorWarning`), never a recorded row. The recorded
/// episode seed is the drawn seed, or the index of the start row when starts are given.
///
/// The rollout runs a number of episodes or, with a step budget (`Budget.steps`), episodes one after
/// another until the budget's transitions are recorded: MBBL's budgets count environment steps, and on
/// a task that terminates (Hopper, Ant) a number of episodes is an unknown number of steps. The budget's
/// last episode is cut off where the budget ends, its last row flagged `timeouts` (unless it terminated
/// there), as Gymnasium flags any episode stopped from outside the task.
public struct Rollout {
    /// How much a rollout runs.
    public enum Budget: Equatable, Sendable {
        /// This many whole episodes (≥ 1).
        case episodes(Int)
        /// Episodes until this many transitions (≥ 1) are recorded, the last one cut off at the budget.
        case steps(Int)
    }

    /// Progress after a step or at the end of an episode, for logs.
    public struct Progress {
        /// 0-based episode index.
        public var episode: Int
        /// Steps taken in this episode so far.
        public var steps: Int
        /// Undiscounted return so far.
        public var episodeReturn: Double
        /// Wall-clock seconds since the episode started.
        public var seconds: Double
        /// Transitions the rollout has recorded so far, this episode's included (what a step budget
        /// counts).
        public var recorded = 0
        /// At the end of an episode: whether a step budget cut it off (`Transitions.lastEpisodeCutOff`),
        /// so its return is partial.
        public var cutOff = false
    }

    /// Why a rollout cannot go on: the policy or the environment produced a value that is not finite.
    public enum Failure: Error, CustomStringConvertible {
        /// The initial state of `episode` (0-based) gives a non-finite observation.
        case nonFiniteStart(episode: Int)
        /// The policy's action at `step` (1-based) of `episode` is not finite.
        case nonFiniteAction(episode: Int, step: Int)
        /// The environment reached a non-finite observation or reward at `step` of `episode`.
        case nonFiniteStep(episode: Int, step: Int)
        /// The simulator warned (and reset itself) at `step` of `episode`; step 0 is the start.
        case simulatorWarning(episode: Int, step: Int, message: String)

        public var description: String {
            switch self {
            case .nonFiniteStart(let e): return "the start of episode \(e + 1) gives a non-finite observation"
            case .nonFiniteAction(let e, let s): return "no finite action in episode \(e + 1), step \(s)"
            case .nonFiniteStep(let e, let s):
                return "episode \(e + 1) reaches a non-finite observation or reward "
                    + "at step \(s)"
            case .simulatorWarning(let e, 0, let message):
                return "the start of episode \(e + 1) makes the "
                    + "simulator warn: \(message)"
            case .simulatorWarning(let e, let s, let message):
                return "episode \(e + 1), step \(s): the simulator "
                    + "warns: \(message)"
            }
        }
    }

    public var budget: Budget
    public var seed: UInt64
    /// One internal state per episode (at least `episodes` rows of an episode budget), or nil for
    /// seeded resets; a step budget starts from seeded resets only.
    public var initialStates: [[Double]]?
    /// Called after every step.
    public var onStep: ((Progress) -> Void)?
    /// Called at the end of every episode; an error it throws ends the rollout.
    public var onEpisodeEnd: ((Progress) throws -> Void)?

    public init(episodes: Int, seed: UInt64, initialStates: [[Double]]? = nil) {
        self.init(budget: .episodes(episodes), seed: seed, initialStates: initialStates)
    }

    /// A rollout of `budget`; `initialStates` (at least one row per episode) only with an episode
    /// budget, since a step budget runs an unknown number of episodes.
    public init(budget: Budget, seed: UInt64, initialStates: [[Double]]? = nil) {
        switch budget {
        case .episodes(let episodes): precondition(episodes > 0 && (initialStates?.count ?? episodes) >= episodes)
        case .steps(let steps): precondition(steps > 0 && initialStates == nil)
        }
        self.budget = budget
        self.seed = seed
        self.initialStates = initialStates
    }

    /// Runs the episodes of `policy` in `environment` and returns their transitions.
    public func run<P: Policy>(_ policy: inout P, in environment: inout any Environment) throws -> Transitions {
        // MuJoCo tasks also record the simulator state at each row's observation (infos/qpos, infos/qvel).
        let (qposSize, qvelSize) = environment.simulatorStateSizes
        var data = Transitions(
            observationSize: environment.observationSize, actionSize: environment.actionSize,
            env: environment.id, policy: policy.name, qposSize: qposSize, qvelSize: qvelSize)
        var seeds = RandomGenerator(seed: seed, stream: RandomStreams.episodeSeeds)
        let limit = environment.episodeLimit
        precondition(limit > 0, "an episode takes at least one step")
        var episode = 0
        while true {
            switch budget {
            case .episodes(let episodes): if episode == episodes { return data }
            case .steps(let steps): if data.count == steps { return data }
            }
            // Steps this episode may take: the episode limit, or what is left of a step budget.
            let allowed: Int
            if case .steps(let steps) = budget { allowed = min(limit, steps - data.count) } else { allowed = limit }
            let episodeSeed = seeds.next()
            var observation: [Float]
            if let initialStates {
                observation = environment.reset(toState: initialStates[episode])
                guard observation.allSatisfy(\.isFinite) else { throw Failure.nonFiniteStart(episode: episode) }
            } else {
                observation = environment.reset(seed: episodeSeed)
            }
            if let warning = environment.simulatorWarning {
                throw Failure.simulatorWarning(episode: episode, step: 0, message: warning)
            }
            policy.beginEpisode(seed: episodeSeed)
            var progress = Progress(episode: episode, steps: 0, episodeReturn: 0, seconds: 0)
            let started = Date()
            while progress.steps < allowed {
                let action = policy.action(for: observation)
                guard action.allSatisfy(\.isFinite) else {
                    throw Failure.nonFiniteAction(episode: episode, step: progress.steps + 1)
                }
                let state = qposSize > 0 ? environment.simulatorState : nil
                let result = environment.step(action)
                // A simulator that warned has reset itself mid-step: the row would record a jump.
                if let warning = environment.simulatorWarning {
                    throw Failure.simulatorWarning(episode: episode, step: progress.steps + 1, message: warning)
                }
                guard result.observation.allSatisfy(\.isFinite), Float(result.reward).isFinite else {
                    throw Failure.nonFiniteStep(episode: episode, step: progress.steps + 1)
                }
                progress.steps += 1
                progress.episodeReturn += result.reward
                progress.seconds = Date().timeIntervalSince(started)
                let cutOff = (result.truncated || progress.steps == allowed) && !result.terminated
                data.append(
                    observation: observation, state: state, action: action, reward: result.reward,
                    nextObservation: result.observation, terminal: result.terminated, timeout: cutOff)
                observation = result.observation
                progress.recorded = data.count
                onStep?(progress)
                if result.terminated || cutOff { break }
            }
            data.endEpisode(
                return: progress.episodeReturn, length: progress.steps,
                seed: initialStates == nil ? episodeSeed : UInt64(episode))
            // Cut off: ended by the budget, before the task ended it or the limit did.
            progress.cutOff = progress.steps == allowed && allowed < limit && data.terminals.last == false
            data.lastEpisodeCutOff = progress.cutOff
            try onEpisodeEnd?(progress)
            episode += 1
        }
    }

    /// Bytes the transitions of this rollout take at most in `environment` (every episode running to
    /// its `episodeLimit`, or the step budget's rows), or nil when the count overflows: what a stage
    /// checks with `MemoryBudget` before it starts.
    public func byteCount(in environment: any Environment) -> Int? {
        let (qposSize, qvelSize) = environment.simulatorStateSizes
        let rows: Int?
        switch budget {
        case .episodes(let episodes): rows = MemoryBudget.product([episodes, environment.episodeLimit])
        case .steps(let steps): rows = steps
        }
        return rows.flatMap {
            Transitions.byteCount(
                rows: $0, observationSize: environment.observationSize, actionSize: environment.actionSize,
                stateSize: qposSize + qvelSize)
        }
    }
}
