/// The arithmetic of the planner's network evaluation (`plan --precision`).
///
/// `fp32` is the reference: every layer an fp32 SGEMM. `bf16` computes the products between two
/// hidden layers (most of a wide network's work) with `BF16Matrix`: the activations and the folded
/// weights rounded to bfloat16 (8 significant bits), products summed in fp32; the first layer (raw,
/// unnormalized inputs, whose normalization is folded into it) and the last (the predicted change)
/// stay fp32. It needs Intel AMX-BF16 (`BF16Matrix.isAvailable`); the planner's predictions, and so
/// its actions, differ from fp32's by the rounding.
public enum PlanningPrecision: String, CaseIterable, Sendable {
    case fp32
    case bf16
}
