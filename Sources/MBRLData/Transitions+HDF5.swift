import Foundation
import MBRLCore

/// Reading and writing transitions files (`mbrl.transitions/1`, docs/FORMATS.md): D4RL's dataset names
/// and dtypes at the root, per-episode summaries in `episodes/`, provenance in root attributes.
extension Transitions {
    /// Writes the transitions into the (new, empty) root group of a file, with its provenance.
    ///
    /// Throws, writing nothing, when the transitions break a rule that `read(from:)` enforces.
    public func write(to root: HDF5Group, provenance: Provenance) throws {
        if let problem {
            throw HDF5Error(path: root.file.displayPath, "not written: \(problem)")
        }
        try provenance.write(to: root)
        try root.setAttribute("env", env)
        try root.setAttribute("policy", policy)
        try root.write(observations, shape: [count, observationSize], to: "observations")
        try root.write(actions, shape: [count, actionSize], to: "actions")
        try root.write(nextObservations, shape: [count, observationSize], to: "next_observations")
        try root.write(rewards, shape: [count], to: "rewards")
        try root.write(terminals, shape: [count], to: "terminals")
        try root.write(timeouts, shape: [count], to: "timeouts")
        if hasSimulatorStates {
            let infos = try root.createGroup("infos")
            try infos.write(infoQpos, shape: [count, qposSize], to: "qpos")
            try infos.write(infoQvel, shape: [count, qvelSize], to: "qvel")
        }
        let episodes = try root.createGroup("episodes")
        let e = episodeReturns.count
        try episodes.write(episodeReturns, shape: [e], to: "returns")
        try episodes.write(episodeLengths, shape: [e], to: "lengths")
        try episodes.write(episodeSeeds, shape: [e], to: "seeds")
    }

    /// Reads and validates a transitions file: its format, every dataset's rank, dtype and row count,
    /// finite values, and that the episode summaries agree with the rows (`episodeProblem`). A file
    /// without `episodes/` gets summaries derived from its end flags (`deriveEpisodes()`).
    public static func read(from path: String) throws -> Transitions {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        try FileFormat.transitions.check(root)
        let env = root.hasAttribute("env") ? try root.stringAttribute("env") : "unknown"
        let policy = root.hasAttribute("policy") ? try root.stringAttribute("policy") : "unknown"

        let observations = try root.read("observations", as: Float.self)
        guard observations.rank == 2, observations.shape[1] > 0 else {
            throw HDF5Error(
                path: path, object: "observations",
                "has shape \(HDF5Group.shapeText(observations.shape)), expected (N, obs_dim)")
        }
        try root.checkFinite(observations.values, columns: observations.columns, "observations")
        let n = observations.rows
        let actions = try root.read("actions", as: Float.self)
        guard actions.rank == 2, actions.shape[1] > 0 else {
            throw HDF5Error(
                path: path, object: "actions",
                "has shape \(HDF5Group.shapeText(actions.shape)), "
                    + "expected (N, act_dim)")
        }
        guard actions.rows == n else {
            throw HDF5Error(path: path, object: "actions", "has \(actions.rows) rows, expected \(n) like observations")
        }
        try root.checkFinite(actions.values, columns: actions.columns, "actions")
        let next = try root.readMatrix("next_observations", columns: observations.shape[1], rows: n)
        let (rewards, terminals, timeouts) = try readRewardsAndFlags(root, path: path, rows: n)

        // The simulator states of MuJoCo tasks, D4RL's infos/qpos and infos/qvel (Float64), if present.
        var qpos: ShapedArray<Double>?, qvel: ShapedArray<Double>?
        if root.contains("infos/qpos") || root.contains("infos/qvel") {
            let infos = try root.openGroup("infos")
            for name in ["qpos", "qvel"] {
                let values = try infos.read(name, as: Double.self)
                guard values.rank == 2, values.shape[1] > 0, values.rows == n else {
                    throw HDF5Error(
                        path: path, object: "infos/\(name)",
                        "has shape \(HDF5Group.shapeText(values.shape)), expected (\(n), n\(name.dropFirst()))")
                }
                if let bad = values.values.firstIndex(where: { !$0.isFinite }) {
                    throw HDF5Error(
                        path: path, object: "infos/\(name)",
                        "holds a non-finite value at "
                            + "row \(bad / values.columns)")
                }
                if name == "qpos" { qpos = values } else { qvel = values }
            }
        }

        var t = Transitions(
            observationSize: observations.shape[1], actionSize: actions.shape[1], env: env, policy: policy,
            qposSize: qpos?.columns ?? 0, qvelSize: qvel?.columns ?? 0)
        t.infoQpos = qpos?.values ?? []
        t.infoQvel = qvel?.values ?? []
        t.observations = observations.values
        t.actions = actions.values
        t.nextObservations = next.values
        t.rewards = rewards
        t.terminals = terminals
        t.timeouts = timeouts
        try t.readEpisodeSummaries(root, path: path)
        try file.close()
        return t
    }

