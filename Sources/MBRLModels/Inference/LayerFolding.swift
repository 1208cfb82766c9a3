/// The affine maps around a trained network folded into its linear layers, for the inference engines
/// of both kinds of model (`FoldedNetwork`, `EnsembleDynamics`): exact up to rounding, and applied in
/// the same order of operations for either weight layout, so both fold the same statistics alike.
///
/// A layer computes y = W·x + b. Its weight W is a flat array in which the element of output o and
/// input i sits at `o · outputStride + i · inputStride`: PyTorch's (out, in) row-major layout is
/// `outputMajor(inputs:)`, mbrl-lib's (in, out) layout `inputMajor(outputs:)`.
struct LayerFolding {
    let inputs: Int
    let outputs: Int
    let outputStride: Int
    let inputStride: Int

    /// W of shape (out, in), row-major.
    static func outputMajor(inputs: Int, outputs: Int) -> LayerFolding {
        LayerFolding(inputs: inputs, outputs: outputs, outputStride: inputs, inputStride: 1)
    }

    /// W of shape (in, out), row-major.
    static func inputMajor(inputs: Int, outputs: Int) -> LayerFolding {
        LayerFolding(inputs: inputs, outputs: outputs, outputStride: 1, inputStride: outputs)
    }

    /// Folds the input normalization x̂ = (x − μ)/σ into the layer, which then reads raw x:
    /// W ← W·diag(1/σ), b ← b − W·(μ/σ), with `mean` and `std` of `inputs` values (σ > 0). Each bias
    /// takes its inputs' terms in order, before their weights are divided.
    func foldInputNormalization(weight w: inout [Float], bias b: inout [Float], mean: [Float], std: [Float]) {
        precondition(mean.count == inputs && std.count == inputs)
        for o in 0..<outputs {
            for i in 0..<inputs {
                let k = o * outputStride + i * inputStride
                b[o] -= w[k] * mean[i] / std[i]
                w[k] /= std[i]
            }
        }
    }

    /// Folds the output unnormalization y = σ ⊙ ŷ + μ into the first `mean.count` outputs (the rest,
    /// such as a Gaussian head's log-variances, stay as they are): W ← diag(σ)·W, b ← σ ⊙ b + μ.
    func foldOutputUnnormalization(weight w: inout [Float], bias b: inout [Float], mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && mean.count <= outputs)
        for o in 0..<mean.count {
            for i in 0..<inputs { w[o * outputStride + i * inputStride] *= std[o] }
            b[o] = std[o] * b[o] + mean[o]
        }
    }
}
