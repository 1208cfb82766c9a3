import MBRLCore

/// Percentile confidence intervals by the stratified bootstrap, as rliable's
/// `get_interval_estimates(..., method='percentile', task_bootstrap=False)` computes them.
///
/// One replication draws, for every task and every run slot, a run index uniformly with replacement
/// (`indices[run][task]`), and applies the statistic to the resample `scores[indices[run][task]][task]`:
/// runs are resampled within each task (the stratum), tasks are kept. After `replications` draws,
/// each component's interval is the `(1 − confidence)/2` and `(1 + confidence)/2` percentiles of its
/// replicated values, with NumPy's default (linear) interpolation between order statistics, as
/// arch's `conf_int(method='percentile')` takes them with `numpy.percentile`.
///
/// The draws come from the project's `RandomGenerator` seeded with `seed` alone, fresh for every
/// call, so an interval depends only on its own scores, the seed and the number of replications:
/// the same scores give the same interval in every program and on every machine.
public struct StratifiedBootstrap {
    /// The seed every aggregate of `summarize` and `report` is bootstrapped with.
    public static let defaultSeed: UInt64 = 0
    /// rliable's default numbers of replications: `get_interval_estimates` and `create_performance_profile`.
    public static let aggregateReplications = 50_000
    public static let profileReplications = 2_000

    public var replications: Int
    /// The interval's coverage, in (0, 1).
    public var confidence: Double
    public var seed: UInt64

    public init(
        replications: Int = StratifiedBootstrap.aggregateReplications, confidence: Double = 0.95,
        seed: UInt64 = StratifiedBootstrap.defaultSeed
    ) {
        precondition(replications >= 1 && confidence > 0 && confidence < 1)
        self.replications = replications
        self.confidence = confidence
        self.seed = seed
    }

    /// The interval of each component of `statistic(scores)`, from this bootstrap's seeded draws.
    public func intervals(_ scores: ScoreMatrix, statistic: (ScoreMatrix) -> [Double]) -> [ClosedRange<Double>] {
        var generator = RandomGenerator(seed: seed)
        return Self.intervals(scores, replications: replications, confidence: confidence, statistic: statistic) {
            indices in
            for i in indices.indices { indices[i] = generator.index(below: scores.runs) }
        }
    }

    /// The intervals from the run indices `draw` writes for each replication (`runs × tasks` of
    /// them, run by run, each in `0..<runs`): the seeded draws above, or recorded ones (a test feeds
    /// the indices rliable drew, so both compute on the same resamples).
    public static func intervals(
        _ scores: ScoreMatrix, replications: Int, confidence: Double,
        statistic: (ScoreMatrix) -> [Double], draw: (inout [Int]) -> Void
    ) -> [ClosedRange<Double>] {
        var indices = [Int](repeating: 0, count: scores.runs * scores.tasks)
        var resample = scores
        var replicated: [[Double]] = []
        for _ in 0..<replications {
            draw(&indices)
            for run in 0..<scores.runs {
                for task in 0..<scores.tasks {
                    let index = indices[run * scores.tasks + task]
                    precondition(index >= 0 && index < scores.runs, "run index \(index) of \(scores.runs) runs")
                    resample[run, task] = scores[index, task]
                }
            }
            let values = statistic(resample)
            if replicated.isEmpty { replicated = Array(repeating: [], count: values.count) }
            precondition(values.count == replicated.count, "the statistic changed its number of components")
            for (k, v) in values.enumerated() { replicated[k].append(v) }
        }
        let alpha = (1 - confidence) / 2
        return replicated.map { values in
            let sorted = values.sorted()
            return percentile(sorted: sorted, 100 * alpha)...percentile(sorted: sorted, 100 * (1 - alpha))
        }
    }

    /// `numpy.percentile(values, q)` with its default linear method, of values sorted ascending:
    /// the order statistic at the fractional position `(n − 1)·q/100`, interpolated linearly between
    /// its neighbours (from the nearer end, as NumPy's `_lerp` does, so the result stays in range).
    public static func percentile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && q >= 0 && q <= 100)
        let position = (q / 100) * Double(sorted.count - 1)
        let below = Int(position.rounded(.down)), above = Swift.min(below + 1, sorted.count - 1)
        let t = position - Double(below), a = sorted[below], b = sorted[above]
        return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
    }
}
