import ArgumentParser
import Foundation
import MBRLCore
import MBRLEnvironments

/// A workload `bench --only` runs by itself, with nothing else measured: for `perf stat` and `perf
/// record` on the one inner loop, where a whole `bench` run would mix every workload's cycles.
enum SingleWorkload: String, CaseIterable, ExpressibleByArgument {
    /// One TS-∞ evaluation of the PETS population per call (`EnsembleWorkloads.tsInfEvaluation`).
    case ensemblePlan = "ensemble-plan"
    /// One 3-epoch ensemble fit per call (`EnsembleWorkloads.trainingSamplesPerSecond`).
    case ensembleTrain = "ensemble-train"
    /// One random-shooting control step on the Pendulum network per call, as `make bench`'s Pendulum
    /// step (K 1024 × H 15), on `--threads` threads.
    case pendulumPlan = "pendulum-plan"
    /// One 30-epoch fit of the Pendulum network per call (`Workloads.trainingSamplesPerSecond`, as
    /// `make bench`'s Pendulum training).
    case pendulumTrain = "pendulum-train"
    /// The same for the HalfCheetah network.
    case halfcheetahTrain = "halfcheetah-train"
    /// One iCEM control step on the HalfCheetah network per call, with `make bench`'s iCEM settings
    /// (`Bench.icemConfiguration`), on `--threads` threads (1 when not given).
    case halfcheetahICEM = "halfcheetah-icem"
    /// The same for MPPI (`Bench.mppiConfiguration`).
    case halfcheetahMPPI = "halfcheetah-mppi"
    /// One control step of the HalfCheetah ensemble preset per call (`PETSPresetWorkload`), on `--threads`
    /// threads (1 when not given).
    case halfcheetahPETS = "halfcheetah-pets"
}

extension Bench {
    /// The bench's task on `environment` (it has one for each environment `--only` names).
    static func task(_ environment: EnvironmentName) -> Task {
        guard let task = tasks.first(where: { $0.environment == environment }) else {
            preconditionFailure("bench has no \(environment.id) task")
        }
        return task
    }

    /// `--only`: runs `workload` two untimed times and `repetitions` timed times, and prints its median
    /// and the call count. The setup (the task's 4,000 random transitions and its network, or the
    /// ensemble on Pendulum's) is the same for any `repetitions`, so the cycles of one call are the difference of two runs' counts divided
    /// by the difference of their calls. `cores` is `--threads` or every core; the HalfCheetah planners'
    /// steps run on `--threads` or 1, as their 1-thread figures are the ones profiled most.
    func measureOnly(_ workload: SingleWorkload, cores: Int) throws {
        let calls = repetitions + 2
        let plannerThreads = threads ?? 1
        switch workload {
        case .pendulumTrain, .halfcheetahTrain:
            let environment: EnvironmentName = workload == .pendulumTrain ? .pendulum : .halfcheetah
            let task = Self.task(environment)
            let workloads = try Workloads(environment: task.environment, hidden: task.hidden)
            let rate = workloads.trainingSamplesPerSecond(
                batchSize: task.batchSize, epochs: 30, repetitions: repetitions)
            print(
                String(
                    format: "%@: training (batch %d, Adam, 30 epochs), 1 thread: %.0f samples/s "
                        + "(median of %d; %d calls)", workload.rawValue, task.batchSize, rate, repetitions, calls))
        case .pendulumPlan:
            let task = Self.task(.pendulum)
            let workloads = try Workloads(environment: task.environment, hidden: task.hidden)
            let seconds = workloads.planStepSeconds(
                kind: .rs, candidates: task.candidates, horizon: task.horizon, iterations: 1, threads: cores,
                repetitions: repetitions)
            print(
                String(
                    format: "pendulum-plan: rs step (K %d × H %d), %d thread%@: %.3f ms (median of %d; %d calls)",
                    task.candidates, task.horizon, cores, cores == 1 ? "" : "s", seconds * 1e3, repetitions, calls))
        case .halfcheetahICEM, .halfcheetahMPPI:
            let task = Self.task(.halfcheetah)
            let workloads = try Workloads(environment: task.environment, hidden: task.hidden)
            var config = workload == .halfcheetahICEM ? Self.icemConfiguration : Self.mppiConfiguration
            config.threads = plannerThreads
            let seconds = workloads.planStepSeconds(config, repetitions: repetitions)
            print(
                String(
                    format: "%@: %@ step (%d × H %d × %d iterations), %@: %.3f ms (median of %d; %d calls)",
                    workload.rawValue, config.kind.rawValue, config.candidates, config.horizon, config.iterations,
                    Self.threadCount(config.threads), seconds * 1e3, repetitions, calls))
        case .halfcheetahPETS:
            let preset = PETSPresetWorkload(base: try Workloads(environment: .halfcheetah, hidden: 200))
            let config = preset.configuration(threads: plannerThreads)
            let seconds = try preset.stepSeconds(config, repetitions: repetitions)
            print(
                String(
                    format: "halfcheetah-pets: PETS preset step (mppi %d × %d particles, H 20), %@: %.3f ms, "
                        + "network %.1f GFLOP/s (median of %d; %d calls)", PETSPresetWorkload.candidates,
                    PETSPresetWorkload.particles, Self.threadCount(config.threads), seconds * 1e3,
                    preset.stepFLOPs / seconds / 1e9, repetitions, calls))
        case .ensemblePlan:
            let ensemble = EnsembleWorkloads(base: try Workloads(environment: .pendulum, hidden: 64))
            let (seconds, flops) = ensemble.tsInfEvaluation(threads: cores, repetitions: repetitions)
            print(
                String(
                    format: "ensemble-plan: TS-∞ evaluation (500 × 20 particles, H %d), %d threads: %.2f ms, "
                        + "network %.1f GFLOP/s (median of %d; %d calls)", EnsembleWorkloads.horizon, cores,
                    seconds * 1e3, flops / seconds / 1e9, repetitions, calls))
        case .ensembleTrain:
            let ensemble = EnsembleWorkloads(base: try Workloads(environment: .pendulum, hidden: 64))
            let rate = ensemble.trainingSamplesPerSecond(epochs: 3, repetitions: repetitions)
            print(
                String(
                    format: "ensemble-train: ensemble training (5 × batch 256, Adam, NLL, 3 epochs), 1 thread: "
                        + "%.0f samples/s (median of %d; %d calls)", rate, repetitions, calls))
        }
    }

    /// `1 thread` or `n threads`.
    static func threadCount(_ n: Int) -> String { n == 1 ? "1 thread" : "\(n) threads" }
}
