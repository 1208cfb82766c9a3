import Foundation
import MBRLCore

/// Gymnasium's `Pendulum-v1`, step for step.
///
/// State (θ, θ̇) in Double: θ in radians (never wrapped), θ̇ in rad/s. Observation, Float32:
/// `[cos θ, sin θ, θ̇]`. Action: one torque in N·m, clipped to [-2, 2]. Per step (dt = 0.05 s):
///
///     cost  = normalize(θ)² + 0.1·θ̇² + 0.001·u²        (on the pre-step state; normalize to [-π, π))
///     θ̇'    = clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·u)·dt, -8, 8)
///     θ'    = θ + θ̇'·dt                                 (semi-implicit: uses the clipped θ̇')
///     reward = -cost
///
/// with g = 10, m = l = 1. Gymnasium computes the torque terms in Float32 because the action is a
/// float32 array; this does the same, so states match Gymnasium's bit for bit. Episodes never
/// terminate; they are truncated after 200 steps. Reset draws θ ~ U[-π, π), θ̇ ~ U[-1, 1).
public struct Pendulum: Environment {
    public static let maxSpeed = 8.0
    public static let maxTorque: Float = 2.0
    public static let dt = 0.05
    public static let gravity = 10.0
    public static let mass = 1.0
    public static let length = 1.0

    public let id = "Pendulum-v1"
    public let observationSize = 3
    public let actionSize = 1
    public let stateSize = 2
    public let observationNames = ["cos θ", "sin θ", "θ̇"]
    public let stateNames = ["θ", "θ̇"]
    public let rewardReadsNextObservation = false
    public let canTerminate = false
    public let actionLow: [Float] = [-Pendulum.maxTorque]
    public let actionHigh: [Float] = [Pendulum.maxTorque]
    public var episodeLimit: Int

    public private(set) var theta = 0.0
    public private(set) var thetaDot = 0.0
    private var elapsedSteps = 0

    public init(episodeLimit: Int = 200) {
        self.episodeLimit = episodeLimit
    }

    public var observation: [Float] {
        [Float(cos(theta)), Float(sin(theta)), Float(thetaDot)]
    }

    public mutating func reset(seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return reset(toState: [rng.uniform(-.pi, .pi), rng.uniform(-1, 1)])
    }

    public mutating func reset(toState state: [Double]) -> [Float] {
        precondition(state.count == stateSize, "Pendulum's state is (θ, θ̇)")
        theta = state[0]
        thetaDot = state[1]
        elapsedSteps = 0
        return observation
    }

    public mutating func step(_ action: [Float]) -> StepResult {
        precondition(action.count == actionSize, "Pendulum takes one action value")
        let u = min(max(action[0], -Pendulum.maxTorque), Pendulum.maxTorque)
        let angle = Pendulum.normalizeAngle(theta)
        let cost = angle * angle + 0.1 * thetaDot * thetaDot + Double(Float(0.001) * (u * u))

        let torqueTerm = Double(Float(3.0 / (Pendulum.mass * Pendulum.length * Pendulum.length)) * u)
        let gravityTerm = 3 * Pendulum.gravity / (2 * Pendulum.length) * sin(theta)
        var newThetaDot = thetaDot + (gravityTerm + torqueTerm) * Pendulum.dt
        newThetaDot = min(max(newThetaDot, -Pendulum.maxSpeed), Pendulum.maxSpeed)
        theta += newThetaDot * Pendulum.dt
        thetaDot = newThetaDot
        elapsedSteps += 1
        return StepResult(
            observation: observation, reward: -cost, terminated: false, truncated: elapsedSteps >= episodeLimit)
    }

    /// θ mapped to [-π, π) as Gymnasium's `angle_normalize` does (Python's floored modulo).
    @inline(__always)
    public static func normalizeAngle(_ x: Double) -> Double {
        var m = fmod(x + .pi, 2 * .pi)
        if m < 0 { m += 2 * .pi }
        return m - .pi
    }

    /// Pendulum's reward on predicted observations `[cos θ, sin θ, θ̇]`:
    /// `-(θ² + 0.1·θ̇² + 0.001·clip(u)²)` with θ = atan2(sin, cos), which is already in [-π, π].
    ///
    /// The model's predicted cos/sin need not lie on the unit circle; atan2 only uses their ratio.
    /// Uses `PendulumMath.atan2`, a branch-free polynomial atan2 accurate to 5e-6 rad (tested), so
    /// the loop has no library call per row (the planner calls this for K×H rows per control step).
    public func rewards(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        count: Int, into rewards: UnsafeMutablePointer<Float>
    ) {
        let maxTorque = Pendulum.maxTorque
        for i in 0..<count {
            let c = observations[3 * i], s = observations[3 * i + 1], w = observations[3 * i + 2]
            let theta = PendulumMath.atan2(s, c)
            let u = min(max(actions[i], -maxTorque), maxTorque)
            rewards[i] = -(theta * theta + 0.1 * w * w + 0.001 * u * u)
        }
    }

    public func isTerminal(
        nextObservations: UnsafePointer<Float>, count: Int, into terminal: UnsafeMutablePointer<Bool>
    ) {
        terminal.update(repeating: false, count: count)
    }
}

/// Branch-free elementary functions for the planner's hot loops.
public enum PendulumMath {
    /// atan2(y, x) in [-π, π], maximum error below 5e-6 rad (tested), written without branches.
    ///
    /// Reduces to atan(t) with t = min(|x|,|y|)/max(|x|,|y|) in [0, 1], evaluates a degree-11 odd
    /// minimax polynomial, then unfolds the octant. atan2(0, 0) returns 0.
    @inline(__always)
    public static func atan2(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x), ay = abs(y)
        let hi = max(ax, ay), lo = min(ax, ay)
        let t = hi > 0 ? lo / hi : 0
        let t2 = t * t
        // Minimax polynomial coefficients for atan(t), t in [0, 1].
        var p: Float = -0.0117212
        p = p * t2 + 0.05265332
        p = p * t2 - 0.11643287
        p = p * t2 + 0.19354346
        p = p * t2 - 0.33262347
        p = p * t2 + 0.99997726
        var r = p * t
        r = ay > ax ? (Float.pi / 2 - r) : r
        r = x < 0 ? (Float.pi - r) : r
        return y < 0 ? -r : r
    }
}
