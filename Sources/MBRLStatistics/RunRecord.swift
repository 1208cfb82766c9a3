import Foundation
import MBRLCore
import MBRLReporting

/// What the results pages keep of one finished run, as a small JSON file that outlives the run folder:
/// the numbers `ResultsTable` and `LearningCurveTable` show (every test episode's return, the training
/// steps, the wall and CPU time, the learning curve), the group and seed that place it in the tables,
/// and the SHA-256 of the files they were read from.
///
/// A run folder holds hundreds of megabytes and lives on one machine; its record is a few kilobytes and
/// is committed beside the pages (`make keep-results`), so a table regenerated after the data folder is
/// gone still shows the run, and shows the same numbers it showed when the folder was there: the tables
/// are computed from records whether the run is read from its folder or from its record.
public struct RunRecord: Codable, Equatable {
    /// `mbrl-run-record/1`; a reader refuses any other.
    public var format: String
    /// The group the run is tabulated in: the path of its folder's parent below the data folder
    /// (`halfcheetah-best`, or `<preset>/<point>` for a grid sweep's run).
    public var group: String
    /// The seed the run's files record (`RunResults.recordedSeed(folder:)`).
    public var seed: Int
    /// The environment's Gymnasium id.
    public var env: String
    /// Each test episode's return, in the order of `test.h5`.
    public var testReturns: [Double]
    /// The environment steps the final model was trained on (`RunResults.trainingSteps`).
    public var trainingSteps: Int
    /// Seconds of wall and CPU time in the run's stages, nil without timing files.
    public var wallSeconds: Double?
    public var cpuSeconds: Double?
    /// The learning curve, from the random data to the last iteration.
    public var curve: [LearningCurve.Point]
    /// The SHA-256 of the files the numbers were read from (`test.h5`, `eval.h5`), by name.
    public var sources: [String: String]

    public static let currentFormat = "mbrl-run-record/1"

    /// The record of the finished run in `folder`, tabulated in `group`; throws naming the file when a
    /// needed one is missing or invalid (as `RunResults(folder:)` and `RunTiming(folder:)` do).
    public init(folder: String, group: String) throws {
        let results = try RunResults(folder: folder)
        let timing = try RunTiming(folder: folder)
        format = Self.currentFormat
        self.group = group
        seed = results.seed
        env = results.env
        testReturns = results.test.episodeReturns
        trainingSteps = results.trainingSteps
        wallSeconds = timing.entries.isEmpty ? nil : timing.wall
        cpuSeconds = timing.entries.isEmpty ? nil : timing.entries.reduce(0) { $0 + $1.cpu }
        curve = LearningCurve(results: results).points
        sources = try Dictionary(
            uniqueKeysWithValues: ["eval.h5", "test.h5"].map { ($0, try Provenance.sha256(ofFile: "\(folder)/\($0)")) })
    }

    public init(
        group: String, seed: Int, env: String, testReturns: [Double], trainingSteps: Int, wallSeconds: Double?,
        cpuSeconds: Double?, curve: [LearningCurve.Point], sources: [String: String] = [:]
    ) {
        format = Self.currentFormat
        self.group = group
        self.seed = seed
        self.env = env
        self.testReturns = testReturns
        self.trainingSteps = trainingSteps
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.curve = curve
        self.sources = sources
    }

    /// The learning curve as `LearningCurveTable` reads it.
    public var learningCurve: LearningCurve { LearningCurve(points: curve) }

    /// Where a records folder keeps it: `<group>/seed-<seed>.json`.
    public var relativePath: String { "\(group)/seed-\(seed).json" }

    /// The record as JSON: keys sorted and snake_case, two-space indents, a final newline, so the same
    /// run always gives the same bytes and a kept record changes only when its numbers do.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads the record in `path`; throws one line naming the file when it is not a record of this
    /// format: unreadable, not JSON, a field missing or of the wrong type, another format, no test
    /// return, or a group that is not a relative folder path.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, "cannot read the file")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            self = try decoder.decode(RunRecord.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw FileError(path: path, "not a run record: no '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw FileError(path: path, "not a run record: '\(field)' has the wrong type")
        } catch {
            throw FileError(path: path, "not a run record: not valid JSON")
        }
        guard format == Self.currentFormat else {
            throw FileError(path: path, "format '\(format)', expected '\(Self.currentFormat)'")
        }
        guard !testReturns.isEmpty else {
            throw FileError(path: path, "test_returns must hold at least one return")
        }
        guard !group.isEmpty, !group.hasPrefix("/"), !group.split(separator: "/").contains("..") else {
            throw FileError(path: path, "group '\(group)' is not a relative folder path")
        }
    }

    /// Every record under `folder` (files `*.json` at any depth), ordered by group, then seed; throws
    /// naming the file when one is not a record or is not at its `relativePath`.
    /// A folder that does not exist holds no records.
    public static func records(under folder: String) throws -> [RunRecord] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var records: [RunRecord] = []
        for case let name as String in walker where name.hasSuffix(".json") {
            let path = "\(folder)/\(name)"
            let record = try RunRecord(contentsOf: path)
            // Kept where its group and seed put it, so a file moved by hand is not tabulated as
            // another run.
            guard name == record.relativePath else {
                throw FileError(
                    path: path,
                    "records group '\(record.group)' seed \(record.seed), so it belongs at "
                        + "\(folder)/\(record.relativePath)")
            }
            records.append(record)
        }
        return ordered(records)
    }

    /// `records` ordered as the tables show them: by group (as `<group>/` sorts bytewise, the order of
    /// the sorted run folders), then seed.
    public static func ordered(_ records: [RunRecord]) -> [RunRecord] {
        records.sorted { precedes(($0.group, $0.seed), ($1.group, $1.seed)) }
    }

    /// Whether the run `a` comes before `b` in the tables: by group (as `<group>/` sorts bytewise,
    /// so `halfcheetah-best-100k` before `halfcheetah-best`, as their run folders sort), then seed.
    public static func precedes(_ a: (group: String, seed: Int), _ b: (group: String, seed: Int)) -> Bool {
        a.group == b.group
            ? a.seed < b.seed : Array((a.group + "/").utf8).lexicographicallyPrecedes(Array((b.group + "/").utf8))
    }

    /// `kept`, with each record replaced by the one of `current` of the same group and seed, and the
    /// records of `current` that `kept` lacks added; ordered by `ordered(_:)`. A run read from its
    /// folder is newer than what was kept of it.
    public static func merging(kept: [RunRecord], current: [RunRecord]) -> [RunRecord] {
        var byPath = Dictionary(kept.map { ($0.relativePath, $0) }, uniquingKeysWith: { first, _ in first })
        for record in current { byPath[record.relativePath] = record }
        return ordered(Array(byPath.values))
    }
}
