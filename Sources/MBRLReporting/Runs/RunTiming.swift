import Foundation

/// Where a run's time went: the wall and CPU time of each stage Make ran, from the timing files
/// `timing/<output>.tsv` that `scripts/time-stage` writes beside the outputs (one line each:
/// `program<TAB>output<TAB>wall seconds<TAB>CPU seconds`). The HDF5 files hold no times, so they stay
/// byte-identical; these files are the run's only record of how long it took.
///
/// A stage kind is the program (`collect`, `stats`, `train`, `plan`, `evaluate`); a step of the loop is
/// read from the output's name: `random.h5`, `stats.h5` and `model-0.h5` are step 0, `rollouts-<i>.h5`
/// and `model-<i>.h5` step i, and the test and evaluation outputs (`test.h5`, `heldout.h5`,
/// `eval.h5`, `test-starts.h5`) the final step (`nil`).
public struct RunTiming: Equatable {
    /// One stage's record.
    public struct Entry: Equatable {
        public var program: String
        public var output: String
        /// Seconds, ≥ 0.
        public var wall: Double
        public var cpu: Double

        /// The loop's iteration the output belongs to (see the type's documentation).
        public var iteration: Int? {
            let stem = output.hasSuffix(".h5") ? String(output.dropLast(3)) : output
            if stem == "random" || stem == "stats" { return 0 }
            for prefix in ["rollouts-", "model-", "value-"] where stem.hasPrefix(prefix) {
                return Int(stem.dropFirst(prefix.count))
            }
            return nil
        }
    }

    /// A timing file that cannot be read; the description names the file.
    public struct FileError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The stages in the order of the loop (by iteration, then output name; the final step last).
    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { a, b in
            switch (a.iteration, b.iteration) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.output < b.output
            }
        }
    }

    /// Reads `folder/timing/*.tsv`; a run without timing files has no entries. Throws naming the file
    /// when a line is not four tab-separated fields with finite, non-negative seconds.
    public init(folder: String) throws {
        let directory = folder + "/timing"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".tsv") && !$0.hasPrefix(".") }.sorted()
        var entries: [Entry] = []
        for name in names {
            let path = directory + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count == 4, let wall = Double(fields[2]), let cpu = Double(fields[3]),
                    wall.isFinite, cpu.isFinite, wall >= 0, cpu >= 0
                else {
                    throw FileError(
                        description: "\(path): not a timing line (program, output, wall and CPU "
                            + "seconds): '\(line)'")
                }
                entries.append(Entry(program: String(fields[0]), output: String(fields[1]), wall: wall, cpu: cpu))
            }
        }
        self.init(entries: entries)
    }

    /// Total wall seconds of the stages recorded.
    public var wall: Double { entries.reduce(0) { $0 + $1.wall } }

    /// Wall and CPU seconds per stage kind, in the order collect, stats, train, plan, evaluate, then any
    /// other program by name.
    public var byProgram: [(program: String, wall: Double, cpu: Double)] {
        let order = ["collect", "stats", "train", "plan", "evaluate"]
        let programs = Set(entries.map(\.program)).sorted { a, b in
            (order.firstIndex(of: a) ?? order.count, a) < (order.firstIndex(of: b) ?? order.count, b)
        }
        return programs.map { p in
            let chosen = entries.filter { $0.program == p }
            return (p, chosen.reduce(0) { $0 + $1.wall }, chosen.reduce(0) { $0 + $1.cpu })
        }
    }

    /// Wall seconds per step of the loop (iteration 0 … ITERS, then the final step as `nil`), split by
    /// stage kind.
    public var byIteration: [(iteration: Int?, wall: [String: Double])] {
        var steps: [(iteration: Int?, wall: [String: Double])] = []
        for entry in entries {
            if steps.last.map({ $0.iteration == entry.iteration }) != true { steps.append((entry.iteration, [:])) }
            steps[steps.count - 1].wall[entry.program, default: 0] += entry.wall
        }
        return steps
    }

    /// A plain-text table: one row per step of the loop, one column per stage kind, and the totals
    /// (wall, then CPU) as the last two rows. Seconds with one decimal.
    public var table: String {
        let programs = byProgram.map(\.program)
        let header = ["step"] + programs + ["total"]
        var rows: [[String]] = []
        func seconds(_ x: Double) -> String { String(format: "%.1f", x) }
        for step in byIteration {
            let label = step.iteration.map { "iteration \($0)" } ?? "test + evaluate"
            rows.append(
                [label] + programs.map { step.wall[$0].map(seconds) ?? "" }
                    + [seconds(step.wall.values.reduce(0, +))])
        }
        let totals = byProgram
        rows.append(["wall (s)"] + totals.map { seconds($0.wall) } + [seconds(totals.reduce(0) { $0 + $1.wall })])
        rows.append(["CPU (s)"] + totals.map { seconds($0.cpu) } + [seconds(totals.reduce(0) { $0 + $1.cpu })])
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                c == 0
                    ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
