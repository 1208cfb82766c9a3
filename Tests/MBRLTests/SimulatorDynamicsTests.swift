import Foundation
@testable import MBRLCore
@testable import MBRLEnvironments
@testable import MBRLModels
@testable import MBRLPlanning
import XCTest

/// `SimulatorDynamics` (plan --dynamics simulator) is the task's own step: from a state the
/// observation shows in full, its prediction is the environment's next observation to the bit and the
/// exact planning reward on it is the environment's reward, for every MuJoCo task, whatever the order
/// and grouping of the rows.
final class SimulatorDynamicsTests: XCTestCase {
    static let tasks: [() -> any MuJoCoEnvironment] = [{ HalfCheetah() }, { Hopper() }, { Swimmer() }, { Ant() }]

    /// States visited by random actions from seeded resets, made exactly what an observation shows: the
    /// root's position on the floor 0 (the coordinates the observation leaves out) and every other value
    /// rounded to Float32. From these, the observation determines the state.
    static func observableStates(_ make: () -> any MuJoCoEnvironment, count: Int) -> [[Double]] {
        var env = make()
        var rng = RandomGenerator(seed: 7)
        var states: [[Double]] = []
        var episode: UInt64 = 0
        _ = env.reset(seed: episode)
        while states.count < count {
            let action = (0..<env.actionSize).map { _ in Float(rng.uniform(-1, 1)) }
            let result = env.step(action)
            if result.terminated || result.truncated {
                episode += 1
                _ = env.reset(seed: episode)
                continue
            }
            let hidden = env.stateSize - env.observationSize
            states.append(env.state.enumerated().map { $0.offset < hidden ? 0 : Double(Float($0.element)) })
        }
        return states
    }

    func testPredictionsAreTheEnvironmentsStepToTheBit() {
        for make in Self.tasks {
            let env = make()
            let n = 40, o = env.observationSize, a = env.actionSize
            var rng = RandomGenerator(seed: 11)
            var observations: [Float] = [], actions: [Float] = [], next: [Float] = []
            var rewards: [Double] = [], deltaX: [Double] = []
            for state in Self.observableStates(make, count: n) {
                var reference = make()
                let observation = reference.reset(toState: state)
                // The observation shows the state: back to the same state, the same observation.
                let shown = observation.withUnsafeBufferPointer { reference.state(observation: $0.baseAddress!) }
                XCTAssertEqual(shown, state, env.id)
                let action = (0..<a).map { _ in Float(rng.uniform(-1.2, 1.2)) }
                let before = reference.forwardPosition
                let result = reference.step(action)
                observations += observation
                actions += action
                next += result.observation
                rewards.append(result.reward)
                deltaX.append(reference.forwardPosition - before)
            }

            let dynamics = SimulatorDynamics(env, capacity: n)
            var predicted = [Float](repeating: .nan, count: n * o), residuals = [Float](repeating: .nan, count: n)
            dynamics.predict(
                observations: observations, actions: actions, count: n, into: &predicted, auxiliary: &residuals,
                context: PredictionContext(seed: 0, step: 0, firstCandidate: 0))
            XCTAssertEqual(predicted.map(\.bitPattern), next.map(\.bitPattern), "\(env.id): next observations")

            // The residual plus the trapezoid is the step's Δx within the residual's Float32 rounding, and
            // the exact planning reward on it is the environment's within the bound ExactRewardTests derives.
            let objective = PlanningObjective(environment: env, predictsDeltaX: true)
            var planned = [Float](repeating: .nan, count: n)
            objective.rewards(
                observations: observations, actions: actions, nextObservations: predicted, auxiliary: residuals,
                count: n, into: &planned)
            let w = type(of: env).forwardRewardWeight
            for i in 0..<n {
                let trapezoid = observations.withUnsafeBufferPointer { s in
                    predicted.withUnsafeBufferPointer {
                        env.trapezoid(observation: s.baseAddress! + i * o, next: $0.baseAddress! + i * o)
                    }
                }
                let residual = deltaX[i] - trapezoid
                XCTAssertEqual(Double(residuals[i]), residual, accuracy: abs(residual) * 0x1p-23, "\(env.id) row \(i)")
                let bound =
                    0x1p-24 * (abs(w * residual / env.dt) + abs(rewards[i])) * 1.001 + 0x1p-50
                    * (abs(w * deltaX[i] / env.dt) + 1)
                XCTAssertLessThanOrEqual(abs(Double(planned[i]) - rewards[i]), bound, "\(env.id) row \(i)")
            }

            // Row by row in reverse order, on a copy: the same predictions (no state carries over from one
            // row to the next).
            let copy = dynamics.copy()
            var reversed = [Float](repeating: .nan, count: n * o)
            for i in (0..<n).reversed() {
                observations.withUnsafeBufferPointer { s in
                    actions.withUnsafeBufferPointer { u in
                        reversed.withUnsafeMutableBufferPointer {
                            copy.predict(
                                observations: s.baseAddress! + i * o, actions: u.baseAddress! + i * a, count: 1,
                                into: $0.baseAddress! + i * o)
                        }
                    }
                }
            }
            XCTAssertEqual(reversed.map(\.bitPattern), next.map(\.bitPattern), "\(env.id): rows one at a time")
        }
    }
}

