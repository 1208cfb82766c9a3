import Foundation
import MBRLEnvironments

/// Pendulum seen from the side: a pivot at the origin, a rod of length `length` to a bob, and the
/// torque as an arc around the pivot with an arrowhead.
///
/// Drawn from the observation `[cos θ, sin θ, θ̇]` alone, so a model's predicted observation is drawn
/// the same way. θ = 0 is upright and θ grows counterclockwise (Gymnasium's picture): the bob is at
/// `(−sin θ, cos θ)·length`. A predicted (cos, sin) pair off the unit circle is scaled onto it. A
/// positive torque increases θ, so its arc turns counterclockwise from the rod; the arc's angle is
/// proportional to the torque, `torqueArc` radians at the largest torque.
extension Pendulum: SideView {
    public static let rodRadius = 0.08
    public static let bobRadius = 0.13
    public static let pivotRadius = 0.05
    public static let torqueRadius = 0.45
    /// The torque arc's angle at |u| = maxTorque (radians).
    public static let torqueArc = 2.0 * Double.pi / 3

    public var sideViewBounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        let reach = Pendulum.length + Pendulum.bobRadius + 0.12
        return (-reach, -reach, reach, reach)
    }

    public var sideViewStepSeconds: Double { Pendulum.dt }

    public var sideViewActionDescription: String {
        "the applied torque: an arc from the rod in the torque's direction, its length proportional to |u| (120° "
            + "at 2 N·m)"
    }

    public func sideView(observation: [Float], state: [Double]?, action: [Float]) -> [SidePrimitive] {
        var c = Double(observation[0]), s = Double(observation[1])
        let norm = (c * c + s * s).squareRoot()
        if norm > 0 && norm.isFinite { c /= norm; s /= norm } else { c = 1; s = 0 }
        let pivot = SidePoint(0, 0)
        let bob = SidePoint(-s * Pendulum.length, c * Pendulum.length)
        // The rod's direction as an angle from +x: θ + π/2.
        let rodAngle = atan2(c, -s)
        let u = action.first.map { min(max(Double($0), -Double(Pendulum.maxTorque)), Double(Pendulum.maxTorque)) } ?? 0
        let sweep = (u.isFinite ? u : 0) / Double(Pendulum.maxTorque) * Pendulum.torqueArc
        let end = rodAngle + sweep
        let r = Pendulum.torqueRadius
        // Arrowhead at the arc's end, pointing along the arc in the torque's direction; its size grows
        // with the torque (none at zero torque).
        let size = 0.16 * min(abs(sweep) / 0.3, 1)
        let direction = sweep >= 0 ? 1.0 : -1.0
        let tip = SidePoint(r * cos(end) + direction * size * -sin(end), r * sin(end) + direction * size * cos(end))
        let outer = SidePoint((r + size * 0.5) * cos(end), (r + size * 0.5) * sin(end))
        let inner = SidePoint((r - size * 0.5) * cos(end), (r - size * 0.5) * sin(end))
        return [
            SidePrimitive(.capsule(from: pivot, to: bob, radius: Pendulum.rodRadius), .body),
            SidePrimitive(.circle(center: bob, radius: Pendulum.bobRadius), .body),
            SidePrimitive(.circle(center: pivot, radius: Pendulum.pivotRadius), .fixed),
            SidePrimitive(.arc(center: pivot, radius: r, start: rodAngle, sweep: sweep), .action),
            SidePrimitive(.polygon([outer, tip, inner]), .action)
        ]
    }
}
