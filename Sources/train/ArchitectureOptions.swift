import ArgumentParser
import MBRLModels

/// `train`'s model options: the network's shape and, for a PETS ensemble, its members, their output
/// and activation, and the elites kept. Options not given take `MLPConfiguration`'s defaults (shown in
/// the help) or follow from the others (`ModelArchitecture`: batch norm and ReLU for the single
/// network, SiLU and Gaussian outputs for an ensemble).
struct ArchitectureOptions: ParsableArguments {
    /// Defaults shown and used; they live in `MLPConfiguration`.
    private static let network = MLPConfiguration(inputSize: 1, outputSize: 1)

    @Option(help: "Width of each hidden layer.")
    var hidden = ArchitectureOptions.network.hidden

    @Option(help: "Number of hidden Linear-BatchNorm-ReLU blocks.")
    var depth = ArchitectureOptions.network.depth

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Batch normalization after each hidden Linear layer (default: on for the "
                + "single network; ensembles have none)."))
    var batchNorm: Bool?

    @Option(
        help: ArgumentHelp(
            "Ensemble members B (PETS uses 5); 1 with a deterministic ReLU network is the single "
                + "network of mbrl.model/2.", valueName: "B"))
    var members = 1

    @Flag(
        help: ArgumentHelp(
            "The members' output: a Gaussian (mean and log-variance, NLL training) or a deterministic mean "
                + "(MSE). Default: deterministic for one member, Gaussian for more."))
    var outputKind: ModelOutputKind?

    @Option(
        help: ArgumentHelp(
            "Hidden activation: relu (the notebook's) or silu (PETS's). Default: relu for the "
                + "single network, silu for an ensemble.", valueName: "name"))
    var activation: Activation?

    @Option(
        help: ArgumentHelp(
            "Elite members kept for planning, the best by validation error (default: all "
                + "members).", valueName: "n"))
    var eliteMembers: Int?

    /// What the options build: the single network or a PETS ensemble (the kind follows from them).
    var architecture: ModelArchitecture {
        ModelArchitecture(
            hidden: hidden, depth: depth, batchNorm: batchNorm, members: members,
            gaussian: outputKind.map { $0 == .gaussian }, activation: activation)
    }

    /// The shape as the options say it, for messages: `--hidden H × --depth D` (`× --members B` for an
    /// ensemble).
    var shapeText: String {
        "--hidden \(hidden) × --depth \(depth)" + (architecture.isEnsemble ? " × --members \(members)" : "")
    }

    /// Refuses shapes out of range and options the model kind cannot take (batch norm or no hidden layer
    /// for an ensemble, elites for the single network). Called by the argument parser when it reads
    /// the options.
    func validate() throws {
        guard hidden > 0, hidden <= 4096 else { throw ValidationError("--hidden must be in 1...4096, got \(hidden)") }
        guard depth >= 0, depth <= 16 else { throw ValidationError("--depth must be in 0...16, got \(depth)") }
        guard members >= 1, members <= 64 else { throw ValidationError("--members must be in 1...64, got \(members)") }
        if architecture.isEnsemble {
            guard depth >= 1 else {
                throw ValidationError(
                    "--depth must be at least 1 for an ensemble (mbrl-lib's "
                        + "GaussianMLP), got \(depth)")
            }
            guard batchNorm != true else {
                throw ValidationError(
                    "--batch-norm is only for the single deterministic "
                        + "ReLU network; ensemble members have no batch norm")
            }
            if let e = eliteMembers, e < 1 || e > members {
                throw ValidationError(
                    "--elite-members must be in "
                        + "1...\(members), got \(e)")
            }
        } else if eliteMembers != nil {
            throw ValidationError("--elite-members needs an ensemble (--members > 1, --gaussian or --activation silu)")
        }
    }
}

/// `--gaussian` or `--deterministic`.
enum ModelOutputKind: String, EnumerableFlag {
    case gaussian
    case deterministic

    static func help(for value: ModelOutputKind) -> ArgumentHelp? {
        value == .gaussian ? "Members predict a Gaussian (PETS)." : "Members predict a mean only."
    }
}

extension Activation: ExpressibleByArgument {}
