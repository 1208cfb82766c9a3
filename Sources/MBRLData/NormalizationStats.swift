/// Means and standard deviations used to normalize the network's inputs and targets: the statistics
/// of the notebook's `Dataset` (`Model.set_statistics`), over all rows of one or more transitions files.
///
/// States are observations; deltas are `next_observation - observation`. All vectors are Float32.
///
/// For the MuJoCo tasks the statistics also cover the model's Δx target
/// (`Transitions.deltaXResiduals`, metres): Δx, the change of the x position that the task's forward
/// reward reads, minus the part the observations give, the trapezoid dt·(s[v] + s'[v])/2 of the root's
/// x velocity v. A model trained with them predicts it as one more output after the state change, the
/// planner adds the trapezoid back, and its reward is then the task's reward formula exactly.
/// `deltaXMean` and `deltaXStd` hold one value each then, none otherwise.
public struct NormalizationStats: Equatable {
    public var stateMean: [Float]
    public var stateStd: [Float]
    public var actionMean: [Float]
    public var actionStd: [Float]
    public var deltaStateMean: [Float]
    public var deltaStateStd: [Float]
    /// Mean and standard deviation of the Δx target (one value each), or empty when the targets have
    /// no Δx.
    public var deltaXMean: [Float]
    public var deltaXStd: [Float]
    /// The number of rows the statistics were computed over.
    public var count: Int

    /// A component whose standard deviation is below this (it never varies in the data) gets a
    /// standard deviation of 1, as mbrl-lib's normalizer does: normalization then only centers it,
    /// instead of dividing by a tiny number (a floor of 1e-6 multiplied the folded planner weights by
    /// 10⁶ and cost Float32 precision). Readers never see a 0.
    public static let stdFloor: Float = 1e-6

    public init(
        stateMean: [Float], stateStd: [Float], actionMean: [Float], actionStd: [Float],
        deltaStateMean: [Float], deltaStateStd: [Float], deltaXMean: [Float] = [], deltaXStd: [Float] = [], count: Int
    ) {
        precondition(deltaXMean.count == deltaXStd.count && deltaXMean.count <= 1)
        self.stateMean = stateMean
        self.stateStd = stateStd
        self.actionMean = actionMean
        self.actionStd = actionStd
        self.deltaStateMean = deltaStateMean
        self.deltaStateStd = deltaStateStd
        self.deltaXMean = deltaXMean
        self.deltaXStd = deltaXStd
        self.count = count
    }

    public var observationSize: Int { stateMean.count }
    public var actionSize: Int { actionMean.count }

    /// Whether the targets include Δx after the state change.
    public var hasDeltaX: Bool { !deltaXMean.isEmpty }
    /// The network's outputs: the state change, then Δx when the statistics have it.
    public var targetSize: Int { observationSize + deltaXMean.count }
    /// Mean and standard deviation of each target: the state change's, then Δx's.
    public var targetMean: [Float] { deltaStateMean + deltaXMean }
    public var targetStd: [Float] { deltaStateStd + deltaXStd }

