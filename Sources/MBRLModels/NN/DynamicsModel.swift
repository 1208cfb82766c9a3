import MBRLCore
import MBRLData

/// The learned dynamics P(s, a) → normalized state change: the notebook's `Model`, i.e. the network
/// plus the normalization statistics it was trained with.
///
/// Inputs are `[(s − state_mean)/state_std, (a − action_mean)/action_std]`; the network predicts
/// `(s' − s − delta_state_mean)/delta_state_std`; predictions are
/// `s + delta_state_std ⊙ output + delta_state_mean` (`Model.predict_next_states`). When the
/// statistics have Δx (a MuJoCo task), one more output predicts the normalized Δx target
/// `(ρ − delta_x_residual_mean)/delta_x_residual_std`, ρ = Δx − dt·(s[v] + s'[v])/2
/// (`Transitions.deltaXResiduals`).
public final class DynamicsModel {
    public let config: MLPConfiguration
    public let stats: NormalizationStats
    let network: MLP<Float>

    /// A freshly initialized model (PyTorch's default initialization, drawn from `seed`).
    public init(stats: NormalizationStats, hidden: Int = 64, depth: Int = 2, batchNorm: Bool = true, seed: UInt64) {
        self.stats = stats
        config = MLPConfiguration(
            inputSize: stats.observationSize + stats.actionSize, outputSize: stats.targetSize,
            hidden: hidden, depth: depth, batchNorm: batchNorm)
        network = MLP(config)
        var rng = RandomGenerator(seed: seed, stream: RandomStreams.initialization)
        network.initialize(using: &rng)
    }

    init(config: MLPConfiguration, stats: NormalizationStats, network: MLP<Float>) {
        self.config = config
        self.stats = stats
        self.network = network
    }

    /// The parameter names, shapes and values, in `state_dict` order, as PyTorch would save them.
    public var layout: ParameterLayout { network.layout }

    /// An independent copy (weights, running statistics, counters).
    public func copy() -> DynamicsModel {
        let clone = MLP<Float>(config)
        clone.parameters.assign(network.parameters.array)
        clone.buffers.assign(network.buffers.array)
        clone.batchesTracked = network.batchesTracked
        return DynamicsModel(config: config, stats: stats, network: clone)
    }

    /// Copies weights, running statistics and counters from a model of the same architecture.
    public func load(from other: DynamicsModel) {
        precondition(other.config == config)
        network.parameters.assign(other.network.parameters.array)
        network.buffers.assign(other.network.buffers.array)
        network.batchesTracked = other.network.batchesTracked
    }

    // MARK: Normalization

    /// The network inputs of `count` (observation, action) rows (count × (obs + act)), normalized
    /// with the model's statistics (`NormalizationStats.normalizeInputs`).
    public func normalizedInputs(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into inputs: UnsafeMutablePointer<Float>
    ) {
        stats.normalizeInputs(observations: observations, actions: actions, count: count, into: inputs)
    }

    // MARK: Prediction

    /// Next observations predicted in evaluation mode for `count` rows (count × obs), in chunks of
    /// the network's working memory. For occasional use (evaluation, tests); the planner uses a
    /// folded network instead.
    public func predictNextObservations(observations: [Float], actions: [Float]) -> [Float] {
        predict(observations: observations, actions: actions).next
    }

    /// `predictNextObservations`, and the predicted Δx target ρ of every row (count values, metres;
    /// empty when the model does not predict Δx).
    public func predict(observations: [Float], actions: [Float]) -> (next: [Float], deltaX: [Float]) {
        let o = observationSize, a = actionSize, width = config.outputSize
        let count = observations.count / o
        precondition(observations.count == count * o && actions.count == count * a)
        var result = [Float](repeating: 0, count: count * o)
        var deltaX = [Float](repeating: 0, count: predictsDeltaX ? count : 0)
        let chunk = max(network.capacity, 1)
        var inputs = [Float](repeating: 0, count: chunk * (o + a))
        var start = 0
        while start < count {
            let n = min(chunk, count - start)
            observations.withUnsafeBufferPointer { obs in
                actions.withUnsafeBufferPointer { act in
                    normalizedInputs(
                        observations: obs.baseAddress! + start * o, actions: act.baseAddress! + start * a,
                        count: n, into: &inputs)
                }
            }
            network.forward(inputs, count: n, training: false)
            let out = network.output
            for r in 0..<n {
                for j in 0..<o {
                    let s = observations[(start + r) * o + j]
                    result[(start + r) * o + j] =
                        s + stats.deltaStateStd[j] * out[r * width + j] + stats.deltaStateMean[j]
                }
                if predictsDeltaX { deltaX[start + r] = stats.deltaXStd[0] * out[r * width + o] + stats.deltaXMean[0] }
            }
            start += n
        }
        return (result, deltaX)
    }
}
