// swift-tools-version:5.9
//
// Model-based RL with a learned dynamics model and MPC, as a pipeline of small executables that
// exchange HDF5 files. See README.md, docs/DESIGN.md (the stages) and docs/FORMATS.md (the files).
import PackageDescription

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

        // The library: environments, HDF5 files, the network, planners, pipeline utilities.
        // It knows nothing of the command line.
        // Release builds target the building machine's CPU, so the network's and the planner's loops use
        // its widest vector instructions (AVX2/AVX-512 instead of the baseline SSE2). The project is
        // built where it runs, by `make`.
        .target(
            name: "MBRL", dependencies: ["CHDF5", "COpenBLAS", "CMuJoCo"],
            swiftSettings: [.unsafeFlags(["-target-cpu", "native"], .when(configuration: .release))]),

        // Option groups and the error/exit-status convention shared by every stage.
        .target(
            name: "MBRLCommandLine",
            dependencies: ["MBRL", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .executableTarget(name: "collect", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "stats", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "train", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "plan", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "evaluate", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "summarize", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "bench", dependencies: ["MBRLCommandLine"]),
        .executableTarget(name: "report", dependencies: ["MBRLCommandLine"]),

        // Helpers shared by the test targets: approximate equality, temporary folders, fixtures.
        .target(name: "MBRLTestSupport", dependencies: ["MBRL"], path: "Tests/MBRLTestSupport"),
        .testTarget(
            name: "MBRLTests", dependencies: ["MBRL", "MBRLTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "StageTests", dependencies: ["MBRL", "MBRLTestSupport"]),
    ]
)
