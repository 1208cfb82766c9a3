/// Batch norm's last forward pass over a (rows × width) block, row by row: for Float the first
/// `width & ~7` columns go 8 at a time through concrete `SIMD8<Float>` code, the rest one by one.
/// Every element sees exactly the scalar loop's operations in the same order (and `max(y, 0)`'s
/// choice, `0 >= y ? 0 : y`), so the results are bit-identical to it. The column arrays hold
/// `width` values and must not overlap the row buffers.
enum NormalizePass {
    /// `x̂ = (z − mean) · invStd; a = max(γ · x̂ + β, 0)`.
    static func normalizeAndReLU<Scalar: NetworkScalar>(
        _ z: UnsafePointer<Scalar>, mean: UnsafePointer<Scalar>, invStd: UnsafePointer<Scalar>,
        gamma: UnsafePointer<Scalar>, beta: UnsafePointer<Scalar>, rows: Int, width: Int,
        normalized xhat: UnsafeMutablePointer<Scalar>, activations a: UnsafeMutablePointer<Scalar>
    ) {
        let vectorEnd = Scalar.self == Float.self ? width & ~7 : 0
        let zero = SIMD8<Float>(repeating: 0)
        for r in 0..<rows {
            let zr = z + r * width, xr = xhat + r * width, ar = a + r * width
            var j = 0
            while j < vectorEnd {
                let normalized = (load(zr + j) - load(mean + j)) * load(invStd + j)
                store(normalized, xr + j)
                let y = load(gamma + j) * normalized + load(beta + j)
                store(y.replacing(with: zero, where: zero .>= y), ar + j)
                j += 8
            }
            while j < width {
                let normalized = (zr[j] - mean[j]) * invStd[j]
                xr[j] = normalized
                ar[j] = max(gamma[j] * normalized + beta[j], 0)
                j += 1
            }
        }
    }

    @inline(__always)
    private static func load<Scalar: NetworkScalar>(_ p: UnsafePointer<Scalar>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store<Scalar: NetworkScalar>(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
