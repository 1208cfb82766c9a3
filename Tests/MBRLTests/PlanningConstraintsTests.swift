import Foundation
@testable import MBRLCore
@testable import MBRLEnvironments
@testable import MBRLPlanning
import XCTest

/// `PlanningObjective.penalizing` and `PlanningConstraints`: the planning reward loses the penalty
/// exactly on the predicted steps outside the bands and after a predicted termination, every planner
/// then keeps to them, and the joints' bands come from the task's model file.
final class PlanningConstraintsTests: XCTestCase {
    /// The rewards `objective` gives `next`'s rows (`count` of them) after zero observations and
    /// actions, or after the ones given.
    func rewards(
        _ objective: PlanningObjective, next: [Float], count: Int, observations: [Float]? = nil,
        actions: [Float]? = nil, auxiliary: [Float]? = nil
    ) -> [Float] {
        let observations = observations ?? [Float](repeating: 0, count: count * objective.observationSize)
        let actions = actions ?? [Float](repeating: 0, count: count * objective.actionSize)
        var out = [Float](repeating: 0, count: count)
        objective.rewards(
            observations: observations, actions: actions, nextObservations: next, auxiliary: auxiliary, count: count,
            into: &out)
        return out
    }

    /// HalfCheetah's exact and approximate planning rewards, with the limit on the root pitch
    /// (observation 1): rows inside ±1 rad keep the task's reward to the bit, rows outside lose exactly
    /// the penalty, whichever side they leave on.
    func testPenaltyFallsOnTheStepsOutsideTheBand() throws {
        let env = HalfCheetah(), o = env.observationSize, a = env.actionSize
        var configuration = PlannerConfiguration(kind: .mppi)
        configuration.constraints.pitchLimit = 1
        configuration.constraints.pitchPenalty = 7.5
        let pitches: [Float] = [0.2, -1.3, 1.01, -0.99, 3]
        var rng = RandomGenerator(seed: 4)
        let observations = (0..<(pitches.count * o)).map { _ in Float(rng.uniform(-1, 1)) }
        var next = (0..<(pitches.count * o)).map { _ in Float(rng.uniform(-1, 1)) }
        for (r, pitch) in pitches.enumerated() { next[r * o + 1] = pitch }
        let actions = (0..<(pitches.count * a)).map { _ in Float(rng.uniform(-1, 1)) }
        let residuals = pitches.map { _ in Float(rng.uniform(-0.01, 0.01)) }
        for exact in [true, false] {
            let task = PlanningObjective(environment: env, predictsDeltaX: exact)
            let constrained = try configuration.constraints.applied(to: task, on: env)
            let plain = rewards(
                task, next: next, count: pitches.count, observations: observations, actions: actions,
                auxiliary: residuals)
            let penalized = rewards(
                constrained, next: next, count: pitches.count, observations: observations, actions: actions,
                auxiliary: residuals)
            XCTAssertEqual(penalized[0], plain[0], "exact: \(exact)")
            XCTAssertEqual(penalized[3], plain[3], "exact: \(exact)")
            for r in [1, 2, 4] { XCTAssertEqual(penalized[r], plain[r] - 7.5, "row \(r), exact: \(exact)") }
        }
        // Without a limit the objective is the task's; a task without a root pitch cannot take one.
        let swimmer = PlanningObjective(environment: Swimmer())
        XCTAssertNoThrow(try PlanningConstraints().applied(to: swimmer, on: Swimmer()))
        XCTAssertThrowsError(try configuration.constraints.applied(to: swimmer, on: Swimmer())) {
            XCTAssertEqual($0 as? PlanningConstraints.Failure, .noRootPitch)
        }
        XCTAssertEqual(Hopper().rootPitchIndex, 1)
        XCTAssertNil(Ant().rootPitchIndex)
    }

