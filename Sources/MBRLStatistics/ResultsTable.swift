import Foundation
import MBRLData
import MBRLReporting

/// A results table generated from run folders, never typed: one row per group of runs (the seeds of one
/// preset, or of one grid point), with what a reader needs to judge a number — the mean across seeds
/// of each seed's mean test return, the spread across seeds (population std, and the range), every
/// seed's own value, the test episodes per seed, the environment steps the final model was trained on,
/// and the wall and CPU time per run (from the run's timing files, when Make wrote them). The CPU time
/// is what the run costs on an idle machine with one thread; the wall time also holds the waits of a
/// shared machine, which is why both are shown.
///
/// A group is the folder that holds the runs (`<preset>/seed-<n>` or `<preset>/<point>/seed-<n>`), named
/// by its path below the runs' common root.
public struct ResultsTable {
    /// One finished run, as the table uses it.
    public struct Run {
        public var seed: Int
        /// The mean return of its test episodes.
        public var testReturn: Double
        public var testEpisodes: Int
        public var trainingSteps: Int
        /// Seconds of wall time in its stages, nil without timing files.
        public var wallSeconds: Double?
        /// Seconds of CPU time in its stages (all threads), nil without timing files.
        public var cpuSeconds: Double?
    }

    public struct Row {
        public var name: String
        public var runs: [Run]
    }

    public var rows: [Row]

    /// Reads every folder (each a finished run); the groups keep the order of their first run.
    public init(folders: [String]) throws {
        var rows: [Row] = []
        let groups = folders.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        let root = Self.commonParent(of: groups)
        for (folder, group) in zip(folders, groups) {
            let results = try RunResults(folder: folder)
            let timing = try RunTiming(folder: folder)
            let run = Run(
                seed: results.seed, testReturn: results.testStatistics.mean,
                testEpisodes: results.test.episodeReturns.count,
                trainingSteps: try results.trainingSteps(), wallSeconds: timing.entries.isEmpty ? nil : timing.wall,
                cpuSeconds: timing.entries.isEmpty ? nil : timing.entries.reduce(0) { $0 + $1.cpu })
            var name = String(group.dropFirst(root.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if name.isEmpty { name = URL(fileURLWithPath: group).lastPathComponent }
            if let i = rows.firstIndex(where: { $0.name == name }) {
                rows[i].runs.append(run)
            } else {
                rows.append(Row(name: name, runs: [run]))
            }
        }
        self.rows = rows
    }

    /// The table in Markdown, returns with one decimal.
    public var markdown: String {
        var lines = [
            "| runs | seeds | test return: mean across seeds | std across seeds | range | each seed (seed: return) "
                + "| test episodes per seed | training steps | wall time per run (CPU time) |",
            "|---|---|---|---|---|---|---|---|---|"
        ]
        func one(_ x: Double) -> String { String(format: "%.1f", x) }
        for row in rows {
            let scores = row.runs.map(\.testReturn)
            let statistics = ReturnStatistics(scores)
            let seeds = row.runs.map { "\($0.seed): \(one($0.testReturn))" }.joined(separator: ", ")
            let episodes = Set(row.runs.map(\.testEpisodes)).sorted().map(String.init).joined(separator: "/")
            let steps = Set(row.runs.map(\.trainingSteps)).sorted().map(String.init).joined(separator: "/")
            let walls = row.runs.compactMap(\.wallSeconds), cpus = row.runs.compactMap(\.cpuSeconds)
            let wallMean = walls.reduce(0, +) / Double(walls.count), cpuMean = cpus.reduce(0, +) / Double(cpus.count)
            let wall =
                walls.count == row.runs.count && cpus.count == row.runs.count
                ? "\(Self.duration(wallMean)) (CPU \(Self.duration(cpuMean)))"
                : "not recorded"
            lines.append(
                "| `\(row.name)` | \(row.runs.count) | **\(one(statistics.mean))** | \(one(statistics.std)) | "
                    + "\(one(statistics.min)) to \(one(statistics.max)) | \(seeds) | \(episodes) | \(steps) "
                    + "| \(wall) |")
        }
        return lines.joined(separator: "\n")
    }

    /// Seconds as `42 s`, `12.5 min` or `2.3 h`.
    static func duration(_ seconds: Double) -> String {
        seconds < 120
            ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }

    /// The longest folder path every group starts with.
    static func commonParent(of paths: [String]) -> String {
        guard var common = paths.first.map({ $0.split(separator: "/", omittingEmptySubsequences: false) }) else {
            return ""
        }
        for path in paths.dropFirst() {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        // With one group, its own parent, so the row is named by the group's folder.
        if Set(paths).count == 1 { common = Array(common.dropLast()) }
        return common.joined(separator: "/")
    }
}
