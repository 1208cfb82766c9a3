import Foundation
import MBRLCore
import MBRLEnvironments

/// Writing transitions as a Minari dataset folder that `minari.load_dataset(id)` opens when the
/// folder is `<MINARI_DATASETS_PATH>/<id>` (docs/minari.md).
extension MinariDataset {
    /// The Minari version whose layout and metadata the export writes (`minari_version`); Minari
    /// refuses a dataset whose version it does not list as supported.
    public static let exportedMinariVersion = "0.5.3"

    /// What the metadata says besides the data: who made it and how.
    public struct ExportInfo {
        /// `dataset_id`: `[namespace/]name-v<version>`, as Minari parses ids.
        public var id: String
        /// `algorithm_name`.
        public var algorithm: String
        /// `author` (a set of one name in Minari) and `code_permalink`, when given.
        public var author: String?
        public var codePermalink: String?
        /// `description`.
        public var description: String
        /// `mbrl_provenance`, a key of this project's: the export's command, inputs and software.
        public var provenance: JSONValue

        public init(
            id: String, algorithm: String, author: String?, codePermalink: String?, description: String,
            provenance: JSONValue
        ) {
            self.id = id
            self.algorithm = algorithm
            self.author = author
            self.codePermalink = codePermalink
            self.description = description
            self.provenance = provenance
        }
    }

