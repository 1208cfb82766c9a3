// The AMX-BF16 product of camx.h. Only the functions marked AMX_TARGET / AVX512_TARGET use those
// instruction sets; they run after the runtime checks below said yes.
#include "camx.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define MBRL_AMX_BUILD 1
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl")))
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
// Linux's arch_prctl codes for the dynamically enabled tile state (asm/prctl.h) and XTILEDATA's
// number in XCR0 (asm/fpu/types.h), written here so the build needs no kernel headers of a given age.
#define MBRL_ARCH_GET_XCOMP_PERM 0x1022
#define MBRL_ARCH_REQ_XCOMP_PERM 0x1023
#define MBRL_XFEATURE_XTILECFG 17
#define MBRL_XFEATURE_XTILEDATA 18
#else
#define MBRL_AMX_BUILD 0
#endif

// Tiles are 16 rows of 64 bytes: 16 fp32 values of C, 32 bf16 values of A, or 16 pairs of B.
enum { TILE_ROWS = 16, TILE_K = 32, TILE_N = 16, BLOCK_ROWS = 2 * TILE_ROWS };

static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

uint16_t mbrl_bf16_from_float(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // quiet NaN
    // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then drop 16 bits. The
    // carry may reach the exponent (a correct rounding up, to ±Inf past the largest value).
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

float mbrl_float_from_bf16(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static void convert_scalar(const float *x, uint16_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = mbrl_bf16_from_float(x[i]);
}

#if MBRL_AMX_BUILD
// The same rounding as mbrl_bf16_from_float, 16 values at a time (vcvtneps2bf16 would flush
// subnormals, which the scalar definition does not).
AVX512_TARGET static inline __m256i convert16(__m512i bits) {
    const __m512i magnitude = _mm512_and_si512(bits, _mm512_set1_epi32(0x7fffffff));
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(magnitude, _mm512_set1_epi32(0x7f800000));
    const __m512i lowest = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lowest, _mm512_set1_epi32(0x7fff))), 16);
    rounded = _mm512_mask_or_epi32(rounded, nan, _mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
    return _mm512_cvtepi32_epi16(rounded);
}

AVX512_TARGET static void convert_avx512(const float *x, uint16_t *out, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16)
        _mm256_storeu_si256((__m256i *)(out + i), convert16(_mm512_loadu_si512((const void *)(x + i))));
    if (i < count) {
        const __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
        const __m256i h = convert16(_mm512_maskz_loadu_epi32(mask, x + i));
        _mm256_mask_storeu_epi16(out + i, mask, h);
    }
}

static int has_avx512(void) {
    static atomic_int state = -1;
    int s = atomic_load_explicit(&state, memory_order_relaxed);
    if (s < 0) {
        __builtin_cpu_init();
        s = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
        atomic_store_explicit(&state, s, memory_order_relaxed);
    }
    return s;
}

static int amx_check(void) {
    const char *disabled = getenv("MBRL_DISABLE_AMX");
    if (disabled && disabled[0] && strcmp(disabled, "0") != 0) return 0;
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    if (!(edx & (1u << 24)) || !(edx & (1u << 22))) return 0;  // AMX-TILE, AMX-BF16
    if (!has_avx512()) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    const unsigned tiles = (1u << MBRL_XFEATURE_XTILECFG) | (1u << MBRL_XFEATURE_XTILEDATA);
    if ((lo & tiles) != tiles) return 0;  // the OS does not save the tile state
    if (syscall(SYS_arch_prctl, MBRL_ARCH_REQ_XCOMP_PERM, MBRL_XFEATURE_XTILEDATA) != 0) return 0;
    unsigned long permitted = 0;
    if (syscall(SYS_arch_prctl, MBRL_ARCH_GET_XCOMP_PERM, &permitted) != 0) return 0;
    return (permitted & (1ul << MBRL_XFEATURE_XTILEDATA)) != 0;
}
#endif

int mbrl_amx_bf16_available(void) {
#if MBRL_AMX_BUILD
    static atomic_int state = -1;
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s < 0) {
        s = amx_check();
        atomic_store_explicit(&state, s, memory_order_release);
    }
    return s;
#else
    return 0;
#endif
}

void mbrl_bf16_convert(const float *x, uint16_t *out, size_t count) {
#if MBRL_AMX_BUILD
    if (has_avx512()) {
        convert_avx512(x, out, count);
        return;
    }
#endif
    convert_scalar(x, out, count);
}

size_t mbrl_amx_packed_count(size_t k, size_t n) { return round_up(k, TILE_K) * round_up(n, TILE_N); }

void mbrl_amx_pack_b(const float *b, size_t k, size_t n, size_t row_stride, size_t column_stride,
                     uint16_t *packed) {
    const size_t kBlocks = round_up(k, TILE_K) / TILE_K, nBlocks = round_up(n, TILE_N) / TILE_N;
    for (size_t nb = 0; nb < nBlocks; nb++) {
        for (size_t kb = 0; kb < kBlocks; kb++) {
            uint16_t *tile = packed + (nb * kBlocks + kb) * (TILE_K * TILE_N);
            for (size_t r = 0; r < TILE_K / 2; r++) {
                for (size_t j = 0; j < TILE_N; j++) {
                    for (size_t t = 0; t < 2; t++) {
                        const size_t p = kb * TILE_K + 2 * r + t, col = nb * TILE_N + j;
                        const float v = (p < k && col < n) ? b[p * row_stride + col * column_stride] : 0.0f;
                        tile[r * 2 * TILE_N + 2 * j + t] = mbrl_bf16_from_float(v);
                    }
                }
            }
        }
    }
}

