import MBRLCore

/// Which rows go into each minibatch of an epoch.
///
/// With one pool: a fresh shuffle of all rows, cut into batches of `batchSize` (a last batch of one
/// row is skipped, since batch norm needs two). With two pools and a `newDataFraction` f (the paper's
/// aggregation): every batch takes round(f·B) rows from pool 1 (newer on-policy data) and the rest from
/// pool 0, each pool walked through its own reshuffled order; an epoch has ⌈(n₀ + n₁)/B⌉ batches.
public struct MinibatchSchedule {
    public let poolSizes: [Int]
    public let batchSize: Int
    public let newDataFraction: Double?
    private var orders: [[Int]]
    private var cursors: [Int]

    public init(pools: [Int], batchSize: Int, newDataFraction: Double?) {
        precondition(!pools.isEmpty && batchSize >= 2)
        poolSizes = pools
        self.batchSize = batchSize
        self.newDataFraction = pools.count > 1 && pools.allSatisfy({ $0 > 0 }) ? newDataFraction : nil
        orders = pools.map { Array(0..<$0) }
        cursors = pools.map { $0 }  // exhausted: shuffled before first use
    }

    /// Rows drawn per epoch.
    public var samplesPerEpoch: Int {
        let total = poolSizes.reduce(0, +)
        if newDataFraction == nil { return total - (total % batchSize == 1 ? 1 : 0) }
        return (total + batchSize - 1) / batchSize * batchSize
    }

    /// The batches of one epoch: for each batch, the row indices taken from each pool.
    public mutating func epoch(using rng: inout RandomGenerator) -> [[[Int]]] {
        guard let fraction = newDataFraction else {
            // Pooled: every pool's rows, offset into one index space.
            var all = [Int]()
            all.reserveCapacity(poolSizes.reduce(0, +))
            var offset = 0
            for size in poolSizes { all += (offset..<(offset + size)); offset += size }
            rng.shuffle(&all)
            return stride(from: 0, to: all.count, by: batchSize).compactMap { start in
                let batch = Array(all[start..<min(start + batchSize, all.count)])
                return batch.count >= 2 ? [batch] : nil
            }
        }
        let fromNew = min(max(Int((fraction * Double(batchSize)).rounded()), 1), batchSize - 1)
        let steps = (poolSizes.reduce(0, +) + batchSize - 1) / batchSize
        return (0..<steps).map { _ in
            [take(batchSize - fromNew, from: 0, using: &rng), take(fromNew, from: 1, using: &rng)]
        }
    }

    private mutating func take(_ n: Int, from pool: Int, using rng: inout RandomGenerator) -> [Int] {
        var rows = [Int]()
        rows.reserveCapacity(n)
        while rows.count < n {
            if cursors[pool] == orders[pool].count {
                rng.shuffle(&orders[pool])
                cursors[pool] = 0
            }
            rows.append(orders[pool][cursors[pool]])
            cursors[pool] += 1
        }
        return rows
    }
}