    /// Why `id` cannot name a Minari dataset, or nil: Minari's `[namespace/]name-v<int>` with
    /// letters, digits, `_`, `-` and `.` in each part.
    public static func idProblem(_ id: String) -> String? {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && $0.allSatisfy(allowed.contains) }) else {
            return "is not a Minari dataset id: parts of letters, digits, '_', '-', '.' separated by '/'"
        }
        guard let last = parts.last, let v = last.range(of: "-v", options: .backwards),
            !last[v.upperBound...].isEmpty, last[v.upperBound...].allSatisfy(\.isNumber),
            v.lowerBound != last.startIndex
        else {
            return "needs a version: name-v0, or namespace/name-v0"
        }
        return nil
    }

    /// Writes `data` (transitions of one of the project's environments, `env` its Gymnasium id) as
    /// `folder/data/main_data.hdf5` and `folder/data/metadata.json`.
    ///
    /// Each episode becomes a group `episode_<i>`: observations (T + 1 rows: the episode's
    /// observations, then its last next observation; in the environment's dtype, float32 for
    /// Pendulum and float64 for the MuJoCo tasks, so the values are the Float32 ones exactly),
    /// actions (float32), rewards (float64 of the Float32 rewards), terminations and truncations
    /// (`timeouts`), attributes `id`, `total_steps` and `mbrl_seed` (the project's episode seed, not a
    /// Gymnasium seed, so Minari's `seed` is not written). With simulator states, `infos/qpos` and
    /// `infos/qvel` get T + 1 rows; the last, the state after the last step, is not in a transitions
    /// file and is simulated from the recorded state and action, and refused when that step does
    /// not give the recorded next observation within 1e-4.
    ///
    /// Throws, leaving nothing behind, when the rows are not one episode after another
    /// (a next observation that is not the next row's observation) or `folder` exists.
    public static func export(_ data: Transitions, info: ExportInfo, to folder: String) throws {
        guard let name = EnvironmentName(id: data.env) else {
            throw FileError(
                path: folder,
                "the data's environment '\(data.env)' is not one the project simulates, "
                    + "so its spaces are unknown")
        }
        let env = name.make()
        guard data.observationSize == env.observationSize, data.actionSize == env.actionSize else {
            throw FileError(
                path: folder,
                "the data's sizes \(data.observationSize)/\(data.actionSize) are "
                    + "not \(data.env)'s \(env.observationSize)/\(env.actionSize)")
        }
        let ranges = data.episodeRanges
        let o = data.observationSize
        for (e, rows) in ranges.enumerated() {
            for r in rows.dropLast()
            where data.nextObservations[(r * o)..<((r + 1) * o)] != data.observations[((r + 1) * o)..<((r + 2) * o)] {
                throw FileError(
                    path: folder,
                    "episode \(e): the next observation of row \(r) is not the "
                        + "observation of row \(r + 1); Minari stores an episode as one sequence of observations")
            }
        }
        let finalStates = try data.hasSimulatorStates ? simulatedFinalStates(of: data, in: name, folder: folder) : []

        guard !FileManager.default.fileExists(atPath: folder) else {
            throw FileError(
                path: folder,
                "already exists; Minari datasets are not overwritten: remove it or choose "
                    + "another id")
        }
        let parent = (folder as NSString).deletingLastPathComponent
        let staging = (parent.isEmpty ? "." : parent) + "/.\((folder as NSString).lastPathComponent).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        do {
            try FileManager.default.createDirectory(atPath: staging + "/data", withIntermediateDirectories: true)
            try writeEpisodes(
                data, ranges: ranges, finalStates: finalStates, observationsAsDouble: name != .pendulum,
                to: staging + "/data/main_data.hdf5", displayPath: folder + "/data/main_data.hdf5")
            let text = metadataText(data, name: name, env: env, info: info, episodes: ranges.count)
            guard FileManager.default.createFile(atPath: staging + "/data/metadata.json", contents: Data(text.utf8))
            else {
                throw FileError(path: folder + "/data/metadata.json", "cannot be written (disk full?)")
            }
            guard rename(staging, folder) == 0 else {
                throw FileError(
                    path: folder,
                    "cannot move the finished dataset into "
                        + "place: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    private static func writeEpisodes(
        _ data: Transitions, ranges: [Range<Int>], finalStates: [[Double]], observationsAsDouble: Bool,
        to path: String, displayPath: String
    ) throws {
        let file = try HDF5File.create(at: path, displayPath: displayPath)
        let root = try file.root
        let o = data.observationSize, a = data.actionSize, nq = data.qposSize, nv = data.qvelSize
        for (e, rows) in ranges.enumerated() {
            let group = try root.createGroup("episode_\(e)")
            let t = rows.count, first = rows.lowerBound, last = rows.upperBound - 1
            let observations = Array(
                data.observations[(first * o)..<((last + 1) * o)] + data.nextObservations[(last * o)..<((last + 1) * o)]
            )
            if observationsAsDouble {
                try group.write(observations.map(Double.init), shape: [t + 1, o], to: "observations")
            } else {
                try group.write(observations, shape: [t + 1, o], to: "observations")
            }
            try group.write(Array(data.actions[(first * a)..<((last + 1) * a)]), shape: [t, a], to: "actions")
            try group.write(data.rewards[rows].map(Double.init), shape: [t], to: "rewards")
            try group.write(Array(data.terminals[rows]), shape: [t], to: "terminations")
            try group.write(Array(data.timeouts[rows]), shape: [t], to: "truncations")
            if data.hasSimulatorStates {
                let infos = try group.createGroup("infos")
                try infos.write(
                    Array(data.infoQpos[(first * nq)..<((last + 1) * nq)]) + finalStates[e].prefix(nq),
                    shape: [t + 1, nq], to: "qpos")
                try infos.write(
                    Array(data.infoQvel[(first * nv)..<((last + 1) * nv)]) + finalStates[e].dropFirst(nq),
                    shape: [t + 1, nv], to: "qvel")
            }
            try group.setAttribute("id", e)
            try group.setAttribute("total_steps", t)
            try group.setAttribute("mbrl_seed", Int(data.episodeSeeds[e]))
        }
        try file.close()
    }

    /// The simulator state after each episode's last step: the recorded state of its last row,
    /// stepped with its action.
    private static func simulatedFinalStates(
        of data: Transitions, in name: EnvironmentName, folder: String
    ) throws -> [[Double]] {
        let o = data.observationSize, a = data.actionSize, nq = data.qposSize, nv = data.qvelSize
        return try data.episodeRanges.enumerated().map { e, rows in
            let r = rows.upperBound - 1
            var env = name.make()
            _ = env.reset(
                toState: Array(data.infoQpos[(r * nq)..<((r + 1) * nq)] + data.infoQvel[(r * nv)..<((r + 1) * nv)]))
            let next = env.step(Array(data.actions[(r * a)..<((r + 1) * a)])).observation
            let recorded = data.nextObservations[(r * o)..<((r + 1) * o)]
            guard zip(next, recorded).allSatisfy({ abs($0 - $1) <= 1e-4 * (1 + abs($1)) }),
                let state = env.simulatorState
            else {
                throw FileError(
                    path: folder,
                    "episode \(e): stepping its last recorded state does not give its "
                        + "last next observation, so infos/qpos and infos/qvel cannot get their final row")
            }
            return state
        }
    }

    /// metadata.json as Minari writes it (`json.dumps` of a flat object whose spaces and env spec
    /// are JSON strings).
    private static func metadataText(
        _ data: Transitions, name: EnvironmentName, env: any Environment, info: ExportInfo, episodes: Int
    ) -> String {
        let box = { (dtype: String, low: [Double], high: [Double]) in
            MinariMetadata.Space(type: "Box", dtype: dtype, shape: [low.count], low: low, high: high).json
        }
        let observation =
            name == .pendulum
            ? box("float32", [-1, -1, -8], [1, 1, 8])
            : box(
                "float64", Array(repeating: -.infinity, count: env.observationSize),
                Array(repeating: .infinity, count: env.observationSize))
        let action = box("float32", env.actionLow.map(Double.init), env.actionHigh.map(Double.init))
        var members: [(String, JSONValue)] = [
            ("total_episodes", .int(episodes)), ("total_steps", .int(data.count)), ("data_format", "hdf5"),
            ("observation_space", .string(observation)), ("action_space", .string(action)),
            ("env_spec", .string(gymnasiumSpec(name))), ("dataset_id", .string(info.id)),
            ("algorithm_name", .string(info.algorithm)), ("description", .string(info.description)),
            ("minari_version", .string(exportedMinariVersion)), ("mbrl_provenance", info.provenance)
        ]
        if let author = info.author { members.append(("author", [.string(author)])) }
        if let link = info.codePermalink { members.append(("code_permalink", .string(link))) }
        return "{" + members.map { "\(JSONValue.string($0.0).text): \($0.1.text)" }.joined(separator: ", ") + "}\n"
    }

    /// Gymnasium 1.0's `EnvSpec.to_json()` of the registered environment.
    static func gymnasiumSpec(_ name: EnvironmentName) -> String {
        let (entry, threshold, steps): (String, String, Int) = {
            switch name {
            case .pendulum: return ("gymnasium.envs.classic_control.pendulum:PendulumEnv", "null", 200)
            case .halfcheetah: return ("gymnasium.envs.mujoco.half_cheetah_v4:HalfCheetahEnv", "4800.0", 1000)
            case .hopper: return ("gymnasium.envs.mujoco.hopper_v4:HopperEnv", "3800.0", 1000)
            case .swimmer: return ("gymnasium.envs.mujoco.swimmer_v4:SwimmerEnv", "360.0", 1000)
            case .ant: return ("gymnasium.envs.mujoco.ant_v4:AntEnv", "6000.0", 1000)
            }
        }()
        return "{\"id\": \"\(name.id)\", \"entry_point\": \"\(entry)\", \"reward_threshold\": \(threshold), "
            + "\"nondeterministic\": false, "
            + "\"max_episode_steps\": \(steps), \"order_enforce\": true, \"disable_env_checker\": false, "
            + "\"kwargs\": {}, "
            + "\"additional_wrappers\": [], \"vector_entry_point\": null}"
    }
}
