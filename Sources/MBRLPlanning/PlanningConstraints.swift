import MBRLCore
import MBRLEnvironments

/// Costs a planner adds to the task's reward for predicted steps that leave bands of the observation:
/// `plan --pitch-limit`, `--joint-margin` and `--observation-band`, each with its own penalty
/// (`PlanningObjective.penalizing`). They shape what the planner prefers, never the episode's reward;
/// the costs of several add. Without any, the objective is the task's.
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

    /// `objective` with these costs on `environment` (pitch, then joints, then bands); nil when the
    /// environment has no root pitch or no joint ranges to constrain, a margin leaves a joint no room
    /// (`jointBands`), or a band's index is beyond the observation.
    public func applied(to objective: PlanningObjective, on environment: any Environment) -> PlanningObjective? {
        guard observationBands.allSatisfy({ $0.index < environment.observationSize }) else { return nil }
        var result = objective
        if let pitchLimit {
            guard let index = environment.rootPitchIndex else { return nil }
            result = result.penalizing(outside: pitchLimit, atObservationIndex: index, by: pitchPenalty)
        }
        if jointMargin != nil {
            guard let bands = jointBands(environment) else { return nil }
            result = result.penalizing(outside: bands, by: jointPenalty)
        }
        if !observationBands.isEmpty { result = result.penalizing(outside: observationBands, by: bandPenalty) }
        return result
    }

    /// The bands `jointMargin` leaves of `environment`'s joint ranges, [low + margin, high − margin]
    /// each; nil when it has no joint ranges or a range is not wider than twice the margin. Empty
    /// without a margin.
    public func jointBands(_ environment: any Environment) -> [PlanningObjective.Band]? {
        guard let jointMargin else { return [] }
        let ranges = environment.jointRanges
        guard !ranges.isEmpty, ranges.allSatisfy({ $0.high - $0.low > 2 * jointMargin }) else { return nil }
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