    /// The statistics of all rows of `datasets`, accumulated in Double. The standard deviation is the
    /// population one (divide by N, NumPy's default `np.std`); one below `stdFloor` is stored as 1.
    /// The Δx target is covered when the data are a MuJoCo task's (`Transitions.deltaXResiduals`).
    public init(of datasets: [Transitions]) {
        precondition(!datasets.isEmpty)
        let obs = datasets[0].observationSize, act = datasets[0].actionSize
        var state = MeanVariance(size: obs), action = MeanVariance(size: act), delta = MeanVariance(size: obs)
        var deltaX = MeanVariance(size: 1)
        let withDeltaX = datasets[0].deltaXResiduals != nil
        var d = [Double](repeating: 0, count: obs)
        for t in datasets {
            precondition(t.observationSize == obs && t.actionSize == act)
            let displacements = withDeltaX ? t.deltaXResiduals : nil
            precondition(withDeltaX == (displacements != nil), "data of one environment")
            for i in 0..<t.count {
                state.add(t.observations[(i * obs)..<((i + 1) * obs)])
                action.add(t.actions[(i * act)..<((i + 1) * act)])
                for j in 0..<obs {
                    d[j] = Double(t.nextObservations[i * obs + j]) - Double(t.observations[i * obs + j])
                }
                delta.add(d)
                if let displacements { deltaX.add(CollectionOfOne(displacements[i])) }
            }
        }
        self.init(
            stateMean: state.mean, stateStd: state.std(replacingBelow: Self.stdFloor),
            actionMean: action.mean, actionStd: action.std(replacingBelow: Self.stdFloor),
            deltaStateMean: delta.mean, deltaStateStd: delta.std(replacingBelow: Self.stdFloor),
            deltaXMean: withDeltaX ? deltaX.mean : [],
            deltaXStd: withDeltaX ? deltaX.std(replacingBelow: Self.stdFloor) : [],
            count: state.count)
    }
}

/// Welford's running mean and variance per component, in Double.
struct MeanVariance {
    private var m2: [Double]
    private var means: [Double]
    private(set) var count = 0

    init(size: Int) {
        m2 = .init(repeating: 0, count: size)
        means = .init(repeating: 0, count: size)
    }

    mutating func add<C: Collection>(_ x: C) where C.Element: BinaryFloatingPoint {
        count += 1
        for (j, v) in x.enumerated() {
            let value = Double(v)
            let d = value - means[j]
            means[j] += d / Double(count)
            m2[j] += d * (value - means[j])
        }
    }

    var mean: [Float] { means.map { Float($0) } }

    /// Population standard deviations, with 1 for a component whose deviation is below `epsilon`.
    func std(replacingBelow epsilon: Float) -> [Float] {
        m2.map {
            let std = count > 0 ? Float(($0 / Double(count)).squareRoot()) : 0
            return std < epsilon ? 1 : std
        }
    }
}

// MARK: Normalization of network inputs and targets

extension NormalizationStats {
    /// Writes the network inputs of `count` (observation, action) rows into `inputs`
    /// (count × (obs + act)): `(s − state_mean)/state_std`, then `(a − action_mean)/action_std`.
    public func normalizeInputs(
        observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
        into inputs: UnsafeMutablePointer<Float>
    ) {
        let o = stateMean.count, a = actionMean.count, width = o + a
        for r in 0..<count {
            for j in 0..<o { inputs[r * width + j] = (observations[r * o + j] - stateMean[j]) / stateStd[j] }
            for j in 0..<a { inputs[r * width + o + j] = (actions[r * a + j] - actionMean[j]) / actionStd[j] }
        }
    }

    /// Writes the training targets of `count` rows into `targets` (count × `targetSize`):
    /// `(s' − s − delta_mean)/delta_std`, then, with Δx, `(ρ − delta_x_residual_mean)/delta_x_residual_std`
    /// from `deltaX`, the rows' Δx targets ρ (count values, required exactly when the statistics have Δx).
    public func normalizeTargets(
        observations: UnsafePointer<Float>, nextObservations: UnsafePointer<Float>,
        deltaX: UnsafePointer<Float>? = nil, count: Int, into targets: UnsafeMutablePointer<Float>
    ) {
        precondition((deltaX != nil) == hasDeltaX, "Δx values exactly when the statistics have Δx")
        let o = stateMean.count, width = targetSize
        for r in 0..<count {
            for j in 0..<o {
                let delta = nextObservations[r * o + j] - observations[r * o + j]
                targets[r * width + j] = (delta - deltaStateMean[j]) / deltaStateStd[j]
            }
            if let deltaX { targets[r * width + o] = (deltaX[r] - deltaXMean[0]) / deltaXStd[0] }
        }
    }
}
