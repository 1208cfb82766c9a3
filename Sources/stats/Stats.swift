import ArgumentParser
import MBRLCommandLine
import MBRLCore
import MBRLData

/// The notebook's `Dataset` statistics: mean and standard deviation of states, actions and state
/// changes, which normalize the network's inputs and targets.
@main
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute normalization statistics (mean, std) of states, actions and state deltas.",
        discussion: """
            Reads every row of every --data file. Standard deviations are population ones (divide by N) \
            and one below \(NormalizationStats.stdFloor) (a component that never varies) is stored as 1, \
            so normalization only centers it.
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Transitions files to pool.", valueName: "file"))
    var data: [String]

    @OptionGroup var output: OutputOptions

    @OptionGroup var printConfig: PrintConfigOptions

    func validate() throws {
        guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
    }

    func run() throws {
        try Stage.run {
            if printConfig.requested { return Stage.printConfig(config) }
            let destination = try AtomicOutput(target: output.out, inputs: data)
            let datasets = try data.map { try Transitions.read(from: $0) }
            for (path, t) in zip(data, datasets).dropFirst() {
                let first = datasets[0]
                guard t.observationSize == first.observationSize, t.actionSize == first.actionSize, t.env == first.env
                else {
                    throw StageError(
                        "\(path): holds \(t.env) data of sizes \(t.observationSize)/\(t.actionSize), "
                            + "but \(data[0]) holds \(first.env) data of sizes "
                            + "\(first.observationSize)/\(first.actionSize)"
                    )
                }
            }
            guard datasets.contains(where: { $0.count > 0 }) else {
                throw StageError("\(data[0]): no transitions to compute statistics from")
            }
            let stats = NormalizationStats(of: datasets)
            if let problem = stats.problem {
                throw StageError(
                    "\(data.count == 1 ? data[0] : data.joined(separator: ", ")): cannot compute "
                        + "statistics: \(problem)")
            }
            let provenance = try Provenance(
                format: FileFormat.stats.rawValue, seed: 0, command: Stage.commandLine, config: config, inputPaths: data
            )
            try Stage.writeHDF5(to: destination) { root in
                try provenance.write(to: root)
                try root.setAttribute("env", datasets[0].env)
                try stats.write(to: root)
            }
            ProgressReporter(stage: "stats").milestone(
                "wrote statistics of \(stats.count) transitions "
                    + "to \(output.out)")
        }
    }

    /// The statistics file's `config`: the files pooled and the standard deviations' floor.
    var config: JSONValue {
        ["data": .array(data.map { .string($0) }), "std_floor": .float(NormalizationStats.stdFloor)]
    }
}
