import MBRLCore
import MBRLEnvironments
import MBRLModels

/// A MuJoCo task's own simulator as planning dynamics: the next observation of each (observation,
/// action) row is the task's step, and the auxiliary value is the Δx residual the exact reward reads
/// (the forward position's change beyond `trapezoid(observation:next:)`, as a model that predicts Δx
/// outputs it). Planning on it measures the planner alone, as if the model were perfect: what `plan
/// --dynamics simulator` runs, the ceiling a learned model's planning can reach with the same settings.
///
/// Which state a row steps from: at a trajectory's first step (`PredictionContext.step` 0), the state
/// the observation shows (`state(observation:)`, the root's position on the floor at 0); at a later
/// step, the full state this instance's previous prediction of the same row reached, when the row's
/// observation is that prediction (as the trajectory evaluator passes it), so that what an observation
/// leaves out or clips (Hopper's velocities beyond ±10) carries along the horizon as in the
/// environment. A step in which MuJoCo warns (and resets itself) predicts NaN: that candidate is
/// not followed. Deterministic, and per candidate, so independent of how rows are split over threads.
///
/// One row is a forward pass and `frameSkip` physics steps: far more than a network's cost per row on
/// these tasks, so it is a diagnostic, not a controller for long runs.
public final class SimulatorDynamics: AuxiliaryOutputDynamics {
    private let stepper: any RowStepper
    public let capacity: Int

    /// The dynamics of `environment`'s task (a copy of it, whose state is replaced at every row), up to
    /// `capacity` rows a call.
    public init(_ environment: any MuJoCoEnvironment, capacity: Int) {
        precondition(capacity >= 1)
        stepper = Self.stepper(environment, capacity: capacity)
        self.capacity = capacity
    }

    /// The stepper of the task's concrete type (the existential opened).
    private static func stepper<Task: MuJoCoEnvironment>(_ task: Task, capacity: Int) -> any RowStepper {
        TaskStepper(task, capacity: capacity)
    }

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
        stepper.predict(
            observations: observations, actions: actions, count: count, into: next, residuals: auxiliary,
            continuing: context.step > 0)
    }

    public func copy() -> BatchDynamics { SimulatorDynamics(stepper: stepper.copy(), capacity: capacity) }
}

/// `SimulatorDynamics`' rows on a task of a concrete type: a generic class, so the task's simulation is
/// mutated in place (through an existential it would be copied, data and all, at every mutation).
private protocol RowStepper: AnyObject {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// Steps `count` rows; `continuing`: a row whose observation is this stepper's previous prediction
    /// of the same row continues from that prediction's full state.
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, residuals: UnsafeMutablePointer<Float>?, continuing: Bool)
    /// A stepper with a simulation of its own.
    func copy() -> any RowStepper
}

private final class TaskStepper<Task: MuJoCoEnvironment>: RowStepper {
    private var task: Task
    private let capacity: Int
    private var action: [Float]
    /// The previous call's predictions: each row's next observation and full state (empty: a warning).
    private var predicted: [Float]
    private var reached: [[Double]]
    private var predictedCount = 0

    init(_ task: Task, capacity: Int) {
        self.task = task
        self.capacity = capacity
        action = [Float](repeating: 0, count: task.actionSize)
        predicted = [Float](repeating: 0, count: capacity * task.observationSize)
        reached = [[Double]](repeating: [], count: capacity)
        // A simulation of its own now, on this thread, rather than one shared with `task`'s owner and
        // copied on first write by whichever thread steps first.
        _ = self.task.reset(toState: task.state)
    }

    var observationSize: Int { task.observationSize }
    var actionSize: Int { task.actionSize }

    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, residuals: UnsafeMutablePointer<Float>?, continuing: Bool
    ) {
        let o = observationSize, a = actionSize
        for r in 0..<count {
            let observation = observations + r * o
            for j in 0..<a { action[j] = actions[r * a + j] }
            let continues =
                continuing && r < predictedCount && !reached[r].isEmpty
                && (0..<o).allSatisfy { observation[$0].bitPattern == predicted[r * o + $0].bitPattern }
            let start = continues ? reached[r] : task.state(observation: observation)
            let row = next + r * o
            if let step = task.simulatedStep(from: start, action: action) {
                row.update(from: step.observation, count: o)
                residuals?[r] = Float(step.deltaX - task.trapezoid(observation: observation, next: row))
                reached[r] = step.state
            } else {
                row.update(repeating: .nan, count: o)
                residuals?[r] = .nan
                reached[r] = []
            }
            for j in 0..<o { predicted[r * o + j] = row[j] }
        }
        predictedCount = count
    }

    func copy() -> any RowStepper { TaskStepper(task, capacity: capacity) }
}

extension SimulatorDynamics {
    /// The planning engine of `plan --dynamics simulator`: `environment`'s simulator for each of the
    /// planner's workers (`settings.rowsPerWorker` rows), the bytes they and the planner allocate, and
    /// the `config` entry `"dynamics": "simulator"`.
    public static func planningEngine(
        _ environment: any MuJoCoEnvironment, settings: PlannerConfiguration
    ) -> PlanningEngine {
        // Per worker: the evaluator's buffers, and per row the stepper's reached state (Float64: two
        // Float32s a value).
        let rows = settings.rowsPerWorker
        let perWorker = MemoryBudget.sum([
            TrajectoryEvaluator.workerBytes(
                rows: rows, observationSize: environment.observationSize, actionSize: environment.actionSize),
            MemoryBudget.product([rows, 2, environment.stateSize, 4])
        ])
        let bytes = MemoryBudget.sum([
            settings.planningBytes(actionSize: environment.actionSize),
            MemoryBudget.product([perWorker ?? -1, settings.threads])
        ])
        return PlanningEngine(particles: 1, byteCount: bytes, config: ["dynamics": .string("simulator")]) {
            SimulatorDynamics(environment, capacity: settings.rowsPerWorker)
        }
    }
}
