import MBRLCore
import MBRLData

/// A PETS dynamics model: an ensemble of Gaussian (or deterministic) MLPs on the normalized inputs
/// `[(s − state_mean)/state_std, (a − action_mean)/action_std]`, each predicting the normalized state
/// change `(s' − s − delta_state_mean)/delta_state_std` (its mean and log-variance; with Δx's
/// statistics, then the normalized Δx target as one more output), plus the
/// statistics and the elite members (the best by validation error, which the planner propagates).
public final class EnsembleModel {
    public let config: EnsembleConfiguration
    public let stats: NormalizationStats
    let network: EnsembleMLP<Float>
    /// Indices of the elite members, best validation error first (all members until training sets them).
    public var elites: [Int]

    /// A freshly initialized ensemble (mbrl-lib's initialization, drawn from `seed`).
    public init(
        stats: NormalizationStats, hidden: Int = 200, depth: Int = 4, members: Int = 5,
        activation: Activation = .silu, deterministic: Bool = false, seed: UInt64
    ) {
        self.stats = stats
        config = EnsembleConfiguration(
            inputSize: stats.observationSize + stats.actionSize, outputSize: stats.targetSize,
            hidden: hidden, depth: depth, members: members, activation: activation, deterministic: deterministic)
        network = EnsembleMLP(config)
        var rng = RandomGenerator(seed: seed, stream: RandomStreams.initialization)
        network.initialize(using: &rng)
        elites = Array(0..<members)
    }

    init(config: EnsembleConfiguration, stats: NormalizationStats, network: EnsembleMLP<Float>, elites: [Int]) {
        self.config = config
        self.stats = stats
        self.network = network
        self.elites = elites
    }

    public var layout: EnsembleLayout { network.layout }

    /// An independent copy.
    public func copy() -> EnsembleModel {
        let clone = EnsembleMLP<Float>(config, capacity: 1)
        clone.parameters.assign(network.parameters.array)
        return EnsembleModel(config: config, stats: stats, network: clone, elites: elites)
    }

    /// Copies the weights and elites of an ensemble of the same architecture.
    public func load(from other: EnsembleModel) {
        precondition(other.config == config)
        network.parameters.assign(other.network.parameters.array)
        elites = other.elites
    }

    /// Copies member `member`'s weights from `other` (same architecture); the shared log-variance
    /// bounds are copied too.
    func loadMember(_ member: Int, from other: EnsembleModel) {
        let p = network.parameters.pointer, q = other.network.parameters.pointer
        for entry in layout.entries {
            if entry.shape.first == config.members && entry.shape.count == 3 {
                let size = entry.count / config.members, start = entry.offset + member * size
                (p + start).update(from: q + start, count: size)
            } else {
                (p + entry.offset).update(from: q + entry.offset, count: entry.count)
            }
        }
    }

    /// The network inputs of `count` (observation, action) rows (count × (obs + act)), normalized
    /// with the model's statistics (`NormalizationStats.normalizeInputs`).
    public func normalizedInputs(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into inputs: UnsafeMutablePointer<Float>
    ) {
        stats.normalizeInputs(observations: observations, actions: actions, count: count, into: inputs)
    }

    /// Every member's prediction of the next observation for `count` rows, in observation units: the
    /// means (B × count × obs) and the variances (B × count × obs; zero for deterministic members).
    /// For occasional use (evaluation, tests); the planner uses `EnsembleDynamics`.
    public func predictMembers(observations: [Float], actions: [Float]) -> (mean: [Float], variance: [Float]) {
        let p = predictAll(observations: observations, actions: actions)
        return (p.mean, p.variance)
    }

    /// Every member's mean Δx target ρ for `count` rows, in metres (B × count); empty when the
    /// ensemble does not predict Δx.
    public func predictMembersDeltaX(observations: [Float], actions: [Float]) -> [Float] {
        predictAll(observations: observations, actions: actions).deltaX
    }

    /// Rows `predictMembers` and `predictMembersDeltaX` send through the network at once.
    static let predictionChunk = 1024

    private func predictAll(
        observations: [Float], actions: [Float]
    ) -> (mean: [Float], variance: [Float], deltaX: [Float]) {
        let o = observationSize, a = actionSize, width = o + a, b = config.members
        let count = observations.count / o
        precondition(observations.count == count * o && actions.count == count * a)
        let chunk = Self.predictionChunk
        network.reserve(rows: min(chunk, max(count, 1)))
        var mean = [Float](repeating: 0, count: b * count * o), variance = mean
        var deltaX = [Float](repeating: 0, count: predictsDeltaX ? b * count : 0)
        var single = [Float](repeating: 0, count: chunk * width),
            inputs = [Float](repeating: 0, count: b * chunk * width)
        let hw = config.headWidth, outputs = config.outputSize
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            observations.withUnsafeBufferPointer { obs in
                actions.withUnsafeBufferPointer { act in
                    normalizedInputs(
                        observations: obs.baseAddress! + start * o, actions: act.baseAddress! + start * a, count: n,
                        into: &single)
                }
            }
            for m in 0..<b { for i in 0..<(n * width) { inputs[(m * n) * width + i] = single[i] } }
            network.forward(inputs, count: n)
            let head = network.head, logvar = network.logvar
            for m in 0..<b {
                for r in 0..<n {
                    let row = m * n + r
                    for j in 0..<o {
                        let out = (m * count + start + r) * o + j
                        let s = stats.deltaStateStd[j]
                        mean[out] = observations[(start + r) * o + j] + s * head[row * hw + j] + stats.deltaStateMean[j]
                        variance[out] = config.deterministic ? 0 : s * s * FastMath.exp(logvar[row * outputs + j])
                    }
                    if predictsDeltaX {
                        deltaX[m * count + start + r] = stats.deltaXStd[0] * head[row * hw + o] + stats.deltaXMean[0]
                    }
                }
            }
            start += n
        }
        return (mean, variance, deltaX)
    }
}
