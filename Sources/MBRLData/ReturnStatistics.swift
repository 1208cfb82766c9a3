/// Summary statistics of a rollouts file's episode returns.
public struct ReturnStatistics {
    public var mean: Double, std: Double, min: Double, max: Double, episodes: Int

    /// Population standard deviation; all NaN for no episodes.
    public init(_ returns: [Double]) {
        episodes = returns.count
        guard !returns.isEmpty else { mean = .nan; std = .nan; min = .nan; max = .nan; return }
        mean = returns.reduce(0, +) / Double(returns.count)
        let m = mean
        std = (returns.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(returns.count)).squareRoot()
        min = returns.min()!
        max = returns.max()!
    }
}
