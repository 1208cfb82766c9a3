import MBRLCore

/// Stats files (`mbrl.stats/1`): six 1-D Float32 datasets named as the notebook's
/// `Model.set_statistics` fields, and an integer attribute `count`; for a MuJoCo task also
/// `delta_x_residual_mean` and `delta_x_residual_std` (one value each, of the Δx target), which
/// readers that do not know them ignore. A model file embeds the same datasets in its group
/// `stats/`.
extension NormalizationStats {
    static let datasetNames = [
        "state_mean", "state_std", "action_mean", "action_std", "delta_state_mean", "delta_state_std"
    ]
    static let deltaXNames = ["delta_x_residual_mean", "delta_x_residual_std"]

    /// Every dataset these statistics write, with its values: the six, then Δx's two when present.
    private var namedVectors: [(String, [Float])] {
        Array(zip(Self.datasetNames, [stateMean, stateStd, actionMean, actionStd, deltaStateMean, deltaStateStd]))
            + (hasDeltaX ? Array(zip(Self.deltaXNames, [deltaXMean, deltaXStd])) : [])
    }

    /// Why these statistics cannot be written as a valid file (a non-finite value, a standard
    /// deviation ≤ 0: what `read(from:)` refuses), or nil.
    public var problem: String? {
        for (name, v) in namedVectors {
            if let bad = v.firstIndex(where: { !$0.isFinite }) {
                return "\(name)[\(bad)] is \(v[bad].isNaN ? "NaN" : "infinite") (the data's values are too large "
                    + "for Float32 statistics)"
            }
            if name.hasSuffix("_std"), let bad = v.firstIndex(where: { $0 <= 0 }) {
                return "\(name)[\(bad)] is not positive"
            }
        }
        return nil
    }

    /// Writes the six datasets and `count` into `group`; throws, writing nothing, when `problem`
    /// is not nil.
    public func write(to group: HDF5Group) throws {
        if let problem { throw group.error(nil, "not written: \(problem)") }
        for (name, v) in namedVectors {
            try group.write(v, shape: [v.count], to: name)
        }
        try group.setAttribute("count", count)
    }

    /// Reads the datasets from `group`, checking shapes (state vectors of one size, action vectors of
    /// another, Δx's of one value, both or neither), finiteness, and that every standard deviation is
    /// positive.
    public static func read(from group: HDF5Group) throws -> NormalizationStats {
        var v: [String: [Float]] = [:]
        let withDeltaX = group.contains(deltaXNames[0]) || group.contains(deltaXNames[1])
        for name in datasetNames + (withDeltaX ? deltaXNames : []) {
            if deltaXNames.contains(name), !group.contains(name) {
                throw group.error(
                    name,
                    "missing (statistics with Δx have both delta_x_residual_mean and "
                        + "delta_x_residual_std)")
            }
            let a = try group.readMatrix(name, columns: nil)
            guard !a.values.isEmpty else { throw group.error(name, "is empty") }
            if name.hasSuffix("_std"), let bad = a.values.firstIndex(where: { $0 <= 0 }) {
                throw group.error(name, "holds a standard deviation ≤ 0 at index \(bad)")
            }
            v[name] = a.values
        }
        let obs = v["state_mean"]!.count, act = v["action_mean"]!.count
        for name in datasetNames + (withDeltaX ? deltaXNames : []) {
            let expected = name.hasPrefix("action") ? act : name.hasPrefix("delta_x") ? 1 : obs
            guard v[name]!.count == expected else {
                let like =
                    name.hasPrefix("delta_x")
                    ? "" : name.hasPrefix("action") ? " like action_mean" : " like state_mean"
                throw group.error(name, "has \(v[name]!.count) values, expected \(expected)\(like)")
            }
        }
        let count = group.hasAttribute("count") ? try group.intAttribute("count") : 0
        return NormalizationStats(
            stateMean: v["state_mean"]!, stateStd: v["state_std"]!, actionMean: v["action_mean"]!,
            actionStd: v["action_std"]!, deltaStateMean: v["delta_state_mean"]!, deltaStateStd: v["delta_state_std"]!,
            deltaXMean: v[deltaXNames[0]] ?? [], deltaXStd: v[deltaXNames[1]] ?? [], count: count)
    }

    /// Reads a stats file, checking its format.
    public static func read(fromFile path: String) throws -> NormalizationStats {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        try FileFormat.stats.check(root)
        let stats = try read(from: root)
        try file.close()
        return stats
    }

    /// Throws unless these statistics fit data with the given sizes, naming `path` (the stats' file).
    public func checkCompatible(observationSize obs: Int, actionSize act: Int, path: String, with other: String) throws
    {
        guard observationSize == obs, actionSize == act else {
            throw HDF5Error(
                path: path,
                "statistics are for observations of size \(observationSize) and actions of "
                    + "size \(actionSize), but \(other) has \(obs) and \(act)")
        }
    }
}
