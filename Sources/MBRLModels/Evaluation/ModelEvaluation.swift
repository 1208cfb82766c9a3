import MBRLCore
import MBRLData

/// How well a dynamics model predicts held-out transitions.
///
/// - one-step error: the model's next observation for every row, against the recorded one, as the
///   mean squared error in observation units and normalized by `delta_state_std` (the training loss);
/// - open-loop k-step error: from every row t of an episode, the model is fed its own predictions
///   with the recorded actions a_t, …, a_{t+k−1}; RMSE against the recorded observation k steps
///   later, over all starts whose episode lasts that long, for k = 1…maxK.
public struct ModelEvaluation {
    /// One-step predictions, rows × obs, row-aligned with the data.
    public var predictions: [Float]
    /// Mean over rows and components of the squared one-step error, in observation units.
    public var oneStepMSE: Double
    /// The same per observation component.
    public var oneStepMSEPerDimension: [Double]
    /// The one-step error normalized by the model's delta std: the training loss on these rows.
    public var oneStepMSENormalized: Double
    /// RMSE of the k-step open-loop prediction for k = 1…maxK (NaN where no episode is that long).
    public var kStepRMSE: [Double]
    /// The number of starts behind each k-step RMSE.
    public var kStepCounts: [Int]

    /// The calibration of the predicted variance on the held-out rows (Gaussian ensembles), or nil.
    public var calibration: Calibration?

    /// Rows predicted at once.
    static let chunk = 4096

    /// Bytes an evaluation of `model` on `rows` rows allocates (Float32): the mean dynamics for `chunk`
    /// rows, a Gaussian ensemble's calibration (`LearnedModel.calibrationByteCount`), the one-step
    /// predictions, and the k-step loop's states (two generations), actions and predictions; nil on
    /// overflow. Checked with `MemoryBudget` before `evaluate` evaluates.
    public static func byteCount(
        model: any LearnedModel, rows: Int, observationSize o: Int, actionSize a: Int
    ) -> Int? {
        MemoryBudget.sum([
            model.meanDynamicsByteCount(capacity: chunk), model.calibrationByteCount(rows: rows),
            MemoryBudget.product([rows, 4 * o + a, 4])
        ])
    }

    /// For an ensemble the predictions are the mean over the elites of their means (`meanDynamics`).
    public init(model: any LearnedModel, data: Transitions, maxK: Int) {
        precondition(maxK >= 1)
        let o = data.observationSize, a = data.actionSize, n = data.count
        let chunk = Self.chunk
        let dynamics = model.meanDynamics(capacity: chunk)
        calibration = model.isProbabilistic ? Calibration(model: model, data: data) : nil

        // One step: every row.
        var predictions = [Float](repeating: 0, count: n * o)
        Self.predict(
            dynamics, observations: data.observations, actions: data.actions, rows: n, chunk: chunk, into: &predictions)
        var perDimension = [Double](repeating: 0, count: o), normalized = 0.0
        for r in 0..<n {
            for j in 0..<o {
                let e = Double(predictions[r * o + j]) - Double(data.nextObservations[r * o + j])
                perDimension[j] += e * e
                let z = e / Double(model.stats.deltaStateStd[j])
                normalized += z * z
            }
        }
        let rowsTimesDims = Double(max(n * o, 1))
        self.predictions = predictions
        oneStepMSE = perDimension.reduce(0, +) / rowsTimesDims
        oneStepMSEPerDimension = perDimension.map { $0 / Double(max(n, 1)) }
        oneStepMSENormalized = normalized / rowsTimesDims

        // k steps: all starts advance together; a start leaves when its episode ends.
        var episodeEnd = [Int](repeating: 0, count: n)
        for range in data.episodeRanges { for t in range { episodeEnd[t] = range.upperBound } }
        var starts = Array(0..<n)
        var states = data.observations
        var rmse = [Double](), counts = [Int]()
        var inputsActions = [Float](), next = [Float]()
        for k in 1...maxK {
            // The action of step k−1 after each start t is row t+k−1's.
            inputsActions.removeAll(keepingCapacity: true)
            for t in starts { inputsActions += data.actions[((t + k - 1) * a)..<((t + k) * a)] }
            next = [Float](repeating: 0, count: starts.count * o)
            Self.predict(
                dynamics, observations: states, actions: inputsActions, rows: starts.count, chunk: chunk, into: &next)
            var sum = 0.0
            for (i, t) in starts.enumerated() {
                for j in 0..<o {
                    let e = Double(next[i * o + j]) - Double(data.nextObservations[(t + k - 1) * o + j])
                    sum += e * e
                }
            }
            counts.append(starts.count)
            rmse.append(starts.isEmpty ? .nan : (sum / Double(starts.count * o)).squareRoot())
            // Keep the starts whose episode has a step k+1.
            var keptStarts = [Int](), keptStates = [Float]()
            for (i, t) in starts.enumerated() where t + k < episodeEnd[t] {
                keptStarts.append(t)
                keptStates += next[(i * o)..<((i + 1) * o)]
            }
            starts = keptStarts
            states = keptStates
        }
        kStepRMSE = rmse
        kStepCounts = counts
    }

