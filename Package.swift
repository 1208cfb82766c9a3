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

// The same choice for the project's own C code, as clang's `-march`.
let targetCPUCFlags: [String] = {
    let value = ProcessInfo.processInfo.environment["MBRL_TARGET_CPU"] ?? ""
    return ["-march=\(value.isEmpty ? "native" : value)"]
}()

let package = Package(
    name: "mbrl",
    products: [
        .library(
            name: "MBRL",
            targets: ["MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLRollouts", "MBRLPlanning", "MBRLReporting"]),
        .executable(name: "collect", targets: ["collect"]),
        .executable(name: "stats", targets: ["stats"]),
        .executable(name: "train", targets: ["train"]),
        .executable(name: "plan", targets: ["plan"]),
        .executable(name: "evaluate", targets: ["evaluate"]),
        .executable(name: "value", targets: ["value"]),
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
        // Box–Muller normals eight at a time with the bits of the scalar transform (RandomGenerator's
        // `boxMuller(pairs:count:into:)`); plain C vectors, built for the target CPU like the library.
        .target(
            name: "CBoxMuller",
            cSettings: [.unsafeFlags(targetCPUCFlags, .when(configuration: .release))]),

        // The library, in targets that follow the method's roles; each depends only on those listed, so
        // the compiler keeps the layers apart (docs/DESIGN.md, "Code layout"). None of them knows the
        // command line. Release builds target the building machine's CPU by default, so the network's
        // and the planner's loops use its widest vector instructions (AVX2/AVX-512 instead of the
        // baseline SSE2). The project is built where it runs, by `make`; a cluster's portable build
        // names a level instead (targetCPUFlags above). Hot loops stay inside one target, or call
        // across targets only through `@inlinable` code, so the optimizer still specializes and
        // inlines them.
        //
        // Core: the HDF5 layer, random numbers, process safety (atomic outputs, signals, input guards,
        // memory budgets), OpenBLAS, provenance and TensorBoard's files.
        .target(
            name: "MBRLCore", dependencies: ["CHDF5", "COpenBLAS", "CBoxMuller"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // The environment protocol, Pendulum and the MuJoCo tasks.
        .target(
            name: "MBRLEnvironments", dependencies: ["MBRLCore", "CMuJoCo"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // The pipeline's data files (transitions, statistics, initial states) and Minari datasets.
        .target(
            name: "MBRLData", dependencies: ["MBRLCore", "MBRLEnvironments"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // The learned models (the network, the ensemble, fitting, model files), their batched
        // inference (the folded network, the ensemble's particles) and their evaluation.
        .target(
            name: "MBRLModels", dependencies: ["MBRLCore", "MBRLData", "COpenBLAS", "CAMX"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // Policies and the one episode loop of collect and plan.
        .target(
            name: "MBRLRollouts", dependencies: ["MBRLCore", "MBRLEnvironments", "MBRLData"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // The planners, their trajectory evaluation, and a model's planning engine.
        .target(
            name: "MBRLPlanning", dependencies: ["MBRLCore", "MBRLEnvironments", "MBRLModels", "MBRLRollouts"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),
        // What only the programs that read finished runs need: a run folder's results and timings, and
        // the environments' side views the report animates.
        .target(
            name: "MBRLReporting", dependencies: ["MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels"],
            swiftSettings: [.unsafeFlags(targetCPUFlags, .when(configuration: .release))]),

        // Option groups and the error/exit-status convention shared by every stage.
        .target(
            name: "MBRLCommandLine",
            dependencies: ["MBRLCore", "MBRLEnvironments", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Each program depends on the library targets it imports, and only those.
        .executableTarget(name: "collect", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLRollouts"]),
        .executableTarget(name: "stats", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData"]),
        .executableTarget(name: "train", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData", "MBRLModels"]),
        .executableTarget(
            name: "plan",
            dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLRollouts", "MBRLPlanning"]),
        .executableTarget(name: "evaluate", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData", "MBRLModels"]),
        // A terminal value for the planner (plan --value), fitted to the returns-to-go of a run's data.
        .executableTarget(name: "value", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData", "MBRLModels"]),
        // Minari datasets in (offline data) and out (a run's transitions for offline-RL tools).
        .executableTarget(name: "import", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLEnvironments", "MBRLData"]),
        .executableTarget(name: "export", dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData"]),
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
        .target(name: "MBRLStatistics", dependencies: ["MBRLCore", "MBRLData", "MBRLReporting"]),

        .executableTarget(
            name: "summarize",
            dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLData", "MBRLReporting", "MBRLSweeps", "MBRLStatistics"]),
        .executableTarget(
            name: "bench",
            dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLRollouts", "MBRLPlanning"]),
        .executableTarget(
            name: "report",
            dependencies: ["MBRLCommandLine", "MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLReporting",
                           "MBRLSweeps", "MBRLStatistics"]),

        // Run archives read as a stream (gzip through zlib, tar headers, the manifest), for
        // `verify-archive`; apart from the stages, so their programs and hashes do not change with it.
        .target(name: "MBRLArchive", dependencies: ["MBRLCore", "CZlib"]),
        .executableTarget(
            name: "verify-archive",
            dependencies: ["MBRLArchive", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Helpers shared by the test targets: approximate equality, temporary folders, fixtures.
        .target(name: "MBRLTestSupport", dependencies: ["MBRLCore", "MBRLEnvironments"], path: "Tests/MBRLTestSupport"),
        .testTarget(
            name: "MBRLTests",
            dependencies: ["MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLRollouts", "MBRLPlanning", "MBRLReporting",
                           "MBRLStatistics", "MBRLSweeps", "MBRLTestSupport", "CBoxMuller"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "StageTests",
            dependencies: ["MBRLCore", "MBRLEnvironments", "MBRLData", "MBRLModels", "MBRLReporting", "MBRLStatistics", "MBRLArchive",
                           "MBRLTestSupport"]),
    ]
)
