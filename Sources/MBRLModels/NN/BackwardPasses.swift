/// The elementwise passes of the network's backward step over a (rows × width) gradient, row by row.
///
/// Each is one pass where the step needs several (the ReLU mask, batch norm's sums, its input
/// gradient, the bias gradient Σ_rows dZ), so the gradient is read once per pass instead of once per
/// step. For Float the first `width & ~7` columns of a row go 8 at a time through concrete
/// `SIMD8<Float>` code (the generic SIMD masks do not lower to vector compares), the rest one by one.
/// Every element sees exactly the operations of the scalar loop in each function, in the same order,
/// and the column sums still add the rows in order, so the results are bit-identical to one plain
/// loop per step. Column arrays hold `width` values and must not overlap the row buffers.
enum BackwardPasses {
    /// Through the ReLU and batch norm's sums, from zero:
    /// `dy = a > 0 ? g : 0; g = dy; dGamma += dy · xhat; dBeta += dy`.
    static func reluAndNormSums<Scalar: NetworkScalar>(
        gradient g: UnsafeMutablePointer<Scalar>, activations a: UnsafePointer<Scalar>,
        normalized xhat: UnsafePointer<Scalar>, rows: Int, width: Int,
        dGamma: UnsafeMutablePointer<Scalar>, dBeta: UnsafeMutablePointer<Scalar>
    ) {
        dGamma.update(repeating: 0, count: width)
        dBeta.update(repeating: 0, count: width)
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        for r in 0..<rows {
            let gr = g + r * width, ar = a + r * width, xr = xhat + r * width
            var j = 0
            let zero = SIMD8<Float>(repeating: 0)
            while j < vectorEnd {
                let dy = load(gr + j).replacing(with: zero, where: .!(load(ar + j) .> zero))
                store(dy, gr + j)
                store(load(dGamma + j) + dy * load(xr + j), dGamma + j)
                store(load(dBeta + j) + dy, dBeta + j)
                j += 8
            }
            while j < width {
                let dy = ar[j] > 0 ? gr[j] : 0
                gr[j] = dy
                dGamma[j] += dy * xr[j]
                dBeta[j] += dy
                j += 1
            }
        }
    }

    /// Through the ReLU, with the bias gradient from zero: `dz = a > 0 ? g : 0; g = dz; dBias += dz`.
    static func reluAndBiasSum<Scalar: NetworkScalar>(
        gradient g: UnsafeMutablePointer<Scalar>, activations a: UnsafePointer<Scalar>,
        rows: Int, width: Int, dBias: UnsafeMutablePointer<Scalar>
    ) {
        dBias.update(repeating: 0, count: width)
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        for r in 0..<rows {
            let gr = g + r * width, ar = a + r * width
            var j = 0
            let zero = SIMD8<Float>(repeating: 0)
            while j < vectorEnd {
                let dz = load(gr + j).replacing(with: zero, where: .!(load(ar + j) .> zero))
                store(dz, gr + j)
                store(load(dBias + j) + dz, dBias + j)
                j += 8
            }
            while j < width {
                let dz = ar[j] > 0 ? gr[j] : 0
                gr[j] = dz
                dBias[j] += dz
                j += 1
            }
        }
    }

    /// Batch norm's input gradient in training mode, with the bias gradient from zero:
    /// `dz = scale · (n · g − dBeta − xhat · dGamma); g = dz; dBias += dz`.
    static func normInputAndBiasSum<Scalar: NetworkScalar>(
        gradient g: UnsafeMutablePointer<Scalar>, normalized xhat: UnsafePointer<Scalar>,
        scale: UnsafePointer<Scalar>, n: Scalar, dGamma: UnsafePointer<Scalar>,
        dBeta: UnsafePointer<Scalar>, rows: Int, width: Int,
        dBias: UnsafeMutablePointer<Scalar>
    ) {
        dBias.update(repeating: 0, count: width)
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        let nv = SIMD8<Float>(repeating: Float(n))
        for r in 0..<rows {
            let gr = g + r * width, xr = xhat + r * width
            var j = 0
            while j < vectorEnd {
                let dz = load(scale + j) * (nv * load(gr + j) - load(dBeta + j) - load(xr + j) * load(dGamma + j))
                store(dz, gr + j)
                store(load(dBias + j) + dz, dBias + j)
                j += 8
            }
            while j < width {
                let dz = scale[j] * (n * gr[j] - dBeta[j] - xr[j] * dGamma[j])
                gr[j] = dz
                dBias[j] += dz
                j += 1
            }
        }
    }

    /// A per-column factor, with the bias gradient from zero: `dz = g · scale; g = dz; dBias += dz`.
    static func scaleAndBiasSum<Scalar: NetworkScalar>(
        gradient g: UnsafeMutablePointer<Scalar>, scale: UnsafePointer<Scalar>,
        rows: Int, width: Int, dBias: UnsafeMutablePointer<Scalar>
    ) {
        dBias.update(repeating: 0, count: width)
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        for r in 0..<rows {
            let gr = g + r * width
            var j = 0
            while j < vectorEnd {
                let dz = load(gr + j) * load(scale + j)
                store(dz, gr + j)
                store(load(dBias + j) + dz, dBias + j)
                j += 8
            }
            while j < width {
                let dz = gr[j] * scale[j]
                gr[j] = dz
                dBias[j] += dz
                j += 1
            }
        }
    }

    /// Σ_rows of a (rows × width) matrix into `sums`, from zero, the rows in order.
    static func columnSums<Scalar: NetworkScalar>(
        _ x: UnsafePointer<Scalar>, rows: Int, width: Int, into sums: UnsafeMutablePointer<Scalar>
    ) {
        sums.update(repeating: 0, count: width)
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        for r in 0..<rows {
            let xr = x + r * width
            var j = 0
            while j < vectorEnd {
                store(load(sums + j) + load(xr + j), sums + j)
                j += 8
            }
            while j < width {
                sums[j] += xr[j]
                j += 1
            }
        }
    }

    /// 8 Floats at `p` (whose Scalar is Float: the vector loops run only then).
    @inline(__always)
    private static func load<Scalar: NetworkScalar>(_ p: UnsafePointer<Scalar>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load<Scalar: NetworkScalar>(_ p: UnsafeMutablePointer<Scalar>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store<Scalar: NetworkScalar>(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
