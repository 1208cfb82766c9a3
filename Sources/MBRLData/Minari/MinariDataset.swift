import Foundation
import MBRLCore
import MBRLEnvironments

/// A Minari dataset on disk (Minari 0.5, `data_format` `hdf5`): `<dataset folder>/data/main_data.hdf5`
/// and `<dataset folder>/data/metadata.json`, read directly through the project's HDF5 layer.
///
/// `main_data.hdf5` holds one group `episode_<i>` per episode (i = 0 ..< `total_episodes`) with
/// `observations` (T + 1, obs_dim) — the reset observation, then the observation after each step —,
/// `actions` (T, act_dim), `rewards` (T,), `terminations` and `truncations` (T,) as h5py bools, an
/// optional group `infos` whose datasets have T + 1 rows (the reset's info, then each step's), and
/// attributes `id`, `total_steps` and, when the episode was reset with one, `seed`.
public struct MinariDataset {
    /// The two files, as found from the path the user gave.
    public let dataFile: String
    public let metadataFile: String
    public let metadata: MinariMetadata

    /// Finds and reads the dataset at `path`: its folder (holding `data/`), its `data/` folder, or
    /// its `main_data.hdf5` (with `metadata.json` beside it). Only the metadata is read here.
    public init(at path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw FileError(path: path, "no such file or folder")
        }
        var folder = path
        if isDirectory.boolValue {
            if FileManager.default.fileExists(atPath: path + "/data/main_data.hdf5") { folder = path + "/data" }
            guard FileManager.default.fileExists(atPath: folder + "/main_data.hdf5") else {
                throw FileError(path: path, "is not a Minari dataset: no data/main_data.hdf5 or main_data.hdf5 in it")
            }
            dataFile = folder + "/main_data.hdf5"
        } else {
            dataFile = path
            folder = (path as NSString).deletingLastPathComponent
            if folder.isEmpty { folder = "." }
        }
        metadataFile = folder + "/metadata.json"
        guard FileManager.default.fileExists(atPath: metadataFile) else {
            throw FileError(path: path, "is not a Minari dataset: no metadata.json beside its HDF5 file")
        }
        metadata = try MinariMetadata.read(from: metadataFile)
        guard metadata.dataFormat == "hdf5" else {
            throw FileError(
                path: metadataFile,
                "data_format is '\(metadata.dataFormat)'; only Minari's hdf5 format "
                    + "can be read")
        }
    }

    /// The project's environment for this dataset: `override` when given, else the one whose
    /// Gymnasium id is the spec's `id`.
    public func environment(override: EnvironmentName?) throws -> EnvironmentName {
        if let override { return override }
        let known = EnvironmentName.allCases.map(\.id).joined(separator: ", ")
        guard let id = metadata.envID else {
            throw FileError(
                path: metadataFile,
                "has no env_spec, so the environment is unknown; name it with --env "
                    + "(\(known))")
        }
        guard let name = EnvironmentName(id: id) else {
            throw FileError(
                path: metadataFile,
                "environment '\(id)' is not one the project simulates (\(known)); "
                    + "--env names one whose spaces the data fits")
        }
        return name
    }

    /// Reads every episode as transitions of `name`, in episode order, after checking that the
    /// declared spaces fit the environment: a one-dimensional float Box observation of its
    /// observation size, a one-dimensional float Box action of its action size and bounds.
    ///
    /// Each episode's rows are checked: shapes consistent with T steps, float values that are
    /// finite (also once rounded to Float32), no end flag before the last step. An episode whose
    /// last step has neither flag (Minari stores a cut-off episode so) gets `timeouts` set there.
    /// Returns are the Float64 sums of the stored Float64 rewards; `episodes/seeds` is the episode's
    /// `mbrl_seed` (an exported run) or `seed` attribute (its 64-bit pattern), −1 without one. MuJoCo
    /// tasks keep `infos/qpos` and `infos/qvel` (the rows at each step's observation) when every
    /// episode's infos hold them.
    public func transitions(as name: EnvironmentName) throws -> Transitions {
        let env = name.make()
        try checkSpaces(of: env)
        let (nq, nv) = env.simulatorStateSizes
        try MemoryBudget.check(
            Transitions.byteCount(
                rows: metadata.totalSteps, observationSize: env.observationSize,
                actionSize: env.actionSize, stateSize: nq + nv),
            for: "the \(metadata.totalSteps) steps of \(dataFile)")

        let file = try HDF5File.open(at: dataFile)
        let root = try file.root
        let withStates = nq > 0 && root.contains("episode_0/infos/qpos") && root.contains("episode_0/infos/qvel")
        var data = Transitions(
            observationSize: env.observationSize, actionSize: env.actionSize, env: name.id, policy: "minari",
            qposSize: withStates ? nq : 0, qvelSize: withStates ? nv : 0)
        for index in 0..<metadata.totalEpisodes {
            let member = "episode_\(index)"
            guard root.contains(member) else {
                throw HDF5Error(
                    path: dataFile, object: member,
                    "missing group; metadata.json says the dataset "
                        + "has \(metadata.totalEpisodes) episodes")
            }
            let episode = try root.openGroup(member)
            try read(episode, index: index, env: env, states: withStates ? (nq, nv) : nil, into: &data)
        }
        guard data.count == metadata.totalSteps else {
            throw FileError(
                path: metadataFile,
                "total_steps is \(metadata.totalSteps), but the episodes "
                    + "hold \(data.count) steps")
        }
        if root.contains("episode_\(metadata.totalEpisodes)") {
            throw HDF5Error(
                path: dataFile, object: "episode_\(metadata.totalEpisodes)",
                "is one episode more than "
                    + "metadata.json's total_episodes (\(metadata.totalEpisodes))")
        }
        try file.close()
        if let problem = data.problem { throw FileError(path: dataFile, problem) }
        return data
    }

    /// Throws unless the declared spaces (when the metadata has them) fit `env`.
    private func checkSpaces(of env: any Environment) throws {
        if let space = metadata.observationSpace, !space.isFlatFloatBox(size: env.observationSize) {
            throw FileError(
                path: metadataFile,
                "observation space \(space.summary) does not fit \(env.id), which "
                    + "observes Box(float, (\(env.observationSize),))")
        }
        if let space = metadata.actionSpace {
            guard space.isFlatFloatBox(size: env.actionSize) else {
                throw FileError(
                    path: metadataFile,
                    "action space \(space.summary) does not fit \(env.id), which "
                        + "takes Box(float, (\(env.actionSize),))")
            }
            let low = space.low.map { Float($0) }, high = space.high.map { Float($0) }
            guard low == env.actionLow, high == env.actionHigh else {
                throw FileError(
                    path: metadataFile,
                    "action bounds \(low)…\(high) are "
                        + "not \(env.id)'s \(env.actionLow)…\(env.actionHigh)")
            }
        }
    }

    /// Appends one episode's steps to `data`.
    private func read(
        _ episode: HDF5Group, index: Int, env: any Environment, states: (nq: Int, nv: Int)?,
        into data: inout Transitions
    ) throws {
        let member = episode.name
        func fail(_ object: String?, _ message: String) -> HDF5Error {
            HDF5Error(path: dataFile, object: object.map { "\(member)/\($0)" } ?? member, message)
        }
        for name in ["observations", "actions"] where (try? episode.openGroup(name)) != nil {
            throw fail(name, "is a group (a Dict or Tuple space); the project's environments take one flat Box")
        }
        let observations = try episode.read("observations", as: Double.self)
        let actions = try episode.read("actions", as: Double.self)
        let rewards = try episode.read("rewards", as: Double.self)
        let terminations = try episode.read("terminations", as: Bool.self)
        let truncations = try episode.read("truncations", as: Bool.self)
        let steps = rewards.rows
        guard rewards.rank == 1, steps >= 1 else {
            throw fail("rewards", "has shape \(HDF5Group.shapeText(rewards.shape)), expected (T,) with T ≥ 1")
        }
        guard observations.rank == 2, observations.shape[1] == env.observationSize, observations.rows == steps + 1
        else {
            throw fail(
                "observations",
                "has shape \(HDF5Group.shapeText(observations.shape)), expected "
                    + "(\(steps + 1), \(env.observationSize)): one more row than the episode's \(steps) "
                    + "rewards, \(env.id)'s observation size")
        }
        guard actions.rank == 2, actions.shape[1] == env.actionSize, actions.rows == steps else {
            throw fail(
                "actions",
                "has shape \(HDF5Group.shapeText(actions.shape)), expected "
                    + "(\(steps), \(env.actionSize)): one row per reward, \(env.id)'s action size")
        }
        for (name, flags) in [("terminations", terminations), ("truncations", truncations)] where flags.shape != [steps]
        {
            throw fail(name, "has shape \(HDF5Group.shapeText(flags.shape)), expected (\(steps),) like rewards")
        }
        if episode.hasAttribute("total_steps"), try episode.intAttribute("total_steps") != steps {
            throw fail(
                "@total_steps",
                "is \(try episode.intAttribute("total_steps")), but the episode "
                    + "has \(steps) rewards")
        }
        let obs = observations.values.map { Float($0) }, act = actions.values.map { Float($0) }
        for (name, values, raw, width) in [
            ("observations", obs, observations.values, env.observationSize),
            ("actions", act, actions.values, env.actionSize)
        ] {
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail(
                    name,
                    raw[bad].isFinite
                        ? "holds \(raw[bad]) at row \(bad / width), beyond " + "Float32's range"
                        : "holds \(raw[bad].isNaN ? "NaN" : "an infinity") at row \(bad / width)")
            }
        }
        if let bad = rewards.values.firstIndex(where: { !Float($0).isFinite }) {
            throw fail("rewards", "holds a value that is not finite in Float32 (\(rewards.values[bad])) at row \(bad)")
        }
        if let early = (0..<(steps - 1)).first(where: { terminations.values[$0] || truncations.values[$0] }) {
            throw fail(
                nil,
                "step \(early) of \(steps) is "
                    + "flagged \(terminations.values[early] ? "terminated" : "truncated"), before the episode's last step"
            )
        }

        var qpos: [Double] = [], qvel: [Double] = []
        if let (nq, nv) = states {
            for (name, width) in [("qpos", nq), ("qvel", nv)] {
                guard episode.contains("infos/\(name)") else {
                    throw fail(
                        "infos/\(name)",
                        "missing, but episode_0's infos hold it: every episode needs "
                            + "it, or none")
                }
                let values = try episode.read("infos/\(name)", as: Double.self)
                guard values.rank == 2, values.shape[1] == width, values.rows == steps + 1 else {
                    throw fail(
                        "infos/\(name)",
                        "has shape \(HDF5Group.shapeText(values.shape)), expected "
                            + "(\(steps + 1), \(width)) for \(env.id)")
                }
                if let bad = values.values.firstIndex(where: { !$0.isFinite }) {
                    throw fail("infos/\(name)", "holds a value that is not finite at row \(bad / width)")
                }
                if name == "qpos" { qpos = values.values } else { qvel = values.values }
            }
        }

        let o = env.observationSize, a = env.actionSize
        var episodeReturn = 0.0
        for t in 0..<steps {
            let state = states.map { s in
                Array(qpos[(t * s.nq)..<((t + 1) * s.nq)]) + Array(qvel[(t * s.nv)..<((t + 1) * s.nv)])
            }
            let last = t == steps - 1
            let terminal = terminations.values[t]
            data.append(
                observation: Array(obs[(t * o)..<((t + 1) * o)]), state: state,
                action: Array(act[(t * a)..<((t + 1) * a)]),
                reward: rewards.values[t], nextObservation: Array(obs[((t + 1) * o)..<((t + 2) * o)]),
                terminal: terminal, timeout: truncations.values[t] || (last && !terminal))
            episodeReturn += rewards.values[t]
        }
        let seed: Int64 =
            episode.hasAttribute("mbrl_seed")
            ? try episode.integerAttributeBitPattern("mbrl_seed")
            : episode.hasAttribute("seed") ? try episode.integerAttributeBitPattern("seed") : -1
        data.endEpisode(return: episodeReturn, length: steps, seed: UInt64(bitPattern: seed))
    }
}
