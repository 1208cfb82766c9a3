/// Stream numbers for `RandomGenerator(seed:stream:)`: one per purpose, so that the random numbers of
/// one purpose do not shift when another purpose draws more or fewer of them.
public enum RandomStreams {
    /// The seeds episodes are reset with.
    public static let episodeSeeds: UInt64 = 1
    /// A random policy's actions (seeded by the episode's seed).
    public static let actions: UInt64 = 2
    /// The network's initial weights.
    public static let initialization: UInt64 = 3
    /// Minibatch order during training.
    public static let minibatches: UInt64 = 4
    /// The validation split.
    public static let validationSplit: UInt64 = 5
    /// A planner's candidate sequences.
    public static let planner: UInt64 = 6
    /// Each ensemble member's bootstrap of the training rows.
    public static let bootstrap: UInt64 = 7
    /// The episodes an offline dataset holds out for evaluation (`import --select`).
    public static let heldOutEpisodes: UInt64 = 8
    /// The noise on the single network's training inputs (`train --input-noise`).
    public static let inputNoise: UInt64 = 9
}
