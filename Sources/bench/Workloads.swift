import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLPlanning
import MBRLRollouts

/// The measured workloads on one environment, each returning the median over repetitions after a
/// warm-up. The model is a batch-norm network of two blocks of width `hidden`, sized for the
/// environment, with statistics of random episodes of it (4,000 transitions); the planner's
/// objective is the environment's reward.
struct Workloads {
    let environment: EnvironmentName
    /// The width of the model's two hidden blocks.
    let hidden: Int
    /// Random episodes of the environment (seed 0), 4,000 transitions: the model's statistics and
    /// the training data.
    let data: Transitions

    init(environment: EnvironmentName, hidden: Int) throws {
        self.environment = environment
        self.hidden = hidden
        var env = environment.make()
        env.episodeLimit = min(env.episodeLimit, 200)
        var policy = RandomPolicy(low: env.actionLow, high: env.actionHigh)
        data = try Rollout(episodes: 4000 / env.episodeLimit, seed: 0).run(&policy, in: &env)
    }

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
        let seconds = Self.median(repetitions: repetitions) {
            BLAS.gemm(m: m, n: n, k: k, a: a.pointer, b: b.pointer, c: c.pointer)
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    /// The network's multiply-add work for `rows` forward rows: 2·rows·Σ(fan in · fan out) over its
    /// linear layers (for Pendulum's 4-64-64-3: 2·rows·(4·64 + 64·64 + 64·3)).
    func networkFLOPs(rows: Int) -> Double { Self.networkFLOPs(widths: widths, rows: rows) }

    /// 2·rows·Σ(fan in · fan out) for a stack of linear layers of `widths` (input, hidden..., output).
    static func networkFLOPs(widths: [Int], rows: Int) -> Double {
        2 * Double(rows) * Double(zip(widths, widths.dropFirst()).map { $0 * $1 }.reduce(0, +))
    }

    /// The arithmetic of one training sample through a stack of linear layers of `widths`: the forward
    /// product, the weights' gradient and the inputs' gradient of every layer but the first (nothing
    /// needs the gradient of the data), each 2·Σ(fan in · fan out). Batch norm, activations and Adam
    /// are left out: they grow with the widths, not their products.
    static func trainingFLOPsPerSample(widths: [Int]) -> Double {
        let products = zip(widths, widths.dropFirst()).map { Double($0 * $1) }
        return 2 * (2 * products.reduce(0, +) + products.dropFirst().reduce(0, +))
    }

    /// The widths of the model's layers: input, hidden..., output.
    var widths: [Int] {
        let c = model().config
        return [c.inputSize] + Array(repeating: c.hidden, count: c.depth) + [c.outputSize]
    }

    /// `trainingFLOPsPerSample` of this workload's network.
    var trainingFLOPsPerSample: Double { Self.trainingFLOPsPerSample(widths: widths) }

    /// The batch-norm model with random weights (speed does not depend on the values).
    func model() -> DynamicsModel {
        DynamicsModel(stats: NormalizationStats(of: [data]), hidden: hidden, seed: 0)
    }

    /// Seconds per control step of a planner on the model, from the first observation of the data.
    func planStepSeconds(
        kind: PlannerKind, candidates: Int, horizon: Int, iterations: Int, threads: Int, repetitions: Int
    ) -> Double {
        var config = PlannerConfiguration(kind: kind)
        config.candidates = candidates
        config.horizon = horizon
        config.iterations = iterations
        config.threads = threads
        return planStepSeconds(config, repetitions: repetitions)
    }

    /// The median seconds of one control step of the planner `config` describes (on its `threads`, with
    /// its constraints, which must fit the task).
    func planStepSeconds(_ config: PlannerConfiguration, repetitions: Int) -> Double {
        BLAS.threads = 1
        let planner = config.make(
            dynamics: ModelDynamics(model(), capacity: config.rowsPerWorker), objective: objective(for: config))
        var rng = RandomGenerator(seed: 0)
        let start = Array(data.observations[0..<data.observationSize])
        return Self.median(repetitions: repetitions) {
            _ = planner.action(for: start, rng: &rng)
        }
    }

    /// What `plan` would score with `config` on this environment: the task's reward with the
    /// configuration's constraints (which `PlannerConfiguration.make` leaves to its caller). The bench's
    /// constraints are its own and fit its tasks, so a misfit is a bug here.
    func objective(for config: PlannerConfiguration) -> PlanningObjective {
        let env = environment.make()
        guard let objective = try? config.constraints.applied(to: PlanningObjective(environment: env), on: env) else {
            preconditionFailure("bench: the planner's constraints do not fit \(environment.id)")
        }
        return objective
    }

    /// Training samples per second of `ModelFitting.fit` (the `train` stage's loop): `epochs` epochs
    /// of Adam on minibatches of `batchSize` over the random transitions, no validation, on `threads`
    /// threads (`train --threads`).
    func trainingSamplesPerSecond(batchSize: Int, epochs: Int, repetitions: Int, threads: Int = 1) -> Double {
        BLAS.threads = 1
        var fitting = ModelFitting()
        fitting.threads = threads
        fitting.batchSize = batchSize
        fitting.epochs = epochs
        fitting.validationFraction = 0
        var samples = 0
        let seconds = Self.median(repetitions: repetitions) {
            samples = (try? fitting.fit(model(), on: [data]).samplesSeen) ?? 0
        }
        return Double(samples) / seconds
    }
}
