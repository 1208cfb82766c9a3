import MBRLCore
import MBRLData
import MBRLModels
import MBRLPlanning

/// The control step of the MuJoCo ensemble preset, pipelines/halfcheetah-pets-200k.mk, built as `plan`
/// builds it (`EnsembleModel.planningEngine`): MPPI as `halfcheetah-best` plans (`Bench.mppiConfiguration`,
/// the pitch cost included) with 400 candidates, on 5 Gaussian SiLU members of 3 × 200 with HalfCheetah's
/// widths, 5 particles per candidate propagated TS-∞ on the members' means.
struct PETSPresetWorkload {
    static let members = 5, hidden = 200, depth = 3, particles = 5, candidates = 400
    /// HalfCheetah's workloads: its random transitions give the statistics and the start.
    let base: Workloads

    /// The planner's settings on `threads` threads.
    func configuration(threads: Int) -> PlannerConfiguration {
        var config = Bench.mppiConfiguration
        config.candidates = Self.candidates
        config.threads = threads
        return config
    }

    /// The ensemble with random weights (speed does not depend on the values).
    func model() -> EnsembleModel {
        EnsembleModel(
            stats: NormalizationStats(of: [base.data]), hidden: Self.hidden, depth: Self.depth, members: Self.members,
            activation: .silu, seed: 0)
    }

    /// Each member's widths: input, hidden..., the head (mean and log-variance columns).
    var widths: [Int] {
        let c = model().config
        return [c.inputSize] + Array(repeating: c.hidden, count: c.depth) + [c.headWidth]
    }

    /// The network's multiply-add work in one step: every particle of every candidate through every
    /// step of the horizon (HalfCheetah's reward reads the prediction), the whole head included.
    var stepFLOPs: Double {
        let c = configuration(threads: 1)
        return Workloads.networkFLOPs(widths: widths, rows: c.candidates * Self.particles * c.horizon)
    }

    /// The median seconds of one control step with `config` (`configuration(threads:)`).
    func stepSeconds(_ config: PlannerConfiguration, repetitions: Int) throws -> Double {
        BLAS.threads = 1
        let engine = try model().planningEngine(
            for: config,
            propagation: PropagationRequest(propagation: .tsInf, particles: Self.particles, prediction: .mean),
            precision: .fp32)
        let planner = config.make(dynamics: engine.makeDynamics(), objective: base.objective(for: config))
        var rng = RandomGenerator(seed: 0)
        let start = Array(base.data.observations[0..<base.data.observationSize])
        return Workloads.median(repetitions: repetitions) { _ = planner.action(for: start, rng: &rng) }
    }
}

extension Bench {
    /// The ensemble preset's control step (`PETSPresetWorkload`) on 1 and on `cores` threads, each with
    /// its network's share of the SGEMM rate read around it: halfcheetah_pets_ms_1t and _mt,
    /// halfcheetah_pets_sgemm_percent_1t and _mt, halfcheetah_pets_peak_gflops_1t and _mt.
    func measurePETSPreset(_ workloads: Workloads, peak: SGEMMPeak, cores: Int, into results: BenchResults) throws {
        let preset = PETSPresetWorkload(base: workloads)
        try measureStep(
            "pets", label: "PETS preset step (mppi 400 × 5 particles TS-∞, H 20)", flops: preset.stepFLOPs, peak: peak,
            cores: cores, into: results
        ) { threads in
            try preset.stepSeconds(preset.configuration(threads: threads), repetitions: max(repetitions / 6, 3))
        }
    }
}
