import MBRLCore

/// How the planner carries a candidate's uncertainty along the horizon on an ensemble (PETS, Chua et
/// al. 2018, §4.2): each candidate is scored on `particles` particles, and its return is the mean of
/// its particles' returns.
public enum Propagation: String, CaseIterable, Sendable {
    /// TS-∞: every particle stays with one member for the whole horizon (particle q of P with elite
    /// q / (P/E)), so a plan is scored under each member's view of the world.
    case tsInf = "ts-inf"
    /// TS-1: at every step each candidate's particles are dealt to the members anew (a seeded random
    /// permutation per candidate and step, P/E particles per member).
    case ts1 = "ts-1"
    /// The plain ensemble mean: every row goes through every elite and the next state is the mean of
    /// their means (deterministic; one particle).
    case expectation
}

/// Whether a particle's next state is drawn from its member's Gaussian or is the Gaussian's mean.
public enum ParticlePrediction: String, CaseIterable, Sendable {
    case sample
    case mean
}

/// The propagation settings of `plan` for an ensemble model.
public struct PropagationSettings: Equatable {
    public var propagation: Propagation = .tsInf
    /// Particles per candidate: a multiple of the elite count for TS-∞ and TS-1, 1 for the expectation.
    public var particles = 20
    public var prediction: ParticlePrediction = .sample

    public init(propagation: Propagation = .tsInf, particles: Int = 20, prediction: ParticlePrediction = .sample) {
        self.propagation = propagation
        self.particles = particles
        self.prediction = prediction
    }

    /// Why these settings cannot run on an ensemble with `elites` elites and the given output, or nil.
    public func problem(elites: Int, deterministic: Bool) -> String? {
        switch propagation {
        case .expectation:
            if particles != 1 {
                return "--propagation expectation is deterministic and needs --particles 1, "
                    + "got \(particles)"
            }
        case .tsInf, .ts1:
            if particles % elites != 0 {
                return "--particles \(particles) must be a multiple of the model's \(elites) elite members (each "
                    + "member takes an equal share)"
            }
        }
        if deterministic && prediction == .sample {
            return "--prediction sample needs a Gaussian model; this "
                + "ensemble is deterministic (use --prediction mean)"
        }
        return nil
    }

    public var json: [String: JSONValue] {
        [
            "propagation": .string(propagation.rawValue), "particles": .int(particles),
            "prediction": .string(prediction.rawValue)
        ]
    }
}

/// Counter-based random numbers for the planner's particles: a number depends only on the evaluation's
/// seed and the (candidate, particle, step) it is for, never on how candidates are split across
/// threads, so 1 and N workers choose the same actions.
enum ParticleRandom {
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for one (seed, a, b, c) key.
    @inline(__always)
    static func generator(_ seed: UInt64, _ a: Int, _ b: Int, _ c: Int) -> RandomGenerator {
        RandomGenerator(
            seed: mix(
                mix(mix(seed ^ UInt64(truncatingIfNeeded: a)) ^ UInt64(truncatingIfNeeded: b))
                    ^ UInt64(truncatingIfNeeded: c)))
    }
}
