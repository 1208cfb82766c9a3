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
            sgemm_gflops_1t, sgemm_gflops_mt, then per task (pendulum_, halfcheetah_) plan_ms_1t, \
            plan_ms_mt, plan_gflops_mt, plan_sgemm_percent_mt, train_samples_per_s_1t, and the same \
            keys prefixed torch_ for the reference; cem_ms_mt for Pendulum; halfcheetah_icem_ms_1t and \
            halfcheetah_icem_ms_mt (iCEM as in pipelines/methods/icem.mk); for the PETS ensemble \
            (5 Gaussian SiLU members of 4 × 200, Pendulum's data): ensemble_train_samples_per_s_1t, \
            ensemble_plan_ms_mt, ensemble_plan_gflops_mt, ensemble_plan_sgemm_fraction_mt, and \
            torch_ensemble_train_samples_per_s_1t, torch_ensemble_plan_ms_mt; for the bf16 planning path \
            (AMX, null without it): bf16_gemm_gflops_1t, sgemm_gflops_1t_planner_shape (1000×200·200), \
            halfcheetah_plan_ms_1t_bf16, halfcheetah_plan_ms_mt_bf16, halfcheetah_plan_bf16_speedup_1t and _mt \
            (fp32 over bf16, the two timed alternately).
            """)

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 30

    @Option(help: ArgumentHelp("Threads for the multi-core figures (default: all cores).", valueName: "n"))
    var threads: Int?

    @Option(help: ArgumentHelp("A Python with torch, to run the PyTorch reference on the same workloads "
        + "(default: none).", valueName: "path"))
    var torchPython: String?

    @Option(help: ArgumentHelp("The PyTorch reference script.", valueName: "path"))
    var torchScript = "scripts/torch_bench.py"

    @Flag(help: "Skip the PETS ensemble workloads (EnsembleWorkloads.swift).")
    var noEnsemble = false

    @Option(help: ArgumentHelp("Also write the JSON line to this file.", valueName: "path"))
    var jsonOut: String?

    @Option(help: ArgumentHelp("Measure nothing: print the Markdown table of an earlier run's JSON file "
        + "(--json-out).", valueName: "path"))
    var table: String?

    @Option(help: ArgumentHelp("Measure only how often the bf16 planner's first action differs from fp32's on this "
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
        if bf16Agreement != nil, initialStates == nil { throw ValidationError("--bf16-agreement needs "
            + "--initial-states") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
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
        if let table {
            do {
                print(try BenchTable(contentsOf: table).markdown, terminator: "")
            } catch {
                StandardError.write("error: \(error)\n")
                throw ExitCode.failure
            }
            return
        }
        // On a CPU newer than OpenBLAS's table, run again with the kernel for its instruction sets.
        OpenBLASKernel.relaunch(adding: OpenBLASKernel.relaunchEnvironment)
        if let bf16Agreement, let initialStates {
            try Stage.run {
                let json = try BF16Workloads.agreement(
                    modelPath: bf16Agreement, startsPath: initialStates, steps: steps, seed: 0
                ) {
                    print("\($0): \($1)")
                }
                print(JSONValue.object(json).text)
            }
            return
        }
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let torch = torchPython.map { TorchReference(python: $0, script: torchScript) }
        var table: [(String, String)] = []
        var json: [String: JSONValue] = [:]
        func report(_ name: String, _ value: String) {
            table.append((name, value))
            StandardError.write("bench: \(name): \(value)\n")
        }

        // 1. SGEMM: a large square product and the Pendulum planner's own shape.
        let square = 1024
        let sgemm1 = Workloads.sgemmGFLOPS(
            m: square, n: square, k: square, threads: 1, repetitions: max(repetitions / 3, 3))
        let sgemmN = Workloads.sgemmGFLOPS(
            m: square, n: square, k: square, threads: cores, repetitions: max(repetitions / 3, 3))
        let shape1 = Workloads.sgemmGFLOPS(m: 1024, n: 64, k: 64, threads: 1, repetitions: repetitions * 20)
        report("SGEMM \(square)³, 1 thread", String(format: "%.1f GFLOP/s", sgemm1))
        report("SGEMM \(square)³, \(cores) threads", String(format: "%.1f GFLOP/s", sgemmN))
        report("SGEMM 1024×64 · 64×64, 1 thread", String(format: "%.1f GFLOP/s", shape1))
        json["sgemm_gflops_1t"] = .double(rounded(sgemm1))
        json["sgemm_gflops_mt"] = .double(rounded(sgemmN))

        // 2. Per task: one random-shooting MPC step on 1 and on all threads, and training on 1 thread.
        var measured: [(task: Task, plan1: Double, planN: Double, train: Double)] = []
        var pendulumData: Workloads?
        for task in Self.tasks {
            let workloads = try Workloads(environment: task.environment, hidden: task.hidden)
            if task.environment == .pendulum { pendulumData = workloads }
            let rs = "rs, K \(task.candidates), H \(task.horizon)"
            let plan1 = workloads.planStepSeconds(
                kind: .rs, candidates: task.candidates, horizon: task.horizon, iterations: 1, threads: 1,
                repetitions: repetitions)
            let planN = workloads.planStepSeconds(
                kind: .rs, candidates: task.candidates, horizon: task.horizon, iterations: 1, threads: cores,
                repetitions: repetitions)
            let flops = workloads.networkFLOPs(rows: task.candidates * task.horizon)
            let percent = 100 * flops / planN / 1e9 / sgemmN
            report("\(task.environment.id), network \(workloads.model().config)", "")
            report(
                "  plan step (\(rs)), 1 thread",
                String(format: "%.3f ms, network %.1f GFLOP/s", plan1 * 1e3, flops / plan1 / 1e9))
            report("  plan step (\(rs)), \(cores) threads", String(format: "%.3f ms, network %.1f GFLOP/s (%.0f%% "
                + "of SGEMM %d threads)",
                                                                 planN * 1e3, flops / planN / 1e9, percent, cores))
            let trainRate = workloads.trainingSamplesPerSecond(
                batchSize: task.batchSize, epochs: 30, repetitions: max(repetitions / 6, 3))
            report("  training (batch \(task.batchSize), Adam), 1 thread", String(format: "%.0f samples/s", trainRate))
            json["\(task.name)_plan_ms_1t"] = .double(rounded(plan1 * 1e3, 4))
            json["\(task.name)_plan_ms_mt"] = .double(rounded(planN * 1e3, 4))
            json["\(task.name)_plan_gflops_mt"] = .double(rounded(flops / planN / 1e9))
            json["\(task.name)_plan_sgemm_percent_mt"] = .double(rounded(percent, 1))
            json["\(task.name)_train_samples_per_s_1t"] = .double(rounded(trainRate, 0))
            json["\(task.name)_plan_sgemm_percent_1t"] = .double(rounded(100 * flops / plan1 / 1e9 / sgemm1, 1))
            json["\(task.name)_train_sgemm_percent_1t"] = .double(
                rounded(100 * trainRate * workloads.trainingFLOPsPerSample / 1e9 / sgemm1, 1))
            measured.append((task, plan1, planN, trainRate))

            if task.environment == .pendulum {
                // CEM as in pipelines/methods/cem.mk's shape, population 500, horizon 30, 5 iterations.
                let cem = workloads.planStepSeconds(
                    kind: .cem, candidates: 500, horizon: 30, iterations: 5, threads: cores,
                    repetitions: max(repetitions / 3, 3))
                report("  plan step (cem, 500 × H 30 × 5 it), \(cores) threads", String(format: "%.3f ms", cem * 1e3))
                json["cem_ms_mt"] = .double(rounded(cem * 1e3, 4))
            }
            if task.environment == .halfcheetah {
                // iCEM as in pipelines/methods/icem.mk: N 300 decaying by 1.25 per iteration, 10
                // elites, H 30, 3 iterations (300 + 240 + 192 sequences and the 3 shifted elites).
                for threads in [1, cores] {
                    let icem = workloads.planStepSeconds(
                        kind: .icem, candidates: 300, horizon: 30, iterations: 3, threads: threads,
                        repetitions: max(repetitions / 3, 3))
                    report(
                        "  plan step (icem, 300 × H 30 × 3 it), \(threads) thread\(threads == 1 ? "" : "s")",
                        String(format: "%.3f ms", icem * 1e3))
                    json["halfcheetah_icem_ms_\(threads == 1 ? "1t" : "mt")"] = .double(rounded(icem * 1e3, 4))
                }
                // The opt-in bf16 path on the same step (BF16Workloads.swift).
                json.merge(
                    BF16Workloads(workloads: workloads, task: task).run(
                        cores: cores, repetitions: repetitions, report: report)
                ) { $1 }
            }
        }

        // 3. The PyTorch reference on the same workloads, now.
        if let torch {
            let runs = max(repetitions / 3, 5)
            for m in measured {
                let name = m.task.name
                let plans: [(threads: Int, ours: Double, key: String)] = [(1, m.plan1, "1t"), (cores, m.planN, "mt")]
                for p in plans {
                    switch torch.measure("plan", task: name, threads: p.threads, repetitions: runs, key: "plan_ms") {
                    case .success(let ms):
                        report("PyTorch \(name) plan step, \(p.threads) thread\(p.threads == 1 ? "" : "s")",
                               String(format: "%.3f ms (this project %.1f× faster)", ms, ms / (p.ours * 1e3)))
                        json["torch_\(name)_plan_ms_\(p.key)"] = .double(rounded(ms, 4))
                    case .failure(let error):
                        report("PyTorch \(name) plan step", "not measured: \(error)")
                    }
                }
                switch torch.measure(
                    "train", task: name, threads: 1, repetitions: max(repetitions / 6, 3), key: "train_samples_per_s")
                {
                case .success(let rate):
                    report(
                        "PyTorch \(name) training, 1 thread",
                        String(format: "%.0f samples/s (this project " + "%.1f× faster)", rate, m.train / rate))
                    json["torch_\(name)_train_samples_per_s_1t"] = .double(rounded(rate, 0))
                case .failure(let error):
                    report("PyTorch \(name) training", "not measured: \(error)")
                }
            }
        }

        // 4. The PETS ensemble: training and one TS-∞ evaluation, beside PyTorch (EnsembleWorkloads.swift).
        if !noEnsemble, let pendulumData {
            // The ensemble brings its own network; it takes Pendulum's random transitions.
            let ensemble = EnsembleWorkloads(base: pendulumData).run(
                cores: cores, sgemmOneThread: sgemm1, sgemmMultiThread: sgemmN, repetitions: repetitions,
                torch: torch, report: report)
            json.merge(ensemble) { $1 }
        }

        let width = table.map(\.0.count).max() ?? 0
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(BLAS.version) "
            + "(\(OpenBLASKernel.name) kernel), HDF5 \(HDF5Library.version)")
        for (name, value) in table { print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value) }
        json["openblas_kernel"] = .string(OpenBLASKernel.name)
        json["threads_mt"] = .int(cores)
        print(JSONValue.object(json).text)
        if let jsonOut { try AtomicOutput(target: jsonOut).write(Data((JSONValue.object(json).text + "\n").utf8)) }
    }

    func rounded(_ x: Double, _ digits: Int = 2) -> Double {
        let scale = pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }
}
