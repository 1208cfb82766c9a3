// Box–Muller's first output in bulk, with the bits of the scalar transform (box_muller.h).
//
// Why it can be exact: the scalar transform's Double result g and this approximation y differ by a
// few ULP of Double (the C library's log and cos are within 1 ULP; the steps below add a few more,
// bounded in the comments). Rounding to Float keeps 24 of Double's 53 significant bits, so Float(y)
// and Float(g) can only differ when a rounding boundary of Float (a midpoint between two Floats) lies
// between them. Every y within 2¹² ULP of such a midpoint (the low 29 bits of its significand within
// 2¹² of 2²⁸) is recomputed exactly instead, so the answer never rests on the approximation's last
// bits: about 1.5 pairs in 10⁵. Pairs whose cosine is near one of its zeros (there the reduced
// argument loses relative accuracy) are recomputed too, about 6 in 10⁷.
//
// Contraction into fused multiply–adds is off, so every step is one IEEE operation and the
// approximation has the same bits at any vector width and optimization level.
#pragma clang fp contract(off)
// The vector helpers below are static and always inlined: their vector arguments never cross a call,
// so the ABI clang warns about (8 Doubles without AVX-512) is never used.
#pragma clang diagnostic ignored "-Wpsabi"

#include "box_muller.h"

#include <stdint.h>

enum { LANES = 8 };
typedef double vdouble __attribute__((ext_vector_type(LANES)));
typedef long vlong __attribute__((ext_vector_type(LANES)));
typedef unsigned long vbits __attribute__((ext_vector_type(LANES)));

// 2π as the scalar transform computes it (2 · Double.pi, exact), so both see the same argument w.
static const double two_pi = 2.0 * 3.141592653589793;
static const double ln2 = 0x1.62e42fefa39efp-1;
static const double sqrt2 = 0x1.6a09e667f3bcdp+0;
static const double two_over_pi = 0x1.45f306dc9c883p-1;
// π/2 = p1 + p2 + p3 + O(2⁻¹²⁰): p1 and p2 carry 33 significant bits each, so q·p1 and q·p2 are exact
// for the quadrants q ≤ 4 used here; p3 is the rest rounded to Double.
static const double pio2_1 = 0x1.921fb54400000p+0;
static const double pio2_2 = 0x1.0b4611a600000p-34;
static const double pio2_3 = 0x1.3198a2e037073p-69;
// Adding and subtracting 1.5·2⁵² rounds a Double below 2⁵¹ in magnitude to an integer, to nearest.
static const double rounder = 0x1.8p52;

static inline __attribute__((always_inline)) vdouble as_double(vbits x) { return (vdouble)x; }
static inline __attribute__((always_inline)) vbits as_bits(vdouble x) { return (vbits)x; }

// The series' coefficients, highest power first: 1/(2k + 1) for k = 10 … 0 (atanh(s)/s in s²);
// −(−1)ᵏ/(2k + 1)! for k = 8 … 1 ((x − sin x)/x³ in x²); (−1)ᵏ/(2k)! for k = 8 … 1 ((cos x − 1)/x²
// in x²).
static const double atanh_series[] = {
    1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13, 1.0 / 11, 1.0 / 9, 1.0 / 7, 1.0 / 5, 1.0 / 3, 1.0};
static const double sine_series[] = {
    -1.0 / 355687428096000.0, 1.0 / 1307674368000.0, -1.0 / 6227020800.0, 1.0 / 39916800.0,
    -1.0 / 362880.0, 1.0 / 5040.0, -1.0 / 120.0, 1.0 / 6.0};
static const double cosine_series[] = {
    1.0 / 20922789888000.0, -1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0,
    1.0 / 40320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5};

// Σ c[i]·x^(n−1−i) by Horner's rule, one multiply and one add per coefficient.
static inline __attribute__((always_inline)) vdouble horner(vdouble x, const double *c, size_t n) {
    vdouble p = c[0];
    for (size_t i = 1; i < n; i++) p = p * x + c[i];
    return p;
}

// ln u for u in [2⁻⁵³, 1) (never subnormal). u = m·2ᵉ with m in [√2/2, √2); with f = m − 1 (exact)
// and s = f/(2 + f), ln m = 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + …). |s| ≤ 0.1716, so the terms up to
// s²⁰/21 leave less than 2⁻⁶⁰ relative. Error: about 1 ULP from s, 1 from the series and its product,
// 2 more from adding e·ln 2 (|e·ln 2| ≤ 2|result| when e ≠ 0): within 5 ULP.
static inline __attribute__((always_inline)) vdouble log_unit(vdouble u) {
    vbits bits = as_bits(u);
    vdouble m = as_double((bits & 0x000fffffffffffffUL) | 0x3ff0000000000000UL);
    // The biased exponent (≤ 1022 here) as a Double: placed in the significand of 2⁵² and subtracted.
    vdouble e = as_double((bits >> 52) | 0x4330000000000000UL) - (0x1p52 + 1023.0);
    vlong high = m > sqrt2;
    m = high ? m * 0.5 : m;
    e = high ? e + 1.0 : e;
    vdouble f = m - 1.0;
    vdouble s = f / (2.0 + f);
    vdouble z = s * s;
    return e * ln2 + (s + s) * horner(z, atanh_series, sizeof atanh_series / sizeof *atanh_series);
}

