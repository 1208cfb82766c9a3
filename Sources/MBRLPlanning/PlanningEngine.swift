import MBRLCore
import MBRLModels

/// What a model gives the planner (`PlanningModel.planningEngine`): how to build the dynamics candidates
/// are scored on, the bytes planning allocates, and the settings the rollouts' file records.
///
/// The dynamics are not built with the engine: building them allocates their weights and buffers, so
/// a stage first asks `MemoryBudget.check` about `byteCount` and only then calls `makeDynamics()`; a
/// model too large for the memory left is then one error line instead of an abort in the allocator.
/// The engine holds the model until then, and lets it go once the dynamics are built.
public struct PlanningEngine {
    /// Particles per candidate row the dynamics carry (1 for a single network or the simulator).
    public var particles: Int
    /// Bytes the planner and the dynamics of all its workers allocate (Float32 buffers, the weights'
    /// copies included), or nil when the count overflows: what `MemoryBudget.check` is asked about
    /// before `makeDynamics()`.
    public var byteCount: Int?
    /// The model-specific settings of the plan, for the rollouts' `config`: an ensemble's propagation
    /// (`PropagationSettings.json`); nothing for the single network.
    public var config: [String: JSONValue]
    /// The arithmetic the dynamics compute in, and why it is not the one asked for when it is not.
    public var precision: PrecisionDecision
    private let builder: Builder

    /// - Parameter build: makes the first worker's dynamics, holding `PlannerConfiguration.rowsPerWorker`
    ///   candidate rows times `particles`; called once, by `makeDynamics()`, never by the initializer.
    public init(
        particles: Int, byteCount: Int?, config: [String: JSONValue], precision: PrecisionDecision = .fp32,
        build: @escaping () -> BatchDynamics
    ) {
        self.particles = particles
        self.byteCount = byteCount
        self.config = config
        self.precision = precision
        builder = Builder(build)
    }

    /// Builds the dynamics of one worker (each worker after the first uses a `copy()`), allocating
    /// that worker's share of `byteCount`: call it once, after the memory check. What the build needed
    /// (the model) is released, so it is not held beside the workers' copies while planning.
    public func makeDynamics() -> BatchDynamics {
        guard let build = builder.build else { preconditionFailure("a planning engine's dynamics are built once") }
        builder.build = nil
        return build()
    }

    /// The build closure, dropped after its one call.
    private final class Builder {
        var build: (() -> BatchDynamics)?
        init(_ build: @escaping () -> BatchDynamics) { self.build = build }
    }

    /// Why a planning request does not fit the model.
    public enum Failure: Error, Equatable {
        /// Propagation settings were given for a model without members (the single network).
        case propagationNeedsEnsemble
        /// The propagation settings do not fit the ensemble (`PropagationSettings.problem`).
        case propagation(String)
        /// The candidates per worker times the particles exceed `maxRowsPerWorker`.
        case tooManyRowsPerWorker(particles: Int)
        /// A reduced precision was asked for a model that plans in fp32 only (an ensemble).
        case precisionNeedsSingleNetwork
    }

    /// The most rows (candidates × particles) one worker's ensemble dynamics may hold.
    public static let maxRowsPerWorker = 50_000_000
}

/// The propagation settings asked for when planning on an ensemble, each nil when left to its default
/// (`PropagationSettings.init(_:deterministic:)`).
public struct PropagationRequest: Equatable {
    public var propagation: Propagation?
    public var particles: Int?
    public var prediction: ParticlePrediction?

    public init(propagation: Propagation? = nil, particles: Int? = nil, prediction: ParticlePrediction? = nil) {
        self.propagation = propagation
        self.particles = particles
        self.prediction = prediction
    }

    /// Whether nothing was asked for.
    public var isEmpty: Bool { propagation == nil && particles == nil && prediction == nil }
}

extension PropagationSettings {
    /// The settings `request` asks for with the defaults filled in: TS-∞; 20 particles (1 for the
    /// expectation, which is deterministic); each particle's next state a draw from its member's
    /// Gaussian, or its mean for deterministic members and the expectation.
    public init(_ request: PropagationRequest, deterministic: Bool) {
        let kind = request.propagation ?? .tsInf
        self.init(
            propagation: kind, particles: request.particles ?? (kind == .expectation ? 1 : 20),
            prediction: request.prediction ?? (deterministic || kind == .expectation ? .mean : .sample))
    }
}
