import CAMX

/// A weight matrix W (output × input, row-major) held in bfloat16 for `x Wᵀ` on Intel AMX: the
/// reduced-precision product of the planner's opt-in `bf16` path (`PlanningPrecision`).
///
/// The product rounds each value of x to bf16 (round to nearest, ties to even), multiplies exactly
/// and sums in fp32, in a fixed order: a row of the result depends only on that row of x and on W,
/// so splitting rows among threads gives the same bits. W is rounded and packed into AMX's tile
/// layout once, here. One instance must not be used from two threads at once (its scratch is its
/// own); give each thread a `copy()`.
public final class BF16Matrix {
    /// Columns of W (the inner dimension k of the product).
    public let input: Int
    /// Rows of W (columns of the result).
    public let output: Int
    private let packed: UnsafeMutablePointer<UInt16>
    private let packedCount: Int
    private let scratch: UnsafeMutableRawPointer

    /// True when this process can run the product: the CPU has AMX-TILE and AMX-BF16 and Linux
    /// granted the tile state (checked once). When false, callers use their fp32 SGEMM instead.
    /// The environment variable `MBRL_DISABLE_AMX=1` makes it false (to exercise the fallback).
    public static var isAvailable: Bool { mbrl_amx_bf16_available() != 0 }

    /// Packs `weight` (output × input, row-major). Requires `isAvailable`.
    public init(weight: UnsafePointer<Float>, output: Int, input: Int) {
        precondition(Self.isAvailable, "BF16Matrix needs AMX-BF16 (check BF16Matrix.isAvailable first)")
        precondition(output > 0 && input > 0, "an empty matrix")
        self.input = input
        self.output = output
        packedCount = mbrl_amx_packed_count(input, output)
        packed = .allocate(capacity: packedCount)
        mbrl_amx_pack_b(weight, input, output, 1, input, packed)
        scratch = .allocate(byteCount: mbrl_amx_scratch_bytes(input), alignment: 64)
    }

    private init(copying other: BF16Matrix) {
        input = other.input
        output = other.output
        packedCount = other.packedCount
        packed = .allocate(capacity: packedCount)
        packed.update(from: other.packed, count: packedCount)
        scratch = .allocate(byteCount: mbrl_amx_scratch_bytes(input), alignment: 64)
    }

    deinit {
        packed.deallocate()
        scratch.deallocate()
    }

    /// Another instance with the same packed weights and its own scratch (for another thread).
    public func copy() -> BF16Matrix { BF16Matrix(copying: self) }

    /// `c = x Wᵀ` for `rows` rows: x is rows × `input`, c is rows × `output`, both row-major and
    /// tightly packed; c is overwritten. Allocates nothing.
    @inline(__always)
    public func multiply(_ x: UnsafePointer<Float>, rows: Int, into c: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        mbrl_amx_gemm(rows, output, input, x, input, packed, c, output, scratch)
    }

    /// The bf16 value of `x` as a Float (round to nearest, ties to even; NaN stays NaN, ±Inf stays
    /// ±Inf), the rounding the product applies to its operands.
    public static func rounded(_ x: Float) -> Float { mbrl_float_from_bf16(mbrl_bf16_from_float(x)) }

    /// `values` rounded to bf16 and widened back, as `rounded` does one at a time (the product's own,
    /// vectorized conversion).
    public static func rounded(_ values: [Float]) -> [Float] {
        var halves = [UInt16](repeating: 0, count: values.count)
        halves.withUnsafeMutableBufferPointer { h in
            values.withUnsafeBufferPointer { mbrl_bf16_convert($0.baseAddress, h.baseAddress, values.count) }
        }
        return halves.map { mbrl_float_from_bf16($0) }
    }
}
