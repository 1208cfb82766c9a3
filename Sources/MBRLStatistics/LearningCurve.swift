import Foundation
import MBRLCore
import MBRLData

/// A run's learning curve: the return of each batch of episodes the run collected — the random data
/// (iteration 0), then the episodes planned in iteration i on the model trained before it — against the
/// environment steps collected up to and including that batch.
///
/// It is read from the transitions files alone (`random.h5`, `rollouts-<i>.h5`), so it exists for a run
/// that is still going: the curve stops before the first iteration whose rollouts are not written yet.
public struct LearningCurve: Equatable {
    /// One batch of episodes.
    public struct Point: Equatable {
        /// 0 for the random data, i for `rollouts-<i>.h5`.
        public var iteration: Int
        /// Environment steps collected up to and including this batch (transitions, ≥ 1).
        public var steps: Int
        /// The batch's episode returns.
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

    /// Reads the run in `folder`; throws naming the file when a transitions file is invalid. A folder
    /// without `random.h5` starts at iteration 1 (a run on imported data); one with neither `random.h5`
    /// nor `rollouts-1.h5` has no points.
    public init(folder: String) throws {
        var points: [Point] = []
        var steps = 0
        func add(_ name: String, iteration: Int) throws {
            let transitions = try Transitions.read(from: "\(folder)/\(name)")
            steps += transitions.rewards.count
            points.append(Point(iteration: iteration, steps: steps, returns: transitions.episodeReturns))
        }
        let manager = FileManager.default
        if manager.fileExists(atPath: folder + "/random.h5") { try add("random.h5", iteration: 0) }
        var iteration = 1
        while manager.fileExists(atPath: "\(folder)/rollouts-\(iteration).h5") {
            try add("rollouts-\(iteration).h5", iteration: iteration)
            iteration += 1
        }
        self.points = points
    }
}
