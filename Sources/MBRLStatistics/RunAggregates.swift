/// What `summarize` and `report` say about a set of runs of one task (the seeds of a preset, or of
/// one grid point): the interquartile mean, the median and the mean of the runs' scores, each with
/// its stratified-bootstrap confidence interval, all from the same replications.
///
/// The median is the median of the runs (`Aggregates.medianOfAll`), not rliable's
/// `aggregate_median`, which is the median across tasks of each task's mean and so, for one task,
/// the mean again.
public struct RunAggregates {
    /// A point estimate and its confidence interval.
    public struct Estimate: Equatable {
        public var value: Double
        public var interval: ClosedRange<Double>
    }

    /// Number of runs (scores).
    public var runs: Int
    public var interquartileMean: Estimate
    public var median: Estimate
    public var mean: Estimate
    /// The bootstrap that gave the intervals.
    public var bootstrap: StratifiedBootstrap

    /// The aggregates of one score per run; at least one score, none NaN.
    public init(runScores: [Double], bootstrap: StratifiedBootstrap = StratifiedBootstrap()) {
        let scores = ScoreMatrix(runScores: runScores)
        let statistic = { (s: ScoreMatrix) in
            [Aggregates.interquartileMean(s), Aggregates.medianOfAll(s), Aggregates.mean(s)]
        }
        let point = statistic(scores), intervals = bootstrap.intervals(scores, statistic: statistic)
        runs = runScores.count
        interquartileMean = Estimate(value: point[0], interval: intervals[0])
        median = Estimate(value: point[1], interval: intervals[1])
        mean = Estimate(value: point[2], interval: intervals[2])
        self.bootstrap = bootstrap
    }
}

/// A performance profile: at each threshold τ, the fraction of runs whose score is above τ (rliable's
/// score distribution, `create_performance_profile` with `use_score_distribution=True`), with its
/// stratified-bootstrap confidence band.
public struct PerformanceProfile {
    public var thresholds: [Double]
    /// The fraction of scores strictly above each threshold, in [0, 1].
    public var fractions: [Double]
    /// The confidence interval of each fraction.
    public var intervals: [ClosedRange<Double>]

    /// The profile of `scores` at `thresholds` (rliable's default of 2,000 replications).
    public init(
        scores: ScoreMatrix, thresholds: [Double],
        bootstrap: StratifiedBootstrap = StratifiedBootstrap(replications: StratifiedBootstrap.profileReplications)
    ) {
        self.thresholds = thresholds
        fractions = Aggregates.fractionsAbove(thresholds, scores)
        intervals = bootstrap.intervals(scores) { Aggregates.fractionsAbove(thresholds, $0) }
    }

    /// `count` evenly spaced thresholds from a little below the lowest score to the highest (where
    /// every profile is 0), so the profiles of several sets of scores share one axis.
    public static func thresholds(covering scores: [Double], count: Int = 101) -> [Double] {
        precondition(!scores.isEmpty && count >= 2)
        let low = scores.min()!, high = scores.max()!
        let span = high > low ? high - low : Swift.max(abs(high), 1)
        let start = low - 0.05 * span
        return (0..<count).map { start + (high - start) * Double($0) / Double(count - 1) }
    }
}
