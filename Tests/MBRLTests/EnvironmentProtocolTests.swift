import Foundation
import MBRLCore
import MBRLEnvironments
import MBRLTestSupport
import XCTest

/// What an environment exposes through its protocol rather than its type: the simulator state that
/// rollouts record, and the reward on a predicted Δx that the exact planning reward uses.
final class EnvironmentProtocolTests: XCTestCase {
    func testPendulumHasNoSimulatorStateAndNoDeltaXReward() {
        let env: any Environment = EnvironmentName.pendulum.make()
        XCTAssertNil(env.simulatorState)
        XCTAssertTrue(env.simulatorStateSizes == (0, 0))
        XCTAssertNil(env.deltaXRewards)
    }

    func testMuJoCoTasksExposeTheirState() throws {
        for name in [EnvironmentName.halfcheetah, .hopper, .swimmer, .ant] {
            var env = name.make()
            _ = env.reset(seed: 3)
            let task = try XCTUnwrap(env as? any MuJoCoEnvironment)
            XCTAssertEqual(env.simulatorState, task.state, "\(name)")
            XCTAssertEqual(env.simulatorStateSizes.qpos, task.nq, "\(name)")
            XCTAssertEqual(env.simulatorStateSizes.qpos + env.simulatorStateSizes.qvel, env.stateSize, "\(name)")
            // The Δx reward is the task's own.
            let rewards = try XCTUnwrap(env.deltaXRewards)
            let o = env.observationSize, a = env.actionSize
            var rng = RandomGenerator(seed: 4)
            let s = (0..<(2 * o)).map { _ in Float(rng.uniform(-1, 1)) },
                next = (0..<(2 * o)).map { _ in Float(rng.uniform(-1, 1)) }
            let actions = (0..<(2 * a)).map { _ in Float(rng.uniform(-1, 1)) }, residuals: [Float] = [0.01, -0.02]
            var viaProtocol = [Float](repeating: 0, count: 2), direct = viaProtocol
            rewards(s, actions, next, residuals, 2, &viaProtocol)
            task.rewards(
                observations: s, actions: actions, nextObservations: next, deltaXResiduals: residuals, count: 2,
                into: &direct)
            XCTAssertEqual(viaProtocol, direct, "\(name)")
        }
    }
}
