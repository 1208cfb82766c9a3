import Foundation
import MBRLCore
import MBRLData

/// The learning curves of groups of runs (the seeds of one preset or grid point, grouped by the folder
/// that holds them, as `ResultsTable` groups them) as Markdown tables: per iteration, the environment
/// steps, the mean and the (population) std across the seeds that have reached it, and each seed's
/// batch mean. Generated from the run files, for the results pages.
public struct LearningCurveTable {
    /// One run: its seed (from its folder's name `seed-<n>`) and its curve.
    public struct Run {
        public var seed: String
        public var curve: LearningCurve
    }

    public var groups: [(name: String, runs: [Run])]

    /// Reads every folder; the groups keep the order of their first run. Throws naming the file when a
    /// transitions file is invalid or a folder has collected nothing.
    public init(folders: [String]) throws {
        var groups: [(name: String, runs: [Run])] = []
        let parents = folders.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        let root = ResultsTable.commonParent(of: parents)
        for (folder, parent) in zip(folders, parents) {
            let base = URL(fileURLWithPath: folder).lastPathComponent
            let run = Run(
                seed: base.hasPrefix("seed-") ? String(base.dropFirst(5)) : base,
                curve: try LearningCurve(folder: folder))
            guard !run.curve.points.isEmpty else {
                throw HDF5Error(
                    path: folder + "/random.h5",
                    "no such file, and no rollouts-1.h5: the run has collected "
                        + "nothing yet")
            }
            var name = String(parent.dropFirst(root.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if name.isEmpty { name = URL(fileURLWithPath: parent).lastPathComponent }
            if let i = groups.firstIndex(where: { $0.name == name }) {
                groups[i].runs.append(run)
            } else {
                groups.append((name, [run]))
            }
        }
        self.groups = groups
    }

    /// One table per group, headed by its name; returns with one decimal. A seed that has not reached
    /// an iteration leaves its cell empty, and the row's statistics are over the seeds that have.
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
                lines.append(
                    "| \(iteration) | \(steps) | \(reached.count) | **\(one(across.mean))** "
                        + "| \(one(across.std)) | "
                        + points.map { $0.map { one($0.meanReturn) } ?? "" }.joined(separator: " | ") + " |")
            }
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n")
    }
}
