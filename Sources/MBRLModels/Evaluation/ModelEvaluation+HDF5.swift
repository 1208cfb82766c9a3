import MBRLCore
import MBRLData

/// Evaluation files (`mbrl.eval/1`, docs/FORMATS.md), beside the provenance attributes: the root
/// attributes `model`, `data`, `env`; `predictions/next_observations` (one row per held-out
/// transition); `metrics/` (one-step MSE, overall, normalized and per dimension; k and the k-step RMSE
/// and counts per k; for a Gaussian ensemble its calibration); `rollouts/<i>/` per rollouts file (its
/// path and policy, the episode returns and their mean, std, min and max).
extension ModelEvaluation {
    /// One summarized rollouts file: its path, its transitions and their return statistics.
    public struct Rollouts {
        public var path: String
        public var transitions: Transitions
        /// The statistics of the file's complete episodes (`Transitions.completeEpisodeReturns`).
        public var returns: ReturnStatistics

        public init(path: String, transitions: Transitions, returns: ReturnStatistics) {
            self.path = path
            self.transitions = transitions
            self.returns = returns
        }
    }

    /// Writes this evaluation of the model file `model` on the held-out transitions `heldOut` (read
    /// from `data`) and the `rollouts` summaries into `root`.
    public func write(
        to root: HDF5Group, model: String, data: String, env: String, heldOut: Transitions, rollouts: [Rollouts]
    ) throws {
        try root.setAttribute("model", model)
        try root.setAttribute("data", data)
        try root.setAttribute("env", env)
        let o = heldOut.observationSize, maxK = kStepRMSE.count
        try root.createGroup("predictions").write(predictions, shape: [heldOut.count, o], to: "next_observations")
        let metrics = try root.createGroup("metrics")
        try metrics.writeScalar(oneStepMSE, to: "one_step_mse")
        try metrics.writeScalar(oneStepMSENormalized, to: "one_step_mse_normalized")
        try metrics.write(oneStepMSEPerDimension, shape: [o], to: "one_step_mse_per_dim")
        try metrics.write((1...maxK).map { Int64($0) }, shape: [maxK], to: "k")
        try metrics.write(kStepRMSE, shape: [maxK], to: "k_step_rmse")
        try metrics.write(kStepCounts.map { Int64($0) }, shape: [maxK], to: "k_step_count")
        if let c = calibration {
            try metrics.writeScalar(c.within1Sigma, to: "within_1sigma")
            try metrics.writeScalar(c.within2Sigma, to: "within_2sigma")
            try metrics.writeScalar(c.nll, to: "nll")
            try metrics.write(c.nllPerDimension, shape: [o], to: "nll_per_dim")
            if let m = c.member {
                try metrics.writeScalar(m.within1Sigma, to: "member_within_1sigma")
                try metrics.writeScalar(m.within2Sigma, to: "member_within_2sigma")
                try metrics.writeScalar(m.nll, to: "member_nll")
            }
        }
        let group = try root.createGroup("rollouts")
        for (i, r) in rollouts.enumerated() {
            let g = try group.createGroup(String(i))
            try g.setAttribute("file", r.path)
            try g.setAttribute("policy", r.transitions.policy)
            try g.write(r.transitions.completeEpisodeReturns, shape: [r.returns.episodes], to: "returns")
            try g.writeScalar(r.returns.mean, to: "mean")
            try g.writeScalar(r.returns.std, to: "std")
            try g.writeScalar(r.returns.min, to: "min")
            try g.writeScalar(r.returns.max, to: "max")
        }
    }
}
