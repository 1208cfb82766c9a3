import MBRLCore

/// The inputs a model is fitted on, as `train` and `value` read them: transitions files and the
/// normalization statistics their rows are normalized with.
public enum TrainingData {
    /// Reads the transitions files `paths` (at least one) and the statistics file `statsPath`, checked
    /// to fit together: the statistics' observation and action sizes are every file's, and every file
    /// holds the first one's environment. A failure is one `HDF5Error` naming the file to blame.
    public static func read(
        _ paths: [String], stats statsPath: String
    ) throws -> (transitions: [Transitions], stats: NormalizationStats) {
        precondition(!paths.isEmpty, "training data needs at least one transitions file")
        let transitions = try paths.map { try Transitions.read(from: $0) }
        let stats = try NormalizationStats.read(fromFile: statsPath)
        for (path, data) in zip(paths, transitions) {
            try stats.checkCompatible(
                observationSize: data.observationSize, actionSize: data.actionSize, path: statsPath, with: path)
            guard data.env == transitions[0].env else {
                throw HDF5Error(path: path, "holds \(data.env) data, but \(paths[0]) holds \(transitions[0].env)")
            }
        }
        return (transitions, stats)
    }
}
