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

    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
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

    /// One update of `parameters` from `gradients` (both of the optimizer's size). With `workers`, the
    /// two halves of the vector at once: each element's update is the same either way.
    func update(parameters: Buffer<Scalar>, gradients: Buffer<Scalar>, workers: WorkerPair? = nil) {
        precondition(parameters.count == m.count && gradients.count == m.count)
        step += 1
        let t = Double(step)
        // The bias corrections in Double, as PyTorch computes them in Python floats.
        let correction1 = 1 - pow(Double(config.beta1), t)
        let correction2Root = Scalar((1 - pow(Double(config.beta2), t)).squareRoot())
        let stepSize = Scalar(Double(config.learningRate) / correction1)
        let count = m.count, half = (count / 2) & ~7
        workers.run(
            { self.update(0..<half, parameters, gradients, stepSize: stepSize, correction2Root: correction2Root) },
            { self.update(half..<count, parameters, gradients, stepSize: stepSize, correction2Root: correction2Root) },
            parallel: count >= WorkerPair.minimumWork / 64)
    }

    /// The update of the elements `range` (its lower bound a multiple of 8).
    private func update(
        _ range: Range<Int>, _ parameters: Buffer<Scalar>, _ gradients: Buffer<Scalar>, stepSize: Scalar,
        correction2Root: Scalar
    ) {
        let beta1 = Scalar(config.beta1), beta2 = Scalar(config.beta2)
        let decay = Scalar(config.weightDecay), eps = Scalar(config.epsilon)
        let p = parameters.pointer, g = gradients.pointer, m = self.m.pointer, v = self.v.pointer
        // For Float, 8 parameters at a time: each sees exactly the scalar loop's operations in its
        // order (IEEE division and square root are exact per lane), so the result is bit-identical. The
        // square root is FastMath's: the standard library's SIMD one runs lane by lane.
        var start = range.lowerBound
        if Scalar.self == Float.self {
            let pf = UnsafeMutableRawPointer(p), gf = UnsafeRawPointer(g), mf = UnsafeMutableRawPointer(m),
                vf = UnsafeMutableRawPointer(v)
            let b1 = SIMD8<Float>(repeating: Float(beta1)), b2 = SIMD8<Float>(repeating: Float(beta2))
            let oneMinusB1 = SIMD8<Float>(repeating: Float(1 - beta1)),
                oneMinusB2 = SIMD8<Float>(repeating: Float(1 - beta2))
            let decayV = SIMD8<Float>(repeating: Float(decay)), epsV = SIMD8<Float>(repeating: Float(eps))
            let stepV = SIMD8<Float>(repeating: Float(stepSize)),
                rootV = SIMD8<Float>(repeating: Float(correction2Root))
            let end = range.lowerBound + ((range.upperBound - range.lowerBound) & ~7)
            while start < end {
                let offset = start * 4
                let param = pf.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                let grad = gf.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + decayV * param
                let first = b1 * mf.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + oneMinusB1 * grad
                let second =
                    b2 * vf.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + oneMinusB2 * grad * grad
                mf.storeBytes(of: first, toByteOffset: offset, as: SIMD8<Float>.self)
                vf.storeBytes(of: second, toByteOffset: offset, as: SIMD8<Float>.self)
                pf.storeBytes(
                    of: param - stepV * first / (FastMath.squareRoot(second) / rootV + epsV), toByteOffset: offset,
                    as: SIMD8<Float>.self)
                start += 8
            }
        }
        for i in start..<range.upperBound {
            let grad = g[i] + decay * p[i]
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2Root + eps)
        }
    }
}
