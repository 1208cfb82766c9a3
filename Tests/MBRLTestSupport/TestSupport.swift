import Foundation

/// Paths of the repository and its committed test data, found from this file's location so tests
/// run from any working directory.
public enum Repository {
    /// The repository's root folder.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A committed fixture in `Tests/MBRLTests/Fixtures/`.
    public static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/MBRLTests/Fixtures/\(name)").path
    }

    /// A release-built stage executable, as `make build` leaves it.
    public static func executable(_ name: String) -> String {
        root.appendingPathComponent(".build/release/\(name)").path
    }

    /// The programs the stage tests run.
    public static let programs = [
        "collect", "stats", "train", "plan", "evaluate", "value", "summarize", "report", "bench", "import", "export",
        "verify-archive", "sweep-grid"
    ]

    /// Throws unless every release program exists and the last `make build` (its stamp
    /// `.build/release/programs.mk`, written after each successful build) is newer than every source
    /// (`Sources/`, `Package.swift`), so a stage test fails (it is never skipped, and never runs stale
    /// binaries) after an edit that was not built: `make test` builds them first. The build's stamp,
    /// not each program's own time, because SwiftPM rightly leaves a program that an edit does not
    /// affect (a comment in Package.swift, another program's folder) as it was.
    public static func requireCurrentPrograms() throws {
        let fm = FileManager.default
        func date(_ path: String) -> Date? { try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date }
        var newest = (path: root.appendingPathComponent("Package.swift").path, date: Date.distantPast)
        newest.date = date(newest.path) ?? .distantPast
        let sources = root.appendingPathComponent("Sources").path
        for case let relative as String in fm.enumerator(atPath: sources) ?? FileManager.DirectoryEnumerator() {
            if let d = date(sources + "/" + relative), d > newest.date { newest = (sources + "/" + relative, d) }
        }
        for program in programs where !fm.fileExists(atPath: executable(program)) {
            throw TestSetupError(
                message: "\(executable(program)) is missing: run `make build` (or `make test`, "
                    + "which builds it) first")
        }
        let stamp = root.appendingPathComponent(".build/release/programs.mk").path
        guard let built = date(stamp), built >= newest.date else {
            throw TestSetupError(
                message: "the build (\(stamp)) is older than \(newest.path): run `make build` (or "
                    + "`make test`) first")
        }
    }
}

/// Writes the small run most stage tests start from into `directory`: `r.h5` (3 random Pendulum
/// episodes, seed 1), `s.h5` (its statistics) and `m.h5` (a model trained `epochs` epochs on them).
public func makeSmallRun(in directory: String, epochs: Int) throws {
    for arguments in [
        ["collect", "--episodes", "3", "--seed", "1", "--out", "r.h5"],
        ["stats", "--data", "r.h5", "--out", "s.h5"],
        ["train", "--data", "r.h5", "--stats", "s.h5", "--epochs", String(epochs), "--out", "m.h5"]
    ] {
        let result = try runProcess(Repository.executable(arguments[0]), Array(arguments.dropFirst()), in: directory)
        guard result.status == 0 else {
            throw TestSetupError(message: "\(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }
}

/// The release programs are missing or stale, or the small run could not be made; the message says why.
public struct TestSetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A fresh folder under the system's temporary folder, removed when the value is released.
public final class TemporaryDirectory {
    public let path: String

    public init(_ label: String = "mbrl-test") {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A path inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }
}

/// The largest relative difference between two arrays, `|a - b| / max(|b|, floor)`, and its index.
public func maxRelativeError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(
    _ a: [A], _ b: [B], floor: Double = 1
) -> (error: Double, index: Int) {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    var worst = (error: 0.0, index: -1)
    for i in a.indices {
        let x = Double(a[i]), y = Double(b[i])
        let e = abs(x - y) / max(abs(y), floor)
        if e > worst.error || e.isNaN { worst = (e.isNaN ? .infinity : e, i) }
    }
    return worst
}

/// The result of running an executable to completion.
public struct ProcessResult {
    public var status: Int32
    /// Whether the process ended by a signal rather than by exiting.
    public var signaled: Bool
    public var stdout: String
    public var stderr: String
}

/// Runs `executable` with `arguments` in `directory`, waits, and returns its status and output.
@discardableResult
public func runProcess(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil
) throws -> ProcessResult {
    try runProcess(executable, arguments, in: directory, environment: environment, timeout: .infinity).result
}
