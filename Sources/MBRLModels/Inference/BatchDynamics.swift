import MBRLCore

/// Batched one-step dynamics for planning: the next observation of each of `count` (observation,
/// action) rows. A learned model (`ModelDynamics`) or, in tests, a problem's true dynamics.
public protocol BatchDynamics: AnyObject {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// The largest `count` one call accepts.
    var capacity: Int { get }
    /// Writes `next[r] = f(observations[r], actions[r])` for r < count (each row-major).
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>)
    /// An independent instance for another thread.
    func copy() -> BatchDynamics
    /// Rows per candidate: the particles a candidate is scored on (1 for a deterministic model).
    var particles: Int { get }
    /// Whether predictions draw random numbers (then each evaluation passes a seed).
    var isStochastic: Bool { get }
    /// `predict` for one step of the trajectory evaluator: `count` = candidates × particles rows laid
    /// out particle-major (row q·n + c is particle q of candidate c, n = count / particles), for the
    /// candidates starting at global index `firstCandidate`, at step `step` of an evaluation seeded
    /// `seed`. Deterministic models ignore the context.
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, context: PredictionContext)
    /// Values the model predicts per row besides the next observation, which a reward may read
    /// (`PlanningObjective.auxiliarySize`): 1 for a model that predicts Δx, the change of the x
    /// position of a MuJoCo task's forward reward (its output ρ, Δx beyond the trapezoid of the
    /// root's x velocity, `Transitions.deltaXResiduals`); 0 (the default) otherwise.
    var auxiliarySize: Int { get }
    /// `predict(…context:)` that also writes the auxiliary predictions of every row to
    /// `auxiliary[0..<count · auxiliarySize]` (rows in the order of `next`) when `auxiliary` is given.
    func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>?, context: PredictionContext)
}

/// Where a batched prediction sits in a trajectory evaluation (see `BatchDynamics.predict`).
public struct PredictionContext {
    public var seed: UInt64
    public var step: Int
    public var firstCandidate: Int

    public init(seed: UInt64, step: Int, firstCandidate: Int) {
        self.seed = seed
        self.step = step
        self.firstCandidate = firstCandidate
    }
}

extension BatchDynamics {
    public var particles: Int { 1 }
    public var isStochastic: Bool { false }
    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, context: PredictionContext
    ) {
        predict(observations: observations, actions: actions, count: count, into: next)
    }
    public var auxiliarySize: Int { 0 }
    /// Dynamics without auxiliary predictions: the plain prediction (`auxiliary` must be nil).
    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>?, context: PredictionContext
    ) {
        precondition(
            auxiliary == nil || auxiliarySize == 0,
            "dynamics with auxiliary predictions implement "
                + "predict(…auxiliary:context:)")
        predict(observations: observations, actions: actions, count: count, into: next, context: context)
    }
}

/// Dynamics that implement the full `predict(…auxiliary:context:)` (the learned models, whose
/// auxiliary outputs a reward may read): the plain and the contextual `predict` are that call without
/// auxiliary outputs (the plain one at seed 0, step 0). `BatchDynamics`' own defaults route the other
/// way, full → plain, for dynamics that only implement the plain `predict`; a type conforming to this
/// protocol must implement `predict(…auxiliary:context:)` itself.
public protocol AuxiliaryOutputDynamics: BatchDynamics {}

extension AuxiliaryOutputDynamics {
    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>
    ) {
        predict(
            observations: observations, actions: actions, count: count, into: next, auxiliary: nil,
            context: PredictionContext(seed: 0, step: 0, firstCandidate: 0))
    }

    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, context: PredictionContext
    ) {
        predict(
            observations: observations, actions: actions, count: count, into: next, auxiliary: nil, context: context)
    }
}

/// The learned model as planning dynamics: next = s + Δs from the folded network, and its Δx output
/// (ρ) as the auxiliary value when the model predicts Δx.
public final class ModelDynamics: AuxiliaryOutputDynamics {
    public let network: FoldedNetwork
    private let inputs: Buffer<Float>

    /// Bytes one instance for `capacity` rows of a model of `config` takes while it is built: the folded
    /// network's (`FoldedNetwork.byteCount`) and the input rows (Float32); nil on overflow.
    public static func byteCount(_ config: MLPConfiguration, capacity: Int) -> Int? {
        MemoryBudget.sum([
            FoldedNetwork.byteCount(config, capacity: capacity), MemoryBudget.product([capacity, config.inputSize, 4])
        ])
    }

    /// `precision` `.bf16` needs `BF16Matrix.isAvailable` (see `PlanningPrecision`).
    public convenience init(_ model: DynamicsModel, capacity: Int, precision: PlanningPrecision = .fp32) {
        self.init(network: FoldedNetwork(model, capacity: capacity, precision: precision))
    }

    init(network: FoldedNetwork) {
        self.network = network
        inputs = Buffer(count: network.capacity * (network.observationSize + network.actionSize))
    }

    public var observationSize: Int { network.observationSize }
    public var actionSize: Int { network.actionSize }
    public var capacity: Int { network.capacity }
    public var auxiliarySize: Int { network.outputSize - network.observationSize }

    public func predict(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into next: UnsafeMutablePointer<Float>, auxiliary: UnsafeMutablePointer<Float>?, context: PredictionContext
    ) {
        let o = observationSize, a = actionSize, width = o + a, x = inputs.pointer
        for r in 0..<count {
            for j in 0..<o { x[r * width + j] = observations[r * o + j] }
            for j in 0..<a { x[r * width + o + j] = actions[r * a + j] }
        }
        let delta = network.predictDelta(inputs: x, count: count)
        let extra = auxiliarySize
        if extra == 0 {
            for i in 0..<(count * o) { next[i] = observations[i] + delta[i] }
            return
        }
        let outputs = o + extra
        for r in 0..<count {
            for j in 0..<o { next[r * o + j] = observations[r * o + j] + delta[r * outputs + j] }
        }
        if let auxiliary {
            for r in 0..<count { for k in 0..<extra { auxiliary[r * extra + k] = delta[r * outputs + o + k] } }
        }
    }

    public func copy() -> BatchDynamics { ModelDynamics(network: network.copy()) }
}
