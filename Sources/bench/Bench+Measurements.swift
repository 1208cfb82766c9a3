import ArgumentParser
import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLEnvironments
import MBRLModels
import MBRLPlanning

/// The parts of a `bench` run, in the order `run()` calls them; each adds its rows and JSON keys to
/// the run's `BenchResults`.
extension Bench {
    /// One task's figures that the PyTorch comparison needs, with the task's workloads (the ensemble
    /// takes Pendulum's data).
    struct TaskFigures {
        let task: Task
        let workloads: Workloads
        /// Seconds per random-shooting step on 1 thread and on the run's threads.
        let planOneThread: Double, planThreads: Double
        /// Training samples per second on 1 and on 2 threads.
        let training: Double, trainingTwoThreads: Double
    }

    /// `--table`: prints the Markdown table of an earlier run's JSON file; an unreadable file is one
    /// line on standard error and exit status 1.
    static func printTable(ofFile path: String) throws {
        do {
            print(try BenchTable(contentsOf: path).markdown, terminator: "")
        } catch {
            StandardError.write("error: \(error)\n")
            throw ExitCode.failure
        }
    }

    /// `--bf16-agreement`: how often the bf16 planner's first action differs from fp32's on the model
    /// at `modelPath`, one episode of at most `steps` steps from each row of `startsPath`; prints each
    /// figure as it comes, then the JSON line.
    static func measureAgreement(modelPath: String, startsPath: String, steps: Int) throws {
        let json = try BF16Workloads.agreement(modelPath: modelPath, startsPath: startsPath, steps: steps, seed: 0) {
            print("\($0): \($1)")
        }
        print(JSONValue.object(json).text)
    }

    /// SGEMM rates in GFLOP/s at the start of the run: a 1024³ product on 1 thread and on `cores`
    /// threads (sgemm_gflops_1t and _mt, the table's caption), and the Pendulum planner's own shape on 1
    /// thread (shown only). The shares of the workloads are each taken against readings made around
    /// the workload itself (`SGEMMPeak`).
    func measureSGEMM(cores: Int, peak: SGEMMPeak, into results: BenchResults) {
        let square = SGEMMPeak.size
        let sgemm1 = peak.reading(threads: 1), sgemmN = peak.reading(threads: cores)
        let shape1 = Workloads.sgemmGFLOPS(m: 1024, n: 64, k: 64, threads: 1, repetitions: repetitions * 20)
        results.report("SGEMM \(square)³, 1 thread", String(format: "%.1f GFLOP/s", sgemm1))
        results.report("SGEMM \(square)³, \(cores) threads", String(format: "%.1f GFLOP/s", sgemmN))
        results.report("SGEMM 1024×64 · 64×64, 1 thread", String(format: "%.1f GFLOP/s", shape1))
        results.json["sgemm_gflops_1t"] = .double(BenchResults.rounded(sgemm1))
        results.json["sgemm_gflops_mt"] = .double(BenchResults.rounded(sgemmN))
    }

