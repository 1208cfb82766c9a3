import Foundation
import MBRLCore
import MBRLReporting
import MBRLTestSupport
import XCTest

/// A run's results count as finished only while they are what Make's stamps say they are: made with the
/// run's current parameters, from inputs that still have the content they were made from.
final class RunStampsTests: XCTestCase {
    /// A run folder as Make leaves a finished run: test.h5 made from model-2.h5 and test-starts.h5,
    /// eval.h5 from model-2.h5, model-2.h5 from random.h5, each stamped with the parameters text of its
    /// stage (random.h5 too; test-starts.h5 has no stamp).
    func finishedRun() throws -> TemporaryDirectory {
        let folder = TemporaryDirectory("mbrl-stamps")
        let manager = FileManager.default
        try manager.createDirectory(atPath: folder.path + "/stamps", withIntermediateDirectories: false)
        try manager.createDirectory(atPath: folder.path + "/params", withIntermediateDirectories: false)
        for (name, content) in [
            ("test.h5", "test"), ("eval.h5", "eval"), ("model-2.h5", "model"), ("test-starts.h5", "starts"),
            ("random.h5", "random")
        ] {
            try Data(content.utf8).write(to: URL(fileURLWithPath: folder.path + "/" + name))
        }
        for (file, stage, inputs, parameters) in [
            ("test.h5", "test", ["model-2.h5", "test-starts.h5"], "--planner mppi  episodes=10 program=ab"),
            ("eval.h5", "evaluate", ["model-2.h5"], "max_k=30 iters=2 program=cd"),
            ("model-2.h5", "aggregate", ["random.h5"], "--hidden 64 --epochs 5 program=ef"),
            ("random.h5", "collect", [], "--episodes 10 program=01")
        ] {
            let sums = try ([file] + inputs).map { "\(try Provenance.sha256(ofFile: folder.path + "/" + $0))  \($0)\n" }
            try sums.joined().write(toFile: folder.path + "/stamps/\(file).sha256", atomically: true, encoding: .utf8)
            try (parameters + "\n").write(
                toFile: folder.path + "/stamps/\(file).params", atomically: true, encoding: .utf8)
            // Make writes the current text of the stage's parameters at every run; its white space may differ.
            try (parameters.replacingOccurrences(of: "  ", with: " ") + "\n").write(
                toFile: folder.path + "/params/\(stage)", atomically: true, encoding: .utf8)
        }
        return folder
    }

    func testAFinishedRunAndAFolderWithoutStampsAreCurrent() throws {
        let run = try finishedRun()
        XCTAssertNil(RunStamps.staleness(of: run.path))
        try FileManager.default.removeItem(atPath: run.path + "/stamps")
        XCTAssertNil(RunStamps.staleness(of: run.path), "stages run by hand: nothing to check against")
    }

    /// A run remade with other settings (a longer run from a copy of a shorter one: `make` has written
    /// params/evaluate with the larger ITERS, eval.h5 still has the old stamp) is not finished.
    func testNewSettingsMakeTheResultsStale() throws {
        let run = try finishedRun()
        try "max_k=30 iters=19 program=cd\n".write(
            toFile: run.path + "/params/evaluate", atomically: true, encoding: .utf8)
        XCTAssertEqual(
            RunStamps.staleness(of: run.path), "eval.h5 was made with other settings than the run's (params/evaluate)")
    }

    /// As for Make, a result made from a file that is itself not current is not current: a model made
    /// with other training settings than the run's, or from random data that changed since.
    func testAStaleInputMakesTheResultsStale() throws {
        let run = try finishedRun()
        try "--hidden 200 --epochs 5 program=ef\n".write(
            toFile: run.path + "/params/aggregate", atomically: true, encoding: .utf8)
        XCTAssertEqual(
            RunStamps.staleness(of: run.path),
            "model-2.h5, which test.h5 was made from, was made with other settings than the run's")
        let other = try finishedRun()
        try Data("other".utf8).write(to: URL(fileURLWithPath: other.path + "/random.h5"))
        XCTAssertEqual(RunStamps.staleness(of: other.path), "random.h5 changed after model-2.h5 was made from it")
    }

    func testChangedOrMissingFilesMakeTheResultsStale() throws {
        let cases: [(change: (String) throws -> Void, reason: String)] = [
            (
                { try Data("other".utf8).write(to: URL(fileURLWithPath: $0 + "/model-2.h5")) },
                "model-2.h5 changed after test.h5 was made from it"
            ),
            (
                { try Data("other".utf8).write(to: URL(fileURLWithPath: $0 + "/eval.h5")) },
                "eval.h5 changed after make made it"
            ),
            (
                { try FileManager.default.removeItem(atPath: $0 + "/test-starts.h5") },
                "test-starts.h5, which test.h5 was made from, is gone"
            ),
            (
                { try FileManager.default.removeItem(atPath: $0 + "/stamps/eval.h5.sha256") },
                "eval.h5 has no stamp: make did not finish its stage"
            ),
            (
                { try "damaged\n".write(toFile: $0 + "/stamps/test.h5.sha256", atomically: true, encoding: .utf8) },
                "stamps/test.h5.sha256 is damaged"
            )
        ]
        for (change, reason) in cases {
            let run = try finishedRun()
            try change(run.path)
            XCTAssertEqual(RunStamps.staleness(of: run.path), reason)
        }
    }
}
