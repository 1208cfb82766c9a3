// swift-tools-version:5.9
//
// Model-based RL with a learned dynamics model and MPC, as a pipeline of small executables that
// exchange HDF5 files. See README.md, docs/DESIGN.md (the stages) and docs/FORMATS.md (the files).
import Foundation
import PackageDescription

// The CPU release builds target: `native` (the building machine's, the default) or an instruction
// set every machine of a cluster has, e.g. the x86-64 level `x86-64-v3` (AVX2, FMA). `make build
// TARGET_CPU=x86-64-v3` sets it through MBRL_TARGET_CPU and builds in its own folder
// (.build/cpu-x86-64-v3/); see docs/CLUSTER.md, "Running on a cluster". A level is passed as clang's
// `-march` (Swift's own -target-cpu does not know the x86-64 levels); IRGen takes the CPU and its
// features from there, for the Swift code and the C shims alike. A value with other characters
// than letters, digits, `-`, `_` and `.` stops the build.
let targetCPUFlags: [String] = {
    let value = ProcessInfo.processInfo.environment["MBRL_TARGET_CPU"] ?? ""
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    guard value.allSatisfy(allowed.contains) else { fatalError("MBRL_TARGET_CPU '\(value)' is not a CPU name") }
    return value.isEmpty || value == "native" ? ["-target-cpu", "native"] : ["-Xcc", "-march=\(value)"]
}()

let package = Package(
    name: "mbrl",
    products: [
        .library(name: "MBRL", targets: ["MBRL"]),
        .executable(name: "collect", targets: ["collect"]),
        .executable(name: "stats", targets: ["stats"]),
        .executable(name: "train", targets: ["train"]),
        .executable(name: "plan", targets: ["plan"]),
        .executable(name: "evaluate", targets: ["evaluate"]),
        .executable(name: "summarize", targets: ["summarize"]),
        .executable(name: "bench", targets: ["bench"]),
        .executable(name: "report", targets: ["report"]),
        .executable(name: "import", targets: ["import"]),
        .executable(name: "export", targets: ["export"]),
        .executable(name: "verify-archive", targets: ["verify-archive"]),
        .executable(name: "sweep-grid", targets: ["sweep-grid"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries, each wrapped in a module map plus a header of `static inline` shims for the
        // macros Swift cannot import. They promise no Swift API of their own.
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        // MuJoCo 2.2.2 from Debian's libmujoco-dev, which has no pkg-config file: the module map links
        // `mujoco` and the headers are in /usr/include/mujoco/.
        .systemLibrary(
            name: "CMuJoCo",
            providers: [.apt(["libmujoco-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // The planner's opt-in bf16 product on Intel AMX (BF16Matrix). Only its AMX functions are
        // compiled for AMX (function attributes) and run after a runtime check of the CPU and of
        // Linux's permission, so the package still builds and runs on any x86-64 (or elsewhere).
        .target(name: "CAMX"),

        // The library: environments, HDF5 files, the network, planners, pipeline utilities.
        // It knows nothing of the command line.
        // Release builds target the building machine's CPU by default, so the network's and the
        // planner's loops use its widest vector instructions (AVX2/AVX-512 instead of the baseline
        // SSE2). The project is built where it runs, by `make`; a cluster's portable build names a
        // level instead (targetCPUFlags above).
        .target(
            name: "MBRL", dependencies: ["CHDF5", "COpenBLAS", "CMuJoCo", "CAMX"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),

        // Option groups and the error/exit-status convention shared by every stage.
        .target(
            name: "MBRLCommandLine",
            dependencies: ["MBRL", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .executableTarget(name: "collect", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "stats", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "train", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "plan", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "evaluate", dependencies: ["MBRLCommandLine"]),
        // Minari datasets in (offline data) and out (a run's transitions for offline-RL tools).
        .executableTarget(name: "import", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "export", dependencies: ["MBRLCommandLine"]),
        // Grid sweeps: a grid's expansion into runs, point names, and run folders grouped by point, for
        // `sweep-grid` (Make's and the SLURM script's one implementation of them) and the programs that
        // read across runs. Its own target, so the stages' programs (and their hashes, which decide
        // when outputs are stale) do not change with it.
        .target(name: "MBRLSweeps"),
        .executableTarget(
            name: "sweep-grid",
            dependencies: ["MBRLSweeps", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Aggregates across runs as rliable computes them (IQM, median, mean, performance profiles)
        // and the stratified bootstrap's intervals; for the same programs, and for the same reason
        // its own target.
        .target(name: "MBRLStatistics", dependencies: ["MBRL"]),

        .executableTarget(name: "summarize", dependencies: ["MBRLCommandLine", "MBRLSweeps", "MBRLStatistics"]),
        .executableTarget(name: "bench", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "report", dependencies: ["MBRLCommandLine", "MBRLSweeps", "MBRLStatistics"]),

        // Run archives read as a stream (gzip through zlib, tar headers, the manifest), for
        // `verify-archive`; apart from the stages, so their programs and hashes do not change with it.
        .target(name: "MBRLArchive", dependencies: ["MBRL", "CZlib"]),
        .executableTarget(
            name: "verify-archive",
            dependencies: ["MBRLArchive", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Helpers shared by the test targets: approximate equality, temporary folders, fixtures.
        .target(name: "MBRLTestSupport", dependencies: ["MBRL"], path: "Tests/MBRLTestSupport"),
        .testTarget(
            name: "MBRLTests", dependencies: ["MBRL", "MBRLStatistics", "MBRLSweeps", "MBRLTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "StageTests", dependencies: ["MBRL", "MBRLStatistics", "MBRLArchive", "MBRLTestSupport"]),
    ]
)
