/// One step's outcome, as Gymnasium's `step` returns it.
public struct StepResult {
    /// The observation after the step.
    public var observation: [Float]
    /// The reward for the step, computed on the state *before* it and the action.
    public var reward: Double
    /// The episode ended in a terminal state (e.g. a fall); there is no value beyond it.
    public var terminated: Bool
    /// The episode was cut off by the time limit; the state is not terminal.
    public var truncated: Bool

    public init(observation: [Float], reward: Double, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// A control task with continuous observations and actions, in the shape of a Gymnasium environment.
///
/// Beyond Gymnasium's interface, an environment exposes its reward as a pure batched function of
/// (observation, action, next observation) and its termination as one of the next observation, which
/// the planner calls on the model's predicted observations (as mbrl-lib's `reward_fns` and
/// `termination_fns`). Those functions work in Float32 on row-major buffers: observation buffers hold
/// `count` rows of `observationSize` values, `actions` holds `count` rows of `actionSize` values.
public protocol Environment {
    /// The Gymnasium id, e.g. `Pendulum-v1`, stored in every transitions file.
    var id: String { get }
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// Lower and upper bounds of each action component; actions outside are clipped by `step`.
    var actionLow: [Float] { get }
    var actionHigh: [Float] { get }
    /// Names of the observation components, for plots and tables (e.g. `cos θ`, `sin θ`, `θ̇`).
    var observationNames: [String] { get }
    /// The number of values in the internal (simulator) state, e.g. 2 for Pendulum's (θ, θ̇).
    var stateSize: Int { get }
    /// Names of the internal state's components, the columns of an initial-states file.
    var stateNames: [String] { get }
    /// Steps after which an episode is truncated (Pendulum-v1: 200; settable for longer episodes).
    var episodeLimit: Int { get set }

    /// Starts an episode from a random initial state drawn with a generator seeded by `seed`.
    mutating func reset(seed: UInt64) -> [Float]
    /// Starts an episode from a given internal state (length `stateSize`).
    mutating func reset(toState state: [Double]) -> [Float]
    /// Applies `action` (clipped to the bounds) for one time step.
    mutating func step(_ action: [Float]) -> StepResult

    /// Rewards of `count` (observation, action, next observation) rows, written to `rewards[0..<count]`.
    func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        count: Int, into rewards: UnsafeMutablePointer<Float>)
    /// Whether `rewards` reads `nextObservations` (forward progress does; Pendulum's cost does not).
    var rewardReadsNextObservation: Bool { get }

    /// Whether each of `count` next observations is terminal, written to `terminal[0..<count]`.
    func isTerminal(nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>)
    /// Whether an episode can end before the time limit (false: `isTerminal` is never called).
    var canTerminate: Bool { get }

    /// The simulator's warning since the last reset (MuJoCo's bad qpos, qvel or qacc, after which it
    /// resets the simulation itself), or nil; a rollout ends with an error on one.
    var simulatorWarning: String? { get }

    /// The simulator's current state as transitions record it beside each observation (MuJoCo's
    /// qpos, then qvel), or nil for an environment without a simulator.
    var simulatorState: [Double]? { get }
    /// The sizes of `simulatorState`'s two parts (qpos, qvel); (0, 0) without a simulator.
    var simulatorStateSizes: (qpos: Int, qvel: Int) { get }

    /// The task's reward on the rows' observations, actions, predicted next observations and predicted
    /// Δx targets (a MuJoCo task's exact planning reward), or nil for a task without one.
    var deltaXRewards: DeltaXRewardFunction? { get }
    /// The task's forward reward as a function of Δx, the change of the x position over a step, which
    /// transitions invert to recover Δx (a MuJoCo task's), or nil for a task without one.
    var forwardReward: (any ForwardReward)? { get }
    /// The index in the observation of the root's pitch angle (radians, 0 upright) of a planar
    /// runner, or nil for a task without one; what `plan --pitch-limit` constrains.
    var rootPitchIndex: Int? { get }
    /// The joints whose angle the observation holds and whose motion a stop limits (a MuJoCo task's
    /// limited hinges), with their ranges; empty for a task without any. What `plan --joint-margin`
    /// keeps the planner away from.
    var jointRanges: [JointRange] { get }
}

/// A reward whose forward term reads Δx, the change of the x position over a step (a MuJoCo task's):
/// what `Transitions.forwardDisplacements` and `Transitions.deltaXResiduals` need of the task.
public protocol ForwardReward {
    /// The forward displacement Δx (metres) of each of `count` recorded steps, recovered from its
    /// reward (`rewards[0..<count]`) and action (`count` rows of the task's action size).
    func forwardDisplacements(rewards: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int) -> [Double]
    /// The part of Δx (metres) that an observation and the next give, in Float64.
    func trapezoid(observation: UnsafePointer<Float>, next: UnsafePointer<Float>) -> Double
}

/// Rewards of `count` rows from their observations, actions, predicted next observations and
/// predicted Δx targets (`Environment.deltaXRewards`), written to `rewards[0..<count]`.
public typealias DeltaXRewardFunction = (
    _ observations: UnsafePointer<Float>, _ actions: UnsafePointer<Float>,
    _ nextObservations: UnsafePointer<Float>, _ deltaXResiduals: UnsafePointer<Float>,
    _ count: Int, _ rewards: UnsafeMutablePointer<Float>
) -> Void

extension Environment {
    /// Environments computed here in closed form have no simulator to warn, no simulator state to
    /// record and no reward on Δx.
    public var simulatorWarning: String? { nil }
    public var simulatorState: [Double]? { nil }
    public var simulatorStateSizes: (qpos: Int, qvel: Int) { (0, 0) }
    public var deltaXRewards: DeltaXRewardFunction? { nil }
    public var forwardReward: (any ForwardReward)? { nil }
    public var rootPitchIndex: Int? { nil }
    public var jointRanges: [JointRange] { [] }
}

/// The environments the stages know: a short name on the command line (`--env pendulum`), a
/// Gymnasium id in files (`Pendulum-v1`). A new environment is a new case here and its own file.
public enum EnvironmentName: String, CaseIterable, Sendable {
    case pendulum
    case halfcheetah
    case hopper
    case swimmer
    case ant

    /// The environment of a Gymnasium id as files record it (`Pendulum-v1`), or nil.
    public init?(id: String) {
        guard let name = Self.allCases.first(where: { $0.id == id }) else { return nil }
        self = name
    }

    /// The Gymnasium id.
    public var id: String {
        switch self {
        case .pendulum: return "Pendulum-v1"
        case .halfcheetah: return "HalfCheetah-v4"
        case .hopper: return "Hopper-v4"
        case .swimmer: return "Swimmer-v4"
        case .ant: return "Ant-v4"
        }
    }

    /// A new instance with Gymnasium's default settings.
    public func make() -> any Environment {
        switch self {
        case .pendulum: return Pendulum()
        case .halfcheetah: return HalfCheetah()
        case .hopper: return Hopper()
        case .swimmer: return Swimmer()
        case .ant: return Ant()
        }
    }
}
