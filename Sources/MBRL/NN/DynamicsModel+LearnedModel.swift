/// The single network as a `LearnedModel`: planned on as one folded network, deterministic.
extension DynamicsModel: LearnedModel {
    /// e.g. `4-64-64-3 with batch norm`.
    public var description: String { config.description }
    public var isProbabilistic: Bool { false }

    /// The folded network for the planner's rows per worker. A propagation request is refused: the
    /// single network has no members to carry particles.
    public func planningEngine(for planner: PlannerConfiguration, propagation: PropagationRequest) throws -> PlanningEngine {
        guard propagation.isEmpty else { throw PlanningEngine.Failure.propagationNeedsEnsemble }
        let bytes = planner.byteCount(model: config, observationSize: observationSize, actionSize: actionSize)
        return PlanningEngine(dynamics: ModelDynamics(self, capacity: planner.rowsPerWorker), byteCount: bytes, config: [:])
    }

    public func meanDynamics(capacity: Int) -> BatchDynamics { ModelDynamics(self, capacity: capacity) }

    public func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double]) {
        let next = predictNextObservations(observations: observations, actions: actions)
        return (next.map(Double.init), [Double](repeating: 0, count: next.count))
    }

    public func elitePredictions(observations: [Float], actions: [Float]) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)] { [] }
}
