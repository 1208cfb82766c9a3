import ArgumentParser
import MBRLPlanning

/// `plan`'s planner options: the planner, its search settings and the planning costs on predicted
/// observations (`--pitch-limit`, `--joint-margin`, `--observation-band`). An option not given takes
/// the planner kind's default from `PlannerConfiguration`, which the help text shows;
/// `configuration(threads:)` resolves them into the settings `plan` plans with and records.
struct PlannerOptions: ParsableArguments {
    /// Defaults shown in the help text; they live in `PlannerConfiguration`.
    private static let rs = PlannerConfiguration(kind: .rs), cem = PlannerConfiguration(kind: .cem),
        icem = PlannerConfiguration(kind: .icem)

    @Option(help: "Planner.")
    var planner: PlannerKind = .rs

    @Option(
        help: ArgumentHelp(
            "Candidate sequences per iteration; iCEM: in the first iteration (default: rs, "
                + "mppi \(rs.candidates); cem \(cem.candidates); icem \(icem.candidates)).", valueName: "n"))
    var candidates: Int?

    @Option(
        help: ArgumentHelp(
            "Planning horizon in steps (default: rs, mppi \(rs.horizon); cem, "
                + "icem \(cem.horizon)).", valueName: "n"))
    var horizon: Int?

    @Option(
        help: ArgumentHelp(
            "Discount γ of rewards along the horizon, in (0, 1] (default: \(rs.discount)).", valueName: "γ"))
    var discount: Float?

    @Option(
        help: ArgumentHelp(
            "Optimization iterations per step (default: cem \(cem.iterations), "
                + "mppi \(rs.iterations), icem \(icem.iterations)).", valueName: "n"))
    var iterations: Int?

    @Option(
        help: ArgumentHelp(
            "CEM, iCEM: elite sequences per iteration; iCEM: at most half the candidates "
                + "(default: cem \(cem.elites), icem \(icem.elites)).", valueName: "n"))
    var elites: Int?