    /// Why this evaluation cannot be written as a valid evaluation file, or nil: every prediction
    /// and metric must be finite, except the k-step RMSE of a k no episode reaches (NaN, count 0).
    public var problem: String? {
        if let c = calibration, !(c.nll.isFinite && c.within1Sigma.isFinite && c.within2Sigma.isFinite) {
            return "the predicted variance gives a non-finite NLL"
        }
        if let bad = predictions.firstIndex(where: { !$0.isFinite }) {
            return "the model's one-step prediction of row \(bad / max(oneStepMSEPerDimension.count, 1)) is not finite"
        }
        guard oneStepMSE.isFinite, oneStepMSENormalized.isFinite, oneStepMSEPerDimension.allSatisfy(\.isFinite) else {
            return "the one-step error is not finite (it overflows Double)"
        }
        for (index, (rmse, count)) in zip(kStepRMSE, kStepCounts).enumerated() where count > 0 && !rmse.isFinite {
            return "the \(index + 1)-step open-loop error is not finite (the model's predictions diverge)"
        }
        return nil
    }

    /// The model's open-loop prediction along `rows` of `data` (one episode's rows, in order): from
    /// the observation of the first row, fed its own predictions with the recorded actions, through
    /// the same network path as the k-step error. `rows.count + 1` observations, the first the
    /// recorded start.
    public static func openLoop(model: any LearnedModel, data: Transitions, rows: Range<Int>) -> [[Float]] {
        let o = data.observationSize, a = data.actionSize
        let dynamics = model.meanDynamics(capacity: 1)
        var state = Array(data.observations[(rows.lowerBound * o)..<((rows.lowerBound + 1) * o)])
        var trajectory = [state]
        var next = [Float](repeating: 0, count: o)
        for t in rows {
            let action = Array(data.actions[(t * a)..<((t + 1) * a)])
            predict(dynamics, observations: state, actions: action, rows: 1, chunk: 1, into: &next)
            state = next
            trajectory.append(state)
        }
        return trajectory
    }

    private static func predict(
        _ dynamics: BatchDynamics, observations: [Float], actions: [Float], rows: Int, chunk: Int,
        into result: inout [Float]
    ) {
        let o = dynamics.observationSize, a = dynamics.actionSize
        observations.withUnsafeBufferPointer { obs in
            actions.withUnsafeBufferPointer { act in
                result.withUnsafeMutableBufferPointer { out in
                    var start = 0
                    while start < rows {
                        let count = min(chunk, rows - start)
                        dynamics.predict(
                            observations: obs.baseAddress! + start * o, actions: act.baseAddress! + start * a,
                            count: count, into: out.baseAddress! + start * o)
                        start += count
                    }
                }
            }
        }
    }
}
