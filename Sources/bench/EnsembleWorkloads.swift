import Foundation
import MBRLCore
import MBRLData
import MBRLModels
import MBRLPlanning

/// PETS's workloads (issue 13) at PETS's sizes: an ensemble of 5 Gaussian members, 4 hidden SiLU
/// layers of 200, trained with Adam on the NLL (minibatch 256 per member over the 4,000 random
/// transitions of `Workloads`), and one TS-∞ evaluation of CEM's population (500 candidates × 20
/// particles, horizon 30) on it; each beside `scripts/torch_bench.py`'s PyTorch version of the same
/// work, run in the same `bench` run when a Python with torch is given.
struct EnsembleWorkloads {
    static let members = 5, hidden = 200, depth = 4
    static let candidates = 500, particles = 20, horizon = 30
    /// Rows per member in a training minibatch.
    static let batchSize = 256
    let base: Workloads

    /// An ensemble with mbrl-lib's initialization and the data's statistics (speed does not depend on
    /// the values).
    func model() -> EnsembleModel {
        EnsembleModel(
            stats: NormalizationStats(of: [base.data]), hidden: Self.hidden, depth: Self.depth, members: Self.members,
            activation: .silu, seed: 0)
    }

    /// Multiply-adds of `rows` member rows forward: 2·rows·Σ(fan in · fan out) (4-200-200-200-200-6).
    func networkFLOPs(memberRows rows: Int) -> Double { Workloads.networkFLOPs(widths: widths, rows: rows) }

    /// The widths of each member's layers: input, hidden..., the head (mean and log-variance).
    var widths: [Int] {
        let c = model().config
        return [c.inputSize] + Array(repeating: c.hidden, count: c.depth) + [c.headWidth]
    }

    /// (member, row) training samples per second of `ModelFitting.fit` (the `train --members`
    /// loop): `epochs` epochs over the 4,000 rows, no validation, on `threads` threads (`train --threads`).
    func trainingSamplesPerSecond(epochs: Int, repetitions: Int, threads: Int = 1) -> Double {
        BLAS.threads = 1
        var fitting = ModelFitting()
        fitting.threads = threads
        fitting.batchSize = Self.batchSize
        fitting.epochs = epochs
        fitting.validationFraction = 0
        var samples = 0
        let seconds = Workloads.median(repetitions: repetitions) {
            samples = (try? fitting.fit(model(), on: [base.data]).samplesSeen) ?? 0
        }
        return Double(samples) / seconds
    }

    /// Seconds of one TS-∞ evaluation of the population (sampled particles) on `threads` workers,
    /// and the network's multiply-add work in it (H − 1 predictions: Pendulum's reward reads the
    /// pre-step state).
    func tsInfEvaluation(threads: Int, repetitions: Int) -> (seconds: Double, flops: Double) {
        BLAS.threads = 1
        let rowsPerWorker = (Self.candidates + threads - 1) / threads * Self.particles
        let dynamics = EnsembleDynamics(
            model(), settings: PropagationSettings(propagation: .tsInf, particles: Self.particles, prediction: .sample),
            capacity: rowsPerWorker)
        let evaluator = TrajectoryEvaluator(
            dynamics: dynamics, objective: PlanningObjective(environment: base.environment.make()),
            capacity: Self.candidates, horizon: Self.horizon, threads: threads)
        var rng = RandomGenerator(seed: 0)
        let sequences = Buffer<Float>((0..<(Self.candidates * Self.horizon)).map { _ in 4 * rng.nextUnitFloat() - 2 })
        let start = Array(base.data.observations[0..<base.data.observationSize])
        var seed: UInt64 = 0
        let seconds = Workloads.median(repetitions: repetitions) {
            seed += 1
            evaluator.evaluate(from: start, sequences: sequences.pointer, count: Self.candidates, seed: seed)
        }
        let predictions = base.environment.make().rewardReadsNextObservation ? Self.horizon : Self.horizon - 1
        return (seconds, networkFLOPs(memberRows: Self.candidates * Self.particles * predictions))
    }

