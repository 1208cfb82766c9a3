import Foundation
import MBRLData
import MBRLReporting

/// A results table generated from run folders or their records (`RunRecord`), never typed: one row per
/// group of runs (the seeds of one preset, or of one grid point), with what a reader needs to judge a
/// number — the mean across seeds
/// of each seed's mean test return, the spread across seeds (population std, and the range), every
/// seed's own value, the test episodes per seed, the environment steps the final model was trained on,
/// and the wall and CPU time per run (from the run's timing files, when Make wrote them). The CPU time
/// is what the run costs on an idle machine with one thread; the wall time also holds the waits of a
/// shared machine, which is why both are shown.
///
/// A row of fewer than `minimumSeeds` runs is shown as such: its mean is not in bold and its seed count
/// says it is short.
///
/// A group is the folder that holds the runs (`<preset>/seed-<n>` or `<preset>/<point>/seed-<n>`), named
/// by its path below the data folder (`RunRecord.group`, from `RunGroups`).
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

        /// The run as its record keeps it.
        public init(record: RunRecord) {
            seed = record.seed
            testReturn = ReturnStatistics(record.testReturns).mean
            testEpisodes = record.testReturns.count
            trainingSteps = record.trainingSteps
            wallSeconds = record.wallSeconds
            cpuSeconds = record.cpuSeconds
        }
    }

    public struct Row {
        public var name: String
        public var runs: [Run]
    }

    public var rows: [Row]

    /// The fewest seeds a row needs to be a result (a single good seed is an anecdote).
    public static let minimumSeeds = 3

    /// The runs of `records`, one row per group in the order of each group's first record.
    public init(records: [RunRecord]) {
        rows = []
        for record in records {
            let run = Run(record: record)
            if let i = rows.firstIndex(where: { $0.name == record.group }) {
                rows[i].runs.append(run)
            } else {
                rows.append(Row(name: record.group, runs: [run]))
            }
        }
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
            // Fewer than `minimumSeeds` runs are shown, but not as a result: no bold mean, the count
            // says so, and one run has no spread.
            let isResult = row.runs.count >= Self.minimumSeeds
            let count = isResult ? "\(row.runs.count)" : "\(row.runs.count) (fewer than \(Self.minimumSeeds))"
            let mean = isResult ? "**\(one(statistics.mean))**" : one(statistics.mean)
            let spread =
                row.runs.count > 1
                ? "\(one(statistics.std)) | \(one(statistics.min)) to \(one(statistics.max))"
                : "— | \(one(statistics.min))"
            lines.append(
                "| `\(row.name)` | \(count) | \(mean) | \(spread) | \(seeds) | \(episodes) | \(steps) | \(wall) |")
        }
        return lines.joined(separator: "\n")
    }

    /// Seconds as `42 s`, `12.5 min` or `2.3 h`.
    static func duration(_ seconds: Double) -> String {
        seconds < 120
            ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.1f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }

}