extension SimulatorDynamicsTests {
    /// Along a horizon, each row continues from the full state its previous prediction reached, as
    /// `reset(toState:)` and `step` from that state give it, bit for bit, including Hopper's velocities
    /// beyond the ±10 its observation clips them to (the planner's first step starts from what the
    /// observation shows).
    func testRowsContinueFromTheStatesTheyReached() {
        for make in Self.tasks {
            let env = make()
            let rows = 24, horizon = 30, o = env.observationSize, a = env.actionSize
            let dynamics = SimulatorDynamics(env, capacity: rows)
            var rng = RandomGenerator(seed: 5)
            var states = Self.observableStates(make, count: rows)
            // Hopper's foot turning at 9.5 rad/s, under full torques below: some steps leave the ±10.
            if env.id == Hopper().id { for r in 0..<rows { states[r][env.stateSize - 1] = 9.5 } }
            var observations: [Float] = states.flatMap { state in
                var reference = make()
                return reference.reset(toState: state)
            }
            var clipped = 0
            for h in 0..<horizon {
                let actions = (0..<(rows * a)).map { _ in Float(rng.uniform(-1, 1) < 0 ? -1 : 1) }
                var next = [Float](repeating: .nan, count: rows * o)
                var residuals = [Float](repeating: .nan, count: rows)
                dynamics.predict(
                    observations: observations, actions: actions, count: rows, into: &next, auxiliary: &residuals,
                    context: PredictionContext(seed: 0, step: h, firstCandidate: 0))
                for r in 0..<rows {
                    var reference = make()
                    _ = reference.reset(toState: states[r])
                    let result = reference.step(Array(actions[(r * a)..<((r + 1) * a)]))
                    XCTAssertEqual(
                        next[(r * o)..<((r + 1) * o)].map(\.bitPattern), result.observation.map(\.bitPattern),
                        "\(env.id) row \(r) step \(h)")
                    states[r] = reference.state
                    if env.id == Hopper().id { clipped += result.observation[5...].filter { abs($0) == 10 }.count }
                }
                observations = next
            }
            if env.id == Hopper().id {
                XCTAssertGreaterThan(clipped, 0, "no clipped velocity: the test does not reach what it is for")
            }
        }
    }

    /// A step in which MuJoCo warns (a velocity it cannot integrate) predicts NaN, and the rows after it
    /// are stepped as if it had not been there.
    func testAStepMuJoCoWarnsInPredictsNaN() {
        let env = HalfCheetah()
        let o = env.observationSize, a = env.actionSize
        let good = Self.observableStates({ HalfCheetah() }, count: 1)[0]
        var reference = HalfCheetah()
        let observation = reference.reset(toState: good)
        var broken = observation
        broken[10] = 1e30  // a joint velocity
        let action = [Float](repeating: 0.5, count: a)
        let expected = reference.step(action).observation
        let dynamics = SimulatorDynamics(env, capacity: 2)
        var next = [Float](repeating: 0, count: 2 * o)
        dynamics.predict(
            observations: broken + observation, actions: action + action, count: 2, into: &next)
        XCTAssertTrue(next[0..<o].allSatisfy(\.isNaN), "\(next[0..<o])")
        XCTAssertEqual(next[o...].map(\.bitPattern), expected.map(\.bitPattern))
    }
}