    /// Runs the workloads, reports each line through `report`, and returns the JSON keys.
    func run(
        cores: Int, peak: SGEMMPeak, repetitions: Int, torch: TorchReference?, report: (String, String) -> Void
    ) -> [String: JSONValue] {
        let network = model().config
        report("workload: PETS ensemble \(network)", "")
        let trainingFLOPs = Workloads.trainingFLOPsPerSample(widths: widths)
        let products = TrainingProducts(
            widths: widths, rows: Self.batchSize, layout: .inByOut, members: network.members)
        let ((trainRate, productSeconds), trainPeak) = peak.around(threads: 1) {
            (
                trainingSamplesPerSecond(epochs: 3, repetitions: max(repetitions / 10, 3)),
                products.seconds(repetitions: repetitions)
            )
        }
        let shares = products.shares(
            seconds: productSeconds, flopsPerSample: trainingFLOPs, samplesPerStep: Self.batchSize * network.members,
            samplesPerSecond: trainRate, peak: trainPeak)
        report(
            "ensemble training's products alone (\(network.members) × batch \(Self.batchSize)), 1 thread", shares.text)
        let tenths = { (x: Double) in JSONValue.double(BenchResults.rounded(x, 1)) }
        var json: [String: JSONValue] = [
            "ensemble_train_samples_per_s_1t": .double(trainRate.rounded()),
            "ensemble_train_sgemm_percent_1t": tenths(100 * trainRate * trainingFLOPs / 1e9 / trainPeak),
            "ensemble_train_peak_gflops_1t": .double(BenchResults.rounded(trainPeak)),
            "ensemble_train_products_sgemm_percent_1t": tenths(shares.peakPercent),
            "ensemble_train_products_time_percent_1t": tenths(shares.timePercent)
        ]
        let trainRate2 = trainingSamplesPerSecond(epochs: 3, repetitions: max(repetitions / 10, 3), threads: 2)
        json["ensemble_train_samples_per_s_2t"] = .double(trainRate2.rounded())
        let ((seconds, flops), planPeak) = peak.around(threads: cores) {
            tsInfEvaluation(threads: cores, repetitions: max(repetitions / 10, 3))
        }
        let rate = flops / seconds / 1e9
        json["ensemble_plan_ms_mt"] = .double((seconds * 1e5).rounded() / 100)
        json["ensemble_plan_gflops_mt"] = .double(BenchResults.rounded(rate))
        json["ensemble_plan_sgemm_fraction_mt"] = .double(BenchResults.rounded(rate / planPeak, 3))
        json["ensemble_plan_peak_gflops_mt"] = .double(BenchResults.rounded(planPeak))
        var torchTrain: Double?, torchTrain2: Double?, torchPlan: Double?
        if let torch {
            func measured(_ result: Result<Double, TorchReference.ReferenceError>) -> Double? {
                switch result {
                case .success(let value): return value
                case .failure(let error): StandardError.write("bench: PyTorch not measured: \(error)\n"); return nil
                }
            }
            torchTrain = measured(
                torch.measure("ensemble-train", threads: 1, repetitions: 3, key: "train_samples_per_s"))
            torchPlan = measured(torch.measure("ensemble-plan", threads: cores, repetitions: 3, key: "plan_ms"))
            json["torch_ensemble_train_samples_per_s_1t"] = torchTrain.map { .double($0) } ?? .null
            torchTrain2 = measured(
                torch.measure("ensemble-train", threads: 2, repetitions: 3, key: "train_samples_per_s"))
            json["torch_ensemble_train_samples_per_s_2t"] = torchTrain2.map { .double($0) } ?? .null
            json["torch_ensemble_plan_ms_mt"] = torchPlan.map { .double($0) } ?? .null
        }
        report(
            "ensemble training (5 × batch 256, Adam, NLL), 1 thread",
            String(format: "%.0f samples/s", trainRate)
                + (torchTrain.map { String(format: " (PyTorch %.0f: %.2f×)", $0, trainRate / $0) } ?? ""))
        report(
            "ensemble training (5 × batch 256, Adam, NLL), 2 threads",
            String(format: "%.0f samples/s (%.2f× 1 thread)", trainRate2, trainRate2 / trainRate)
                + (torchTrain2.map { String(format: " (PyTorch %.0f: %.2f×)", $0, trainRate2 / $0) } ?? ""))
        report(
            "TS-∞ evaluation (500 × 20 particles, H \(Self.horizon)), \(cores) threads",
            String(
                format: "%.1f ms, network %.1f GFLOP/s (%.0f%% of SGEMM %d threads, %.1f)", seconds * 1e3, rate,
                100 * rate / planPeak, cores, planPeak)
                + (torchPlan.map { String(format: " (PyTorch %.1f ms: %.2f×)", $0, $0 / (seconds * 1e3)) } ?? ""))
        return json
    }
}
