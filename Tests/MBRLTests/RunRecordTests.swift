import Foundation
import MBRLStatistics
import MBRLTestSupport
import XCTest

/// A run record keeps exactly the numbers the tables show, reads back to the same value, and a file that
/// is not a record is refused with one line naming it.
final class RunRecordTests: XCTestCase {
    func record(
        group: String = "halfcheetah-best", seed: Int = 0, returns: [Double] = [4073.125, 0.1 + 0.2]
    )
        -> RunRecord
    {
        RunRecord(
            group: group, seed: seed, env: "HalfCheetah-v4", testReturns: returns, trainingSteps: 200_000,
            wallSeconds: 7212.345678901, cpuSeconds: nil,
            curve: [.init(iteration: 0, steps: 10_000, returns: [-288.1234567890123, 1e-300])],
            sources: ["test.h5": String(repeating: "a", count: 64)])
    }

    func testEveryNumberReadsBackToTheBit() throws {
        let folder = TemporaryDirectory("mbrl-record")
        let original = record(returns: [4073.1, 0.1 + 0.2, -0.0, 1.0 / 3, .leastNonzeroMagnitude, 1e308])
        let path = folder.path + "/r.json"
        try original.encoded().write(to: URL(fileURLWithPath: path))
        let read = try RunRecord(contentsOf: path)
        XCTAssertEqual(read, original)
        XCTAssertEqual(read.testReturns.map(\.bitPattern), original.testReturns.map(\.bitPattern))
        XCTAssertNil(read.cpuSeconds)
        // The same record always gives the same bytes, with snake_case keys in order.
        XCTAssertEqual(try read.encoded(), try original.encoded())
        let text = String(decoding: try original.encoded(), as: UTF8.self)
        XCTAssertTrue(text.contains("\"test_returns\""), text)
        XCTAssertTrue(text.hasSuffix("}\n"), text)
        XCTAssertLessThan(
            try XCTUnwrap(text.range(of: "\"curve\"")).lowerBound, try XCTUnwrap(text.range(of: "\"env\"")).lowerBound)
    }

    func testAFileThatIsNotARecordIsRefusedByName() throws {
        let folder = TemporaryDirectory("mbrl-record-bad")
        var wrongFormat = record()
        wrongFormat.format = "mbrl-run-record/2"
        var escaping = record()
        escaping.group = "../elsewhere"
        let valid = String(decoding: try record().encoded(), as: UTF8.self)
        let cases: [(String, Data, String)] = [
            ("json", Data("{\"format\": ".utf8), "not a run record: not valid JSON"),
            ("missing", Data(valid.replacingOccurrences(of: "\"seed\"", with: "\"sead\"").utf8), "no 'seed'"),
            (
                "type", Data(valid.replacingOccurrences(of: "\"seed\" : 0", with: "\"seed\" : \"0\"").utf8),
                "'seed' has the wrong type"
            ),
            ("format", try wrongFormat.encoded(), "format 'mbrl-run-record/2', expected 'mbrl-run-record/1'"),
            (
                "no return",
                Data(
                    valid.replacingOccurrences(of: #""test_returns" : ["#, with: #""test_returns" : [], "x" : ["#).utf8),
                "test_returns must hold at least one return"
            ),
            ("escaping", try escaping.encoded(), "group '../elsewhere' is not a relative folder path")
        ]
        for (name, bytes, message) in cases {
            let path = "\(folder.path)/\(name).json"
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try RunRecord(contentsOf: path), name) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix(path + ": "), line)
                XCTAssertTrue(line.contains(message), line)
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
        XCTAssertThrowsError(try RunRecord(contentsOf: folder.path + "/none.json")) { error in
            XCTAssertEqual("\(error)", folder.path + "/none.json: cannot read the file")
        }
    }

    func testAKeptFolderIsReadInTableOrderAndAMovedRecordIsRefused() throws {
        let folder = TemporaryDirectory("mbrl-records")
        let records = [
            record(group: "halfcheetah-best", seed: 10), record(group: "halfcheetah-best", seed: 2),
            record(group: "halfcheetah-best-100k", seed: 0), record(group: "sweep/H-30", seed: 1)
        ]
        for r in records {
            let path = folder.path + "/" + r.relativePath
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try r.encoded().write(to: URL(fileURLWithPath: path))
        }
        // As the run folders sort: `halfcheetah-best-100k/` before `halfcheetah-best/`; seeds by number.
        XCTAssertEqual(
            try RunRecord.records(under: folder.path).map { "\($0.group) \($0.seed)" },
            ["halfcheetah-best-100k 0", "halfcheetah-best 2", "halfcheetah-best 10", "sweep/H-30 1"])
        XCTAssertEqual(try RunRecord.records(under: folder.path + "/absent"), [])
        // A run read from its folder replaces the kept record of its group and seed.
        let newer = record(group: "halfcheetah-best", seed: 2, returns: [1])
        let merged = RunRecord.merging(kept: records, current: [newer, record(group: "a", seed: 0)])
        XCTAssertEqual(merged.map { "\($0.group) \($0.seed)" }.first, "a 0")
        XCTAssertEqual(merged.count, 5)
        XCTAssertEqual(merged.first { $0.group == "halfcheetah-best" && $0.seed == 2 }, newer)
        // A record kept where its group and seed do not put it is refused.
        try FileManager.default.moveItem(
            atPath: folder.path + "/halfcheetah-best/seed-2.json", toPath: folder.path + "/halfcheetah-best/seed-3.json"
        )
        XCTAssertThrowsError(try RunRecord.records(under: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("seed-3.json: records group 'halfcheetah-best' seed 2"), "\(error)")
        }
    }

    /// The results table's row of a record is what the record keeps: the mean of its test returns,
    /// their count, its steps and time.
    func testTheTableRowComesFromTheRecord() {
        let table = ResultsTable(records: [
            record(seed: 0, returns: [10, 20]), record(seed: 1, returns: [30, 50]), record(seed: 2, returns: [0, 0])
        ])
        XCTAssertEqual(table.rows.count, 1)
        XCTAssertEqual(table.rows[0].runs.map(\.testReturn), [15, 40, 0])
        let row = table.markdown.split(separator: "\n")[2]
        XCTAssertTrue(
            row.hasPrefix(
                "| `halfcheetah-best` | 3 | **18.3** | 16.5 | 0.0 to 40.0 | 0: 15.0, 1: 40.0, 2: 0.0 | 2 | 200000 | not recorded |"
            ), String(row))
    }
}
