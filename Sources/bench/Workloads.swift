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
                                  objective: PlanningObjective(environment: Pendulum()))
        var rng = RandomGenerator(seed: 0)
        return median(repetitions: repetitions) {
            _ = planner.action(for: [1, 0, 0], rng: &rng)
        }
    }

    /// Training samples per second of `ModelFitting.fit` (the `train` stage's loop): `epochs` epochs
    /// of Adam on minibatches of `batchSize` over 4,000 random Pendulum transitions, no validation.
    static func trainingSamplesPerSecond(batchSize: Int, epochs: Int, repetitions: Int) throws -> Double {
        BLAS.threads = 1
        var env: any Environment = Pendulum()
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        let data = try Rollout(episodes: 20, seed: 0).run(&policy, in: &env)
        var fitting = ModelFitting()
        fitting.batchSize = batchSize
        fitting.epochs = epochs
        fitting.validationFraction = 0
        var samples = 0
        let seconds = median(repetitions: repetitions) {
            samples = (try? fitting.fit(model(), on: [data]).samplesSeen) ?? 0
        }
        return Double(samples) / seconds
    }
}