    /// The rows and the returns of the complete episodes (`completeEpisodeReturns`) of a transitions
    /// file, read from `rewards`, `terminals`, `timeouts`, `episodes/` and `config` alone: what a
    /// learning curve needs, without the observations and actions that make up most of the file. These
    /// datasets are checked as `read(from:)` checks them (rank, dtype, rows, finite rewards, summaries
    /// that agree with the rows); the datasets not read are not checked. `rows` counts every row.
    public static func readEpisodeReturns(from path: String) throws -> (rows: Int, returns: [Double]) {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        try FileFormat.transitions.check(root)
        let (rewards, terminals, timeouts) = try readRewardsAndFlags(root, path: path, rows: nil)
        // Only the columns the summaries are checked against; the sizes are never used.
        var t = Transitions(observationSize: 0, actionSize: 0, env: "", policy: "")
        t.rewards = rewards
        t.terminals = terminals
        t.timeouts = timeouts
        try t.readEpisodeSummaries(root, path: path)
        try file.close()
        return (t.count, t.completeEpisodeReturns)
    }

    /// The episode limit (`max_steps`) of a file whose config records a step budget (`steps`), nil for
    /// any other file (an episode budget, a file without a config, such as an imported one).
    private static func stepBudgetEpisodeLimit(_ root: HDF5Group) -> Int64? {
        guard let config = Provenance.recordedConfig(of: root), config["steps"] is NSNumber,
            let limit = config["max_steps"] as? NSNumber
        else { return nil }
        return limit.int64Value
    }

    /// The rows of a transitions file, from the shape of its `rewards` alone (after the format check):
    /// no values are read or checked.
    public static func readRowCount(from path: String) throws -> Int {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        try FileFormat.transitions.check(root)
        let shape = try root.datasetInfo("rewards").shape
        guard shape.count == 1 else {
            throw HDF5Error(
                path: path, object: "rewards", "has shape \(HDF5Group.shapeText(shape)), expected (N,)")
        }
        try file.close()
        return shape[0]
    }

    /// `rewards` (finite, rank 1) and the end flags `terminals` and `timeouts` (rank 1), each of
    /// `rows` rows (of the rewards' rows when nil).
    private static func readRewardsAndFlags(
        _ root: HDF5Group, path: String, rows: Int?
    ) throws -> (
        rewards: [Float], terminals: [Bool], timeouts: [Bool]
    ) {
        let rewards = try root.readMatrix("rewards", columns: nil, rows: rows)
        let n = rows ?? rewards.rows
        let terminals = try root.read("terminals", as: Bool.self)
        let timeouts = try root.read("timeouts", as: Bool.self)
        for (name, flags) in [("terminals", terminals), ("timeouts", timeouts)] {
            guard flags.rank == 1, flags.rows == n else {
                throw HDF5Error(
                    path: path, object: name,
                    "has shape \(HDF5Group.shapeText(flags.shape)), "
                        + "expected (\(n),)")
            }
        }
        return (rewards.values, terminals.values, timeouts.values)
    }

    /// The episode summaries of `episodes/`, checked against the rows (`episodeProblem`), or derived
    /// from the end flags when the file has none (`deriveEpisodes()`); and `lastEpisodeCutOff`, from the
    /// step budget and episode limit of the file's `config`.
    private mutating func readEpisodeSummaries(_ root: HDF5Group, path: String) throws {
        if root.contains("episodes") {
            let episodes = try root.openGroup("episodes")
            episodeReturns = try episodes.read("returns", as: Double.self).values
            episodeLengths = try episodes.read("lengths", as: Int64.self).values
            episodeSeeds = try episodes.read("seeds", as: Int64.self).values
            if let problem = episodeProblem {
                throw HDF5Error(path: path, object: "episodes", problem)
            }
        } else {
            deriveEpisodes()
        }
        // A step budget's last episode is cut off when it neither terminated nor reached the limit.
        if let limit = Self.stepBudgetEpisodeLimit(root), let length = episodeLengths.last {
            lastEpisodeCutOff = length < limit && terminals.last == false
        }
    }
}
