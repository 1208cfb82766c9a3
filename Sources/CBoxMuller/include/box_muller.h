#ifndef MBRL_BOX_MULLER_H
#define MBRL_BOX_MULLER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The exact transform of one pair: Float(√(−2 ln u)·cos(2πv)) as the caller defines it (with the
/// C library's log and cos). The batch below calls it for the few pairs it cannot decide itself.
typedef float (*mbrl_box_muller_exact)(double u, double v);

/// For i in 0..<count: out[i] = exact(uv[2i], uv[2i + 1]), bit for bit, for any pairs; made for the
/// uniforms `RandomGenerator.normalUniforms` draws (u in (0, 1), v in [0, 1)). Most pairs are
/// transformed eight at a time with polynomial logarithm and cosine whose result lies within a few
/// units in the last place (ULP) of Double of the C library's; a pair whose Double lies within 2¹² ULP
/// of a point where rounding to Float could go either way, whose cosine is within 2⁻²⁰ of a zero, or
/// that lies outside normal u in (0, 1) and v in [0, 1), is handed to `exact`. Returns how many pairs
/// were handed over.
size_t mbrl_box_muller(const double *uv, float *out, size_t count, mbrl_box_muller_exact exact);

/// The Double results of the batch before rounding to Float, and for each pair whether
/// `mbrl_box_muller` would hand it to `exact` (1) or not (0): for tests of the approximation's
/// accuracy. out[i] is the approximation even where redo[i] is 1.
void mbrl_box_muller_unrounded(const double *uv, double *out, unsigned char *redo, size_t count);

#ifdef __cplusplus
}
#endif

#endif
