import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MBRL
import MBRLTestSupport
import XCTest

/// `make report` and `make archive` on a tiny run: a well-formed self-contained page with the run's
/// numbers in its plots; a reproducible archive whose manifest verifies, catches a corrupted member,
/// and restores a run that Make finds up to date.
final class ReportAndArchiveTests: XCTestCase {
    static var data: TemporaryDirectory!
    static let budget = ["EPISODES=2", "EPOCHS=3", "ITERS=2", "PLAN_EPISODES=1", "TEST_EPISODES=2", "HELDOUT_EPISODES=1",
                         "CANDIDATES=16", "HORIZON=3", "MAX_K=12"]

    static func make(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path, "DATA=\(data.path)"] + budget + arguments)
    }

    override class func setUp() {
        data = TemporaryDirectory("mbrl-report")
    }

    override class func tearDown() { data = nil }

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    var run: String { Self.data.path + "/pendulum/seed-0" }

    func testReportIsWellFormedSelfContainedAndShowsTheRun() throws {
        let result = try Self.make(["report"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOfFile: run + "/report.html", encoding: .utf8)

        // Well-formed: the whole page parses as XML.
        let parser = XMLParser(data: Data(page.utf8))
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        // Self-contained: nothing is fetched.
        for forbidden in ["<script", "src=", "href=", "@import", "url(", "http:", "https:"] {
            XCTAssertFalse(page.contains(forbidden), "the page must not contain \(forbidden)")
        }
        XCTAssertGreaterThanOrEqual(page.components(separatedBy: "<svg").count - 1, 6)
        for title in ["Training and validation loss per aggregation iteration", "Open-loop prediction error on held-out data",
                      "Return per iteration against the random policy", "Test episode 0: cos θ, true vs open-loop model"] {
            XCTAssertTrue(page.contains(title), title)
        }
        // The plotted numbers are the run's: the k-step RMSE of eval.h5 and model-0's own training curve.
        let rmse = try HDF5File.open(at: run + "/eval.h5").root.read("metrics/k_step_rmse", as: Double.self).values
        XCTAssertEqual(rmse.count, 12)
        let kValues = rmse.enumerated().map { "\(Float($0.offset + 1)):\(Float($0.element))" }.joined(separator: " ")
        XCTAssertTrue(page.contains("data-values=\"\(kValues)\""), "k-step series")
        let curve = try XCTUnwrap(try DynamicsModel.readTrainingCurve(fromFile: run + "/model-0.h5"))
        let losses = curve.train.enumerated().map { "\(Float($0.offset + 1)):\(Float($0.element))" }.joined(separator: " ")
        XCTAssertTrue(page.contains("data-name=\"model-0 train\" data-values=\"\(losses)\""), "training loss series")
        XCTAssertTrue(page.contains("<h1>Pendulum-v1 · rs · seed 0</h1>"), "the title comes from the files")
        // Provenance: every file's command and input hashes.
        XCTAssertTrue(page.contains("collect --env pendulum --episodes 2"))
        let statsHash = try Provenance.sha256(ofFile: run + "/stats.h5")
        XCTAssertTrue(page.contains("stats.h5 \(statsHash.prefix(12))"))
    }

    /// The report needs nothing but the run's HDF5 files: a copy of them alone, in a folder of
    /// another name and place, gives the same page apart from the folder's name.
    func testReportOfAMovedRunFolderNeedsOnlyItsHDF5Files() throws {
        XCTAssertEqual(try Self.make(["report"]).status, 0)
        let moved = Self.data.path + "/elsewhere/my run"
        try FileManager.default.createDirectory(atPath: moved, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: run) where name.hasSuffix(".h5") {
            try FileManager.default.copyItem(atPath: run + "/" + name, toPath: moved + "/" + name)
        }
        let result = try runProcess(Repository.executable("report"), ["--runs", moved, "--out", Self.data.path + "/moved.html"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let original = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        let copy = try String(contentsOfFile: Self.data.path + "/moved.html", encoding: .utf8)
        XCTAssertEqual(copy.replacingOccurrences(of: moved, with: "RUN"), original.replacingOccurrences(of: run, with: "RUN"))
        // summarize reads the same numbers from the moved folder.
        let summary = try runProcess(Repository.executable("summarize"), ["--runs", moved, "--out", Self.data.path + "/moved.csv"])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        let test = try Transitions.read(from: moved + "/test.h5").episodeReturns
        let row = try String(contentsOfFile: Self.data.path + "/moved.csv", encoding: .utf8).split(separator: "\n")[1]
        XCTAssertTrue(row.hasPrefix("my run,\(test.reduce(0, +) / Double(test.count)),"), String(row))
    }

    func testArchiveIsReproducibleVerifiesAndRestores() throws {
        let archives = Self.data.path + "/archives"
        let first = try Self.make(["archive", "ARCHIVES=\(archives)"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let name = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(name.range(of: #"/pendulum-seed-0-[0-9a-f]{12}\.tar\.gz$"#, options: .regularExpression) != nil, name)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: name))
        let second = try Self.make(["archive", "ARCHIVES=\(archives)"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: name)), bytes, "the same run gives the same archive bytes")

        let verified = try runProcess(Repository.root.path + "/scripts/verify-archive", [name])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains(": OK ("), verified.stdout)

        // An archive renamed with another content hash does not verify.
        let renamed = Self.data.path + "/pendulum-seed-0-000000000000.tar.gz"
        try FileManager.default.copyItem(atPath: name, toPath: renamed)
        let mismatch = try runProcess(Repository.root.path + "/scripts/verify-archive", [renamed])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(mismatch.stderr.hasPrefix("error: \(renamed): the hash in its name, 000000000000, is not its content hash "),
                      mismatch.stderr)

        // Unpacked into a new DATA folder, the run is up to date for Make.
        let restored = TemporaryDirectory("mbrl-restore")
        XCTAssertEqual(try runProcess("/bin/tar", ["-xzf", name, "-C", restored.path]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: restored.path + "/pendulum/seed-0/model-2.h5"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: restored.path + "/pendulum/seed-0/ARCHIVE.md"))
        let upToDate = try runProcess("/usr/bin/env", ["make", "-q", "-C", Repository.root.path, "DATA=\(restored.path)"] + Self.budget)
        XCTAssertEqual(upToDate.status, 0, "a restored run must be up to date: \(upToDate.stdout)\(upToDate.stderr)")

        // A corrupted member fails verification, naming it.
        let member = restored.path + "/pendulum/seed-0/random.h5"
        var content = try Data(contentsOf: URL(fileURLWithPath: member))
        content[content.count / 2] ^= 0xFF
        try content.write(to: URL(fileURLWithPath: member))
        let corrupted = restored.path + "/corrupted.tar.gz"
        XCTAssertEqual(try runProcess("/bin/tar", ["-czf", corrupted, "-C", restored.path, "pendulum"]).status, 0)
        let failed = try runProcess(Repository.root.path + "/scripts/verify-archive", [corrupted])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stderr.hasPrefix("error: \(corrupted): random.h5: FAILED"), failed.stderr)
    }
}
