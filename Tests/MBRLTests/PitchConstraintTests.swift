import Foundation
@testable import MBRLCore
@testable import MBRLEnvironments
@testable import MBRLPlanning
import XCTest

/// `PlanningObjective.penalizing` and `PlannerConfiguration.pitchLimit`: the planning reward loses the
/// penalty exactly on the predicted steps outside the band, and every planner then keeps to the band.
final class PitchConstraintTests: XCTestCase {
    /// HalfCheetah's exact and approximate planning rewards, with the limit on the root pitch
    /// (observation 1): rows inside ±1 rad keep the task's reward to the bit, rows outside lose exactly
    /// the penalty, whichever side they leave on.
    func testPenaltyFallsOnTheStepsOutsideTheBand() throws {
        let env = HalfCheetah(), o = env.observationSize, a = env.actionSize
        var configuration = PlannerConfiguration(kind: .mppi)
        configuration.pitchLimit = 1
        configuration.pitchPenalty = 7.5
        let pitches: [Float] = [0.2, -1.3, 1.01, -0.99, 3]
        var rng = RandomGenerator(seed: 4)
        let observations = (0..<(pitches.count * o)).map { _ in Float(rng.uniform(-1, 1)) }
        var next = (0..<(pitches.count * o)).map { _ in Float(rng.uniform(-1, 1)) }
        for (r, pitch) in pitches.enumerated() { next[r * o + 1] = pitch }
        let actions = (0..<(pitches.count * a)).map { _ in Float(rng.uniform(-1, 1)) }
        let residuals = pitches.map { _ in Float(rng.uniform(-0.01, 0.01)) }
        for exact in [true, false] {
            let task = PlanningObjective(environment: env, predictsDeltaX: exact)
            let constrained = try XCTUnwrap(configuration.constrained(task, on: env))
            XCTAssertTrue(constrained.rewardReadsNextObservation)
            var plain = [Float](repeating: 0, count: pitches.count), penalized = plain
            task.rewards(
                observations: observations, actions: actions, nextObservations: next, auxiliary: residuals,
                count: pitches.count, into: &plain)
            constrained.rewards(
                observations: observations, actions: actions, nextObservations: next, auxiliary: residuals,
                count: pitches.count, into: &penalized)
            XCTAssertEqual(penalized[0], plain[0], "exact: \(exact)")
            XCTAssertEqual(penalized[3], plain[3], "exact: \(exact)")
            for r in [1, 2, 4] { XCTAssertEqual(penalized[r], plain[r] - 7.5, "row \(r), exact: \(exact)") }
        }
        // Without a limit the objective is the task's; a task without a root pitch cannot take one.
        XCTAssertNotNil(PlannerConfiguration(kind: .mppi).constrained(PlanningObjective(environment: Swimmer()), on: Swimmer()))
        XCTAssertNil(configuration.constrained(PlanningObjective(environment: Swimmer()), on: Swimmer()))
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
        for kind in [PlannerKind.rs, .cem, .mppi, .icem] {
            var free = PlannerConfiguration(kind: kind)
            free.candidates = 512
            free.horizon = 4
            free.elites = 20
            free.noise = 0.5
            free.temperature = 0.01
            var banded = free
            banded.pitchLimit = 0.5
            banded.pitchPenalty = 100
            var trajectories: [[Float]] = []
            for c in [free, banded] {
                let task =
                    c.pitchLimit == nil ? objective : objective.penalizing(outside: 0.5, atObservationIndex: 0, by: 100)
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
}
