import Foundation
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLReporting
import MBRLStatistics

/// One run as the report shows it: the run's results (`RunResults`, from its HDF5 files) plus what
/// only the report needs: the final model's open-loop prediction of the first test episode, and of
/// the best, median and worst test episodes for the animation.
struct RunData {
    var results: RunResults
    /// Test episode 0: true observations (T+1 × obs) and the model's open-loop prediction.
    var trueTrajectory: [[Float]] = []
    var predictedTrajectory: [[Float]] = []
    /// Names of the observation components (from the environment, or `x0, x1, …` for an unknown one).
    var observationNames: [String]
    /// The best, median and worst test episodes by return (fewer when episodes coincide).
    var shownEpisodes: [ShownEpisode] = []
    /// The returns of the episodes the run collected against the environment steps collected so far.
    var curve: LearningCurve

    /// A test episode as the animation shows it.
    struct ShownEpisode {
        /// Which of best / median / worst it is, e.g. `best` or `median, worst`.
        var rank: String
        /// The episode's index in `test.h5` (its start: row `index` of `test-starts.h5`) and first row.
        var index: Int
        var firstRow: Int
        var episodeReturn: Double
        /// Recorded observations (T+1), the actions executed (T) and the model's open-loop prediction (T+1).
        var observations: [[Float]]
        var actions: [[Float]]
        var predicted: [[Float]]
        /// The simulator state (qpos, qvel) at each recorded observation (T+1), or nil when test.h5
        /// records none. The file holds the state at each row's observation; the state after the last
        /// step is extrapolated from the one before: its first three coordinates (the root's position
        /// in the MuJoCo tasks) advanced by their velocities over one step.
        var states: [[Double]]?
    }

    /// The recorded simulator states at the observations of `rows` and after its last step (see
    /// `ShownEpisode.states`); nil without recorded states or without a step time.
    static func states(_ test: Transitions, _ rows: Range<Int>, stepSeconds: Double?) -> [[Double]]? {
        guard test.hasSimulatorStates, !rows.isEmpty, let dt = stepSeconds else { return nil }
        let nq = test.qposSize, nv = test.qvelSize
        var states = rows.map { t in
            Array(test.infoQpos[(t * nq)..<((t + 1) * nq)]) + Array(test.infoQvel[(t * nv)..<((t + 1) * nv)])
        }
        var last = states[states.count - 1]
        for i in 0..<min(3, nq, nv) { last[i] += dt * last[nq + i] }
        states.append(last)
        return states
    }

    init(folder: String) throws {
        results = try RunResults(folder: folder)
        curve = LearningCurve(results: results)
        let test = results.test
        observationNames =
            EnvironmentName(id: results.env)?.make().observationNames
            ?? (0..<test.observationSize).map { "x\($0)" }
        let ranges = test.episodeRanges
        guard !ranges.isEmpty else { return }
        let (model, _) = try ModelFile.read(fromFile: folder + "/" + results.modelFile)
        let o = test.observationSize, a = test.actionSize
        func observations(_ rows: Range<Int>) -> [[Float]] {
            [Array(test.observations[(rows.lowerBound * o)..<((rows.lowerBound + 1) * o)])]
                + rows.map { t in Array(test.nextObservations[(t * o)..<((t + 1) * o)]) }
        }
        trueTrajectory = observations(ranges[0])
        predictedTrajectory = ModelEvaluation.openLoop(model: model, data: test, rows: ranges[0])

        // Best, median and worst by return (the episode's own return; ties by index).
        let returns = ranges.indices.map {
            $0 < test.episodeReturns.count ? test.episodeReturns[$0] : Double(test.rewards[ranges[$0]].reduce(0, +))
        }
        let order = ranges.indices.sorted { returns[$0] != returns[$1] ? returns[$0] > returns[$1] : $0 < $1 }
        var picks: [(rank: String, index: Int)] = []
        for (rank, index) in [("best", order.first!), ("median", order[order.count / 2]), ("worst", order.last!)] {
            if let k = picks.firstIndex(where: { $0.index == index }) {
                picks[k].rank += ", " + rank
            } else {
                picks.append((rank, index))
            }
        }
        let stepSeconds = EnvironmentName(id: results.env)?.makeSideView()?.sideViewStepSeconds
        shownEpisodes = picks.map { rank, index in
            let rows = ranges[index]
            return ShownEpisode(
                rank: rank, index: index, firstRow: rows.lowerBound, episodeReturn: returns[index],
                observations: observations(rows),
                actions: rows.map { t in Array(test.actions[(t * a)..<((t + 1) * a)]) },
                predicted: index == 0
                    ? predictedTrajectory : ModelEvaluation.openLoop(model: model, data: test, rows: rows),
                states: Self.states(test, rows, stepSeconds: stepSeconds))
        }
    }

    /// The run's title: environment, controller and seed, e.g. `Pendulum-v1 · rs · seed 0`.
    var title: String { "\(results.env) · \(results.policy) · seed \(results.seed)" }
}