    /// A point mass paid for moving right (reward x' on x' = x + u, u in [−1, 1]) runs off to the right
    /// under every planner; with the band |x| ≤ 0.5 and a penalty above anything the band's edge
    /// forgoes, every planner brings it to the edge and holds it inside.
    func testEveryPlannerHoldsAPointMassInsideTheBand() {
        let objective = PlanningObjective(
            observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1], rewardReadsNextObservation: false,
            rewards: { observations, _, _, n, r in for i in 0..<n { r[i] = observations[i] } })
        let banded = objective.penalizing(outside: 0.5, atObservationIndex: 0, by: 100)
        for kind in [PlannerKind.rs, .cem, .mppi, .icem] {
            var c = PlannerConfiguration(kind: kind)
            c.candidates = 512
            c.horizon = 4
            c.elites = 20
            c.noise = 0.5
            c.temperature = 0.01
            var trajectories: [[Float]] = []
            for task in [objective, banded] {
                let planner = c.make(dynamics: PointMass(capacity: 600), objective: task)
                var rng = RandomGenerator(seed: 9)
                var x: Float = 0, path: [Float] = []
                for _ in 0..<8 {
                    x += planner.action(for: [x], rng: &rng)[0]
                    path.append(x)
                }
                trajectories.append(path)
            }
            XCTAssertGreaterThan(trajectories[0].last!, 4, "\(kind) without the band: \(trajectories[0])")
            XCTAssertLessThanOrEqual(trajectories[1].map(abs).max()!, 0.5, "\(kind) in the band: \(trajectories[1])")
            XCTAssertGreaterThan(trajectories[1].last!, 0.3, "\(kind) at the band's edge: \(trajectories[1])")
        }
    }

    /// The joint ranges are the model files' limited hinges at their observation indices, in radians
    /// (Gymnasium's XML gives most in degrees); roots, sliders and Pendulum have none.
    func testJointRangesComeFromTheModelFiles() {
        let degree = Float.pi / 180
        func check(_ env: any Environment, _ expected: [(String, Int, Float, Float)]) {
            let ranges = env.jointRanges
            XCTAssertEqual(ranges.map(\.name), expected.map(\.0), env.id)
            XCTAssertEqual(ranges.map(\.observationIndex), expected.map(\.1), env.id)
            for (range, (name, _, low, high)) in zip(ranges, expected) {
                XCTAssertEqual(range.low, low, accuracy: 1e-6, "\(env.id) \(name)")
                XCTAssertEqual(range.high, high, accuracy: 1e-6, "\(env.id) \(name)")
                XCTAssertTrue(env.observationNames[range.observationIndex].hasSuffix(name), "\(env.id) \(name)")
            }
        }
        check(
            Swimmer(), [("motor1_rot", 1, -100 * degree, 100 * degree), ("motor2_rot", 2, -100 * degree, 100 * degree)])
        check(
            HalfCheetah(),
            [
                ("bthigh", 2, -0.52, 1.05), ("bshin", 3, -0.785, 0.785), ("bfoot", 4, -0.4, 0.785),
                ("fthigh", 5, -1, 0.7), ("fshin", 6, -1.2, 0.87), ("ffoot", 7, -0.5, 0.5)
            ])
        check(
            Hopper(),
            [
                ("thigh_joint", 2, -150 * degree, 0), ("leg_joint", 3, -150 * degree, 0),
                ("foot_joint", 4, -45 * degree, 45 * degree)
            ])
        XCTAssertEqual(Ant().jointRanges.count, 8)
        XCTAssertEqual(Ant().jointRanges.first?.name, "hip_1")
        XCTAssertEqual(Ant().jointRanges.first?.observationIndex, 5)
        XCTAssertTrue(Pendulum().jointRanges.isEmpty)
    }

    /// `--joint-margin`: the bands are the ranges less the margin at both ends; a step outside several
    /// bands loses the penalty once; the pitch and joint costs add; a margin that leaves a joint no
    /// room, or a task without joints, gets no objective.
    func testJointMarginPenalizesStepsNearTheStopsOnce() throws {
        let env = Swimmer(), o = env.observationSize
        var configuration = PlannerConfiguration(kind: .mppi)
        configuration.constraints.jointMargin = 0.25
        configuration.constraints.jointPenalty = 3
        let limit = 100 * Float.pi / 180 - 0.25
        XCTAssertEqual(try configuration.constraints.jointBands(env).map(\.index), [1, 2])
        XCTAssertEqual(try configuration.constraints.jointBands(env)[0].high, limit, accuracy: 1e-6)
        // Rows: both joints inside, the first near its upper stop, both near their lower stops.
        let joints: [(Float, Float)] = [(0.3, -1.2), (limit + 0.01, 0), (-limit - 0.01, -limit - 0.2)]
        var next = [Float](repeating: 0.1, count: joints.count * o)
        for (r, (a, b)) in joints.enumerated() { next[r * o + 1] = a; next[r * o + 2] = b }
        let task = PlanningObjective(environment: env)
        let constrained = try configuration.constraints.applied(to: task, on: env)
        let plain = rewards(task, next: next, count: joints.count)
        XCTAssertEqual(rewards(constrained, next: next, count: joints.count), [plain[0], plain[1] - 3, plain[2] - 3])
        // With the pitch limit too (HalfCheetah), a step beyond both pays both.
        var both = configuration
        both.constraints.pitchLimit = 1
        both.constraints.pitchPenalty = 10
        let cheetah = HalfCheetah()
        var row = [Float](repeating: 0, count: cheetah.observationSize)
        row[1] = 2
        row[7] = 0.49
        let cheetahTask = PlanningObjective(environment: cheetah)
        let constrainedCheetah = try both.constraints.applied(to: cheetahTask, on: cheetah)
        XCTAssertEqual(
            rewards(constrainedCheetah, next: row, count: 1), [rewards(cheetahTask, next: row, count: 1)[0] - 13])
        var wide = configuration
        wide.constraints.jointMargin = 0.5
        XCTAssertThrowsError(try wide.constraints.applied(to: cheetahTask, on: cheetah)) {
            XCTAssertEqual(
                $0 as? PlanningConstraints.Failure, .marginTooWide(joint: "ffoot"), "its range is 1 rad wide")
        }
        XCTAssertThrowsError(
            try configuration.constraints.applied(to: PlanningObjective(environment: Pendulum()), on: Pendulum())
        ) { XCTAssertEqual($0 as? PlanningConstraints.Failure, .noJoints) }
    }

    /// `observationBands`: any observation value, each band its own interval, one penalty per step;
    /// a band beyond the task's observation gets no objective.
    func testObservationBandsPenalizeAnyValueOutsideTheirInterval() throws {
        let env = Swimmer(), o = env.observationSize
        var configuration = PlannerConfiguration(kind: .mppi)
        configuration.constraints.observationBands = [
            .init(index: 0, low: -0.5, high: 0.5), .init(index: 7, low: -1, high: 2)
        ]
        configuration.constraints.bandPenalty = 4
        let rows: [(Float, Float)] = [(0.4, 1.9), (-0.6, 0), (0, 2.5), (0.7, -3)]
        var next = [Float](repeating: 0, count: rows.count * o)
        for (r, (heading, last)) in rows.enumerated() { next[r * o] = heading; next[r * o + 7] = last }
        let task = PlanningObjective(environment: env)
        let constrained = try configuration.constraints.applied(to: task, on: env)
        let plain = rewards(task, next: next, count: rows.count)
        XCTAssertEqual(
            rewards(constrained, next: next, count: rows.count), [plain[0], plain[1] - 4, plain[2] - 4, plain[3] - 4])
        configuration.constraints.observationBands.append(.init(index: 8, low: 0, high: 1))
        XCTAssertThrowsError(try configuration.constraints.applied(to: task, on: env)) {
            XCTAssertEqual($0 as? PlanningConstraints.Failure, .bandBeyondObservation(index: 8))
        }
    }

    /// The evaluator's returns with a band: a step outside it loses the penalty, a NaN value is
    /// outside, every step after a predicted termination loses it too (a fall cannot end the charges),
    /// and the last step of the horizon is predicted for the band even though the task's reward reads
    /// only the step's start (horizon 1).
    func testEvaluatorChargesTheBandOutsideItAndAfterATermination() {
        // Reward 1 per step on the start of the step; terminal once x ≥ 1.5.
        let task = PlanningObjective(
            observationSize: 1, actionSize: 1, actionLow: [-1], actionHigh: [1], rewardReadsNextObservation: false,
            rewards: { _, _, _, n, r in for i in 0..<n { r[i] = 1 } },
            isTerminal: { next, n, t in for i in 0..<n { t[i] = next[i] >= 1.5 } })
        XCTAssertEqual(task.costAfterTermination, 0)
        let banded = task.penalizing(outside: [.init(index: 0, low: -1, high: 1)], by: 10)
        XCTAssertTrue(banded.rewardReadsNextObservation)
        XCTAssertEqual(banded.costAfterTermination, 10)
        // Candidates of 4 steps from x = 0 (step-major): +0.5 each step (x 0.5, 1, 1.5 terminal, then
        // one step after it), and 0 each step.
        let sequences: [Float] = [0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0]
        let evaluator = TrajectoryEvaluator(
            dynamics: PointMass(capacity: 2), objective: banded, capacity: 2, horizon: 4)
        evaluator.evaluate(from: [0], sequences: sequences, count: 2)
        XCTAssertEqual(evaluator.returns[0], 1 + 1 + (1 - 10) - 10)
        XCTAssertEqual(evaluator.returns[1], 4)
        let unbanded = TrajectoryEvaluator(dynamics: PointMass(capacity: 2), objective: task, capacity: 2, horizon: 4)
        unbanded.evaluate(from: [0], sequences: sequences, count: 2)
        XCTAssertEqual(unbanded.returns[0], 3, "the task's rule: nothing after the terminal step")
        // Horizon 1 from x = 0.9: +1 leaves the band on the only (last) step, −1 stays in it.
        let last = TrajectoryEvaluator(dynamics: PointMass(capacity: 2), objective: banded, capacity: 2, horizon: 1)
        last.evaluate(from: [0.9], sequences: [1, -1], count: 2)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: last.returns.pointer, count: 2)), [1 - 10, 1])
        // A diverged prediction is outside.
        XCTAssertEqual(rewards(banded, next: [.nan, 0.5], count: 2), [1 - 10, 1])
    }
}
