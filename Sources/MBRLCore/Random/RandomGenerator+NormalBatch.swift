import CBoxMuller

extension RandomGenerator {
    /// `Float(boxMuller(u, v))` for `count` pairs, bit for bit: `pairs` holds (u, v) interleaved, as
    /// `normalUniforms()` draws them (u in (0, 1), v in [0, 1)); `values` receives `count` Floats.
    ///
    /// Eight pairs at a time with a polynomial logarithm and cosine (CBoxMuller); a pair whose Float
    /// the approximation cannot decide (its Double close to a Float rounding boundary, or the cosine
    /// near a zero; about 1.5 in 10⁵), or outside those ranges, is transformed by `boxMuller` itself,
    /// so the values are those of the scalar transform whatever the pairs, CPU, vector width or build.
    public static func boxMuller(pairs: UnsafePointer<Double>, count: Int, into values: UnsafeMutablePointer<Float>) {
        precondition(count >= 0)
        mbrl_box_muller(pairs, values, count) { u, v in Float(RandomGenerator.boxMuller(u, v)) }
    }
}
