/// A PETS ensemble as a `LearnedModel`: planned on with particles propagated through its elites.
extension EnsembleModel: LearnedModel {
    /// e.g. `5 × 4-200-200-200-200-(3+3) silu, Gaussian`.
    public var description: String { config.description }
    public var isProbabilistic: Bool { !config.deterministic }

    /// The elites' particles (`EnsembleDynamics`) for the planner's rows per worker times the particles,
    /// with `propagation`'s defaults resolved for this ensemble's output.
    /// Ensembles plan in fp32: bf16 is refused (`PlanningEngine.Failure.precisionNeedsSingleNetwork`).
    public func planningEngine(for planner: PlannerConfiguration, propagation request: PropagationRequest,
                               precision: PlanningPrecision) throws -> PlanningEngine {
        guard precision == .fp32 else { throw PlanningEngine.Failure.precisionNeedsSingleNetwork }
        let settings = PropagationSettings(request, deterministic: config.deterministic)
        if let problem = settings.problem(elites: elites.count, deterministic: config.deterministic) {
            throw PlanningEngine.Failure.propagation(problem)
        }
        guard let rows = MemoryBudget.product([planner.rowsPerWorker, settings.particles]), rows <= PlanningEngine.maxRowsPerWorker else {
            throw PlanningEngine.Failure.tooManyRowsPerWorker(particles: settings.particles)
        }
        let bytes = MemoryBudget.sum([
            planner.planningBytes(actionSize: actionSize),
            MemoryBudget.product([planner.threads, EnsembleDynamics.byteCount(config, settings: settings, elites: elites.count,
                                                                              capacity: rows, observationSize: observationSize) ?? -1]),
        ])
        return PlanningEngine(dynamics: EnsembleDynamics(self, settings: settings, capacity: rows), byteCount: bytes, config: settings.json)
    }

    public func meanDynamics(capacity: Int) -> BatchDynamics {
        EnsembleDynamics(self, settings: PropagationSettings(propagation: .expectation, particles: 1, prediction: .mean), capacity: capacity)
    }

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

    public func elitePredictions(observations: [Float], actions: [Float]) -> [(mean: ArraySlice<Float>, variance: ArraySlice<Float>)] {
        let (means, variances) = predictMembers(observations: observations, actions: actions)
        let size = observations.count
        return elites.map { g in (means[(g * size)..<((g + 1) * size)], variances[(g * size)..<((g + 1) * size)]) }
    }
}
