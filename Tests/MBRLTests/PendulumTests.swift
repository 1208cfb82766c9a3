import MBRLCore
import MBRLEnvironments
import MBRLTestSupport
import XCTest

final class PendulumTests: XCTestCase {
    /// Every step of 24 Gymnasium Pendulum-v1 episodes (scripts/make_pendulum_vectors.py): random
    /// actions inside and outside ±2, and episodes that drive θ̇ into the ±8 limit.
    func testMatchesGymnasiumStepForStep() throws {
        let root = try HDF5File.open(at: Repository.fixture("pendulum_gymnasium.h5")).root
        let initial = try root.read("initial_states", as: Double.self)
        let observations = try root.read("observations", as: Float.self)
        let actions = try root.read("actions", as: Float.self)
        let rewards = try root.read("rewards", as: Double.self)
        let truncated = try root.read("truncated", as: UInt8.self)
        let terminated = try root.read("terminated", as: UInt8.self)
        let episodes = initial.rows, steps = actions.shape[1]
        XCTAssertGreaterThanOrEqual(episodes, 20)
        var hitSpeedLimit = 0, clippedActions = 0
        var env = Pendulum()
        for e in 0..<episodes {
            var observation = env.reset(toState: Array(initial.row(e)))
            XCTAssertEqual(observation, Array(observations.values[(e * (steps + 1) * 3)..<(e * (steps + 1) * 3 + 3)]))
            var reachedLimit = false
            for t in 0..<steps {
                let a = actions.values[e * steps + t]
                if abs(a) > 2 { clippedActions += 1 }
                let result = env.step([a])
                observation = result.observation
                let o = (e * (steps + 1) + t + 1) * 3
                for j in 0..<3 {
                    XCTAssertEqual(
                        observation[j], observations.values[o + j], accuracy: 1e-5,
                        "episode \(e) "
                            + "step \(t) component \(j)")
                }
                XCTAssertEqual(result.reward, rewards.values[e * steps + t], accuracy: 1e-5, "episode \(e) step \(t)")
                XCTAssertEqual(result.truncated, truncated.values[e * steps + t] == 1)
                XCTAssertEqual(result.terminated, terminated.values[e * steps + t] == 1)
                if abs(env.thetaDot) == Pendulum.maxSpeed { reachedLimit = true }
            }
            if reachedLimit { hitSpeedLimit += 1 }
        }
        XCTAssertGreaterThanOrEqual(hitSpeedLimit, 6, "the vectors must exercise the speed clip")
        XCTAssertGreaterThan(clippedActions, 100, "the vectors must exercise the action clip")
    }

    /// The batched reward the planner uses equals the step's reward on the same pre-step observation.
    func testBatchedRewardMatchesStepReward() {
        var env = Pendulum()
        var rng = RandomGenerator(seed: 5)
        var observations: [Float] = [], actions: [Float] = [], expected: [Float] = []
        for _ in 0..<500 {
            let o = env.reset(toState: [rng.uniform(-20, 20), rng.uniform(-8, 8)])
            let a = Float(rng.uniform(-3, 3))
            observations += o
            actions.append(a)
            expected.append(Float(env.step([a]).reward))
        }
        var got = [Float](repeating: 0, count: 500)
        // Pendulum's reward never reads the next observation: any buffer will do.
        env.rewards(
            observations: observations, actions: actions, nextObservations: observations, count: 500, into: &got)
        // The step computes θ from the Double state, the batch from the Float32 observation.
        for i in 0..<500 { XCTAssertEqual(got[i], expected[i], accuracy: 2e-4 * max(1, abs(expected[i]))) }
    }

    func testFastAtan2IsAccurateEverywhere() {
        var worst: Float = 0
        for i in 0..<20_000 {
            let angle = -Float.pi + 2 * Float.pi * Float(i) / 20_000
            for radius: Float in [1e-3, 0.5, 1, 7] {
                let y = radius * sin(angle), x = radius * cos(angle)
                worst = max(worst, abs(PendulumMath.atan2(y, x) - atan2(y, x)))
            }
        }
        XCTAssertLessThan(worst, 5e-6)
        XCTAssertEqual(PendulumMath.atan2(0, 0), 0)
        XCTAssertEqual(PendulumMath.atan2(0, -1), .pi, accuracy: 1e-6)
    }

    func testResetIsSeededAndWithinBounds() {
        var a = Pendulum(), b = Pendulum()
        XCTAssertEqual(a.reset(seed: 9), b.reset(seed: 9))
        XCTAssertNotEqual(a.reset(seed: 9), a.reset(seed: 10))
        for seed in 0..<200 as Range<UInt64> {
            _ = a.reset(seed: seed)
            XCTAssert(a.theta >= -.pi && a.theta < .pi && a.thetaDot >= -1 && a.thetaDot < 1)
        }
    }

    func testAngleNormalizationIsPythonsFlooredModulo() {
        XCTAssertEqual(Pendulum.normalizeAngle(0), 0)
        XCTAssertEqual(Pendulum.normalizeAngle(.pi), -.pi, accuracy: 1e-12)
        XCTAssertEqual(Pendulum.normalizeAngle(-3 * .pi / 2), .pi / 2, accuracy: 1e-12)
        XCTAssertEqual(Pendulum.normalizeAngle(7), 7 - 2 * .pi, accuracy: 1e-12)
    }
}
