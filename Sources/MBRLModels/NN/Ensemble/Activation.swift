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
///
/// Every function gives each element the bits of the same scalar sequence of operations, whatever the
/// vector width it runs at: the 16-lane exponential repeats the 8-lane one's steps lane by lane (IEEE
/// operations on a lane do not depend on the other lanes, and Swift never fuses a multiply and an add),
/// so widening a pass changes its speed, never its results (`FastMathTests` pins this).
enum FastMath {
    // The exponential's constants, shared by both widths.
    private static let expLow: Float = -87, expHigh: Float = 88
    /// 1.5·2²³: adding it rounds to an integer held in the low mantissa bits.
    private static let roundingMagic: Float = 12_582_912
    private static let log2e: Float = 1.442695040888963
    /// ln2 split in two for an exact reduction.
    private static let ln2High: Float = 0.693145751953125, ln2Low: Float = 1.428606765330187e-06

    /// eˣ for 8 lanes: x = k·ln2 + r with |r| ≤ ln2/2, eʳ by a degree-6 polynomial, 2ᵏ from the
    /// exponent bits. Inputs are clamped to [−87, 88] (results stay normal floats).
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: expLow), high = SIMD8<Float>(repeating: expHigh)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // Round x·log₂e to an integer k: k sits in the low mantissa bits of t.
        let magic = SIMD8<Float>(repeating: roundingMagic)
        let t = x * log2e + magic
        let k = t - magic
        let ki = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let r = x - k * ln2High - k * ln2Low
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

    /// eˣ for 16 lanes: the 8-lane function's steps, in the same order, on 16 lanes (one AVX-512
    /// register where the CPU has it); each lane's bits equal the 8-lane result's. Written out rather
    /// than as one body generic over `SIMD` (2ᵏ through `V.MaskStorage`): the generic form gives the
    /// same bits but compiles to markedly slower code for the ensemble's planning step.
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let low = SIMD16<Float>(repeating: expLow), high = SIMD16<Float>(repeating: expHigh)
        let x = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        let magic = SIMD16<Float>(repeating: roundingMagic)
        let t = x * log2e + magic
        let k = t - magic
        let ki = unsafeBitCast(t, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let r = x - k * ln2High - k * ln2Low
        var p = SIMD16<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = (ki &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: SIMD16<Float>.self)
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

    /// y = x·σ(x) = x / (1 + e⁻ˣ) with x = z + bias (x = z without a bias): 16 lanes at a time, then 8,
    /// then one; each row walked by pointer.
    @inline(__always)
    static func biasSiLU(
        _ z: UnsafePointer<Float>, bias: UnsafePointer<Float>?, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        guard let bias else {
            siLURows(z, bias: z, hasBias: false, width: width, rows: rows, into: y)
            return
        }
        siLURows(z, bias: bias, hasBias: true, width: width, rows: rows, into: y)
    }

    /// `biasSiLU`'s loop; `hasBias` false reads no bias (`bias` is then any valid pointer).
    @inline(__always)
    private static func siLURows(
        _ z: UnsafePointer<Float>, bias: UnsafePointer<Float>, hasBias: Bool, width: Int, rows: Int,
        into y: UnsafeMutablePointer<Float>
    ) {
        let wide = width & ~15, narrow = width & ~7
        let one16 = SIMD16<Float>(repeating: 1), one8 = SIMD8<Float>(repeating: 1)
        let br = UnsafeRawPointer(bias)
        var zRow = z, yRow = y
        for _ in 0..<rows {
            let zr = UnsafeRawPointer(zRow), yr = UnsafeMutableRawPointer(yRow)
            var offset = 0
            while offset < wide * 4 {
                var x = zr.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                if hasBias { x += br.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) }
                yr.storeBytes(of: x / (one16 + exp(-x)), toByteOffset: offset, as: SIMD16<Float>.self)
                offset += 64
            }
            if offset < narrow * 4 {
                var x = zr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                if hasBias { x += br.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) }
                yr.storeBytes(of: x / (one8 + exp(-x)), toByteOffset: offset, as: SIMD8<Float>.self)
            }
            for j in narrow..<width {
                // The scalar tail adds 0 without a bias, as the plain loop does (−0 becomes +0).
                let x = zRow[j] + (hasBias ? bias[j] : 0)
                yRow[j] = x / (1 + exp(-x))
            }
            zRow += width
            yRow += width
        }
    }

    /// g ← g · σ(z)·(1 + z·(1 − σ(z))), 16 lanes at a time, then 8, then one.
    static func siluBackward(_ z: UnsafePointer<Float>, count: Int, gradient g: UnsafeMutablePointer<Float>) {
        let wide = count & ~15, narrow = count & ~7, zr = UnsafeRawPointer(z), gr = UnsafeMutableRawPointer(g)
        let one16 = SIMD16<Float>(repeating: 1), one8 = SIMD8<Float>(repeating: 1)
        var offset = 0
        while offset < wide * 4 {
            let x = zr.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            let s = one16 / (one16 + exp(-x))
            let d = gr.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            gr.storeBytes(of: d * s * (one16 + x * (one16 - s)), toByteOffset: offset, as: SIMD16<Float>.self)
            offset += 64
        }
        if offset < narrow * 4 {
            let x = zr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let s = one8 / (one8 + exp(-x))
            let d = gr.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            gr.storeBytes(of: d * s * (one8 + x * (one8 - s)), toByteOffset: offset, as: SIMD8<Float>.self)
        }
        for i in narrow..<count {
            let s = 1 / (1 + exp(-z[i]))
            g[i] *= s * (1 + z[i] * (1 - s))
        }
    }
}
