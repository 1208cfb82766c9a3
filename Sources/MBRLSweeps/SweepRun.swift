/// One run of a sweep: a seed, at a grid point or not. Its folder, relative to the preset's folder
/// `DATA/PIPELINE`, is `<point>/seed-<n>` (`seed-<n>` without a grid), and Make runs it with the
/// command-line arguments `POINT=<point> SEED=<n>` (`SEED=<n>` alone without a grid).
public struct SweepRun: Equatable, Sendable {
    public var point: GridPoint?
    /// A seed in its one canonical form (see `isSeed`).
    public var seed: String

    public init(point: GridPoint?, seed: String) {
        self.point = point
        self.seed = seed
    }

    /// The run's folder relative to the preset's folder.
    public var folder: String { (point.map { $0.name + "/" } ?? "") + "seed-" + seed }

    /// The arguments of the `make` that runs it.
    public var makeArguments: [String] { (point.map { ["POINT=" + $0.name] } ?? []) + ["SEED=" + seed] }

    /// The runs of a sweep: every point of `grid` (the seeds alone for the empty grid), each with
    /// every seed in the order given. Throws one line for a seed that is not canonical or is given twice.
    public static func runs(grid: Grid, seeds: [String]) throws -> [SweepRun] {
        guard !seeds.isEmpty else { throw SweepGridError(description: "SEEDS is empty") }
        for seed in seeds where !isSeed(seed) {
            throw SweepGridError(
                description: "SEEDS must be whole numbers from 0 to 999999999999 without leading "
                    + "zeros, got '\(seed)'")
        }
        if Set(seeds).count != seeds.count {
            throw SweepGridError(description: "SEEDS lists a seed twice: '\(seeds.joined(separator: " "))'")
        }
        let points = grid.points
        if Set(points.map(\.name)).count != points.count {
            throw SweepGridError(description: "GRID lists a value twice")
        }
        let pointsOrNone: [GridPoint?] = points.isEmpty ? [nil] : points
        return pointsOrNone.flatMap { point in seeds.map { SweepRun(point: point, seed: $0) } }
    }

    /// Whether `text` is a seed in its canonical form: decimal digits without a leading zero (0 itself
    /// allowed), at most 12 of them, so `SEED × 100 + iteration` and `SEED + 1000000` stay exact.
    public static func isSeed(_ text: String) -> Bool {
        let digits = text.utf8
        return !digits.isEmpty && digits.count <= 12
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            && (digits.first != UInt8(ascii: "0") || digits.count == 1)
    }
}
