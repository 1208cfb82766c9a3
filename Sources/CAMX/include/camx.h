// A BF16 matrix product on Intel AMX for the planner's reduced-precision path: C (fp32, m × n) =
// A (m × k, fp32 rounded to bf16) · B (k × n, bf16, packed once), accumulated in fp32.
//
// The rest of the package is compiled for any x86-64 (or for another architecture): only the
// functions that use AMX are compiled for it, through function attributes, and they run only after
// `mbrl_amx_bf16_available` said yes. On a CPU or a kernel without AMX, or on another architecture,
// the availability check returns 0 and the caller uses its fp32 SGEMM.
#ifndef MBRL_CAMX_H
#define MBRL_CAMX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU has AMX-TILE and AMX-BF16, the operating system saves the tile state, and Linux
/// granted this process the tile data (arch_prctl ARCH_REQ_XCOMP_PERM, XTILEDATA); else 0. The
/// answer is computed once per process. Setting the environment variable MBRL_DISABLE_AMX to a
/// non-empty value other than 0 makes it 0 (to test the fallback on a CPU that has AMX).
int mbrl_amx_bf16_available(void);

/// The bf16 value of `x` with round-to-nearest-even on the 16 bits dropped; a NaN stays a (quiet)
/// NaN with its sign, ±Inf stays ±Inf, a finite value that rounds beyond the largest bf16 becomes
/// ±Inf; subnormals are rounded like any other value (not flushed).
uint16_t mbrl_bf16_from_float(float x);

/// The fp32 value of a bf16 (exact).
float mbrl_float_from_bf16(uint16_t h);

/// `count` values converted with `mbrl_bf16_from_float` (vectorized when the CPU has AVX-512).
void mbrl_bf16_convert(const float *x, uint16_t *out, size_t count);

/// Values of the packed form of a k × n matrix: k rounded up to 32, n rounded up to 16.
size_t mbrl_amx_packed_count(size_t k, size_t n);

/// Packs B (k × n) for `mbrl_amx_gemm`, with B(p, j) = b[p * row_stride + j * column_stride]
/// (row_stride = n, column_stride = 1 for a row-major k × n matrix; row_stride = 1,
/// column_stride = k for the transpose of a row-major n × k matrix, such as a layer's weight W
/// (output × input) in x Wᵀ). `packed` holds `mbrl_amx_packed_count(k, n)` values. Layout: for
/// each block of 16 columns, for each block of 32 rows, one tile of 16 rows × 32 values in which
/// row r holds the pairs (B(2r, j), B(2r + 1, j)) for j = 0..<16; padding is zero.
void mbrl_amx_pack_b(const float *b, size_t k, size_t n, size_t row_stride, size_t column_stride,
                     uint16_t *packed);

/// Bytes of scratch `mbrl_amx_gemm` needs for an inner dimension k (32 rows of A in bf16, 64-byte
/// aligned by the caller's allocator or not: the function aligns inside).
size_t mbrl_amx_scratch_bytes(size_t k);

/// C = A · B with A (m × k, row-major with leading dimension lda, fp32, each value rounded to bf16
/// with `mbrl_bf16_from_float`), B packed by `mbrl_amx_pack_b` for the same k and n, C (m × n,
/// row-major with leading dimension ldc, fp32, overwritten). Products are exact and summed in fp32
/// (as AMX's TDPBF16PS does it: subnormal bf16 operands count as zero, subnormal sums are flushed).
/// Each row of C depends only on that row of A and on B (not on m or the other rows), so splitting
/// the rows among threads gives the same bits. Must only be called when
/// `mbrl_amx_bf16_available()` returned 1. Allocates nothing; `scratch` holds
/// `mbrl_amx_scratch_bytes(k)` bytes.
void mbrl_amx_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed_b,
                   float *c, size_t ldc, void *scratch);

#ifdef __cplusplus
}
#endif

#endif
