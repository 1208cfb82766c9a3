import MBRLModels

/// A learned model a planner can plan on: a `LearnedModel` that builds the dynamics a planner's
/// workers score their candidates on. Every kind of model conforms, in this target (the models know
/// nothing of planners); `ModelFile.readPlanningModel(fromFile:)` opens a file of either kind as one.
public protocol PlanningModel: LearnedModel {
    /// The engine that builds the dynamics `planner` scores its candidates on (`makeDynamics()`, after
    /// the memory check of its `byteCount`, the bytes planning allocates), with the ensemble
    /// `propagation` asked for (its defaults resolved by the model) and the arithmetic `precision`
    /// asked for (bf16: a single network's hidden-to-hidden products on AMX where the CPU has it, fp32
    /// otherwise; the arithmetic used is in the engine's `config` whenever bf16 was asked for, and in
    /// its `precision` with the reason for a fallback).
    /// Throws `PlanningEngine.Failure` when the request does not fit this model.
    func planningEngine(
        for planner: PlannerConfiguration, propagation: PropagationRequest,
        precision: PlanningPrecision
    ) throws -> PlanningEngine
}

extension PlanningModel {
    /// `planningEngine(for:propagation:precision:)` in fp32.
    public func planningEngine(
        for planner: PlannerConfiguration, propagation: PropagationRequest
    ) throws -> PlanningEngine {
        try planningEngine(for: planner, propagation: propagation, precision: .fp32)
    }
}

extension ModelFile {
    /// Reads a model file of either kind (`ModelFile.read(fromFile:)`) as a model to plan on.
    public static func readPlanningModel(fromFile path: String) throws -> (model: any PlanningModel, env: String) {
        try read(fromFile: path, single: { $0 }, ensemble: { $0 })
    }
}
