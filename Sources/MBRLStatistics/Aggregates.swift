/// The aggregate metrics of Agarwal et al. 2021, "Deep Reinforcement Learning at the Edge of the
/// Statistical Precipice", as its library rliable (`rliable/metrics.py`, `rliable/library.py`)
/// computes them, plus the median of all scores.
///
/// Each is a function of a score matrix alone (runs × tasks), so the stratified bootstrap can apply
/// it to every resample. NaN scores are the caller's to keep out: they sort arbitrarily.
public enum Aggregates {
    /// The interquartile mean (IQM): the mean of the middle 50% of all scores, runs and tasks
    /// together (rliable's `aggregate_iqm`, which is `scipy.stats.trim_mean(scores, 0.25, axis=None)`).
    /// From the sorted n scores, `⌊0.25·n⌋` are cut from each end, so fractional cuts round down:
    /// 7 scores keep the middle 5, 6 keep 4, 3 keep all three.
    public static func interquartileMean(_ scores: ScoreMatrix) -> Double {
        interquartileMean(of: scores.values)
    }

    /// The IQM of a list of scores (see `interquartileMean(_:)`).
    public static func interquartileMean(of scores: [Double]) -> Double {
        precondition(!scores.isEmpty)
        let sorted = scores.sorted()
        let cut = Int(0.25 * Double(sorted.count))
        return mean(of: sorted[cut..<(sorted.count - cut)])
    }

    /// The mean across tasks of each task's mean score (rliable's `aggregate_mean`); for one task,
    /// the mean of the runs.
    public static func mean(_ scores: ScoreMatrix) -> Double {
        mean(of: taskMeans(scores))
    }

    /// The median across tasks of each task's mean score (rliable's `aggregate_median`). For one
    /// task this is the task's mean; `medianOfAll` is the median of the runs themselves.
    public static func medianOfTaskMeans(_ scores: ScoreMatrix) -> Double {
        median(of: taskMeans(scores))
    }

    /// The median of every score, runs and tasks together (`numpy.median(scores)`): for one task,
    /// the median across runs. The middle score of an odd count, the mean of the two middle ones of
    /// an even count.
    public static func medianOfAll(_ scores: ScoreMatrix) -> Double {
        median(of: scores.values)
    }

    /// The optimality gap (rliable's `aggregate_optimality_gap`): how far the scores fall short of
    /// `gamma` on average, each score clipped at `gamma` first, `gamma − mean(min(score, gamma))`.
    public static func optimalityGap(_ scores: ScoreMatrix, gamma: Double) -> Double {
        gamma - mean(of: scores.values.map { Swift.min($0, gamma) })
    }

    /// The score distribution at `tau` (rliable's `run_score_deviation`, the value of its default
    /// performance profile): the fraction of all scores strictly above `tau`.
    public static func fractionAbove(_ tau: Double, _ scores: ScoreMatrix) -> Double {
        Double(scores.values.lazy.filter { $0 > tau }.count) / Double(scores.values.count)
    }

    /// The score distribution at each threshold (see `fractionAbove`), from one sort of the scores.
    public static func fractionsAbove(_ taus: [Double], _ scores: ScoreMatrix) -> [Double] {
        let sorted = scores.values.sorted(), n = Double(sorted.count)
        return taus.map { tau in
            // The number of scores ≤ tau, by binary search: the first index whose score is above tau.
            var low = 0, high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] > tau { high = mid } else { low = mid + 1 }
            }
            return Double(sorted.count - low) / n
        }
    }

    // MARK: - Helpers

    /// Each task's mean score, task by task.
    static func taskMeans(_ scores: ScoreMatrix) -> [Double] {
        (0..<scores.tasks).map { task in
            var sum = 0.0
            for run in 0..<scores.runs { sum += scores[run, task] }
            return sum / Double(scores.runs)
        }
    }

    static func mean<C: Collection>(of values: C) -> Double where C.Element == Double {
        values.reduce(0, +) / Double(values.count)
    }

    static func median(of values: [Double]) -> Double {
        precondition(!values.isEmpty)
        let sorted = values.sorted(), n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
