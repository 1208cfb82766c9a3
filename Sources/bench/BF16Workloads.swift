import Foundation
import MBRLCommandLine
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLPlanning

/// The planner's opt-in bf16 path (`PlanningPrecision`) beside fp32: the product of HalfCheetah's
/// hidden layer (candidates × horizon rows per step, 200 × 200) in bf16 on AMX and in fp32 SGEMM,
/// and the random-shooting step in both precisions, on 1 and on all threads. The two precisions'
/// steps are timed alternately (one of each per repetition), so a machine whose load changes during
/// the run slows both alike and their ratio stays meaningful.
struct BF16Workloads {
    let workloads: Workloads
    let task: Bench.Task

    /// The JSON keys: bf16_gemm_gflops_1t and sgemm_gflops_1t_planner_shape (K × hidden · hidden ×
    /// hidden, the hidden layer's product per horizon step of one thread's planner),
    /// <task>_plan_ms_1t_bf16 and <task>_plan_ms_mt_bf16, and <task>_plan_bf16_speedup_1t and _mt
    /// (the fp32 step's median over the bf16 step's, timed alternately); all null when AMX-BF16 is
    /// unavailable (with a line saying so).
    func run(cores: Int, repetitions: Int, report: (String, String) -> Void) -> [String: JSONValue] {
        let keys = [
            "bf16_gemm_gflops_1t", "sgemm_gflops_1t_planner_shape", "\(task.name)_plan_ms_1t_bf16",
            "\(task.name)_plan_ms_mt_bf16",
            "\(task.name)_plan_bf16_speedup_1t", "\(task.name)_plan_bf16_speedup_mt"
        ]
        guard BF16Matrix.isAvailable else {
            report("bf16 planning", "not measured: this CPU (or kernel) has no AMX-BF16")
            return Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.null) })
        }
        let (m, n, k) = (task.candidates, task.hidden, task.hidden)
        let bf16 = Self.bf16GFLOPS(m: m, n: n, k: k, repetitions: repetitions * 10)
        let sgemm = Workloads.sgemmGFLOPS(m: m, n: n, k: k, threads: 1, repetitions: repetitions * 10)
        report(
            "GEMM \(m)×\(k) · \(k)×\(n), 1 thread",
            String(
                format: "bf16 (AMX) %.1f GFLOP/s, fp32 SGEMM %.1f "
                    + "GFLOP/s (%.1f×)", bf16, sgemm, bf16 / sgemm))
        var json: [String: JSONValue] = [
            "bf16_gemm_gflops_1t": .double(rounded(bf16)), "sgemm_gflops_1t_planner_shape": .double(rounded(sgemm))
        ]
        for (threads, key) in [(1, "1t"), (cores, "mt")] {
            let (fp32, seconds) = alternatingPlanSeconds(threads: threads, repetitions: repetitions)
            report(
                "  plan step (rs, K \(task.candidates), H \(task.horizon)), bf16, \(threads) "
                    + "thread\(threads == 1 ? "" : "s")",
                String(format: "%.3f ms (fp32 %.3f ms alternately, %.2f×)", seconds * 1e3, fp32 * 1e3, fp32 / seconds))
            json["\(task.name)_plan_ms_\(key)_bf16"] = .double(rounded(seconds * 1e3, 4))
            json["\(task.name)_plan_bf16_speedup_\(key)"] = .double(rounded(fp32 / seconds))
        }
        return json
    }

    /// Median seconds per random-shooting step in fp32 and in bf16, one step of each per repetition
    /// (after two untimed ones), from the first observation of the data.
    func alternatingPlanSeconds(threads: Int, repetitions: Int) -> (fp32: Double, bf16: Double) {
        BLAS.threads = 1
        var config = PlannerConfiguration(kind: .rs)
        config.candidates = task.candidates
        config.horizon = task.horizon
        config.threads = threads
        let objective = PlanningObjective(environment: workloads.environment.make()), model = workloads.model()
        let planners = [PlanningPrecision.fp32, .bf16].map {
            config.make(
                dynamics: ModelDynamics(model, capacity: config.rowsPerWorker, precision: $0), objective: objective)
        }
        let start = Array(workloads.data.observations[0..<workloads.data.observationSize])
        var rng = RandomGenerator(seed: 0)
        var times: [[Double]] = [[], []]
        for repetition in -2..<repetitions {
            for (i, planner) in planners.enumerated() {
                let begin = DispatchTime.now().uptimeNanoseconds
                _ = planner.action(for: start, rng: &rng)
                if repetition >= 0 { times[i].append(Double(DispatchTime.now().uptimeNanoseconds - begin) * 1e-9) }
            }
        }
        let medians = times.map { $0.sorted()[$0.count / 2] }
        return (medians[0], medians[1])
    }

    /// GFLOP/s of `BF16Matrix.multiply` for (m × k)·(k × n) on one thread, the conversion of the
    /// m × k operand to bf16 included.
    static func bf16GFLOPS(m: Int, n: Int, k: Int, repetitions: Int) -> Double {
        var rng = RandomGenerator(seed: 1)
        let a = Buffer<Float>((0..<(m * k)).map { _ in rng.nextUnitFloat() })
        let w = Buffer<Float>((0..<(k * n)).map { _ in rng.nextUnitFloat() })
        let c = Buffer<Float>(count: m * n)
        let matrix = BF16Matrix(weight: w.pointer, output: n, input: k)
        let seconds = Workloads.median(repetitions: repetitions) {
            matrix.multiply(a.pointer, rows: m, into: c.pointer)
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    private func rounded(_ x: Double, _ digits: Int = 2) -> Double { BenchResults.rounded(x, digits) }
}

extension BF16Workloads {
    /// How often the bf16 planner chooses another first action than the fp32 one in the same state
    /// with the same candidates: along the fp32 planner's own trajectory from each row of
    /// `startsPath` (random shooting, K 1000, H 20, the planning reward `plan` uses by default), at
    /// every step both planners score the same candidate sequences (equal random generators) and
    /// their first actions are compared. Prints the fraction of steps that differ and the mean
    /// absolute difference of the actions; returns them as bf16_first_action_differs_fraction and
    /// bf16_first_action_mean_abs_difference.
    static func agreement(
        modelPath: String, startsPath: String, steps: Int, seed: UInt64,
        report: (String, String) -> Void
    ) throws -> [String: JSONValue] {
        let single: (DynamicsModel) -> DynamicsModel? = { $0 }
        let (read, envID) = try ModelFile.read(fromFile: modelPath, single: single, ensemble: { _ in nil })
        guard let model = read else {
            throw StageError(
                "\(modelPath): bf16 planning is for a "
                    + "single network; this is an ensemble")
        }
        guard let name = EnvironmentName(id: envID) else {
            throw StageError(
                "\(modelPath): unknown environment "
                    + "'\(envID)'")
        }
        guard BF16Matrix.isAvailable else {
            throw StageError(
                "bf16 is unavailable on this CPU (it needs Intel "
                    + "AMX-BF16)")
        }
        var env = name.make()
        let starts = try InitialStates.read(from: startsPath, stateSize: env.stateSize, needed: 1)
        var config = PlannerConfiguration(kind: .rs)
        config.candidates = 1000
        config.horizon = 20
        config.threads = 1
        let objective = PlanningObjective(environment: env, predictsDeltaX: model.predictsDeltaX)
        let fp32 = config.make(dynamics: ModelDynamics(model, capacity: config.rowsPerWorker), objective: objective)
        let bf16 = config.make(
            dynamics: ModelDynamics(model, capacity: config.rowsPerWorker, precision: .bf16), objective: objective)
        var differing = 0, total = 0, absoluteDifference = 0.0
        for (episode, start) in starts.enumerated() {
            var observation = env.reset(toState: start)
            fp32.reset()
            bf16.reset()
            var rng = RandomGenerator(seed: seed &+ UInt64(episode), stream: RandomStreams.planner)
            for _ in 0..<steps {
                var twin = rng
                let action = fp32.action(for: observation, rng: &rng)
                let other = bf16.action(for: observation, rng: &twin)
                total += 1
                if action != other { differing += 1 }
                absoluteDifference +=
                    zip(action, other).map { Double(abs($0 - $1)) }.reduce(0, +) / Double(action.count)
                let result = env.step(action)
                if result.terminated { break }
                observation = result.observation
            }
        }
        let fraction = Double(differing) / Double(total), meanDifference = absoluteDifference / Double(total)
        report(
            "bf16 vs fp32 first action (rs, K 1000, H 20), \(total) steps from \(starts.count) starts",
            String(format: "differs at %.1f%% of steps, mean |Δa| %.4f", 100 * fraction, meanDifference))
        return [
            "bf16_first_action_differs_fraction": .double(fraction),
            "bf16_first_action_mean_abs_difference": .double(meanDifference)
        ]
    }
}
