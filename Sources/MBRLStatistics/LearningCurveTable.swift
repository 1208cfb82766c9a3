import Foundation
import MBRLCore
import MBRLData
import MBRLReporting

/// The learning curves of groups of runs (the seeds of one preset or grid point, grouped by the folder
/// that holds them, as `ResultsTable` groups them) as Markdown tables: per iteration, the
/// environment steps, the mean and the (population) std across the seeds that have reached it, and each
/// seed's batch mean. Generated from the run files or their records (`RunRecord`), for the results
/// pages.
public struct LearningCurveTable {
    /// One run: its seed and its curve.
    public struct Run {
        /// The seed the run's files record (`RunResults.recordedSeed(folder:)`), as `ResultsTable`
        /// shows it. The folder's name is not read: a run whose `seed-<n>` folder names another seed
        /// than its files is shown with its files' seed.
        public var seed: Int
        public var curve: LearningCurve

        /// The run in `folder`, possibly still going.
        public init(folder: String) throws {
            curve = try LearningCurve(folder: folder)
            guard !curve.points.isEmpty else {
                throw HDF5Error(
                    path: folder + "/random.h5",
                    "no such file, and no rollouts-1.h5: the run has collected nothing yet")
            }
            guard let seed = try RunResults.recordedSeed(folder: folder) else {
                throw HDF5Error(
                    path: folder + "/random.h5",
                    "no such file, nor test.h5 or model-0.h5: the run's seed is not recorded yet")
            }
            self.seed = seed
        }

        /// The finished run its record keeps.
        public init(record: RunRecord) {
            seed = record.seed
            curve = record.learningCurve
        }
    }

    public var groups: [(name: String, runs: [Run])]

    /// The runs, each with the group it is tabulated in; one table per group, in the order of each
    /// group's first run.
    public init(runs: [(group: String, run: Run)]) {
        groups = []
        for (group, run) in runs {
            if let i = groups.firstIndex(where: { $0.name == group }) {
                groups[i].runs.append(run)
            } else {
                groups.append((group, [run]))
            }
        }
    }

    /// One table per group, headed by its name; returns with one decimal. A seed that has not reached
    /// an iteration leaves its cell empty, and the row's statistics are over the seeds that have; their
    /// mean is in bold over `ResultsTable.minimumSeeds` seeds or more, and one seed has no spread ("—").
    public var markdown: String {
        func one(_ x: Double) -> String { String(format: "%.1f", x) }
        var blocks: [String] = []
        for (name, runs) in groups {
            let iterations = Set(runs.flatMap { $0.curve.points.map(\.iteration) }).sorted()
            var lines = [
                "`\(name)`: mean return of the episodes collected in each iteration (0: random policy), across seeds",
                "",
                "| iteration | environment steps | seeds | mean across seeds | std across seeds | "
                    + runs.map { "seed \($0.seed)" }.joined(separator: " | ") + " |",
                "|---|---|---|---|---|" + String(repeating: "---|", count: runs.count)
            ]
            for iteration in iterations {
                let points = runs.map { run in run.curve.points.first { $0.iteration == iteration } }
                let reached = points.compactMap { $0 }
                let across = ReturnStatistics(reached.map(\.meanReturn))
                let steps = Set(reached.map(\.steps)).sorted().map(String.init).joined(separator: "/")
                // As in `ResultsTable`: bold only over enough seeds, no spread for one.
                let mean =
                    reached.count >= ResultsTable.minimumSeeds ? "**\(one(across.mean))**" : one(across.mean)
                lines.append(
                    "| \(iteration) | \(steps) | \(reached.count) | \(mean) "
                        + "| \(reached.count > 1 ? one(across.std) : "—") | "
                        + points.map { $0.map { one($0.meanReturn) } ?? "" }.joined(separator: " | ") + " |")
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }
}
