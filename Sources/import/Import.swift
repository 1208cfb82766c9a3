import ArgumentParser
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments

/// Offline data: a Minari dataset (the successor of D4RL) as this project's transitions, so the
/// dynamics model trains and is evaluated on data the project did not collect.
@main
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read a Minari dataset and write its episodes as a transitions file.",
        discussion: """
            Reads main_data.hdf5 and metadata.json directly (Minari 0.4-0.5, hdf5 format; no Python). \
            Writes a transitions file (mbrl.transitions/1) of the --select'ed episodes, or with \
            --initial-states the state each of them starts from (for plan --initial-states). \
            --select heldout holds out round(--heldout-fraction × episodes) episodes chosen with --seed; \
            --select train is the rest. See docs/minari.md.
            """)

    /// Which of the dataset's episodes to write.
    enum Selection: String, CaseIterable, ExpressibleByArgument {
        case all, train, heldout
    }

    @Option(
        help: ArgumentHelp("The Minari dataset: its folder, its data/ folder or its main_data.hdf5.", valueName: "path")
    )
    var dataset: String

    @Option(
        help: ArgumentHelp(
            "The environment, when the dataset's env_spec names none the project simulates (its "
                + "spaces must fit).", valueName: "name"))
    var env: EnvironmentName?

    @Option(help: "Episodes to write: all, train (those not held out) or heldout.")
    var select: Selection = .all

    @Option(help: "Fraction of the episodes held out (at least one of two or more, never all).")
    var heldoutFraction = 0.2

    @OptionGroup var seed: SeedOptions

    @Flag(help: "Write the initial state of each selected episode (an initial-states file) instead of its transitions.")
    var initialStates = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard heldoutFraction >= 0, heldoutFraction < 1 else {
            throw ValidationError("--heldout-fraction must be in [0, 1), got \(heldoutFraction)")
        }
    }

    func run() throws {
        try Stage.run {
            let minari = try MinariDataset(at: dataset)
            let destination = try AtomicOutput(target: output.out, inputs: [minari.dataFile, minari.metadataFile])
            let name = try minari.environment(override: env)
            let all = try minari.transitions(as: name)
            let episodes = all.episodeRanges.count
            let indices = try selectedEpisodes(of: episodes)
            let data = all.episodes(indices)
            let provenance = try Provenance(
                format: initialStates ? "mbrl.initial-states/1" : FileFormat.transitions.rawValue, seed: seed.seed,
                command: Stage.commandLine, config: config(of: minari, environment: name, episodes: indices),
                inputPaths: [minari.dataFile, minari.metadataFile])
            let progress = ProgressReporter(stage: "import")
            if initialStates {
                let count = try writeInitialStates(
                    of: data, in: name, dataFile: minari.dataFile, provenance: provenance, to: destination)
                progress.milestone("wrote the starting states of \(count) episodes of \(dataset) to \(output.out)")
            } else {
                try Stage.writeHDF5(to: destination) { root in
                    try data.write(to: root, provenance: provenance)
                }
                progress.milestone(
                    "wrote \(data.count) transitions in \(indices.count) of \(episodes) episodes "
                        + "of \(dataset) to \(output.out)")
            }
        }
    }

    /// The indices of the `--select`'ed episodes among the dataset's `episodes`, ascending: all, the
    /// held-out ones (`Transitions.heldOutEpisodes` with `--heldout-fraction` and `--seed`) or the
    /// rest. None is an error naming the dataset and the settings.
    func selectedEpisodes(of episodes: Int) throws -> [Int] {
        let heldOut = Transitions.heldOutEpisodes(of: episodes, fraction: heldoutFraction, seed: seed.seed)
        let indices: [Int]
        switch select {
        case .all: indices = Array(0..<episodes)
        case .heldout: indices = heldOut
        case .train: indices = Array(Set(0..<episodes).subtracting(heldOut)).sorted()
        }
        guard !indices.isEmpty else {
            throw StageError(
                "\(dataset): no episodes to write: --select \(select.rawValue) of \(episodes) "
                    + "episodes with --heldout-fraction \(heldoutFraction)")
        }
        return indices
    }

    /// The `config` attribute of the output: the dataset (path, Minari id, its environment and the
    /// algorithm that collected it), the environment simulated, the selection and the written
    /// episodes' indices in the dataset.
    func config(of minari: MinariDataset, environment name: EnvironmentName, episodes indices: [Int]) -> JSONValue {
        [
            "dataset": .string(dataset), "dataset_id": .string(minari.metadata.datasetID), "env": .string(name.id),
            "minari_env": minari.metadata.envID.map { .string($0) } ?? .null,
            "algorithm_name": minari.metadata.algorithmName.map { .string($0) } ?? .null,
            "select": .string(select.rawValue), "heldout_fraction": .double(heldoutFraction),
            "episodes": .array(indices.map { .int($0) }), "initial_states": .bool(initialStates),
            "seed": .int(Int(truncatingIfNeeded: seed.seed))
        ]
    }

    /// Writes the state each episode of `data` starts from (`mbrl.initial-states/1`, for `plan
    /// --initial-states`) and returns how many. Episodes whose infos hold no qpos and qvel are an
    /// error naming `dataFile`: the starting states are then unknown.
    func writeInitialStates(
        of data: Transitions, in name: EnvironmentName, dataFile: String, provenance: Provenance,
        to destination: AtomicOutput
    ) throws -> Int {
        guard let starts = data.episodeStartStates(in: name) else {
            throw StageError(
                "\(dataFile): its episodes' infos hold no qpos and qvel, "
                    + "so \(name.id)'s starting states are unknown")
        }
        let size = name.make().stateSize
        try Stage.writeHDF5(to: destination) { root in
            try provenance.write(to: root)
            try root.setAttribute("env", name.id)
            try InitialStates.write(starts, stateSize: size, to: root)
        }
        return starts.count
    }
}