    /// One task's workloads: a random-shooting MPC step on 1 and on `cores` threads, training on 1
    /// thread and its products alone (each also as a share of the SGEMM rate read around it,
    /// `SGEMMPeak`), training on 2 threads, then the task's planners beyond random shooting (CEM for
    /// Pendulum; iCEM and the bf16 path for HalfCheetah).
    func measure(_ task: Task, cores: Int, peak: SGEMMPeak, into results: BenchResults) throws -> TaskFigures {
        let rounded = BenchResults.rounded
        let workloads = try Workloads(environment: task.environment, hidden: task.hidden)
        let rs = "rs, K \(task.candidates), H \(task.horizon)"
        func planStep(threads: Int) -> (result: Double, peak: Double) {
            peak.around(threads: threads) {
                workloads.planStepSeconds(
                    kind: .rs, candidates: task.candidates, horizon: task.horizon, iterations: 1, threads: threads,
                    repetitions: repetitions)
            }
        }
        let (plan1, peak1) = planStep(threads: 1)
        let (planN, peakN) = planStep(threads: cores)
        let flops = workloads.networkFLOPs(rows: task.candidates * task.horizon)
        let percent1 = 100 * flops / plan1 / 1e9 / peak1, percentN = 100 * flops / planN / 1e9 / peakN
        results.report("\(task.environment.id), network \(workloads.model().config)", "")
        results.report(
            "  plan step (\(rs)), 1 thread",
            String(
                format: "%.3f ms, network %.1f GFLOP/s (%.0f%% of SGEMM 1 thread, %.1f)", plan1 * 1e3,
                flops / plan1 / 1e9, percent1, peak1))
        results.report(
            "  plan step (\(rs)), \(cores) threads",
            String(
                format: "%.3f ms, network %.1f GFLOP/s (%.0f%% of SGEMM %d threads, %.1f)", planN * 1e3,
                flops / planN / 1e9, percentN, cores, peakN))
        // Training, then what the step's products alone reach at its shapes: the ceiling of its share.
        let products = TrainingProducts(widths: workloads.widths, rows: task.batchSize, layout: .outByIn)
        let ((trainRate, productSeconds), trainPeak) = peak.around(threads: 1) {
            (
                workloads.trainingSamplesPerSecond(
                    batchSize: task.batchSize, epochs: 30, repetitions: max(repetitions / 6, 3)),
                products.seconds(repetitions: repetitions * 3)
            )
        }
        let trainPercent = 100 * trainRate * workloads.trainingFLOPsPerSample / 1e9 / trainPeak
        results.report(
            "  training (batch \(task.batchSize), Adam), 1 thread",
            String(format: "%.0f samples/s (%.0f%% of SGEMM 1 thread, %.1f)", trainRate, trainPercent, trainPeak))
        let shares = products.shares(
            seconds: productSeconds, flopsPerSample: workloads.trainingFLOPsPerSample, samplesPerStep: task.batchSize,
            samplesPerSecond: trainRate, peak: trainPeak)
        results.report("  training's products alone (batch \(task.batchSize)), 1 thread", shares.text)
        let trainRate2 = workloads.trainingSamplesPerSecond(
            batchSize: task.batchSize, epochs: 30, repetitions: max(repetitions / 6, 3), threads: 2)
        results.report(
            "  training (batch \(task.batchSize), Adam), 2 threads",
            String(format: "%.0f samples/s (%.2f× 1 thread)", trainRate2, trainRate2 / trainRate))
        let name = task.name
        results.json["\(name)_plan_ms_1t"] = .double(rounded(plan1 * 1e3, 4))
        results.json["\(name)_plan_ms_mt"] = .double(rounded(planN * 1e3, 4))
        results.json["\(name)_plan_gflops_mt"] = .double(rounded(flops / planN / 1e9, 2))
        results.json["\(name)_plan_sgemm_percent_1t"] = .double(rounded(percent1, 1))
        results.json["\(name)_plan_sgemm_percent_mt"] = .double(rounded(percentN, 1))
        results.json["\(name)_plan_peak_gflops_1t"] = .double(rounded(peak1, 2))
        results.json["\(name)_plan_peak_gflops_mt"] = .double(rounded(peakN, 2))
        results.json["\(name)_train_samples_per_s_1t"] = .double(rounded(trainRate, 0))
        results.json["\(name)_train_samples_per_s_2t"] = .double(rounded(trainRate2, 0))
        results.json["\(name)_train_sgemm_percent_1t"] = .double(rounded(trainPercent, 1))
        results.json["\(name)_train_peak_gflops_1t"] = .double(rounded(trainPeak, 2))
        results.json["\(name)_train_products_sgemm_percent_1t"] = .double(rounded(shares.peakPercent, 1))
        results.json["\(name)_train_products_time_percent_1t"] = .double(rounded(shares.timePercent, 1))

        switch task.environment {
        case .pendulum: measureCEM(workloads, cores: cores, into: results)
        case .halfcheetah:
            measureSamplingPlanners(workloads, peak: peak, cores: cores, into: results)
            try measurePETSPreset(workloads, peak: peak, cores: cores, into: results)
            // The opt-in bf16 path on the same step (BF16Workloads.swift).
            results.json.merge(
                BF16Workloads(workloads: workloads, task: task).run(
                    cores: cores, repetitions: repetitions, report: results.report)
            ) { $1 }
        default: break
        }
        return TaskFigures(
            task: task, workloads: workloads, planOneThread: plan1, planThreads: planN, training: trainRate,
            trainingTwoThreads: trainRate2)
    }

