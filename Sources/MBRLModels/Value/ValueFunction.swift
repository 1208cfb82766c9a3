import MBRLCore
import MBRLData

/// A learned terminal value V(s): the discounted return an episode can still expect from observation
/// s, fitted to the returns-to-go of the episodes collected so far (`returnsToGo`).
///
/// A planner adds γᴴ·V(s_H) to each candidate's H-step return (`PlanningObjective.terminalValue`), so
/// that what follows the horizon counts: a hopper sliding towards a fall it can only see when it is
/// too late to avoid scores low from the start, because the episodes that passed through such
/// states ended soon after (the terminal value of POLO, Lowrey et al. 2019, and of LOOP, Sikchi et
/// al. 2021, here fitted by Monte Carlo to the data rather than by a critic).
///
/// The network is `depth` blocks of `Linear → ReLU` of width `hidden`, then a `Linear` to one output
/// (no batch norm, so one row is evaluated as a batch is). Inputs are the observations normalized with
/// the run's statistics (`(s − state_mean)/state_std`, `stats.h5`); the output is the normalized return,
/// `V(s) = return_std · output + return_mean`.
public final class ValueFunction {
    /// The format of a value file (`write(to:env:)`, docs/FORMATS.md).
    public static let fileFormat = "mbrl.value/1"

    public let config: MLPConfiguration
    /// The observations' normalization (the run's `state_mean`, `state_std`; every std > 0).
    public let observationMean: [Float]
    public let observationStd: [Float]
    /// The returns' normalization, set by `fit` from its training targets (std > 0).
    public internal(set) var returnMean: Float
    public internal(set) var returnStd: Float
    /// γ in (0, 1] of the returns-to-go it estimates.
    public let discount: Float
    let network: MLP<Float>

    /// A freshly initialized value function for observations normalized by `stats` (PyTorch's default
    /// initialization, drawn from `seed`); it estimates 0 until fitted.
    public init(stats: NormalizationStats, discount: Float, hidden: Int = 200, depth: Int = 2, seed: UInt64) {
        precondition(discount > 0 && discount <= 1)
        config = Self.configuration(observationSize: stats.observationSize, hidden: hidden, depth: depth)
        observationMean = stats.stateMean
        observationStd = stats.stateStd
        returnMean = 0
        returnStd = 1
        self.discount = discount
        network = MLP(config)
        var rng = RandomGenerator(seed: seed, stream: RandomStreams.initialization)
        network.initialize(using: &rng)
        // The last layer starts at zero, so an unfitted function adds nothing to a return.
        let last = config.depth, (fanIn, fanOut) = config.linearShape(last)
        for j in 0..<(fanIn * fanOut) { network.parameters[network.layout.weightOffset[last] + j] = 0 }
        for j in 0..<fanOut { network.parameters[network.layout.biasOffset[last] + j] = 0 }
    }

    init(
        config: MLPConfiguration, observationMean: [Float], observationStd: [Float], returnMean: Float,
        returnStd: Float, discount: Float, network: MLP<Float>
    ) {
        self.config = config
        self.observationMean = observationMean
        self.observationStd = observationStd
        self.returnMean = returnMean
        self.returnStd = returnStd
        self.discount = discount
        self.network = network
    }

    /// Bytes an `Evaluator` of `rows` rows allocates (Float32: its inputs, the network's working
    /// memory, its parameters and their gradients), or nil when the count overflows. The planner
    /// checks them with `MemoryBudget`.
    public func evaluatorBytes(rows: Int) -> Int? {
        MemoryBudget.sum([
            config.trainingBytes(rows: rows), MemoryBudget.product([rows, observationSize, 4]),
            MemoryBudget.product([network.layout.parameterCount, 2, 4])
        ])
    }

    /// The network of a value function on observations of `observationSize` values.
    public static func configuration(observationSize: Int, hidden: Int, depth: Int) -> MLPConfiguration {
        MLPConfiguration(inputSize: observationSize, outputSize: 1, hidden: hidden, depth: depth, batchNorm: false)
    }

    /// Bytes building and fitting a function of `config` allocates for `rows` rows of data (Float32:
    /// the parameters with their gradients, Adam's two moments and the best weights kept; the training
    /// workspace of `batchSize` rows; the normalized inputs and targets, and the observations gathered
    /// for them), or nil on overflow: checked with `MemoryBudget` before anything is allocated.
    public static func fittingBytes(_ config: MLPConfiguration, rows: Int, batchSize: Int) -> Int? {
        MemoryBudget.sum([
            MemoryBudget.product([ParameterLayout(config).parameterCount, 5, 4]),
            config.trainingBytes(rows: min(batchSize, max(rows, 1))),
            MemoryBudget.product([rows, config.inputSize + 1, 3, 4])
        ])
    }

    /// The observation size it reads.
    public var observationSize: Int { config.inputSize }

    /// `(s − mean)/std` of `count` observations into `inputs` (count × observationSize).
    func normalize(_ observations: UnsafePointer<Float>, count: Int, into inputs: UnsafeMutablePointer<Float>) {
        let o = observationSize
        for r in 0..<count {
            for j in 0..<o { inputs[r * o + j] = (observations[r * o + j] - observationMean[j]) / observationStd[j] }
        }
    }

    /// V of every row of `observations` (count × observationSize): for occasional use (tests,
    /// evaluation); a planner's workers each hold an `Evaluator`.
    public func values(of observations: [Float]) -> [Float] {
        let count = observations.count / observationSize
        precondition(observations.count == count * observationSize)
        let evaluator = Evaluator(self, rows: max(count, 1))
        var out = [Float](repeating: 0, count: count)
        observations.withUnsafeBufferPointer { obs in
            out.withUnsafeMutableBufferPointer {
                evaluator.values(obs.baseAddress!, count: count, into: $0.baseAddress!)
            }
        }
        return out
    }

    /// V on up to `rows` rows at a time, with working memory of its own (one per planner worker:
    /// evaluators of one function never share buffers). Allocates at construction only.
    public final class Evaluator {
        let function: ValueFunction
        let network: MLP<Float>
        let inputs: Buffer<Float>
        public let rows: Int

        public init(_ function: ValueFunction, rows: Int) {
            precondition(rows > 0)
            self.function = function
            self.rows = rows
            network = MLP(function.config, capacity: rows)
            network.parameters.assign(function.network.parameters.array)
            inputs = Buffer(count: rows * function.observationSize)
        }

        /// `out[r] = V(observations[r])` for `count` ≤ `rows` rows. A row that is not a number (a
        /// diverged prediction) gets a value that is not one either.
        public func values(_ observations: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
            precondition(count <= rows)
            guard count > 0 else { return }
            function.normalize(observations, count: count, into: inputs.pointer)
            network.forward(inputs.pointer, count: count, training: false)
            let output = network.output, scale = function.returnStd, shift = function.returnMean
            for r in 0..<count { out[r] = scale * output[r] + shift }
        }
    }
}
