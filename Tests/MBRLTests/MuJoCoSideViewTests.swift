import Foundation
import MBRLEnvironments
import XCTest

/// The MuJoCo tasks' side view: the model's geoms through forward kinematics on qpos, projected on
/// the x–z plane, one shape per visible geom in a fixed order, the omitted root coordinates from the
/// recorded state, the camera on the root's x.
final class MuJoCoSideViewTests: XCTestCase {
    /// HalfCheetah's state (qpos, qvel) and its observation (qpos without rootx, then qvel).
    func cheetah(_ qpos: [Double]) -> (observation: [Float], state: [Double]) {
        let state = qpos + [Double](repeating: 0, count: 9)
        return (state.dropFirst().map { Float($0) }, state)
    }

    func testHalfCheetahAtItsReferencePose() throws {
        let env = HalfCheetah()
        let (observation, state) = cheetah([Double](repeating: 0, count: 9))
        let shapes = env.sideView(observation: observation, state: state, action: [Float](repeating: 0, count: 6))
        // torso, head, bthigh, bshin, bfoot, fthigh, fshin, ffoot: 8 capsules, no floor.
        XCTAssertEqual(shapes.count, 8)
        XCTAssertTrue(shapes.allSatisfy { $0.shape.kind == "capsule" && $0.part == .body })
        // The torso: fromto -.5 0 0 .5 0 0 on the torso body at height 0.7, radius 0.046.
        guard case let .capsule(a, b, r) = shapes[0].shape else { return XCTFail("torso is not a capsule") }
        XCTAssertEqual(min(a.x, b.x), -0.5, accuracy: 1e-9)
        XCTAssertEqual(max(a.x, b.x), 0.5, accuracy: 1e-9)
        XCTAssertEqual(a.y, 0.7, accuracy: 1e-9)
        XCTAssertEqual(b.y, 0.7, accuracy: 1e-9)
        XCTAssertEqual(r, 0.046, accuracy: 1e-12)
        // The head: pos .6 0 .1, half-length .15, turned 0.87 rad about +y (its z axis (sin, 0, cos)).
        guard case let .capsule(h1, h2, _) = shapes[1].shape else { return XCTFail("head is not a capsule") }
        XCTAssertEqual((h1.x + h2.x) / 2, 0.6, accuracy: 1e-9)
        XCTAssertEqual((h1.y + h2.y) / 2, 0.8, accuracy: 1e-9)
        XCTAssertEqual(h2.x - h1.x, 0.3 * sin(0.87), accuracy: 1e-9)
        XCTAssertEqual(h2.y - h1.y, 0.3 * cos(0.87), accuracy: 1e-9)
        XCTAssertEqual(env.sideViewCamera(observation: observation, state: state), 0)
        XCTAssertEqual(env.sideViewGround?.y, 0)
        let bounds = env.sideViewBounds
        XCTAssertLessThan(bounds.minY, 0)
        XCTAssertGreaterThan(bounds.maxY, 0.9)
        XCTAssertEqual(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY, accuracy: 1e-9, "a square view")
    }

    func testRootMotionMovesEveryShapeAndTheRootAngleTurnsTheTorso() throws {
        let env = HalfCheetah()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            var qpos = (0..<9).map { _ in Double.random(in: -0.8...0.8, using: &rng) }
            let (observation, state) = cheetah(qpos)
            let here = env.sideView(observation: observation, state: state, action: [])
            qpos[0] += 1
            let moved = cheetah(qpos)
            let there = env.sideView(observation: moved.observation, state: moved.state, action: [])
            XCTAssertEqual(
                env.sideViewCamera(observation: moved.observation, state: moved.state), qpos[0], accuracy: 1e-12)
            XCTAssertEqual(here.map(\.shape.kind), there.map(\.shape.kind), "the list keeps its shape")
            for (p, q) in zip(here, there) {
                XCTAssertEqual(p.shape.shifted(x: 1).parameters.count, q.shape.parameters.count)
                for (u, v) in zip(p.shape.shifted(x: 1).parameters, q.shape.parameters) {
                    XCTAssertEqual(u, v, accuracy: 1e-6)
                }
            }
            // The torso (on the root): centre (rootx, 0.7 + rootz), direction (cos θ, −sin θ) for rooty = θ.
            guard case let .capsule(a, b, _) = there[0].shape else { return XCTFail() }
            XCTAssertEqual((a.x + b.x) / 2, qpos[0], accuracy: 1e-6)
            XCTAssertEqual((a.y + b.y) / 2, 0.7 + qpos[1], accuracy: 1e-6)
            // (The end points' order is MuJoCo's: the capsule's local z axis may point either way.)
            let (dx, dy) = (b.x - a.x, b.y - a.y), (vx, vy) = (cos(qpos[2]), -sin(qpos[2]))
            XCTAssertEqual(abs(dx * vx + dy * vy), 1, accuracy: 1e-6)
            XCTAssertEqual(dx * vy - dy * vx, 0, accuracy: 1e-6)
        }
    }

    /// Without a state the root's x is qpos0's; a model's prediction (non-finite values, an Ant
    /// quaternion off the unit sphere) still gives the same list shape and finite numbers.
    func testEveryTaskHasASideViewOfConstantShapeForPredictedObservations() throws {
        for name in [EnvironmentName.halfcheetah, .hopper, .swimmer, .ant] {
            let env = name.make()
            let view = try XCTUnwrap(name.makeSideView(), "\(name)")
            let zero = [Float](repeating: 0, count: env.observationSize)
            let base = view.sideView(observation: zero, state: nil, action: [])
            XCTAssertGreaterThan(base.count, 0)
            var odd = (0..<env.observationSize).map { Float($0 % 5) * 0.7 - 1.1 }
            odd[env.observationSize / 2] = .nan
            let shapes = view.sideView(observation: odd, state: nil, action: [])
            XCTAssertEqual(shapes.map(\.shape.kind), base.map(\.shape.kind), "\(name)")
            XCTAssertEqual(shapes.map { $0.shape.parameters.count }, base.map { $0.shape.parameters.count })
            XCTAssertTrue(shapes.allSatisfy { $0.shape.parameters.allSatisfy(\.isFinite) }, "\(name)")
            XCTAssertNotNil(view.sideViewGround)
            XCTAssertFalse(view.sideViewPlacementNote.isEmpty)
        }
        XCTAssertEqual(EnvironmentName.swimmer.makeSideView()?.sideViewGround?.y, -0.1)
        XCTAssertEqual(
            EnvironmentName.ant.makeSideView()?.sideView(observation: [Float](repeating: 0, count: 27), action: [])
                .count, 13,
            "Ant: torso sphere and 4 legs of 3 capsules")
    }
}
