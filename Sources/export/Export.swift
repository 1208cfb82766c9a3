import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData

/// A run's transitions as a Minari dataset, so offline-RL tools (and `minari.load_dataset`) read
/// what the pipeline collected or planned.
@main
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write transitions files as a Minari dataset folder.",
        discussion: """
            Writes <root>/<id>/data/main_data.hdf5 and metadata.json (Minari 0.5.3's layout): the \
            episodes of every --data file in order. With MINARI_DATASETS_PATH=<root>, \
            minari.load_dataset("<id>") opens it. The project's provenance (this command, the SHA-256 \
            of each input, the command that wrote it) is in metadata.json's mbrl_provenance and \
            description. An existing folder is never replaced. See docs/minari.md.
            """)

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Transitions files (random data, rollouts, test episodes), "
                + "in episode order.", valueName: "file"))
    var data: [String]

    @Option(help: ArgumentHelp("Minari dataset id: name-v<n> or namespace/name-v<n>.", valueName: "id"))
    var id: String

    @Option(
        help: ArgumentHelp(
            "Local Minari datasets root (MINARI_DATASETS_PATH); the dataset goes to "
                + "<root>/<id>.", valueName: "folder"))
    var root: String

    @Option(help: ArgumentHelp("Minari's author field.", valueName: "name"))
    var author: String?

    @Option(
        help: ArgumentHelp("Minari's code_permalink field (a link to the code that made the data).", valueName: "url"))
    var codePermalink: String?

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
        if let problem = MinariDataset.idProblem(id) { throw ValidationError("--id '\(id)' \(problem)") }
        guard !root.isEmpty else { throw ValidationError("--root is empty; give the datasets folder") }
    }

    func run() throws {
        try Stage.run {
            let sets = try readCompatibleData()
            let all = Transitions.concatenating(sets)!
            guard all.count > 0 else { throw StageError("\(data[0]): no transitions to export") }
            var policies: [String] = []
            for t in sets where !policies.contains(t.policy) { policies.append(t.policy) }
            let info = MinariDataset.ExportInfo(
                id: id, algorithm: policies.joined(separator: "+"), author: author, codePermalink: codePermalink,
                description: description(of: sets), provenance: try provenance())
            let folder = (root as NSString).appendingPathComponent(id)
            try MinariDataset.export(all, info: info, to: folder)
            ProgressReporter(stage: "export").milestone(
                "wrote \(all.count) transitions "
                    + "in \(all.episodeRanges.count) episodes to \(folder)")
        }
    }

    /// The --data files, read; each must hold data of the first one's environment and sizes
    /// (observation, action, simulator state), or it is an error naming both files.
    func readCompatibleData() throws -> [Transitions] {
        let sets = try data.map { try Transitions.read(from: $0) }
        for (path, t) in zip(data, sets).dropFirst() {
            let first = sets[0]
            guard t.env == first.env, t.observationSize == first.observationSize, t.actionSize == first.actionSize,
                t.qposSize == first.qposSize, t.qvelSize == first.qvelSize
            else {
                let states = t.hasSimulatorStates ? "with" : "without"
                let firstStates = first.hasSimulatorStates ? "with" : "without"
                throw StageError(
                    "\(path): holds \(t.env) data of "
                        + "sizes \(t.observationSize)/\(t.actionSize) \(states) "
                        + "simulator states, but \(data[0]) holds \(first.env) data of "
                        + "sizes \(first.observationSize)/\(first.actionSize) \(firstStates)")
            }
        }
        return sets
    }

    /// metadata.json's `mbrl_provenance`: this command, the SHA-256 of each --data file, the software,
    /// and per file the command and seed that wrote it (its root attributes; "" and 0 when absent).
    func provenance() throws -> JSONValue {
        var sources: [JSONValue] = []
        for path in data {
            let file = try HDF5File.open(at: path)
            let attributes = try file.root
            let command = attributes.hasAttribute("command") ? try attributes.stringAttribute("command") : ""
            let seed = attributes.hasAttribute("seed") ? try attributes.intAttribute("seed") : 0
            try file.close()
            sources.append(["file": .string(path), "command": .string(command), "seed": .int(seed)])
        }
        let inputs = try Provenance(
            format: "minari", seed: 0, command: Stage.commandLine, config: .null, inputPaths: data)
        return [
            "command": .string(inputs.command), "inputs": .object(inputs.inputs.mapValues { .string($0) }),
            "sources": .array(sources), "software": Provenance.software
        ]
    }

    /// Minari's description: the program and version that exported `sets`, each file with its policy
    /// and episode count, and what the episodes' mbrl_seed attribute is.
    func description(of sets: [Transitions]) -> String {
        "Exported by the mbrl pipeline "
            + "(\(Stage.commandLine.first ?? "export") \(Provenance.projectVersion)) from "
            + zip(data, sets).map { "\($0.0) (\($0.1.policy), \($0.1.episodeRanges.count) episodes)" }.joined(
                separator: ", ")
            + ". Episode attribute mbrl_seed is the project's episode seed, not a Gymnasium seed."
    }
}
