import Foundation
import MBRLCore
import MBRLEnvironments

/// A hand-made Minari dataset (the layout of Minari 0.5's `DataCollector`, written through the
/// project's HDF5 layer), for the cases Minari itself would not write: broken lengths, NaN, other spaces.
public struct MinariFixture {
    /// One episode: T + 1 observations, T actions, rewards and flags.
    public struct Episode {
        public var observations: [[Double]]
        public var actions: [[Double]]
        public var rewards: [Double]
        public var terminations: [Bool]
        public var truncations: [Bool]

        public init(
            observations: [[Double]], actions: [[Double]], rewards: [Double], terminations: [Bool], truncations: [Bool]
        ) {
            self.observations = observations
            self.actions = actions
            self.rewards = rewards
            self.terminations = terminations
            self.truncations = truncations
        }

        /// A Pendulum-shaped episode of `steps` steps ending in a truncation.
        public static func pendulum(steps: Int) -> Episode {
            Episode(
                observations: (0...steps).map { t in [cos(Double(t) / 10), sin(Double(t) / 10), 0.5] },
                actions: (0..<steps).map { t in [Double(t) / Double(steps) - 0.5] },
                rewards: (0..<steps).map { -Double($0) / 3 }, terminations: Array(repeating: false, count: steps),
                truncations: (0..<steps).map { $0 == steps - 1 })
        }
    }

    public var envID = "Pendulum-v1"
    public var observationSpace =
        "{\"type\": \"Box\", \"dtype\": \"float32\", \"shape\": [3], \"low\": [-1.0, "
        + "-1.0, -8.0], \"high\": [1.0, 1.0, 8.0]}"
    public var actionSpace =
        "{\"type\": \"Box\", \"dtype\": \"float32\", \"shape\": [1], \"low\": [-2.0], "
        + "\"high\": [2.0]}"
    public var episodes: [Episode]
    /// Discrete actions: `actions` are written as int64 of rank 1.
    public var integerActions = false

    public init(episodes: [Episode]) { self.episodes = episodes }

    /// Writes `<folder>/data/main_data.hdf5` and `<folder>/data/metadata.json`.
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        let file = try HDF5File.create(at: folder + "/data/main_data.hdf5")
        let root = try file.root
        for (i, e) in episodes.enumerated() {
            let g = try root.createGroup("episode_\(i)")
            try g.write(
                e.observations.flatMap { $0 }, shape: [e.observations.count, e.observations.first?.count ?? 0],
                to: "observations")
            if integerActions {
                try g.write(e.actions.map { Int64($0[0]) }, shape: [e.actions.count], to: "actions")
            } else {
                try g.write(
                    e.actions.flatMap { $0 }.map { Float($0) }, shape: [e.actions.count, e.actions.first?.count ?? 0],
                    to: "actions")
            }
            try g.write(e.rewards, shape: [e.rewards.count], to: "rewards")
            try g.write(e.terminations, shape: [e.terminations.count], to: "terminations")
            try g.write(e.truncations, shape: [e.truncations.count], to: "truncations")
            try g.setAttribute("id", i)
            try g.setAttribute("seed", i)
            try g.setAttribute("total_steps", e.rewards.count)
        }
        try file.close()
        func quoted(_ s: String) -> String { JSONValue.string(s).text }
        let spec = "{\"id\": \"\(envID)\", \"entry_point\": \"x:Y\", \"max_episode_steps\": 200}"
        let metadata =
            "{\"total_episodes\": \(episodes.count), "
            + "\"total_steps\": \(episodes.map(\.rewards.count).reduce(0, +)), "
            + "\"data_format\": \"hdf5\", \"observation_space\": \(quoted(observationSpace)), "
            + "\"action_space\": \(quoted(actionSpace)), "
            + "\"env_spec\": \(quoted(spec)), \"dataset_id\": \"test-v0\", \"minari_version\": \"0.5.3\"}"
        try Data(metadata.utf8).write(to: URL(fileURLWithPath: folder + "/data/metadata.json"))
    }
}
