import Foundation
import MBRLCore
import MBRLData
import MBRLReporting

/// A run's learning curve: the return of each batch of episodes the run collected — the random data
/// (iteration 0), then the episodes planned in iteration i on the model trained before it — against the
/// environment steps collected up to and including that batch.
///
/// It is read from the transitions files alone (`random.h5`, `rollouts-<i>.h5`), so it exists for a run
/// that is still going: the curve stops before the first iteration whose rollouts are not written yet.
public struct LearningCurve: Equatable {
    /// One batch of episodes (a run record keeps it as `{"iteration", "steps", "returns"}`).
    public struct Point: Equatable, Codable {
        /// 0 for the random data, i for `rollouts-<i>.h5`.
        public var iteration: Int
        /// Environment steps collected up to and including this batch (transitions, ≥ 1).
        public var steps: Int
        /// The batch's episode returns: of its complete episodes (`Transitions.completeEpisodeReturns`).
        public var returns: [Double]

        public init(iteration: Int, steps: Int, returns: [Double]) {
            self.iteration = iteration
            self.steps = steps
            self.returns = returns
        }

        /// The batch's mean episode return.
        public var meanReturn: Double { ReturnStatistics(returns).mean }
    }

    /// The batches in the order they were collected.
    public var points: [Point]

    public init(points: [Point]) {
        self.points = points
    }

    /// Reads the run in `folder` (`rewards`, the end flags and `episodes/` of its transitions files,
    /// `Transitions.readEpisodeReturns(from:)`); throws naming the file when one is invalid. A folder
    /// without `random.h5` starts at iteration 1 (a run on imported data); one with neither
    /// `random.h5` nor `rollouts-1.h5` has no points.
    public init(folder: String) throws {
        var batches: [(iteration: Int, rows: Int, returns: [Double])] = []
        let manager = FileManager.default
        if manager.fileExists(atPath: folder + "/random.h5") {
            let random = try Transitions.readEpisodeReturns(from: folder + "/random.h5")
            batches.append((0, random.rows, random.returns))
        }
        var iteration = 1
        while manager.fileExists(atPath: "\(folder)/rollouts-\(iteration).h5") {
            let rollouts = try Transitions.readEpisodeReturns(from: "\(folder)/rollouts-\(iteration).h5")
            batches.append((iteration, rollouts.rows, rollouts.returns))
            iteration += 1
        }
        self.init(batches: batches)
    }

    /// The curve of a finished run already read (`RunResults`), the same as `init(folder:)` gives for
    /// its folder, without reading its files again: the random data, then the rollouts of iterations
    /// 1, 2, … up to the first one missing.
    public init(results: RunResults) {
        var batches = results.random.map { [(0, $0.rows, $0.returns)] } ?? []
        // `rollouts` is sorted by iteration.
        for (next, rollouts) in zip(1..., results.rollouts) {
            guard rollouts.iteration == next else { break }
            batches.append(rollouts)
        }
        self.init(batches: batches)
    }

    /// Points from the batches in order: each one's steps are the rows up to and including it.
    private init(batches: [(iteration: Int, rows: Int, returns: [Double])]) {
        var steps = 0
        points = batches.map { batch in
            steps += batch.rows
            return Point(iteration: batch.iteration, steps: steps, returns: batch.returns)
        }
    }
}
