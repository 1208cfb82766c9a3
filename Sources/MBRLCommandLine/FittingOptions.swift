import ArgumentParser

/// A fitting stage's defaults for `FittingOptions`, shown in `--help` and used when an option is not
/// given (the library's own: `ModelFitting` for `train`, `ValueFitting` for `value`), and the smallest
/// minibatch it accepts.
public protocol FittingDefaults {
    static var batchSize: Int { get }
    /// The smallest minibatch the stage's network can train on, and why when it is more than 1.
    static var minimumBatchSize: (rows: Int, reason: String?) { get }
    static var learningRate: Float { get }
    static var weightDecay: Float { get }
    static var epochs: Int { get }
    static var patience: Int { get }
    static var validationFraction: Double { get }
}

/// The options of a network fit with Adam and early stopping that `train` and `value` share, with
/// one name, one help text and one check each: `--batch-size`, `--lr`, `--weight-decay`, `--epochs`,
/// `--patience` and `--val-fraction`. The defaults are the stage's (`Defaults`); the values reach the
/// stage's fitting configuration, which alone decides what its file records.
public struct FittingOptions<Defaults: FittingDefaults>: ParsableArguments {
    @Option(help: "Minibatch size: rows per Adam step.")
    public var batchSize = Defaults.batchSize

    @Option(help: "Adam learning rate.")
    public var lr = Defaults.learningRate

    @Option(help: "L2 weight decay added to the gradient (PyTorch Adam's weight_decay).")
    public var weightDecay = Defaults.weightDecay

    @Option(help: "Maximum number of epochs (passes over the training rows).")
    public var epochs = Defaults.epochs

    @Option(help: "Stop after this many epochs without a better validation loss.")
    public var patience = Defaults.patience

    @Option(
        help: ArgumentHelp(
            "Share of each file's episodes held out for validation, in [0, 1) (0: no validation, so no "
                + "early stopping).", valueName: "fraction"))
    public var valFraction = Defaults.validationFraction

    public init() {}

    /// Throws `ValidationError` for the first value out of range. Called from the stage's own
    /// `validate()` at the place these checks have always had among its own, so that a command line
    /// with several bad values is refused for the same one as before (a group's `validate()` would run
    /// before the command's).
    public func check() throws {
        let minimum = Defaults.minimumBatchSize
        guard batchSize >= minimum.rows else {
            let reason = minimum.reason.map { " (\($0))" } ?? ""
            throw ValidationError("--batch-size must be at least \(minimum.rows)\(reason), got \(batchSize)")
        }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive, got \(lr)") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be finite and ≥ 0, got \(weightDecay)")
        }
        guard epochs > 0 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard valFraction >= 0, valFraction < 1 else {
            throw ValidationError("--val-fraction must be in [0, 1), got \(valFraction)")
        }
        guard patience > 0 else { throw ValidationError("--patience must be at least 1, got \(patience)") }
    }
}
