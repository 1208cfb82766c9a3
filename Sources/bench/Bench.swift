import ArgumentParser
import Foundation
import MBRL
import MBRLCommandLine

/// `make bench`: the planner's and the trainer's speed against this machine's own SGEMM peak.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure SGEMM, one MPC step, training, CEM and the PETS ensemble on this machine.",
        discussion: """
            Every figure is the median of --repetitions timed runs after warm-up. The last line is one \
            JSON object with the keys sgemm_gflops_1t, sgemm_gflops_mt, plan_ms_1t, plan_ms_mt, \
            plan_gflops_mt, train_samples_per_s_1t, cem_ms_mt, and for the PETS ensemble \
            ensemble_train_samples_per_s_1t, ensemble_plan_ms_mt, ensemble_plan_gflops_mt, \
            ensemble_plan_sgemm_fraction_mt (with --torch-python also torch_ensemble_train_samples_per_s_1t, \
            torch_ensemble_plan_ms_mt).
            """)

    @Option(help: "Timed repetitions per measurement (the median is reported).")
    var repetitions = 30

    @Option(help: ArgumentHelp("Threads for the multi-core figures (default: all cores).", valueName: "n"))
    var threads: Int?

    @OptionGroup var environment: EnvironmentOptions

    @Option(help: ArgumentHelp("A Python with torch: also run scripts/torch_bench.py's PETS workloads for comparison.", valueName: "python"))
    var torchPython: String?

    @Flag(help: "Skip the PETS ensemble workloads (EnsembleWorkloads.swift).")
    var noEnsemble = false

    func validate() throws {
        guard repetitions >= 3 else { throw ValidationError("--repetitions must be at least 3, got \(repetitions)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let workloads = try Workloads(environment: environment.env)
        let network = workloads.model().config
        var table: [(String, String)] = []
        func report(_ name: String, _ value: String) {
            table.append((name, value))
            StandardError.write("bench: \(name): \(value)\n")
        }

        // 1. SGEMM: a large square product and the planner's own shape.
        let square = 1024
        let sgemm1 = Workloads.sgemmGFLOPS(m: square, n: square, k: square, threads: 1, repetitions: max(repetitions / 3, 3))
        let sgemmN = Workloads.sgemmGFLOPS(m: square, n: square, k: square, threads: cores, repetitions: max(repetitions / 3, 3))
        let shape1 = Workloads.sgemmGFLOPS(m: 1024, n: 64, k: 64, threads: 1, repetitions: repetitions * 20)
        report("SGEMM \(square)³, 1 thread", String(format: "%.1f GFLOP/s", sgemm1))
        report("SGEMM \(square)³, \(cores) threads", String(format: "%.1f GFLOP/s", sgemmN))
        report("SGEMM 1024×64 · 64×64, 1 thread", String(format: "%.1f GFLOP/s", shape1))

        // 2. Workload A: one random-shooting MPC step, K 1024, H 15, the default network.
        let plan1 = workloads.planStepSeconds(kind: .rs, candidates: 1024, horizon: 15, iterations: 1, threads: 1, repetitions: repetitions)
        let planN = workloads.planStepSeconds(kind: .rs, candidates: 1024, horizon: 15, iterations: 1, threads: cores, repetitions: repetitions)
        let flops = workloads.networkFLOPs(rows: 1024 * 15)
        report("workload: \(workloads.environment.id), network \(network)", "")
        report("plan step (rs, K 1024, H 15), 1 thread", String(format: "%.3f ms, network %.1f GFLOP/s", plan1 * 1e3, flops / plan1 / 1e9))
        report("plan step (rs, K 1024, H 15), \(cores) threads", String(format: "%.3f ms, network %.1f GFLOP/s (%.0f%% of SGEMM %d threads)",
                                                                      planN * 1e3, flops / planN / 1e9, 100 * flops / planN / 1e9 / sgemmN, cores))

        // 3. Workload B: training (the train stage's fit), minibatch 128, Adam, 1 thread.
        let trainRate = workloads.trainingSamplesPerSecond(batchSize: 128, epochs: 60, repetitions: max(repetitions / 6, 3))
        report("training (batch 128, Adam), 1 thread", String(format: "%.0f samples/s", trainRate))

        // 4. CEM, population 500, horizon 30, 5 iterations, all cores.
        let cem = workloads.planStepSeconds(kind: .cem, candidates: 500, horizon: 30, iterations: 5, threads: cores, repetitions: max(repetitions / 3, 3))
        report("plan step (cem, 500 × H 30 × 5 it), \(cores) threads", String(format: "%.3f ms", cem * 1e3))

        // 5. The PETS ensemble: training and one TS-∞ evaluation, beside PyTorch (EnsembleWorkloads.swift).
        let ensemble = noEnsemble ? [:] : EnsembleWorkloads(base: workloads).run(cores: cores, sgemmMultiThread: sgemmN, repetitions: repetitions,
                                                                                 python: torchPython, report: report)

        let width = table.map(\.0.count).max() ?? 0
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(BLAS.version), HDF5 \(HDF5Library.version)")
        for (name, value) in table { print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value) }
        var json: [String: JSONValue] = [
            "sgemm_gflops_1t": .double(rounded(sgemm1)), "sgemm_gflops_mt": .double(rounded(sgemmN)),
            "plan_ms_1t": .double(rounded(plan1 * 1e3, 4)), "plan_ms_mt": .double(rounded(planN * 1e3, 4)),
            "plan_gflops_mt": .double(rounded(flops / planN / 1e9)), "train_samples_per_s_1t": .double(rounded(trainRate, 0)),
            "cem_ms_mt": .double(rounded(cem * 1e3, 4)),
        ]
        json.merge(ensemble) { $1 }
        print(JSONValue.object(json).text)
    }

    func rounded(_ x: Double, _ digits: Int = 2) -> Double {
        let scale = pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }
}
