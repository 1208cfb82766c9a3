/// One matrix product per layer for all members of an ensemble: `count` products
/// `Cᵢ = alpha · op(Aᵢ) · op(Bᵢ) + beta · Cᵢ` of one shape, with Aᵢ = a + i·strideA (and so on), the
/// layout of a strided batched GEMM (`cblas_sgemm_batch_strided`, `torch.bmm`).
///
/// Every ensemble layer (training, planning, evaluation) goes through this one entry point, with the
/// members' weights stored as mbrl-lib stores them, (B, in, out) contiguous, and the members' rows
/// member-major, (B, rows, in) contiguous. A single product cannot compute B members with distinct
/// weights on distinct rows without B× the work (a block-diagonal weight); that takes a batched GEMM.
/// OpenBLAS 0.3.21 (Debian 12, this project's library) has no batched GEMM: `cblas_sgemm_batch`
/// arrived in a later OpenBLAS and the strided form later still. So on this library the batch runs
/// as one `cblas_sgemm` per member, in order; each is a full-size product (in planning, rows =
/// candidates × particles / B, e.g. 2,000 × 200 × 200), so the per-call overhead is negligible.
/// Replacing the loop below by a library's strided batch call changes nothing else.
///
/// Training on two threads splits the members, not a batch: `EnsembleMLP` runs each half of the
/// members' whole forward and backward on one thread, through this same call.
extension NetworkScalar {
    @inline(__always)
    static func gemmBatched(
        count: Int, transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Self = 1, a: UnsafePointer<Self>, strideA: Int, b: UnsafePointer<Self>, strideB: Int,
        beta: Self = 0, c: UnsafeMutablePointer<Self>, strideC: Int
    ) {
        for i in 0..<count {
            gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a + i * strideA, b: b + i * strideB, beta: beta, c: c + i * strideC)
        }
    }
}
