import COpenBLAS

/// The few OpenBLAS entry points the project uses, with Swift argument labels.
///
/// All matrices are row-major and contiguous. Shapes are the caller's contract; they are checked
/// once by the layers that own the buffers, not on every call. The products are `@inlinable`, so a
/// call from the network's and the planners' targets costs no more than a call of OpenBLAS itself.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, with op(A) of shape (m, k), op(B) of shape (k, n),
    /// C of shape (m, n), all row-major and tightly packed.
    @inlinable @inline(__always)
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float = 0, c: UnsafeMutablePointer<Float>
    ) {
        let lda = transposeA ? m : k, ldb = transposeB ? k : n, ldc = n
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Double-precision `gemm`, used by the reference paths in tests (gradient checks).
    public static func dgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
        beta: Double = 0, c: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
            beta, c, Int32(n))
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    /// OpenBLAS's name and version, e.g. `OpenBLAS 0.3.21` (the first words of its build description).
    public static var version: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(String(cString: config).split(separator: " ").prefix(2).joined(separator: " "))
    }
}