size_t mbrl_amx_scratch_bytes(size_t k) {
    // 32 rows of A in bf16, a 16 × 16 fp32 tile for the edges, and room to align to 64 bytes.
    return BLOCK_ROWS * round_up(k, TILE_K) * sizeof(uint16_t) + TILE_ROWS * TILE_N * sizeof(float) + 64;
}

#if MBRL_AMX_BUILD
// The tile configuration (palette 1): tiles 0–3 accumulate C, 4–5 hold A, 6–7 hold B, each
// 16 rows of 64 bytes.
typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t columns_bytes[16];
    uint8_t rows[16];
} tile_config;

// Stores tile `T` to the rows [row, row + 16) and columns [column, column + 16) of C, through
// `edge` when the tile reaches past C's m rows or n columns.
#define STORE_TILE(T, row, column)                                                                  \
    do {                                                                                            \
        if ((row) + TILE_ROWS <= m && (column) + TILE_N <= n) {                                     \
            _tile_stored(T, c + (row) * ldc + (column), (long)(ldc * sizeof(float)));                \
        } else if ((row) < m && (column) < n) {                                                     \
            _tile_stored(T, edge, TILE_N * sizeof(float));                                          \
            const size_t rows_ = m - (row) < TILE_ROWS ? m - (row) : TILE_ROWS;                     \
            const size_t cols_ = n - (column) < TILE_N ? n - (column) : TILE_N;                     \
            for (size_t r_ = 0; r_ < rows_; r_++)                                                   \
                memcpy(c + ((row) + r_) * ldc + (column), edge + r_ * TILE_N, cols_ * sizeof(float)); \
        }                                                                                           \
    } while (0)

AMX_TARGET void mbrl_amx_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed_b,
                              float *c, size_t ldc, void *scratch) {
    const size_t kp = round_up(k, TILE_K), kBlocks = kp / TILE_K, nBlocks = round_up(n, TILE_N) / TILE_N;
    uint16_t *ablock = (uint16_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    float *edge = (float *)(ablock + BLOCK_ROWS * kp);
    const long astride = (long)(kp * sizeof(uint16_t)), tileBytes = TILE_K * TILE_N;

    tile_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.columns_bytes[t] = 64;
        config.rows[t] = TILE_ROWS;
    }
    _tile_loadconfig(&config);

    for (size_t i = 0; i < m; i += BLOCK_ROWS) {
        // 32 rows of A in bf16, zero past k and past m.
        const size_t rows = m - i < BLOCK_ROWS ? m - i : BLOCK_ROWS;
        for (size_t r = 0; r < rows; r++) {
            convert_avx512(a + (i + r) * lda, ablock + r * kp, k);
            memset(ablock + r * kp + k, 0, (kp - k) * sizeof(uint16_t));
        }
        if (rows < BLOCK_ROWS) memset(ablock + rows * kp, 0, (BLOCK_ROWS - rows) * kp * sizeof(uint16_t));

        size_t nb = 0;
        for (; nb + 2 <= nBlocks; nb += 2) {
            const uint16_t *b0 = packed_b + nb * kBlocks * tileBytes, *b1 = b0 + kBlocks * tileBytes;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (size_t kb = 0; kb < kBlocks; kb++) {
                _tile_loadd(4, ablock + kb * TILE_K, astride);
                _tile_loadd(5, ablock + TILE_ROWS * kp + kb * TILE_K, astride);
                _tile_loadd(6, b0 + kb * tileBytes, 64);
                _tile_loadd(7, b1 + kb * tileBytes, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            STORE_TILE(0, i, nb * TILE_N);
            STORE_TILE(1, i, (nb + 1) * TILE_N);
            STORE_TILE(2, i + TILE_ROWS, nb * TILE_N);
            STORE_TILE(3, i + TILE_ROWS, (nb + 1) * TILE_N);
        }
        if (nb < nBlocks) {
            const uint16_t *b0 = packed_b + nb * kBlocks * tileBytes;
            _tile_zero(0);
            _tile_zero(2);
            for (size_t kb = 0; kb < kBlocks; kb++) {
                _tile_loadd(4, ablock + kb * TILE_K, astride);
                _tile_loadd(5, ablock + TILE_ROWS * kp + kb * TILE_K, astride);
                _tile_loadd(6, b0 + kb * tileBytes, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(2, 5, 6);
            }
            STORE_TILE(0, i, nb * TILE_N);
            STORE_TILE(2, i + TILE_ROWS, nb * TILE_N);
        }
    }
    // The tiles stay configured: releasing them here made the next call's first tile instruction
    // far slower (a trap to the kernel in this machine's virtual machine), and the next call loads
    // its configuration anyway.
}
#else
void mbrl_amx_gemm(size_t m, size_t n, size_t k, const float *a, size_t lda, const uint16_t *packed_b,
                   float *c, size_t ldc, void *scratch) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed_b; (void)c; (void)ldc; (void)scratch;
    abort();  // mbrl_amx_bf16_available() is 0 on this build: the caller must not get here
}
#endif
