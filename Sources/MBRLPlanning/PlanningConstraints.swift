import MBRLCore
import MBRLEnvironments

/// Costs a planner adds to the task's reward for predicted steps that leave bands of the observation:
/// `plan --pitch-limit`, `--joint-margin` and `--observation-band`, each with its own penalty
/// (`PlanningObjective.penalizing`). They shape what the planner prefers, never the episode's reward;
/// the costs of several add. Without any, the objective is the task's. They need the task, so the
/// caller applies them to the planner's objective (`applied(to:on:)`) before
/// `PlannerConfiguration.make`; the configuration records them in its `json`.
public struct PlanningConstraints: Equatable {
    /// The largest |root pitch| (radians, `Environment.rootPitchIndex`) a predicted step may reach
    /// without `pitchPenalty`, or nil.
    public var pitchLimit: Float? = nil
    /// The reward a predicted step beyond `pitchLimit` loses.
    public var pitchPenalty: Float = 10
    /// How close (radians) a predicted joint angle may come to its joint's stops
    /// (`Environment.jointRanges`) without `jointPenalty`, or nil.
    public var jointMargin: Float? = nil
    /// The reward a predicted step with a joint within `jointMargin` of a stop loses.
    public var jointPenalty: Float = 10
    /// Bands of any observation values (e.g. Swimmer's heading, observation 0); empty for none.
    public var observationBands: [PlanningObjective.Band] = []
    /// The reward a predicted step outside any of `observationBands` loses.
    public var bandPenalty: Float = 10

    public init() {}

    /// The largest penalty `plan` takes: returns of a few thousand minus many penalties must still
    /// tell candidates apart in Float32 (ulp 2⁻²³ of the return), and must never overflow.
    public static let largestPenalty: Float = 1_000_000

    /// Why `environment` cannot take these costs.
    public enum Failure: Error, Equatable {
        /// `pitchLimit` on a task without a root pitch.
        case noRootPitch
        /// `jointMargin` on a task without limited joints.
        case noJoints
        /// `jointMargin` leaves no room between the stops of this joint, the narrowest.
        case marginTooWide(joint: String)
        /// A band's index lies beyond the observation.
        case bandBeyondObservation(index: Int)
    }

    /// `objective` with these costs on `environment`: pitch, then joints, then bands.
    public func applied(
        to objective: PlanningObjective, on environment: any Environment
    ) throws(Failure)
        -> PlanningObjective
    {
        if let band = observationBands.first(where: { $0.index >= environment.observationSize }) {
            throw .bandBeyondObservation(index: band.index)
        }
        var result = objective
        if let pitchLimit {
            guard let index = environment.rootPitchIndex else { throw .noRootPitch }
            result = result.penalizing(outside: pitchLimit, atObservationIndex: index, by: pitchPenalty)
        }
        if jointMargin != nil {
            result = result.penalizing(outside: try jointBands(environment), by: jointPenalty)
        }
        if !observationBands.isEmpty { result = result.penalizing(outside: observationBands, by: bandPenalty) }
        return result
    }

    /// The bands `jointMargin` leaves of `environment`'s joint ranges, [low + margin, high − margin]
    /// each; empty without a margin. Throws when the task has no joint ranges or a range is not wider
    /// than twice the margin.
    public func jointBands(_ environment: any Environment) throws(Failure) -> [PlanningObjective.Band] {
        guard let jointMargin else { return [] }
        let ranges = environment.jointRanges
        guard let narrowest = ranges.min(by: { $0.high - $0.low < $1.high - $1.low }) else { throw .noJoints }
        guard narrowest.high - narrowest.low > 2 * jointMargin else { throw .marginTooWide(joint: narrowest.name) }
        return ranges.map { .init(index: $0.observationIndex, low: $0.low + jointMargin, high: $0.high - jointMargin) }
    }

    /// The settings given, for the planner's `config`: each cost with its penalty, only when set, so
    /// the files of runs without them keep their bytes.
    var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        if let pitchLimit {
            members.merge(["pitch_limit": .float(pitchLimit), "pitch_penalty": .float(pitchPenalty)]) { $1 }
        }
        if let jointMargin {
            members.merge(["joint_margin": .float(jointMargin), "joint_penalty": .float(jointPenalty)]) { $1 }
        }
        if !observationBands.isEmpty {
            let bands: [JSONValue] = observationBands.map { .array([.int($0.index), .float($0.low), .float($0.high)]) }
            members.merge(["observation_bands": .array(bands), "band_penalty": .float(bandPenalty)]) { $1 }
        }
        return members
    }
}