    /// CEM's step as in pipelines/methods/cem.mk's shape: population 500, horizon 30, 5 iterations,
    /// on `cores` threads (cem_ms_mt).
    func measureCEM(_ workloads: Workloads, cores: Int, into results: BenchResults) {
        let cem = workloads.planStepSeconds(
            kind: .cem, candidates: 500, horizon: 30, iterations: 5, threads: cores,
            repetitions: max(repetitions / 3, 3))
        results.report("  plan step (cem, 500 × H 30 × 5 it), \(cores) threads", String(format: "%.3f ms", cem * 1e3))
        results.json["cem_ms_mt"] = .double(BenchResults.rounded(cem * 1e3, 4))
    }

    /// iCEM's settings in pipelines/methods/icem.mk: N 300, H 30, 3 iterations, 10 elites, β 0.25,
    /// γ 1.25, ξ 0.3, α 0.1, initial σ 0.5.
    static var icemConfiguration: PlannerConfiguration {
        var config = PlannerConfiguration(kind: .icem)
        config.candidates = 300
        config.horizon = 30
        config.iterations = 3
        config.elites = 10
        config.beta = 0.25
        config.populationDecay = 1.25
        config.keepFraction = 0.3
        config.alpha = 0.1
        config.initialStd = 0.5
        return config
    }

    /// MPPI's settings in pipelines/methods/mppi.mk as halfcheetah-best plans: K 1000, H 20, one
    /// iteration, λ 1, σ 0.5, the cost on a root pitch beyond ±1 rad.
    static var mppiConfiguration: PlannerConfiguration {
        var config = PlannerConfiguration(kind: .mppi)
        config.candidates = 1000
        config.horizon = 20
        config.iterations = 1
        config.temperature = 1
        config.noise = 0.5
        config.constraints.pitchLimit = 1
        return config
    }

    /// The steps of the planners that sample Gaussian sequences, on the HalfCheetah network, on 1 and
    /// on `cores` threads, each with its network's share of the SGEMM rate read around it:
    /// - iCEM as in pipelines/methods/icem.mk: N 300 decaying by 1.25 per iteration, 10 elites, H 30, 3
    ///   iterations (300 + 240 + 192 sequences and the 3 shifted elites): halfcheetah_icem_ms_1t and
    ///   _mt, halfcheetah_icem_sgemm_percent_1t and _mt, halfcheetah_icem_peak_gflops_1t and _mt;
    /// - MPPI as in pipelines/methods/mppi.mk (K 1000 × H 20): the same keys with `mppi`.
    func measureSamplingPlanners(_ workloads: Workloads, peak: SGEMMPeak, cores: Int, into results: BenchResults) {
        let icem = Self.icemConfiguration, mppi = Self.mppiConfiguration
        // Every iCEM sequence scored in a step (after the first, which has no elites to shift) is H rows.
        let icemSequences = icem.populationSizes.reduce(0, +) + icem.keptElites
        for (name, config, sequences, label) in [
            ("icem", icem, icemSequences, "plan step (icem, 300 × H 30 × 3 it, \(icemSequences) sequences)"),
            ("mppi", mppi, mppi.candidates, "plan step (mppi, K 1000 × H 20)")
        ] {
            measureStep(
                name, label: label, flops: workloads.networkFLOPs(rows: sequences * config.horizon), peak: peak,
                cores: cores, into: results
            ) { threads in
                var settings = config
                settings.threads = threads
                return workloads.planStepSeconds(settings, repetitions: max(repetitions / 3, 3))
            }
        }
    }

