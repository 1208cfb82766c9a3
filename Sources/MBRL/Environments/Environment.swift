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
/// Beyond Gymnasium's interface, an environment exposes its reward and termination as pure batched
/// functions of (observation, action), which the planner calls on the model's predicted observations.
/// Those functions work in Float32 on row-major buffers: `observations` holds `count` rows of
/// `observationSize` values, `actions` holds `count` rows of `actionSize` values.
public protocol Environment {
    /// The Gymnasium id, e.g. `Pendulum-v1`, stored in every transitions file.
    var id: String { get }
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// Lower and upper bounds of each action component; actions outside are clipped by `step`.
    var actionLow: [Float] { get }
    var actionHigh: [Float] { get }
    /// The number of values in the internal (simulator) state, e.g. 2 for Pendulum's (θ, θ̇).
    var stateSize: Int { get }
    /// Steps after which an episode is truncated (Pendulum-v1: 200; settable for longer episodes).
    var episodeLimit: Int { get set }

    /// Starts an episode from a random initial state drawn with a generator seeded by `seed`.
    mutating func reset(seed: UInt64) -> [Float]
    /// Starts an episode from a given internal state (length `stateSize`).
    mutating func reset(toState state: [Double]) -> [Float]
    /// The current internal state.
    var state: [Double] { get }
    /// Applies `action` (clipped to the bounds) for one time step.
    mutating func step(_ action: [Float]) -> StepResult

    /// Rewards of `count` (observation, action) pairs, written to `rewards[0..<count]`.
    func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into rewards: UnsafeMutablePointer<Float>)

    /// Whether each of `count` observations is terminal, written to `terminal[0..<count]`.
    func isTerminal(observations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>)
}

/// The environments the stages know by name.
public enum EnvironmentRegistry {
    /// Command-line names, in the order shown in help text.
    public static let names = ["pendulum"]

    /// Makes the environment of a command-line name or Gymnasium id, or nil for an unknown one.
    public static func make(_ name: String) -> (any Environment)? {
        switch name.lowercased() {
        case "pendulum", "pendulum-v1": return Pendulum()
        default: return nil
        }
    }
}
