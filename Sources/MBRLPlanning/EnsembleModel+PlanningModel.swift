import MBRLCore
import MBRLModels

/// A PETS ensemble as a `PlanningModel`: planned on with particles propagated through its elites.
extension EnsembleModel: PlanningModel {
    /// The elites' particles (`EnsembleDynamics`) for the planner's rows per worker times the particles,
    /// with `propagation`'s defaults resolved for this ensemble's output, counted (every worker's copy
    /// of the elites' weights included) before they are built.
    /// Ensembles plan in fp32: bf16 is refused (`PlanningEngine.Failure.precisionNeedsSingleNetwork`).
    public func planningEngine(
        for planner: PlannerConfiguration, propagation request: PropagationRequest,
        precision: PlanningPrecision
    ) throws -> PlanningEngine {
        guard precision == .fp32 else { throw PlanningEngine.Failure.precisionNeedsSingleNetwork }
        let settings = PropagationSettings(request, deterministic: config.deterministic)
        if let problem = settings.problem(elites: elites.count, deterministic: config.deterministic) {
            throw PlanningEngine.Failure.propagation(problem)
        }
        guard let rows = MemoryBudget.product([planner.rowsPerWorker, settings.particles]),
            rows <= PlanningEngine.maxRowsPerWorker
        else {
            throw PlanningEngine.Failure.tooManyRowsPerWorker(particles: settings.particles)
        }
        let perWorker = MemoryBudget.sum([
            EnsembleDynamics.byteCount(config, settings: settings, elites: elites.count, capacity: rows),
            TrajectoryEvaluator.workerBytes(rows: rows, observationSize: observationSize, actionSize: actionSize)
        ])
        let bytes = MemoryBudget.sum([
            planner.planningBytes(actionSize: actionSize), MemoryBudget.product([perWorker ?? -1, planner.threads])
        ])
        return PlanningEngine(particles: settings.particles, byteCount: bytes, config: settings.json) {
            EnsembleDynamics(self, settings: settings, capacity: rows)
        }
    }
}