// cos w for w = 2πv in [0, 2π), and a mask of the lanes whose reduced argument is within 2⁻²⁰ of a
// zero of the cosine. w = q·π/2 + r with q = round(2w/π) in 0...4 and |r| ≤ π/4 (a hair more from
// rounding 2w/π): w − q·p1 is exact (Sterbenz), subtracting q·p2 is done as a two-sum (hi + lo) and
// q·p3 joins the low part, so r = hi + lo to about 2⁻¹⁰⁰ absolute. sin r and cos r by their Taylor
// series to r¹⁷/17! and r¹⁶/16! (truncation below 2⁻⁵⁸ relative on |r| ≤ π/4), corrected to first
// order in lo. Error: within 4 ULP where |r| ≥ 2⁻²⁰ or the quadrant is even (cos r ≥ 0.7).
static inline __attribute__((always_inline)) vdouble cos_turn(vdouble v, vlong *nearZero) {
    vdouble w = two_pi * v;
    vdouble t = w * two_over_pi + rounder;
    vbits quadrant = as_bits(t) & 3;
    vdouble q = t - rounder;
    vdouble r1 = w - q * pio2_1;
    vdouble b = q * pio2_2;
    vdouble hi = r1 - b;
    vdouble bv = r1 - hi;
    vdouble lo = ((r1 - (hi + bv)) + (bv - b)) - q * pio2_3;
    vdouble x2 = hi * hi;
    vdouble sinePart = horner(x2, sine_series, sizeof sine_series / sizeof *sine_series);
    vdouble cosinePart = horner(x2, cosine_series, sizeof cosine_series / sizeof *cosine_series);
    vdouble sine = hi - ((hi * x2) * sinePart - lo);
    vdouble cosine = 1.0 + (x2 * cosinePart - hi * lo);
    // cos(qπ/2 + r): cos r, −sin r, −cos r, sin r for q mod 4 = 0, 1, 2, 3.
    vlong odd = (vlong)((quadrant & 1) != 0);
    vdouble c = odd ? sine : cosine;
    vlong negative = (vlong)((quadrant == 1) | (quadrant == 2));
    *nearZero = odd & (vlong)(__builtin_elementwise_abs(hi) < 0x1p-20);
    return negative ? -c : c;
}

// √(−2 ln u)·cos(2πv) for LANES pairs, and the lanes to recompute exactly: within 10 ULP of the
// scalar transform (5/2 + 1/2 from the root, 4 from the cosine, 1/2 from the product, 1 + 1/2 for
// the C library's), except where nearZero is set. The analysis holds for normal u in (0, 1) and v in
// [0, 1); any other pair (0, a subnormal, 1 or more, NaN) is recomputed exactly too.
static inline __attribute__((always_inline)) vdouble transform(vdouble u, vdouble v, vlong *redo) {
    vlong inside = (vlong)(u >= 0x1p-1022) & (vlong)(u < 1.0) & (vlong)(v >= 0.0) & (vlong)(v < 1.0);
    vlong nearZero;
    vdouble y = __builtin_elementwise_sqrt(-2.0 * log_unit(u)) * cos_turn(v, &nearZero);
    vbits low = as_bits(y) & ((1UL << 29) - 1);
    vlong nearMidpoint = (vlong)(low - ((1UL << 28) - (1UL << 12)) <= (1UL << 13));
    *redo = nearMidpoint | nearZero | ~inside;
    return y;
}

// Transforms the block of pairs from i (at most LANES; lanes past the count get u = 1/2, v = 0, any
// valid pair) into y and its redo mask, and returns how many pairs the block holds.
static inline __attribute__((always_inline)) size_t block(
    const double *uv, size_t i, size_t count, vdouble *y, vlong *redo) {
    size_t n = count - i < LANES ? count - i : LANES;
    vdouble u, v;
    for (size_t k = 0; k < LANES; k++) {
        u[k] = k < n ? uv[2 * (i + k)] : 0.5;
        v[k] = k < n ? uv[2 * (i + k) + 1] : 0.0;
    }
    *y = transform(u, v, redo);
    return n;
}

size_t mbrl_box_muller(const double *uv, float *out, size_t count, mbrl_box_muller_exact exact) {
    size_t handed = 0;
    for (size_t i = 0; i < count; i += LANES) {
        vdouble y;
        vlong redo;
        size_t n = block(uv, i, count, &y, &redo);
        long any = 0;
        for (size_t k = 0; k < n; k++) any |= redo[k];
        for (size_t k = 0; k < n; k++) out[i + k] = (float)y[k];
        if (!any) continue;
        for (size_t k = 0; k < n; k++) {
            if (redo[k]) {
                out[i + k] = exact(uv[2 * (i + k)], uv[2 * (i + k) + 1]);
                handed += 1;
            }
        }
    }
    return handed;
}

void mbrl_box_muller_unrounded(const double *uv, double *out, unsigned char *redo, size_t count) {
    for (size_t i = 0; i < count; i += LANES) {
        vdouble y;
        vlong flags;
        size_t n = block(uv, i, count, &y, &flags);
        for (size_t k = 0; k < n; k++) {
            out[i + k] = y[k];
            redo[i + k] = flags[k] != 0;
        }
    }
}
