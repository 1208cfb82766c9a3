import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLEnvironments
import MBRLModels

/// `make bench`: the planner's and the trainer's speed against this machine's own SGEMM peak, and
/// against PyTorch on the same workloads in the same run.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure SGEMM, MPC steps, training and CEM on this machine, and PyTorch on the same workloads.",
        discussion: """
            Two tasks: the notebook's (Pendulum, network 4-64-64-3, random shooting K 1024 × H 15, \
            minibatch 128) and the paper's (HalfCheetah, network 23-200-200-17 as in \
            pipelines/tasks/halfcheetah.mk, K 1000 × H 20, minibatch 512). Every figure is the median of \
            --repetitions timed runs after warm-up. With --torch-python, scripts/torch_bench.py runs the \
            same workloads right after, and the ratios are printed. The last line is one JSON object: \
            sgemm_gflops_1t, sgemm_gflops_mt (at the start), then per task (pendulum_, halfcheetah_) \
            plan_ms_1t, plan_ms_mt, plan_gflops_mt, plan_sgemm_percent_1t and _mt, plan_peak_gflops_1t and \
            _mt (each share's SGEMM rate: the higher of two 1024³ readings just before and after the \
            workload), train_samples_per_s_1t, train_sgemm_percent_1t, train_peak_gflops_1t, \
            train_samples_per_s_2t (train --threads 2), train_products_sgemm_percent_1t and \
            train_products_time_percent_1t (a training step's matrix products alone, at its shapes: their \
            share of the 1-thread SGEMM rate and of the step's time), and the same \
            keys prefixed torch_ for the reference; cem_ms_mt for Pendulum; halfcheetah_icem_ms_1t and \
            halfcheetah_icem_ms_mt (iCEM as in pipelines/methods/icem.mk) with halfcheetah_icem_sgemm_percent_1t \
            and _mt and halfcheetah_icem_peak_gflops_1t and _mt, and the same halfcheetah_mppi_ keys (MPPI K 1000 × \
            H 20, halfcheetah-best's planner) and halfcheetah_pets_ (the control step of \
            pipelines/halfcheetah-pets-200k.mk); for the PETS ensemble \
            (5 Gaussian SiLU members of 4 × 200, Pendulum's data): ensemble_train_samples_per_s_1t and _2t, \
            ensemble_train_sgemm_percent_1t, ensemble_train_peak_gflops_1t, \
            ensemble_train_products_sgemm_percent_1t and _time_percent_1t, ensemble_plan_ms_mt, \
            ensemble_plan_gflops_mt, ensemble_plan_sgemm_fraction_mt, ensemble_plan_peak_gflops_mt, and \
            torch_ensemble_train_samples_per_s_1t and _2t, torch_ensemble_plan_ms_mt; for the bf16 planning path \
            (AMX, null without it): bf16_gemm_gflops_1t, sgemm_gflops_1t_planner_shape (1000×200·200), \
            halfcheetah_plan_ms_1t_bf16, halfcheetah_plan_ms_mt_bf16, halfcheetah_plan_bf16_speedup_1t and _mt \
            (fp32 over bf16, the two timed alternately).
            """)

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 30

    @Option(
        help: ArgumentHelp(
            "Threads for the multi-core figures (default: all cores; with --only, the HalfCheetah planners "
                + "default to 1).", valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp(
            "A Python with torch, to run the PyTorch reference on the same workloads "
                + "(default: none).", valueName: "path"))
    var torchPython: String?

    @Option(help: ArgumentHelp("The PyTorch reference script.", valueName: "path"))
    var torchScript = "scripts/torch_bench.py"

    @Flag(help: "Skip the PETS ensemble workloads (EnsembleWorkloads.swift).")
    var noEnsemble = false

    @Option(
        help: ArgumentHelp(
            "Measure only this workload (no SGEMM, no JSON): two warm-up calls and --repetitions timed "
                + "ones, for perf stat and perf record.", valueName: "workload"))
    var only: SingleWorkload?

    @Option(help: ArgumentHelp("Also write the JSON line to this file.", valueName: "path"))
    var jsonOut: String?

    @Option(
        help: ArgumentHelp(
            "Measure nothing: print the Markdown table of an earlier run's JSON file "
                + "(--json-out).", valueName: "path"))
    var table: String?

    @Option(
        help: ArgumentHelp(
            "Measure only how often the bf16 planner's first action differs from fp32's on this "
                + "single-network model (needs --initial-states; BF16Workloads.agreement).", valueName: "model"))
    var bf16Agreement: String?

    @Option(
        help: ArgumentHelp(
            "With --bf16-agreement: HDF5 file of initial_states, one episode from each row.", valueName: "file"))
    var initialStates: String?

    @Option(help: ArgumentHelp("With --bf16-agreement: steps per episode at most.", valueName: "n"))
    var steps = 200

    func validate() throws {
        if let jsonOut, let problem = AtomicOutput.nameProblem(jsonOut) {
            throw ValidationError("--json-out '\(jsonOut)' \(problem)")
        }
        guard repetitions >= 3 else { throw ValidationError("--repetitions must be at least 3, got \(repetitions)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if bf16Agreement != nil, initialStates == nil {
            throw ValidationError(
                "--bf16-agreement needs "
                    + "--initial-states")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if let only, jsonOut != nil || torchPython != nil || bf16Agreement != nil {
            throw ValidationError(
                "--only \(only.rawValue) measures that workload alone: it writes no JSON and runs no "
                    + "PyTorch reference (drop --json-out, --torch-python and --bf16-agreement)")
        }
        if let torchPython, !FileManager.default.isExecutableFile(atPath: torchPython) {
            throw ValidationError("--torch-python '\(torchPython)' is not an executable file")
        }
        if torchPython != nil, !FileManager.default.fileExists(atPath: torchScript) {
            throw ValidationError("--torch-script '\(torchScript)' does not exist")
        }
    }

    /// One task's workloads: its network width and the preset's planner and minibatch sizes.
    struct Task {
        let name: String
        let environment: EnvironmentName
        let hidden: Int
        let candidates: Int
        let horizon: Int
        let batchSize: Int
    }

    static let tasks = [
        Task(name: "pendulum", environment: .pendulum, hidden: 64, candidates: 1024, horizon: 15, batchSize: 128),
        Task(name: "halfcheetah", environment: .halfcheetah, hidden: 200, candidates: 1000, horizon: 20, batchSize: 512)
    ]

    func run() throws {
        if let table { return try Self.printTable(ofFile: table) }
        // On a CPU newer than OpenBLAS's table, run again with the kernel for its instruction sets.
        OpenBLASKernel.relaunch(adding: OpenBLASKernel.relaunchEnvironment)
        if let bf16Agreement, let initialStates {
            return try Stage.run {
                try Self.measureAgreement(modelPath: bf16Agreement, startsPath: initialStates, steps: steps)
            }
        }
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        if let only { return try Stage.run { try measureOnly(only, cores: cores) } }
        let results = BenchResults()
        // 1. SGEMM; 2. per task, the planners' steps and training; 3. PyTorch on the same workloads,
        // now; 4. the PETS ensemble, training and one TS-∞ evaluation, beside PyTorch.
        let peak = SGEMMPeak(repetitions: max(repetitions / 3, 3))
        measureSGEMM(cores: cores, peak: peak, into: results)
        let measured = try Self.tasks.map { try measure($0, cores: cores, peak: peak, into: results) }
        let torch = torchPython.map { TorchReference(python: $0, script: torchScript) }
        if let torch { measurePyTorch(torch, against: measured, cores: cores, into: results) }
        if !noEnsemble, let pendulum = measured.first(where: { $0.task.environment == .pendulum }) {
            // The ensemble brings its own network; it takes Pendulum's random transitions.
            let ensemble = EnsembleWorkloads(base: pendulum.workloads).run(
                cores: cores, peak: peak, repetitions: repetitions, torch: torch, report: results.report)
            results.json.merge(ensemble) { $1 }
        }
        let line = results.printTable(threads: cores)
        if let jsonOut { try AtomicOutput(target: jsonOut).write(Data((line + "\n").utf8)) }
    }
}
