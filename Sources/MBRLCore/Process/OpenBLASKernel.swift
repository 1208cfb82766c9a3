import COpenBLAS
import Foundation

/// The compute kernel OpenBLAS runs its products with, and the repair when it picks one below the CPU.
///
/// Debian's OpenBLAS 0.3.21 is built for every x86-64 core type (`DYNAMIC_ARCH`) and chooses a kernel
/// when it loads, from the CPU's family and model numbers. A CPU newer than that table (an Emerald
/// Rapids Xeon, family 6 model 207) is not in it, and OpenBLAS silently falls back to `Prescott`, an
/// SSE3 kernel that runs SGEMM at about a quarter of the AVX-512 kernel's rate on the same core. The
/// CPU's instruction sets, as the kernel reports them in `/proc/cpuinfo` (only those the operating
/// system has enabled), say which kernel it can run; when OpenBLAS chose one for fewer instructions,
/// the program runs itself again with `OPENBLAS_CORETYPE` naming the kernel for what the CPU has
/// (`relaunchEnvironment`). A kernel type set by the user is left alone.
///
/// The kernel decides the order of the sums inside a product, so it is recorded in every output's
/// provenance (`Provenance.software`): two files computed by different kernels may differ in their
/// last bits.
public enum OpenBLASKernel {
    /// The instruction-set level a kernel's single-precision products use, or a CPU offers.
    public enum Level: Int, Comparable, Sendable {
        /// SSE to AVX: the generic and older kernels.
        case baseline
        /// AVX2 with FMA (`Haswell`, `Zen`).
        case avx2
        /// AVX-512 F, CD, BW, DQ and VL (`SkylakeX`, `Cooperlake`).
        case avx512

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The kernel type to ask OpenBLAS for at this level (nil: OpenBLAS's own choice).
        var coreType: String? {
            switch self {
            case .baseline: return nil
            case .avx2: return "Haswell"
            case .avx512: return "SkylakeX"
            }
        }
    }

    /// The environment variable OpenBLAS reads, when it loads, for the kernel type to use.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"

    /// The kernel OpenBLAS chose, as it names it (`SkylakeX`, `Haswell`, `Prescott`, ...).
    public static var name: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The level of the kernel OpenBLAS names `kernel`.
    public static func level(ofKernel kernel: String) -> Level {
        switch kernel.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return .avx512
        case "haswell", "zen": return .avx2
        default: return .baseline
        }
    }

    /// The highest level the CPU flags (`/proc/cpuinfo` names) offer.
    public static func level(ofCPUFlags flags: Set<String>) -> Level {
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return .avx512 }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return .avx2 }
        return .baseline
    }

    /// The kernel type to set in `OPENBLAS_CORETYPE`, or nil to keep OpenBLAS's choice: nil when the
    /// user set the variable (`userCoreType`), when the chosen kernel already uses the CPU's level,
    /// or when the CPU's flags are unknown (empty).
    public static func override(chosen: String, cpuFlags: Set<String>, userCoreType: String?) -> String? {
        guard userCoreType == nil else { return nil }
        let offered = level(ofCPUFlags: cpuFlags)
        guard level(ofKernel: chosen) < offered else { return nil }
        return offered.coreType
    }

    /// The flags of the first processor in `/proc/cpuinfo` (empty where that file does not exist).
    public static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// The variables to set before running this program again so that OpenBLAS loads the kernel for
    /// this CPU: `[OPENBLAS_CORETYPE: kernel]`, or empty when its choice stands.
    public static var relaunchEnvironment: [String: String] {
        let user = getenv(coreTypeVariable).map { String(cString: $0) }
        guard let kernel = override(chosen: name, cpuFlags: cpuFlags, userCoreType: user) else { return [:] }
        return [coreTypeVariable: kernel]
    }

    /// Runs this program again (same arguments, same process id) with `environment` added, when it is
    /// not empty. Call it first, before the program has made any file or thread; if the re-execution
    /// fails the program goes on as it is.
    public static func relaunch(adding environment: [String: String]) {
        guard !environment.isEmpty else { return }
        for (name, value) in environment { setenv(name, value, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
