import MBRLCore
import XCTest

/// The choice of OpenBLAS kernel: a generic kernel on a CPU with AVX2 or AVX-512 is replaced by the
/// kernel for its instruction sets, and a kernel type set by the user is kept.
final class OpenBLASKernelTests: XCTestCase {
    let avx512: Set<String> = [
        "sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"
    ]
    let avx2: Set<String> = ["sse4_2", "avx", "avx2", "fma"]

    func testAGenericKernelIsReplacedByTheOneForTheCPUsInstructions() {
        XCTAssertEqual(OpenBLASKernel.override(chosen: "Prescott", cpuFlags: avx512, userCoreType: nil), "SkylakeX")
        XCTAssertEqual(OpenBLASKernel.override(chosen: "Sandybridge", cpuFlags: avx2, userCoreType: nil), "Haswell")
        XCTAssertEqual(OpenBLASKernel.override(chosen: "Haswell", cpuFlags: avx512, userCoreType: nil), "SkylakeX")
    }

    func testAKernelAtTheCPUsLevelIsKept() {
        XCTAssertNil(OpenBLASKernel.override(chosen: "SkylakeX", cpuFlags: avx512, userCoreType: nil))
        XCTAssertNil(OpenBLASKernel.override(chosen: "Cooperlake", cpuFlags: avx512, userCoreType: nil))
        XCTAssertNil(OpenBLASKernel.override(chosen: "Haswell", cpuFlags: avx2, userCoreType: nil))
        XCTAssertNil(OpenBLASKernel.override(chosen: "Zen", cpuFlags: avx2, userCoreType: nil))
        // A CPU without AVX2 (or whose flags are unknown) keeps whatever OpenBLAS chose.
        XCTAssertNil(OpenBLASKernel.override(chosen: "Prescott", cpuFlags: ["sse4_2", "avx"], userCoreType: nil))
        XCTAssertNil(OpenBLASKernel.override(chosen: "Prescott", cpuFlags: [], userCoreType: nil))
        // AVX-512 F alone (Knights Landing) is not the set the SkylakeX kernel needs.
        XCTAssertEqual(
            OpenBLASKernel.override(chosen: "Prescott", cpuFlags: avx2.union(["avx512f"]), userCoreType: nil), "Haswell"
        )
    }

    func testAKernelTypeTheUserSetIsKept() {
        XCTAssertNil(OpenBLASKernel.override(chosen: "Prescott", cpuFlags: avx512, userCoreType: "Prescott"))
        XCTAssertNil(OpenBLASKernel.override(chosen: "Haswell", cpuFlags: avx512, userCoreType: "Haswell"))
    }

    func testThisMachinesFlagsAreRead() {
        #if os(Linux) && arch(x86_64)
            XCTAssertTrue(OpenBLASKernel.cpuFlags.contains("sse2"), "no flags line read from /proc/cpuinfo")
        #endif
    }
}
