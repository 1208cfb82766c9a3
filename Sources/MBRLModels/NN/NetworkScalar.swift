import COpenBLAS
import MBRLCore

/// A floating-point type the network can run in: Float for training and planning, Double for the
/// gradient checks in the tests.
public protocol NetworkScalar: BinaryFloatingPoint, HDF5Element {
    /// Row-major `C = alpha · op(A) · op(B) + beta · C` with op(A) (m, k), op(B) (k, n), C (m, n).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, b: UnsafePointer<Self>, beta: Self, c: UnsafeMutablePointer<Self>)
    func squareRoot() -> Self
}

extension Float: NetworkScalar {
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>
    ) {
        BLAS.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c
        )
    }
}

extension Double: NetworkScalar {
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double, c: UnsafeMutablePointer<Double>
    ) {
        BLAS.dgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c
        )
    }
}
