import MBRLCore

/// A seeded split of a transitions set into training and validation rows by whole episodes, so that
/// validation measures prediction on trajectories the model has not seen.
public struct EpisodeSplit {
    public var trainingRows: [Int]
    public var validationRows: [Int]

    /// Puts `round(fraction × episodes)` episodes (at least one when `fraction > 0` and there are two
    /// or more episodes; none otherwise) chosen with `rng` into validation, the rest into training.
    public init(_ data: Transitions, validationFraction fraction: Double, rng: inout RandomGenerator) {
        precondition(fraction >= 0 && fraction < 1)
        var episodes = data.episodeRanges
        rng.shuffle(&episodes)
        var held = Int((fraction * Double(episodes.count)).rounded())
        if fraction > 0 && episodes.count >= 2 { held = max(held, 1) }
        held = min(held, max(episodes.count - 1, 0))
        validationRows = episodes.prefix(held).sorted { $0.lowerBound < $1.lowerBound }.flatMap { Array($0) }
        trainingRows = episodes.dropFirst(held).sorted { $0.lowerBound < $1.lowerBound }.flatMap { Array($0) }
    }
}
