import Foundation

/// How well a Gaussian ensemble's predicted variance matches its errors on held-out transitions.
///
/// Per row and observation component, the predictive distribution of the next observation is the
/// elites' mixture matched by its first two moments (`LearnedModel.predictiveMoments`): mean μ and
/// variance σ². Reported over all rows and components: the fraction of recorded next observations
/// within μ ± σ and μ ± 2σ (a calibrated Gaussian gives 0.683 and 0.954; lower means overconfident),
/// and the mean Gaussian negative log-likelihood ½·(log 2πσ² + (y − μ)²/σ²), in nats per component
/// in observation units (lower is better).
public struct Calibration: Equatable {
    public var within1Sigma: Double
    public var within2Sigma: Double
    public var nll: Double
    /// The mean NLL per observation component.
    public var nllPerDimension: [Double]

    /// The two fractions a calibrated Gaussian gives.
    public static let gaussianWithin1Sigma = 0.6827, gaussianWithin2Sigma = 0.9545

    public init(within1Sigma: Double, within2Sigma: Double, nll: Double, nllPerDimension: [Double]) {
        self.within1Sigma = within1Sigma
        self.within2Sigma = within2Sigma
        self.nll = nll
        self.nllPerDimension = nllPerDimension
    }

    public init(model: LearnedModel, data: Transitions) {
        let (mean, variance) = model.predictiveMoments(observations: data.observations, actions: data.actions)
        let o = data.observationSize, n = data.count
        var inside1 = 0, inside2 = 0
        var perDimension = [Double](repeating: 0, count: o)
        for r in 0..<n {
            for j in 0..<o {
                let i = r * o + j
                let v = max(variance[i], 1e-30), e = Double(data.nextObservations[i]) - mean[i]
                let z = abs(e) / v.squareRoot()
                if z <= 1 { inside1 += 1 }
                if z <= 2 { inside2 += 1 }
                perDimension[j] += 0.5 * (log(2 * Double.pi * v) + e * e / v)
            }
        }
        let count = Double(max(n * o, 1))
        self.init(within1Sigma: Double(inside1) / count, within2Sigma: Double(inside2) / count,
                  nll: perDimension.reduce(0, +) / count, nllPerDimension: perDimension.map { $0 / Double(max(n, 1)) })
    }
}