    @Option(
        help: ArgumentHelp(
            "CEM, iCEM: smoothing α of mean and variance (iCEM: standard deviation), new = α·old "
                + "+ (1−α)·elites (default: \(cem.alpha)).", valueName: "α"))
    var alpha: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: exponent β of the colored noise, power spectrum 1/f^β along the horizon, in "
                + "[0, 10]; 0 is white noise, larger is smoother (default: \(icem.beta)).", valueName: "β"))
    var beta: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: population decay γ in [1, 100]; iteration i scores max(candidates·γ^−i, "
                + "2·elites) samples (default: \(icem.populationDecay)).", valueName: "factor"))
    var populationDecay: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: fraction ξ in [0, 1] of the elites kept for the next iteration and, shifted "
                + "by one step, for the next control step (default: \(icem.keepFraction)).", valueName: "ξ"))
    var keepFraction: Float?

    @Option(
        help: ArgumentHelp(
            "iCEM: the standard deviation each control step starts from, as a fraction of half "
                + "the action bounds' width, in (0, 10] (default: \(icem.initialStd)).", valueName: "σ"))
    var initialStd: Float?

    @Option(
        help: ArgumentHelp(
            "MPPI: temperature λ of the exponential weights (default: \(rs.temperature)).", valueName: "λ"))
    var temperature: Float?

    @Option(
        help: ArgumentHelp(
            "MPPI: standard deviation of the action perturbations (default: \(rs.noise)).", valueName: "σ"))
    var noise: Float?

    @Option(
        help: ArgumentHelp(
            "Tasks with a root pitch (HalfCheetah, Hopper): a predicted step whose |root pitch| "
                + "exceeds this many radians loses --pitch-penalty of its planning reward, so the planner "
                + "keeps the runner upright (the real episode's reward is unchanged; default: no limit).",
            valueName: "rad"))
    var pitchLimit: Float?

    @Option(
        help: ArgumentHelp(
            "With --pitch-limit: the reward a predicted step beyond the limit loses "
                + "(default: \(rs.constraints.pitchPenalty)).", valueName: "reward"))
    var pitchPenalty: Float?

    @Option(
        help: ArgumentHelp(
            "MuJoCo tasks: a predicted step with a joint angle within this many radians of its "
                + "joint's stops loses --joint-penalty of its planning reward, so the planner keeps the "
                + "joints off their stops (the real episode's reward is unchanged; default: no margin).",
            valueName: "rad"))
    var jointMargin: Float?

    @Option(
        help: ArgumentHelp(
            "With --joint-margin: the reward a predicted step within the margin loses "
                + "(default: \(rs.constraints.jointPenalty)).", valueName: "reward"))
    var jointPenalty: Float?

    @Option(
        help: ArgumentHelp(
            "A band index:low:high of the observation (e.g. 0:-0.5:0.5, Swimmer's heading); a predicted "
                + "step outside any band given loses --band-penalty of its planning reward (the real episode's "
                + "reward is unchanged). Repeatable.", valueName: "i:low:high"),
        transform: ObservationBand.parse)
    var observationBand: [PlanningObjective.Band] = []

    @Option(
        help: ArgumentHelp(
            "With --observation-band: the reward a predicted step outside a band loses "
                + "(default: \(rs.constraints.bandPenalty)).", valueName: "reward"))
    var bandPenalty: Float?

    /// The planner's settings: its kind's defaults, replaced by the options given, planning on
    /// `threads` workers (at most one a candidate).
    func configuration(threads: Int) -> PlannerConfiguration {
        var c = PlannerConfiguration(kind: planner)
        c.candidates = candidates ?? c.candidates
        c.horizon = horizon ?? c.horizon
        c.discount = discount ?? c.discount
        c.iterations = iterations ?? c.iterations
        c.elites = elites ?? c.elites
        c.alpha = alpha ?? c.alpha
        c.beta = beta ?? c.beta
        c.populationDecay = populationDecay ?? c.populationDecay
        c.keepFraction = keepFraction ?? c.keepFraction
        c.initialStd = initialStd ?? c.initialStd
        c.temperature = temperature ?? c.temperature
        c.noise = noise ?? c.noise
        c.constraints.pitchLimit = pitchLimit
        c.constraints.pitchPenalty = pitchPenalty ?? c.constraints.pitchPenalty
        c.constraints.jointMargin = jointMargin
        c.constraints.jointPenalty = jointPenalty ?? c.constraints.jointPenalty
        c.constraints.observationBands = observationBand
        c.constraints.bandPenalty = bandPenalty ?? c.constraints.bandPenalty
        c.threads = min(threads, c.candidates)
        return c
    }

    /// Refuses settings the planner cannot run: counts and ranges per planner kind, and a penalty
    /// given without its constraint. Called by the argument parser when it reads the options.
    func validate() throws {
        let c = configuration(threads: 1)
        guard c.candidates >= 2, c.candidates <= 1_000_000 else {
            throw ValidationError("--candidates must be in 2...1000000, got \(c.candidates)")
        }
        guard c.horizon >= 1, c.horizon <= 10_000 else {
            throw ValidationError("--horizon must be in 1...10000, got \(c.horizon)")
        }
        guard c.iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(c.iterations)") }
        guard c.discount > 0, c.discount <= 1 else {
            throw ValidationError("--discount must be in (0, 1], got \(c.discount)")
        }
        if planner == .cem {
            guard c.elites >= 1, c.elites <= c.candidates else {
                throw ValidationError("--elites must be in 1...candidates, got \(c.elites)")
            }
        }
        if planner == .icem {
            guard c.elites >= 1, 2 * c.elites <= c.candidates else {
                throw ValidationError(
                    "--elites must be in 1...candidates/2 (every iteration scores at least twice the elites), "
                        + "got \(c.elites) with --candidates \(c.candidates)")
            }
            guard c.beta >= 0, c.beta <= 10 else { throw ValidationError("--beta must be in [0, 10], got \(c.beta)") }
            guard c.populationDecay >= 1, c.populationDecay <= 100 else {
                throw ValidationError("--population-decay must be in [1, 100], got \(c.populationDecay)")
            }
            guard c.keepFraction >= 0, c.keepFraction <= 1 else {
                throw ValidationError("--keep-fraction must be in [0, 1], got \(c.keepFraction)")
            }
            guard c.initialStd > 0, c.initialStd <= 10 else {
                throw ValidationError("--initial-std must be in (0, 10], got \(c.initialStd)")
            }
        }
        if planner == .cem || planner == .icem {
            guard c.alpha >= 0, c.alpha < 1 else { throw ValidationError("--alpha must be in [0, 1), got \(c.alpha)") }
        }
        guard c.temperature > 0 else { throw ValidationError("--temperature must be positive, got \(c.temperature)") }
        guard c.noise > 0 else { throw ValidationError("--noise must be positive, got \(c.noise)") }
        if let limit = pitchLimit, !(limit > 0 && limit <= .pi) {
            throw ValidationError("--pitch-limit must be in (0, π] radians, got \(limit)")
        }
        try Self.validatePenalty(
            pitchPenalty, named: "--pitch-penalty", needs: "--pitch-limit", given: pitchLimit != nil)
        if let margin = jointMargin, !(margin > 0 && margin <= .pi) {
            throw ValidationError("--joint-margin must be in (0, π] radians, got \(margin)")
        }
        try Self.validatePenalty(
            jointPenalty, named: "--joint-penalty", needs: "--joint-margin", given: jointMargin != nil)
        try Self.validatePenalty(
            bandPenalty, named: "--band-penalty", needs: "--observation-band", given: !observationBand.isEmpty)
    }

    /// Refuses a constraint's penalty given without its constraint (`needs`, `given` whether it was),
    /// or outside [0, `PlanningConstraints.largestPenalty`].
    private static func validatePenalty(_ penalty: Float?, named name: String, needs: String, given: Bool) throws {
        guard let penalty else { return }
        guard given else { throw ValidationError("\(name) needs \(needs)") }
        guard penalty >= 0, penalty <= PlanningConstraints.largestPenalty else {
            throw ValidationError(
                "\(name) must be in [0, 1000000] (a larger one drowns the task's reward in Float32), got \(penalty)")
        }
    }
}

extension PlannerKind: ExpressibleByArgument {}

/// `--observation-band i:low:high`: an observation index and the interval its predicted values keep to.
enum ObservationBand {
    /// The band `argument` gives; throws, saying what is wrong, when it is not `i:low:high` with an index
    /// ≥ 0 and finite low < high.
    @Sendable static func parse(_ argument: String) throws -> PlanningObjective.Band {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let index = Int(parts[0]), index >= 0, let low = Float(parts[1]),
            let high = Float(parts[2])
        else { throw ValidationError("expected i:low:high, an observation index ≥ 0 and two numbers") }
        guard low.isFinite, high.isFinite, low < high else {
            throw ValidationError("low and high must be finite with low < high")
        }
        return PlanningObjective.Band(index: index, low: low, high: high)
    }
}
