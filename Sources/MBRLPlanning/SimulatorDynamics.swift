import MBRLEnvironments
import MBRLModels

/// A MuJoCo task's own simulator as planning dynamics: the next observation of each (observation,
/// action) row is the task's step from the state the observation shows (`state(observation:)`, the
/// root's position on the floor at 0), and the auxiliary value is the Δx residual the exact reward reads
/// (the forward position's change beyond `trapezoid(observation:next:)`, as a model that predicts Δx
/// outputs it). Planning on it measures the planner alone, as if the model were perfect: what `plan
/// --dynamics simulator` runs, the ceiling a learned model's planning can reach with the same settings.
///
/// One row is one `simulatedStep(from:action:)`, `frameSkip` physics steps and a forward pass: far more than a network's
/// cost per row on these tasks, so it is a diagnostic, not a controller for long runs. Deterministic:
/// the same rows give the same predictions on any thread.
public final class SimulatorDynamics: AuxiliaryOutputDynamics {
    private let stepper: any RowStepper
    public let capacity: Int

    /// The dynamics of `environment`'s task (a copy of it, whose state is replaced at every row), up to
    /// `capacity` rows a call.
    public init(_ environment: any MuJoCoEnvironment, capacity: Int) {
        precondition(capacity >= 1)
        stepper = Self.stepper(environment)
        self.capacity = capacity
    }

    /// The stepper of the task's concrete type (the existential opened).
    private static func stepper<Task: MuJoCoEnvironment>(_ task: Task) -> any RowStepper { TaskStepper(task) }

    private init(stepper: any RowStepper, capacity: Int) {
        self.stepper = stepper
        self.capacity = capacity
    }

    public var observationSize: Int { stepper.observationSize }
    public var actionSize: Int { stepper.actionSize }
    public var auxiliarySize: Int { 1 }

    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>?, context: PredictionContext
    ) {
        precondition(count <= capacity, "\(count) rows exceed the capacity \(capacity)")
        let o = observationSize, a = actionSize
        for r in 0..<count {
            stepper.step(
                observation: observations + r * o, action: actions + r * a, into: next + r * o,
                residual: auxiliary.map { $0 + r })
        }
    }

    public func copy() -> BatchDynamics { SimulatorDynamics(stepper: stepper.copy(), capacity: capacity) }
}

/// One row of `SimulatorDynamics` on a task of a concrete type: a generic class, so the task's
/// simulation is mutated in place (through an existential it would be copied, data and all, at every
/// mutation).
private protocol RowStepper: AnyObject {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// Writes the observation after `action` from the state `observation` shows into `next`, and the
    /// Δx residual into `residual` when given.
    func step(
        observation: UnsafePointer<Float>, action: UnsafePointer<Float>, into next: UnsafeMutablePointer<Float>,
        residual: UnsafeMutablePointer<Float>?)
    /// A stepper with a simulation of its own.
    func copy() -> any RowStepper
}

private final class TaskStepper<Task: MuJoCoEnvironment>: RowStepper {
    private var task: Task
    private var action: [Float]

    init(_ task: Task) {
        self.task = task
        action = [Float](repeating: 0, count: task.actionSize)
        // A simulation of its own now, on this thread, rather than one shared with `task`'s owner and
        // copied on first write by whichever thread steps first.
        _ = self.task.reset(toState: task.state)
    }

    var observationSize: Int { task.observationSize }
    var actionSize: Int { task.actionSize }

    func step(
        observation: UnsafePointer<Float>, action: UnsafePointer<Float>, into next: UnsafeMutablePointer<Float>,
        residual: UnsafeMutablePointer<Float>?
    ) {
        for j in 0..<self.action.count { self.action[j] = action[j] }
        let result = task.simulatedStep(from: observation, action: self.action)
        next.update(from: result.observation, count: task.observationSize)
        residual?.pointee = Float(result.deltaX - task.trapezoid(observation: observation, next: next))
    }

    func copy() -> any RowStepper { TaskStepper(task) }
}
