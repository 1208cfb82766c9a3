import MBRLCore
import MBRLModels

/// The single network as a `PlanningModel`: planned on as one folded network, deterministic.
extension DynamicsModel: PlanningModel {
    /// The folded network for the planner's rows per worker, counted (every worker's fp32 folded
    /// weights included; bf16 copies, made only on AMX, are not) before it is built, and the model
    /// held until then. A propagation request is refused: the single network has no members to carry
    /// particles. bf16 is used where the CPU has AMX-BF16 and the network has a product between two
    /// hidden layers, and the engine's `precision` says which of the two was missing otherwise; the
    /// config records `precision` (the arithmetic used) only when bf16 was asked for, so fp32 plans
    /// keep their bytes.
    public func planningEngine(
        for planner: PlannerConfiguration, propagation: PropagationRequest, precision: PlanningPrecision
    ) throws -> PlanningEngine {
        guard propagation.isEmpty else { throw PlanningEngine.Failure.propagationNeedsEnsemble }
        let arithmetic: PlanningPrecision = precision == .bf16 && BF16Matrix.isAvailable ? .bf16 : .fp32
        let used = FoldedNetwork.precision(of: config, asked: arithmetic)
        let fallback: PrecisionDecision.Fallback? =
            used == precision ? nil : arithmetic == .fp32 ? .noAMX : .noHiddenToHiddenProduct
        let recorded: [String: JSONValue] = precision == .bf16 ? ["precision": .string(used.rawValue)] : [:]
        let rows = planner.rowsPerWorker
        let perWorker = MemoryBudget.sum([
            ModelDynamics.byteCount(config, capacity: rows),
            TrajectoryEvaluator.workerBytes(rows: rows, observationSize: observationSize, actionSize: actionSize)
        ])
        let bytes = MemoryBudget.sum([
            planner.planningBytes(actionSize: actionSize), MemoryBudget.product([perWorker ?? -1, planner.threads])
        ])
        return PlanningEngine(
            particles: 1, byteCount: bytes, config: recorded,
            precision: PrecisionDecision(requested: precision, used: used, fallback: fallback)
        ) { ModelDynamics(self, capacity: rows, precision: arithmetic) }
    }
}
