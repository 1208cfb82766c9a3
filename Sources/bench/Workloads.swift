import Foundation
import MBRL

/// The measured workloads, each returning the median over repetitions after a warm-up.
enum Workloads {
    /// The median of `repetitions` timings of `body` (seconds), after two untimed runs.
    static func median(repetitions: Int, _ body: () -> Void) -> Double {
        body(); body()
        var times: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// SGEMM rate in GFLOP/s for (m × k)·(k × n) on `threads` OpenBLAS threads.
    static func sgemmGFLOPS(m: Int, n: Int, k: Int, threads: Int, repetitions: Int) -> Double {
        BLAS.threads = threads
        defer { BLAS.threads = 1 }
        var rng = RandomGenerator(seed: 1)
        let a = Buffer<Float>((0..<(m * k)).map { _ in rng.nextUnitFloat() })
        let b = Buffer<Float>((0..<(k * n)).map { _ in rng.nextUnitFloat() })
        let c = Buffer<Float>(count: m * n)
        let seconds = median(repetitions: repetitions) {
            BLAS.gemm(m: m, n: n, k: k, a: a.pointer, b: b.pointer, c: c.pointer)
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    /// The network's multiply-add work for `rows` forward rows of 4-64-64-3: 2·rows·(4·64 + 64·64 + 64·3).
    static func networkFLOPs(rows: Int) -> Double { 2 * Double(rows) * Double(4 * 64 + 64 * 64 + 64 * 3) }

    /// A 4-64-64-3 batch-norm model with random weights and Pendulum-like statistics (speed does not
    /// depend on the values).
    static func model() -> DynamicsModel {
        let stats = NormalizationStats(stateMean: [0, 0, 0], stateStd: [0.7, 0.7, 4], actionMean: [0], actionStd: [1.15],
                                       deltaStateMean: [0, 0, 0], deltaStateStd: [0.14, 0.14, 0.55], count: 1)
        return DynamicsModel(stats: stats, hidden: 64, depth: 2, batchNorm: true, seed: 0)
    }

    /// Seconds per control step of a planner on the model, from the notebook's start [1, 0, 0].
    static func planStepSeconds(kind: PlannerKind, candidates: Int, horizon: Int, iterations: Int, threads: Int, repetitions: Int) -> Double {
        BLAS.threads = 1
        var config = PlannerConfiguration(kind: kind)
        config.candidates = candidates
        config.horizon = horizon
        config.iterations = iterations
        config.threads = threads
        let planner = config.make(dynamics: ModelDynamics(model(), capacity: config.rowsPerWorker),
                                  objective: PlanningObjective(environment: Pendulum(), terminates: false))
        var rng = RandomGenerator(seed: 0)
        return median(repetitions: repetitions) {
            _ = planner.action(for: [1, 0, 0], rng: &rng)
        }
    }

    /// Training samples per second: Adam steps on minibatches of random rows of 4,000 random examples.
    static func trainingSamplesPerSecond(batchSize: Int, steps: Int, repetitions: Int) -> Double {
        BLAS.threads = 1
        let trainer = ModelTrainer(model: model(), batchSize: batchSize, optimizer: AdamConfiguration(learningRate: 1e-3))
        var rng = RandomGenerator(seed: 0)
        let examples = ModelTrainer.Examples(inputs: (0..<16_000).map { _ in Float(rng.normal()) },
                                             targets: (0..<12_000).map { _ in Float(rng.normal()) }, count: 4000)
        let batches = (0..<steps).map { _ in (0..<batchSize).map { _ in rng.index(below: 4000) } }
        let seconds = median(repetitions: repetitions) {
            for rows in batches { trainer.step(on: examples, rows: rows[...]) }
        }
        return Double(steps * batchSize) / seconds
    }
}
