import Foundation
import MBRLReporting
import MBRLTestSupport
import XCTest

/// The timing files of a run folder, grouped by stage kind and by step of the loop.
final class RunTimingTests: XCTestCase {
    func write(_ lines: [String: String], in folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder + "/timing", withIntermediateDirectories: true)
        for (name, line) in lines {
            try (line + "\n").write(toFile: folder + "/timing/" + name, atomically: true, encoding: .utf8)
        }
    }

    func testGroupsByStageKindAndIterationInTheLoopsOrder() throws {
        let run = TemporaryDirectory("mbrl-timing")
        try write(
            [
                "eval.h5.tsv": "evaluate\teval.h5\t1.5\t1.4",
                "model-1.h5.tsv": "train\tmodel-1.h5\t20\t19",
                "rollouts-1.h5.tsv": "plan\trollouts-1.h5\t100\t180",
                "model-0.h5.tsv": "train\tmodel-0.h5\t10\t9.5",
                "random.h5.tsv": "collect\trandom.h5\t2\t1",
                "stats.h5.tsv": "stats\tstats.h5\t0.5\t0.3",
                "test.h5.tsv": "plan\ttest.h5\t50\t90",
                "rollouts-10.h5.tsv": "plan\trollouts-10.h5\t7\t7",
                ".model-2.h5.tsv.tmp-12": "train\tmodel-2.h5\t99\t99"
            ], in: run.path)
        let timing = try RunTiming(folder: run.path)
        XCTAssertEqual(
            timing.entries.map(\.output),
            [
                "model-0.h5", "random.h5", "stats.h5", "model-1.h5", "rollouts-1.h5", "rollouts-10.h5", "eval.h5",
                "test.h5"
            ])
        XCTAssertEqual(timing.wall, 191)
        XCTAssertEqual(timing.byProgram.map(\.program), ["collect", "stats", "train", "plan", "evaluate"])
        XCTAssertEqual(timing.byProgram.map(\.wall), [2, 0.5, 30, 157, 1.5])
        XCTAssertEqual(timing.byProgram.map(\.cpu), [1, 0.3, 28.5, 277, 1.4])
        XCTAssertEqual(timing.byIteration.map(\.iteration), [0, 1, 10, nil])
        XCTAssertEqual(timing.byIteration[1].wall, ["train": 20, "plan": 100])
        XCTAssertEqual(timing.byIteration[3].wall, ["evaluate": 1.5, "plan": 50])
        let table = timing.table.split(separator: "\n").map(String.init)
        XCTAssertEqual(table.count, 1 + 4 + 2)
        XCTAssertTrue(table[0].hasPrefix("step") && table[0].hasSuffix("total"), table[0])
        XCTAssertTrue(table[2].hasPrefix("iteration 1") && table[2].hasSuffix("120.0"), table[2])
        XCTAssertTrue(table[4].hasPrefix("test + evaluate"), table[4])
        XCTAssertTrue(table[6].hasPrefix("CPU (s)") && table[6].hasSuffix("308.2"), table[6])
    }

    func testARunWithoutTimingFilesHasNoEntriesAndABadLineNamesItsFile() throws {
        let run = TemporaryDirectory("mbrl-timing-bad")
        XCTAssertEqual(try RunTiming(folder: run.path).entries, [])
        try write(["random.h5.tsv": "collect\trandom.h5\tnan\t1"], in: run.path)
        XCTAssertThrowsError(try RunTiming(folder: run.path)) { error in
            XCTAssertTrue("\(error)".contains("timing/random.h5.tsv: not a timing line"), "\(error)")
        }
        try write(["random.h5.tsv": "collect\trandom.h5\t1"], in: run.path)
        XCTAssertThrowsError(try RunTiming(folder: run.path))
    }
}
