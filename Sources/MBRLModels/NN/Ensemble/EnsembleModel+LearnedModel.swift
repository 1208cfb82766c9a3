import MBRLCore

/// A PETS ensemble as a `LearnedModel`: its elites' predictions and their moments (its planning engine,
/// particles propagated through the elites: `EnsembleModel+PlanningModel.swift` in MBRLPlanning).
extension EnsembleModel: LearnedModel {
    /// e.g. `5 × 4-200-200-200-200-(3+3) silu, Gaussian`.
    public var description: String { config.description }
    public var isProbabilistic: Bool { !config.deterministic }

    public func meanDynamics(capacity: Int) -> BatchDynamics {
        EnsembleDynamics(self, settings: Self.meanSettings, capacity: capacity)
    }

    public func meanDynamicsByteCount(capacity: Int) -> Int? {
        EnsembleDynamics.byteCount(config, settings: Self.meanSettings, elites: elites.count, capacity: capacity)
    }

    /// The moments (Float64 means and variances of every row), counted as held while every member's
    /// means, variances and Δx are predicted again for the elites' own calibration (`predictMembers`:
    /// its input rows for `predictionChunk` rows, the network's workspace for at most that many) and
    /// one elite's means and variances are widened to Float64 at a time.
    public func calibrationByteCount(rows: Int) -> Int? {
        guard isProbabilistic else { return 0 }
        let o = observationSize, chunk = Self.predictionChunk
        return MemoryBudget.sum([
            MemoryBudget.product([2, rows, o, 16]), MemoryBudget.product([config.members, rows, 2 * o + 1, 4]),
            MemoryBudget.product([config.members + 1, chunk, config.inputSize, 4]),
            config.trainingBytes(rows: min(chunk, max(rows, 1)))
        ])
    }

    /// The mean over the elites of their means, one particle.
    private static let meanSettings = PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean)

    public func predictiveMoments(observations: [Float], actions: [Float]) -> (mean: [Double], variance: [Double]) {
        let (means, variances) = predictMembers(observations: observations, actions: actions)
        let size = observations.count
        var mean = [Double](repeating: 0, count: size), variance = mean
        let e = Double(elites.count)
        for i in 0..<size {
            var s = 0.0, s2 = 0.0, v = 0.0
            for g in elites {
                let x = Double(means[g * size + i])
                s += x
                s2 += x * x
                v += Double(variances[g * size + i])
            }
            mean[i] = s / e
            variance[i] = v / e + max(s2 / e - (s / e) * (s / e), 0)
        }
        return (mean, variance)
    }

    public func elitePredictions(
        observations: [Float], actions: [Float]
    ) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)] {
        let (means, variances) = predictMembers(observations: observations, actions: actions)
        let size = observations.count
        return elites.map { g in (means[(g * size)..<((g + 1) * size)], variances[(g * size)..<((g + 1) * size)]) }
    }
}
