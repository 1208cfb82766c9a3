import Foundation
import MBRLData

/// How well a Gaussian ensemble's predicted variance matches its errors on held-out transitions.
///
/// Per row and observation component, the predictive distribution of the next observation is the
/// elites' mixture matched by its first two moments (`LearnedModel.predictiveMoments`): mean μ and
/// variance σ². Reported over all rows and components: the fraction of recorded next observations
/// within μ ± σ and μ ± 2σ (a calibrated Gaussian gives 0.683 and 0.954; lower means overconfident),
/// and the mean Gaussian negative log-likelihood ½·(log 2πσ² + (y − μ)²/σ²), in nats per component
/// in observation units (lower is better).
///
/// The same three numbers are also given per member, averaged over the elites: each elite's own
/// Gaussian, which is what a TS-∞ particle samples from. (Averaging the members' variances lets the
/// least certain member dominate, so the mixture can be underconfident while each member is not.)
public struct Calibration: Equatable {
    public var within1Sigma: Double
    public var within2Sigma: Double
    public var nll: Double
    /// The mean NLL per observation component.
    public var nllPerDimension: [Double]
    /// Mean over the elites of each elite's own within-1σ and within-2σ shares and NLL (nil when not
    /// measured, e.g. read from an older file).
    public var member: (within1Sigma: Double, within2Sigma: Double, nll: Double)?

    public static func == (a: Calibration, b: Calibration) -> Bool {
        a.within1Sigma == b.within1Sigma && a.within2Sigma == b.within2Sigma && a.nll == b.nll
            && a.nllPerDimension == b.nllPerDimension
            && a.member?.within1Sigma == b.member?.within1Sigma && a.member?.within2Sigma == b.member?.within2Sigma
            && a.member?.nll == b.member?.nll
    }

    /// The two fractions a calibrated Gaussian gives.
    public static let gaussianWithin1Sigma = 0.6827, gaussianWithin2Sigma = 0.9545

    public init(within1Sigma: Double, within2Sigma: Double, nll: Double, nllPerDimension: [Double]) {
        self.within1Sigma = within1Sigma
        self.within2Sigma = within2Sigma
        self.nll = nll
        self.nllPerDimension = nllPerDimension
    }

    public init(model: any LearnedModel, data: Transitions) {
        let (mean, variance) = model.predictiveMoments(observations: data.observations, actions: data.actions)
        let o = data.observationSize, n = data.count
        let (within1, within2, perDimension) = Self.measure(
            mean: mean, variance: variance, targets: data.nextObservations, components: o)
        let count = Double(max(n * o, 1))
        self.init(
            within1Sigma: within1, within2Sigma: within2,
            nll: perDimension.reduce(0, +) / count, nllPerDimension: perDimension.map { $0 / Double(max(n, 1)) })
        let elites = model.elitePredictions(observations: data.observations, actions: data.actions)
        if !elites.isEmpty {
            var sums = (0.0, 0.0, 0.0)
            for elite in elites {
                let m = Self.measure(
                    mean: elite.mean.map(Double.init), variance: elite.variance.map(Double.init),
                    targets: data.nextObservations, components: o)
                sums = (sums.0 + m.0, sums.1 + m.1, sums.2 + m.2.reduce(0, +) / count)
            }
            let e = Double(elites.count)
            member = (sums.0 / e, sums.1 / e, sums.2 / e)
        }
    }

    /// Shares within 1σ and 2σ over all values, and the summed NLL per component.
    static func measure(
        mean: [Double], variance: [Double], targets: [Float], components o: Int
    ) -> (Double, Double, [Double]) {
        var inside1 = 0, inside2 = 0
        var perDimension = [Double](repeating: 0, count: o)
        for i in 0..<mean.count {
            let v = max(variance[i], 1e-30), e = Double(targets[i]) - mean[i]
            let z = abs(e) / v.squareRoot()
            if z <= 1 { inside1 += 1 }
            if z <= 2 { inside2 += 1 }
            perDimension[i % o] += 0.5 * (log(2 * Double.pi * v) + e * e / v)
        }
        let count = Double(max(mean.count, 1))
        return (Double(inside1) / count, Double(inside2) / count, perDimension)
    }
}
