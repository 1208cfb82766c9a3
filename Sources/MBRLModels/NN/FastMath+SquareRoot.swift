#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
    import _Builtin_intrinsics.intel
#endif

extension FastMath {
    /// The square roots of 8 lanes, each correctly rounded: the bits of `Float.squareRoot()` lane by
    /// lane. Swift's `SIMD8<Float>.squareRoot()` compiles to eight scalar square roots with a library
    /// call beside each (for `errno` on negative inputs), which made Adam's update several times slower
    /// than its loads and stores; on x86-64 this is two SSE `sqrtps`, which every x86-64 CPU has (and
    /// which a build for AVX compiles to one 8-lane `vsqrtps`).
    @inline(__always)
    static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
            let low = _mm_sqrt_ps(x.lowHalf), high = _mm_sqrt_ps(x.highHalf)
            return SIMD8(lowHalf: low, highHalf: high)
        #else
            return x.squareRoot()
        #endif
    }
}