    /// One HalfCheetah control step, `seconds(threads)`, measured on 1 and on `cores` threads, each
    /// with its network's share (`flops` a step) of the SGEMM rate read around it; reported as
    /// "<label>, N threads" and recorded as halfcheetah_<name>_ms_1t and _mt,
    /// halfcheetah_<name>_sgemm_percent_1t and _mt, halfcheetah_<name>_peak_gflops_1t and _mt.
    func measureStep(
        _ name: String, label: String, flops: Double, peak: SGEMMPeak, cores: Int, into results: BenchResults,
        seconds: (_ threads: Int) throws -> Double
    ) rethrows {
        for threads in [1, cores] {
            let (step, rate) = try peak.around(threads: threads) { try seconds(threads) }
            let percent = 100 * flops / step / 1e9 / rate, key = threads == 1 ? "1t" : "mt"
            results.report(
                "  \(label), \(threads) thread" + (threads == 1 ? "" : "s"),
                String(
                    format: "%.3f ms, network %.1f GFLOP/s (%.0f%% of SGEMM, %.1f)", step * 1e3, flops / step / 1e9,
                    percent, rate))
            results.json["halfcheetah_\(name)_ms_\(key)"] = .double(BenchResults.rounded(step * 1e3, 4))
            results.json["halfcheetah_\(name)_sgemm_percent_\(key)"] = .double(BenchResults.rounded(percent, 1))
            results.json["halfcheetah_\(name)_peak_gflops_\(key)"] = .double(BenchResults.rounded(rate))
        }
    }

    /// The PyTorch reference on the tasks' workloads, right after ours: each task's planning step on 1
    /// and on `cores` threads and its training on 1 and on 2 threads (`torch.set_num_threads`), with the
    /// ratio to `measured`'s figures (torch_<task>_plan_ms_1t and _mt, torch_<task>_train_samples_per_s_1t
    /// and _2t). A figure the reference cannot give is a row saying why, and no key.
    func measurePyTorch(
        _ torch: TorchReference, against measured: [TaskFigures], cores: Int, into results: BenchResults
    ) {
        let runs = max(repetitions / 3, 5)
        for m in measured {
            let name = m.task.name
            let plans: [(threads: Int, ours: Double, key: String)] = [
                (1, m.planOneThread, "1t"), (cores, m.planThreads, "mt")
            ]
            for p in plans {
                switch torch.measure("plan", task: name, threads: p.threads, repetitions: runs, key: "plan_ms") {
                case .success(let ms):
                    results.report(
                        "PyTorch \(name) plan step, \(p.threads) thread\(p.threads == 1 ? "" : "s")",
                        String(format: "%.3f ms (this project %.1f× faster)", ms, ms / (p.ours * 1e3)))
                    results.json["torch_\(name)_plan_ms_\(p.key)"] = .double(BenchResults.rounded(ms, 4))
                case .failure(let error):
                    results.report("PyTorch \(name) plan step", "not measured: \(error)")
                }
            }
            for (threads, ours) in [(1, m.training), (2, m.trainingTwoThreads)] {
                let label = "PyTorch \(name) training, \(threads) thread\(threads == 1 ? "" : "s")"
                switch torch.measure(
                    "train", task: name, threads: threads, repetitions: max(repetitions / 6, 3),
                    key: "train_samples_per_s")
                {
                case .success(let rate):
                    results.report(
                        label, String(format: "%.0f samples/s (this project %.1f× faster)", rate, ours / rate))
                    results.json["torch_\(name)_train_samples_per_s_\(threads)t"] = .double(
                        BenchResults.rounded(rate, 0))
                case .failure(let error):
                    results.report(label, "not measured: \(error)")
                }
            }
        }
    }
}
