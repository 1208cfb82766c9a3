import Foundation
import MBRLCore
import MBRLEnvironments
import MBRLModels

/// The performance table of one `bench` run, in Markdown, made from the JSON object the run wrote
/// (`bench --json-out`), so the figures in the docs are the run's figures and not retyped.
///
/// Each row is a workload with its time or rate, PyTorch's on the same workload in the same run when
/// it was measured, the speed ratio (above 1: this project is faster), the share of the machine's
/// SGEMM peak (on 1 thread or on the run's threads, as the workload ran), and issue 22's target for
/// that share where it sets one, marked met or not met. Training rows also show what the step's matrix
/// products alone reach at the step's shapes (`TrainingProducts`): their share of the peak, the ceiling
/// of the row's share, and their share of the step's time. Rows whose keys the file lacks are left out.
struct BenchTable {
    /// The keys of the run's JSON object with their values (numbers; `openblas_kernel` a string).
    let values: [String: Any]
    /// The file the values came from, named in the table's caption.
    let source: String

    init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, "cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FileError(path: path, "is not a JSON object (bench --json-out writes one)")
        }
        guard object["sgemm_gflops_1t"] is NSNumber else {
            throw FileError(path: path, "has no sgemm_gflops_1t: not a bench result")
        }
        values = object
        source = path
    }

    /// A row's speed: a time in milliseconds (lower is better) or a rate in samples per second.
    enum Measure {
        case milliseconds(String)
        case samplesPerSecond(String)
    }

    /// One workload's row: its label, the key of its figure, PyTorch's key, its share of SGEMM's peak
    /// (percent) and the share issue 22 asks for.
    struct Row {
        let label: String
        let measure: Measure
        let torchKey: String?
        let percentKey: String?
        let percentScale: Double
        let target: Double?
        /// The key of a speed-up measured in the run itself (bf16 against fp32, timed alternately),
        /// shown in the speed-up column instead of PyTorch's ratio.
        let speedupKey: String?
        /// The keys' common start of the figures of the step's products alone: `<products>_sgemm_percent_1t`
        /// and `<products>_time_percent_1t`.
        let productsKey: String?

        init(
            _ label: String, _ measure: Measure, torch: String? = nil, percent: String? = nil, percentScale: Double = 1,
            target: Double? = nil, speedup: String? = nil, products: String? = nil
        ) {
            self.label = label
            self.productsKey = products
            self.measure = measure
            self.speedupKey = speedup
            self.torchKey = torch
            self.percentKey = percent
            self.percentScale = percentScale
            self.target = target
        }
    }

    func number(_ key: String?) -> Double? {
        guard let key, let value = values[key] as? NSNumber else { return nil }
        return value.doubleValue
    }

    var rows: [Row] {
        let threads = number("threads_mt").map { "\(Int($0)) threads" } ?? "all threads"
        let pendulumPlan = "Pendulum MPC step (rs, K 1024, H 15, 4-64-64-3 + BN)"
        let cheetahPlan = "HalfCheetah MPC step (rs, K 1000, H 20, 23-200-200-18 + BN)"
        let icem = "HalfCheetah iCEM step (300 × H 30 × 3 iterations)"
        let mppi = "HalfCheetah MPPI step (K 1000, H 20, as halfcheetah-best)"
        let pets =
            "HalfCheetah PETS step (MPPI 400 × 5 particles TS-∞ on 5 × 3 × 200 SiLU, H 20, as halfcheetah-pets-200k)"
        return [
            Row(
                "\(pendulumPlan), 1 thread", .milliseconds("pendulum_plan_ms_1t"), torch: "torch_pendulum_plan_ms_1t",
                percent: "pendulum_plan_sgemm_percent_1t"),
            Row(
                "\(pendulumPlan), \(threads)", .milliseconds("pendulum_plan_ms_mt"), torch: "torch_pendulum_plan_ms_mt",
                percent: "pendulum_plan_sgemm_percent_mt", target: 80),
            Row(
                "Pendulum training (minibatch 128, Adam), 1 thread",
                .samplesPerSecond("pendulum_train_samples_per_s_1t"),
                torch: "torch_pendulum_train_samples_per_s_1t", percent: "pendulum_train_sgemm_percent_1t", target: 80,
                products: "pendulum_train_products"),
            Row(
                "Pendulum training (minibatch 128, Adam), 2 threads (`train --threads 2`)",
                .samplesPerSecond("pendulum_train_samples_per_s_2t"), torch: "torch_pendulum_train_samples_per_s_2t"),
            Row("Pendulum CEM step (500 × H 30 × 5 iterations), \(threads)", .milliseconds("cem_ms_mt")),
            Row(
                "\(cheetahPlan), 1 thread", .milliseconds("halfcheetah_plan_ms_1t"),
                torch: "torch_halfcheetah_plan_ms_1t",
                percent: "halfcheetah_plan_sgemm_percent_1t"),
            Row(
                "\(cheetahPlan), \(threads)", .milliseconds("halfcheetah_plan_ms_mt"),
                torch: "torch_halfcheetah_plan_ms_mt",
                percent: "halfcheetah_plan_sgemm_percent_mt"),
            Row(
                "HalfCheetah training (minibatch 512, Adam), 1 thread",
                .samplesPerSecond("halfcheetah_train_samples_per_s_1t"),
                torch: "torch_halfcheetah_train_samples_per_s_1t", percent: "halfcheetah_train_sgemm_percent_1t",
                target: 80, products: "halfcheetah_train_products"),
            Row(
                "HalfCheetah training (minibatch 512, Adam), 2 threads (`train --threads 2`)",
                .samplesPerSecond("halfcheetah_train_samples_per_s_2t"),
                torch: "torch_halfcheetah_train_samples_per_s_2t"),
            Row(
                "\(cheetahPlan) in bf16 on AMX (`--precision bf16`), 1 thread",
                .milliseconds("halfcheetah_plan_ms_1t_bf16"),
                speedup: "halfcheetah_plan_bf16_speedup_1t"),
            Row(
                "\(cheetahPlan) in bf16 on AMX, \(threads)", .milliseconds("halfcheetah_plan_ms_mt_bf16"),
                speedup: "halfcheetah_plan_bf16_speedup_mt"),
            Row(
                "\(icem), 1 thread", .milliseconds("halfcheetah_icem_ms_1t"),
                percent: "halfcheetah_icem_sgemm_percent_1t"),
            Row(
                "\(icem), \(threads)", .milliseconds("halfcheetah_icem_ms_mt"),
                percent: "halfcheetah_icem_sgemm_percent_mt",
                target: 85),
            Row(
                "\(mppi), 1 thread", .milliseconds("halfcheetah_mppi_ms_1t"),
                percent: "halfcheetah_mppi_sgemm_percent_1t"),
            Row(
                "\(mppi), \(threads)", .milliseconds("halfcheetah_mppi_ms_mt"),
                percent: "halfcheetah_mppi_sgemm_percent_mt"),
            Row(
                "\(pets), 1 thread", .milliseconds("halfcheetah_pets_ms_1t"),
                percent: "halfcheetah_pets_sgemm_percent_1t"),
            Row(
                "\(pets), \(threads)", .milliseconds("halfcheetah_pets_ms_mt"),
                percent: "halfcheetah_pets_sgemm_percent_mt", target: 85),
            Row(
                "PETS ensemble training (5 × 4 × 200 SiLU, minibatch 256, NLL), 1 thread",
                .samplesPerSecond("ensemble_train_samples_per_s_1t"),
                torch: "torch_ensemble_train_samples_per_s_1t", percent: "ensemble_train_sgemm_percent_1t", target: 80,
                products: "ensemble_train_products"),
            Row(
                "PETS ensemble training (5 × 4 × 200 SiLU, minibatch 256, NLL), 2 threads (`train --threads 2`)",
                .samplesPerSecond("ensemble_train_samples_per_s_2t"), torch: "torch_ensemble_train_samples_per_s_2t"),
            Row(
                "PETS TS-∞ evaluation (500 × 20 particles, H 30), \(threads)", .milliseconds("ensemble_plan_ms_mt"),
                torch: "torch_ensemble_plan_ms_mt", percent: "ensemble_plan_sgemm_fraction_mt", percentScale: 100,
                target: 85)
        ]
    }

    var markdown: String {
        let kernel = values["openblas_kernel"] as? String ?? "not recorded"
        var lines = [
            "Generated by `bench --table \(source)` from one `make bench` run (OpenBLAS kernel \(kernel)): SGEMM 1024³ "
                + format(number("sgemm_gflops_1t"), "%.1f") + " GFLOP/s on 1 thread, "
                + format(number("sgemm_gflops_mt"), "%.1f") + " GFLOP/s on "
                + (number("threads_mt").map { "\(Int($0)) threads" } ?? "all threads")
                + " at the start" + self.peakRange + ". Speed-up: PyTorch's time ÷ this project's (rates: ours ÷ "
                + "PyTorch's); for bf16, fp32's step "
                + "÷ bf16's. Its products alone: the share of the peak the step's matrix products reach by "
                + "themselves at its shapes, and their share of the step's time.",
            "",
            "| workload | this project | PyTorch | speed-up | share of SGEMM peak | target | its products alone |",
            "|---|---|---|---|---|---|---|"
        ]
        for row in rows {
            let ours: Double?, torch = number(row.torchKey)
            let shown: String, torchShown: String, ratio: Double?
            switch row.measure {
            case .milliseconds(let key):
                ours = number(key)
                shown = format(ours, "%.2f ms")
                torchShown = format(torch, "%.2f ms")
                ratio = ours.flatMap { o in torch.map { $0 / o } }
            case .samplesPerSecond(let key):
                ours = number(key)
                shown = format(ours.map { $0 / 1000 }, "%.0f k samples/s")
                torchShown = format(torch.map { $0 / 1000 }, "%.0f k samples/s")
                ratio = ours.flatMap { o in torch.map { o / $0 } }
            }
            guard ours != nil else { continue }
            let speedup =
                number(row.speedupKey).map { String(format: "%.2f× fp32's (timed alternately)", $0) }
                ?? format(ratio, "%.2f×")
            let percent = number(row.percentKey).map { $0 * row.percentScale }
            let target =
                row.target.map { goal in
                    "≥ \(Int(goal))%" + (percent.map { $0 >= goal ? " — met" : " — **not met**" } ?? "")
                } ?? ""
            let products = row.productsKey.flatMap { key in
                number(key + "_sgemm_percent_1t").map { peak in
                    String(format: "%.0f%% of peak", peak)
                        + (number(key + "_time_percent_1t").map { String(format: ", %.0f%% of its time", $0) } ?? "")
                }
            }
            lines.append(
                "| \(row.label) | \(shown) | \(torchShown) | \(speedup) | \(format(percent, "%.0f%%")) "
                    + "| \(target) | \(products ?? "") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The range of the SGEMM rates the shares were taken against, when the file records them (each
    /// share against the higher of two readings around its workload, `SGEMMPeak`).
    var peakRange: String {
        let peaks = values.compactMap { key, value in
            key.hasSuffix("_peak_gflops_1t") ? (value as? NSNumber)?.doubleValue : nil
        }
        guard let low = peaks.min(), let high = peaks.max() else { return "" }
        return String(
            format: "; each share of the peak is against the higher of two readings around its workload, %.1f to "
                + "%.1f GFLOP/s on 1 thread", low, high)
    }

    func format(_ value: Double?, _ pattern: String) -> String {
        value.map { String(format: pattern, $0) } ?? ""
    }
}
