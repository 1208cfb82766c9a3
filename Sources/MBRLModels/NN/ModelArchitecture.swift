import MBRLCore
import MBRLData

/// What `train` builds: the notebook's single network or a PETS ensemble, and its shape. The kind
/// follows from the settings: more than one member, a Gaussian output or an activation other than
/// ReLU make an ensemble; one deterministic ReLU member is the single network (`mbrl.model/2`).
public struct ModelArchitecture: Equatable {
    /// Width of each hidden layer.
    public var hidden: Int
    /// Hidden layers.
    public var depth: Int
    /// Batch normalization after each hidden Linear layer (the single network only); nil: on.
    public var batchNorm: Bool?
    /// Ensemble members.
    public var members: Int
    /// A Gaussian output (true) or a deterministic mean (false); nil: deterministic for one member,
    /// Gaussian for more.
    public var gaussian: Bool?
    /// The hidden activation; nil: ReLU for the single network, SiLU for an ensemble.
    public var activation: Activation?

    public init(
        hidden: Int, depth: Int, batchNorm: Bool? = nil, members: Int = 1, gaussian: Bool? = nil,
        activation: Activation? = nil
    ) {
        self.hidden = hidden
        self.depth = depth
        self.batchNorm = batchNorm
        self.members = members
        self.gaussian = gaussian
        self.activation = activation
    }

    public var resolvedGaussian: Bool { gaussian ?? (members > 1) }
    public var resolvedActivation: Activation { activation ?? (members > 1 || gaussian == true ? .silu : .relu) }
    /// Batch norm as the single network is built (`MLPConfiguration`'s default unless set).
    var resolvedBatchNorm: Bool { batchNorm ?? MLPConfiguration(inputSize: 1, outputSize: 1).batchNorm }
    /// Whether these settings make a PETS ensemble rather than the single network.
    public var isEnsemble: Bool { members > 1 || resolvedGaussian || resolvedActivation != .relu }

    /// Bytes a model of this architecture on `stats` takes in `train` (Float32), eight times its
    /// parameter count: the six copies training holds (the parameters and their gradients, Adam's two
    /// moments, the best weights with their own gradients) and two for the arrays and the HDF5
    /// library's buffers while the file is written; nil on overflow. Checked with `MemoryBudget` before
    /// the model is built, so that settings too large for the machine are an error, not an abort.
    public func trainingParameterBytes(stats: NormalizationStats) -> Int? {
        let inputSize = stats.observationSize + stats.actionSize, outputSize = stats.targetSize
        let count =
            isEnsemble
            ? EnsembleLayout(
                EnsembleConfiguration(
                    inputSize: inputSize, outputSize: outputSize, hidden: hidden, depth: depth, members: members,
                    activation: resolvedActivation, deterministic: !resolvedGaussian)
            ).parameterCount
            : ParameterLayout(
                MLPConfiguration(
                    inputSize: inputSize, outputSize: outputSize, hidden: hidden, depth: depth,
                    batchNorm: resolvedBatchNorm)
            ).parameterCount
        return MemoryBudget.product([count, 8, MemoryLayout<Float>.size])
    }

    /// A freshly initialized model of this architecture on `stats`, drawn from `seed`.
    public func make(stats: NormalizationStats, seed: UInt64) -> any TrainableModel {
        if isEnsemble {
            return EnsembleModel(
                stats: stats, hidden: hidden, depth: depth, members: members, activation: resolvedActivation,
                deterministic: !resolvedGaussian, seed: seed)
        }
        return DynamicsModel(
            stats: stats, hidden: hidden, depth: depth, batchNorm: resolvedBatchNorm, seed: seed)
    }
}

extension ModelFitting {
    /// The `config` attribute of a trained model's file: every fitting setting, the architecture's
    /// (`TrainableModel.architectureJSON`), the data and statistics files, and the model started from.
    public func config(of model: any TrainableModel, data: [String], stats: String, initialModel: String?) -> JSONValue
    {
        var config = json
        config.merge(model.architectureJSON) { $1 }
        config.merge([
            "data": .array(data.map { .string($0) }), "stats": .string(stats),
            "init": initialModel.map { .string($0) } ?? .null
        ]) { $1 }
        return .object(config)
    }
}
