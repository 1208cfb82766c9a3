import Foundation

/// The hidden layers' nonlinearity: ReLU (the notebook's) or SiLU/Swish x·σ(x) (PETS's, mbrl-lib's
/// default). Applied in place to buffers of pre-activations; the Float path of SiLU uses a SIMD
/// exponential (`FastMath.exp`, relative error below 2e-7), the generic path Foundation's `exp`.
public enum Activation: String, CaseIterable, Sendable {
    case relu
    case silu

    /// `y[i] = f(z[i] + bias[i % width])` for `count` values (rows of `width`); `y` may be `z`.
    @inline(__always)
    func apply<Scalar: NetworkScalar>(
        _ z: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Scalar>
    ) {
        if Scalar.self == Float.self {
            let zf = UnsafeRawPointer(z).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            let bf = bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }
            switch self {
            case .relu: FastMath.biasReLU(zf, bias: bf, width: width, rows: rows, into: yf)
            case .silu: FastMath.biasSiLU(zf, bias: bf, width: width, rows: rows, into: yf)
            }
            return
        }
        for r in 0..<rows {
            for j in 0..<width {
                let x = z[r * width + j] + (bias?[j] ?? 0)
                switch self {
                case .relu: y[r * width + j] = max(x, 0)
                case .silu: y[r * width + j] = x / (1 + Scalar(Foundation.exp(-Double(x))))
                }
            }
        }
    }

    /// `apply` for Float without generic dispatch (the planner's inner loop).
    @inline(__always)
    func applyFloat(
        _ z: UnsafePointer<Float>, bias: UnsafePointer<Float>?, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        switch self {
        case .relu: FastMath.biasReLU(z, bias: bias, width: width, rows: rows, into: y)
        case .silu: FastMath.biasSiLU(z, bias: bias, width: width, rows: rows, into: y)
        }
    }

    /// Multiplies the gradient `g` (count values) by f′ at the pre-activations `z`, in place.
    func backward<Scalar: NetworkScalar>(
        _ z: UnsafePointer<Scalar>, count: Int, gradient g: UnsafeMutablePointer<Scalar>
    ) {
        switch self {
        case .relu:
            for i in 0..<count where z[i] <= 0 { g[i] = 0 }
        case .silu:
            // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))).
            if Scalar.self == Float.self {
                FastMath.siluBackward(
                    UnsafeRawPointer(z).assumingMemoryBound(to: Float.self), count: count,
                    gradient: UnsafeMutableRawPointer(g).assumingMemoryBound(to: Float.self))
                return
            }
            for i in 0..<count {
                let s = 1 / (1 + Scalar(Foundation.exp(-Double(z[i]))))
                g[i] *= s * (1 + z[i] * (1 - s))
            }
        }
    }
}

/// Vectorized elementwise functions for the hot loops of ensembles.
enum FastMath {
    /// eˣ for 8 lanes: x = k·ln2 + r with |r| ≤ ln2/2, eʳ by a degree-6 polynomial, 2ᵏ from the
    /// exponent bits. Inputs are clamped to [−87, 88] (results stay normal floats).
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87), high = SIMD8<Float>(repeating: 88)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Round x·log₂e to an integer k by adding 1.5·2²³: k sits in the low mantissa bits of t.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let t = x * 1.442695040888963 + magic
        let k = t - magic
        let ki = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        // ln2 split in two for an exact reduction.
        let r = x - k * 0.693145751953125 - k * 1.428606765330187e-06
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = (ki &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// eˣ of one Float through the SIMD path (tests, tails).
    static func exp(_ x: Float) -> Float { exp(SIMD8(repeating: x))[0] }

    @inline(__always)
    static func biasReLU(
        _ z: UnsafePointer<Float>, bias: UnsafePointer<Float>?, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for j in 0..<width { y[r * width + j] = max(z[r * width + j] + (bias?[j] ?? 0), 0) }
        }
    }

    /// y = x·σ(x) with x = z + bias, 8 lanes at a time.
    @inline(__always)
    static func biasSiLU(
        _ z: UnsafePointer<Float>, bias: UnsafePointer<Float>?, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        let vectorEnd = width & ~7
        let zr = UnsafeRawPointer(z), yr = UnsafeMutableRawPointer(y)
        let one = SIMD8<Float>(repeating: 1)
        for r in 0..<rows {
            var j = 0
            while j < vectorEnd {
                var x = zr.loadUnaligned(fromByteOffset: (r * width + j) * 4, as: SIMD8<Float>.self)
                if let bias { x += UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) }
                yr.storeBytes(of: x / (one + exp(-x)), toByteOffset: (r * width + j) * 4, as: SIMD8<Float>.self)
                j += 8
            }
            while j < width {
                let x = z[r * width + j] + (bias?[j] ?? 0)
                y[r * width + j] = x / (1 + exp(-x))
                j += 1
            }
        }
    }

    /// g ← g · σ(z)·(1 + z·(1 − σ(z))), 8 lanes at a time.
    static func siluBackward(_ z: UnsafePointer<Float>, count: Int, gradient g: UnsafeMutablePointer<Float>) {
        let vectorEnd = count & ~7, zr = UnsafeRawPointer(z), gr = UnsafeMutableRawPointer(g)
        let one = SIMD8<Float>(repeating: 1)
        var i = 0
        while i < vectorEnd {
            let x = zr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let s = one / (one + exp(-x))
            let d = gr.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            gr.storeBytes(of: d * s * (one + x * (one - s)), toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            let s = 1 / (1 + exp(-z[i]))
            g[i] *= s * (1 + z[i] * (1 - s))
            i += 1
        }
    }
}
