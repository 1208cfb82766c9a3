import Foundation

/// The project's only source of randomness: xoshiro256** (Blackman & Vigna, 2018), seeded through
/// SplitMix64, as its authors recommend.
///
/// A generator is a value passed explicitly to whatever needs randomness; nothing in the project uses
/// the system generator, so a run is a pure function of its seed. Streams for separate purposes are
/// derived with `init(seed:stream:)` so that, e.g., changing the number of episodes does not shift the
/// random numbers of the network's initialization.
///
/// The drawing methods are `@inlinable`: the planners and the ensemble's particles draw in their
/// inner loops, in other targets, where a call per number would not be inlined.
public struct RandomGenerator: RandomNumberGenerator {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// A generator whose whole state is derived from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// A generator for one named purpose of a run: independent streams for the same seed.
    public init(seed: UInt64, stream: UInt64) {
        var sm = SplitMix64(state: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        self.init(seed: sm.next())
    }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// A Double uniform in [0, 1), with 53 random bits.
    @inlinable @inline(__always)
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A Float uniform in [0, 1), with 24 random bits.
    @inlinable @inline(__always)
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A Double uniform in [low, high).
    @inlinable @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// A standard normal sample (Box–Muller; one of the pair is discarded to keep the state simple).
    @inlinable
    public mutating func normal() -> Double {
        let (u, v) = normalUniforms()
        return Self.boxMuller(u, v)
    }

    /// The two uniforms `normal()` transforms, drawn as it draws them: u in (0, 1) (redrawn while it
    /// is 0), then v in [0, 1). Drawing these in order and transforming them later, anywhere, gives the
    /// values `normal()` would have given.
    @inlinable @inline(__always)
    public mutating func normalUniforms() -> (u: Double, v: Double) {
        var u = nextUnit()
        while u == 0 { u = nextUnit() }
        return (u, nextUnit())
    }

    /// Box–Muller's first output, √(−2 ln u)·cos(2πv), for u in (0, 1] and any v: a standard normal when
    /// u and v are independent uniforms. The only definition of `normal()`'s arithmetic.
    @inlinable @inline(__always)
    public static func boxMuller(_ u: Double, _ v: Double) -> Double {
        (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A uniformly random integer in `0..<bound`, without modulo bias (Lemire's method).
    @inlinable
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next(upperBound: UInt64(bound)))
    }

    /// Shuffles `array` in place (Fisher–Yates), with this generator.
    @inlinable
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, index(below: i + 1))
        }
    }

    @inlinable @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): used only to expand a seed into xoshiro's state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
