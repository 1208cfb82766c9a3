import MBRLCore

/// The single network as a `LearnedModel`: deterministic, predicting through its folded network
/// (its planning engine: `DynamicsModel+PlanningModel.swift` in MBRLPlanning).
extension DynamicsModel: LearnedModel {
    /// e.g. `4-64-64-3 with batch norm`.
    public var description: String { config.description }
    public var isProbabilistic: Bool { false }

    public func meanDynamics(capacity: Int) -> BatchDynamics { ModelDynamics(self, capacity: capacity) }

    public func meanDynamicsByteCount(capacity: Int) -> Int? { ModelDynamics.byteCount(config, capacity: capacity) }

    public func calibrationByteCount(rows: Int) -> Int? { 0 }

    public func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double]) {
        let next = predictNextObservations(observations: observations, actions: actions)
        return (next.map(Double.init), [Double](repeating: 0, count: next.count))
    }

    public func elitePredictions(
        observations: [Float], actions: [Float]
    ) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)] { [] }
}
