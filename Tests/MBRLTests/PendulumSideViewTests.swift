import Foundation
import MBRLEnvironments
import MBRLReporting
import XCTest

/// Pendulum's side view: θ = 0 is upright, θ grows counterclockwise, the torque arc turns with the
/// torque's sign and grows with its size, and a model's off-circle (cos, sin) keeps the rod's length.
final class PendulumSideViewTests: XCTestCase {
    let view = Pendulum()

    func parts(
        _ theta: Double, _ u: Float, scale: Double = 1
    ) -> (bob: SidePoint, rodEnd: SidePoint, sweep: Double, tip: SidePoint) {
        let shapes = view.sideView(observation: [Float(cos(theta) * scale), Float(sin(theta) * scale), 0], action: [u])
        guard case let .capsule(_, rodEnd, _) = shapes[0].shape, case let .circle(bob, _) = shapes[1].shape,
            case let .arc(_, _, _, sweep) = shapes[3].shape, case let .polygon(head) = shapes[4].shape
        else {
            XCTFail("unexpected shapes \(shapes)"); return (SidePoint(0, 0), SidePoint(0, 0), 0, SidePoint(0, 0))
        }
        return (bob, rodEnd, sweep, head[1])
    }

    func testUprightAtZeroAndCounterclockwiseTheta() {
        let up = parts(0, 0)
        XCTAssertEqual(up.bob.x, 0, accuracy: 1e-6)
        XCTAssertEqual(up.bob.y, Pendulum.length, accuracy: 1e-6, "θ = 0: the bob is straight above the pivot")
        XCTAssertEqual(up.rodEnd, up.bob)
        let down = parts(.pi, 0)
        XCTAssertEqual(down.bob.y, -Pendulum.length, accuracy: 1e-6, "θ = π hangs down")
        let left = parts(.pi / 2, 0)
        XCTAssertEqual(left.bob.x, -Pendulum.length, accuracy: 1e-6, "θ = π/2 is a quarter turn counterclockwise")
        XCTAssertEqual(left.bob.y, 0, accuracy: 1e-6)
    }

    func testTorqueSignGivesTheIndicatorsDirection() {
        // Upright, a positive torque turns counterclockwise (to the left of the rod), a negative one clockwise.
        let positive = parts(0, 1.5), negative = parts(0, -1.5), none = parts(0, 0)
        XCTAssertGreaterThan(positive.sweep, 0)
        XCTAssertLessThan(negative.sweep, 0)
        XCTAssertEqual(none.sweep, 0)
        XCTAssertLessThan(positive.tip.x, -0.1, "the arrow points left")
        XCTAssertGreaterThan(negative.tip.x, 0.1, "the arrow points right")
        XCTAssertEqual(positive.sweep, -negative.sweep, accuracy: 1e-12)
        // Size follows the torque, clipped at the largest.
        XCTAssertEqual(parts(0, 2).sweep, Pendulum.torqueArc, accuracy: 1e-9)
        XCTAssertEqual(parts(0, 5).sweep, Pendulum.torqueArc, accuracy: 1e-9)
        XCTAssertEqual(parts(0, 1).sweep, Pendulum.torqueArc / 2, accuracy: 1e-6)
        // And a positive torque really does increase θ.
        var env = Pendulum()
        _ = env.reset(toState: [0, 0])
        _ = env.step([1.5])
        XCTAssertGreaterThan(env.theta, 0)
    }

    func testPredictedObservationOffTheCircleKeepsTheRodLength() {
        let p = parts(1.0, 0, scale: 1.3)
        XCTAssertEqual(hypot(p.bob.x, p.bob.y), Pendulum.length, accuracy: 1e-6)
        XCTAssertEqual(atan2(p.bob.y, p.bob.x), 1.0 + .pi / 2, accuracy: 1e-6)
        // Every input gives the same list shape, and finite numbers for a degenerate (0, 0) pair.
        let a = view.sideView(observation: [0, 0, 0], action: [0]),
            b = view.sideView(observation: [0.3, -0.9, 4], action: [-2])
        XCTAssertEqual(a.map(\.shape.kind), b.map(\.shape.kind))
        XCTAssertEqual(a.map(\.part), b.map(\.part))
        XCTAssertTrue(a.allSatisfy { $0.shape.parameters.allSatisfy(\.isFinite) })
        XCTAssertNotNil(EnvironmentName.pendulum.makeSideView())
    }
}
