import MBRLCore
import MBRLModels

/// A model-predictive controller: at every step, optimize an action sequence on the model from the
/// current observation and return its first action.
public protocol Planner: AnyObject {
    /// The name recorded as a transitions file's `policy` (`rs`, `cem`, `mppi`, `icem`).
    var name: String { get }
    /// Forgets any warm start (call at the start of an episode).
    func reset()
    /// The action to execute now, within the action bounds.
    func action(for observation: [Float], rng: inout RandomGenerator) -> [Float]
}

/// A warm-started action sequence (H × act): CEM's mean and MPPI's nominal plan. It starts at the
/// center of the action bounds; after each control step it is shifted by one, and the new last step
/// starts at the center again.
final class NominalSequence {
    let values: Buffer<Float>
    let horizon: Int
    private let center: [Float]

    init(horizon: Int, objective: PlanningObjective) {
        self.horizon = horizon
        center = zip(objective.actionLow, objective.actionHigh).map { ($0 + $1) / 2 }
        values = Buffer(count: horizon * objective.actionSize)
        reset()
    }

    /// Back to the center of the bounds everywhere (a new episode).
    func reset() {
        let a = center.count
        for h in 0..<horizon { for j in 0..<a { values[h * a + j] = center[j] } }
    }

    /// The first step's action; then the sequence moves one step ahead.
    func advance() -> [Float] {
        let a = center.count, v = values.pointer
        let first = Array(UnsafeBufferPointer(start: v, count: a))
        (v).update(from: v + a, count: (horizon - 1) * a)
        for j in 0..<a { v[(horizon - 1) * a + j] = center[j] }
        return first
    }
}

extension RandomGenerator {
    /// A standard normal sample truncated to [-2, 2] by rejection (as PETS's CEM samples): the
    /// definition CEM's bulk draws (`NormalDraws.drawTruncated`) reproduce bit for bit.
    @inline(__always)
    mutating func truncatedNormal() -> Float {
        while true {
            let z = Float(normal())
            if abs(z) <= 2 { return z }
        }
    }
}

/// The index of the largest value of `values[0..<count]`, ignoring NaN (0 if all are NaN).
@inline(__always)
func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    var bestValue = -Float.infinity
    for i in 0..<count where values[i] > bestValue {
        bestValue = values[i]
        best = i
    }
    return best
}
