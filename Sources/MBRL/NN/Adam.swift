import Foundation

/// Adam (Kingma & Ba, 2015) with PyTorch's semantics (`torch.optim.Adam`, not AdamW), over one flat
/// parameter vector. For step t = 1, 2, ...:
///
///     g ← g + weightDecay · θ                       (L2 penalty added to the gradient)
///     m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
///     θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// Batch-norm γ and β are parameters like any other (PyTorch decays them too).
public struct AdamConfiguration: Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }
}

/// The optimizer's state for one parameter vector: first and second moments and the step count.
final class Adam<Scalar: NetworkScalar> {
    var config: AdamConfiguration
    let m: Buffer<Scalar>
    let v: Buffer<Scalar>
    private(set) var step = 0

    init(parameterCount: Int, config: AdamConfiguration) {
        self.config = config
        m = Buffer(count: parameterCount)
        v = Buffer(count: parameterCount)
    }

    /// One update of `parameters` from `gradients` (both of the optimizer's size).
    func update(parameters: Buffer<Scalar>, gradients: Buffer<Scalar>) {
        precondition(parameters.count == m.count && gradients.count == m.count)
        step += 1
        let beta1 = Scalar(config.beta1), beta2 = Scalar(config.beta2)
        let decay = Scalar(config.weightDecay), eps = Scalar(config.epsilon)
        let t = Double(step)
        // The bias corrections in Double, as PyTorch computes them in Python floats.
        let correction1 = 1 - pow(Double(config.beta1), t)
        let correction2Root = Scalar((1 - pow(Double(config.beta2), t)).squareRoot())
        let stepSize = Scalar(Double(config.learningRate) / correction1)
        let p = parameters.pointer, g = gradients.pointer, m = self.m.pointer, v = self.v.pointer
        for i in 0..<self.m.count {
            let grad = g[i] + decay * p[i]
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
        }
    }
}
