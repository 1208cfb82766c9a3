import Foundation
import FoundationXML
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLStatistics
import MBRLTestSupport
import XCTest
#if canImport(FoundationXML)
#endif

/// `make report` and `make archive` on a tiny run: a well-formed self-contained page with the run's
/// numbers in its plots; a reproducible archive whose manifest verifies, catches a corrupted member,
/// and restores a run that Make finds up to date.
final class ReportAndArchiveTests: XCTestCase {
    static var data: TemporaryDirectory!
    static let budget = [
        "EPISODES=2", "EPOCHS=3", "ITERS=2", "PLAN_EPISODES=1", "TEST_EPISODES=2", "HELDOUT_EPISODES=1",
        "CANDIDATES=16", "HORIZON=3", "MAX_K=12"
    ]

    static func make(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(
            "/usr/bin/env",
            ["make", "--no-print-directory", "-C", Repository.root.path, "DATA=\(data.path)"] + budget + arguments)
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
        // Self-contained: nothing is fetched. One inline script (the animation's controls), no other.
        XCTAssertEqual(page.components(separatedBy: "<script").count - 1, 1, "exactly one script")
        XCTAssertEqual(
            page.components(separatedBy: "<script>//<![CDATA[").count - 1, 1,
            "the script is inline, "
                + "without attributes")
        for forbidden in ["src=", "href=", "@import", "url(", "http:", "https:"] {
            XCTAssertFalse(page.contains(forbidden), "the page must not contain \(forbidden)")
        }
        XCTAssertGreaterThanOrEqual(page.components(separatedBy: "<svg").count - 1, 6)
        for title in [
            "Training and validation loss per aggregation iteration",
            "Open-loop prediction error on "
                + "held-out data",
            "Learning curve: return against environment steps",
            "Test episode 0: each observation component, true against the model's open-loop prediction"
        ] {
            XCTAssertTrue(page.contains(title), title)
        }
        // The learning curve comes first, before the model's plots: each batch's mean return at the
        // environment steps collected so far (2 random episodes of 200 steps, then one rollout per iteration).
        let learning = try XCTUnwrap(page.range(of: "Learning curve: return against environment steps")),
            model = try XCTUnwrap(page.range(of: "<h2>Model</h2>"))
        XCTAssertLessThan(learning.lowerBound, model.lowerBound)
        var steps = 0, points: [String] = []
        for file in ["random.h5", "rollouts-1.h5", "rollouts-2.h5"] {
            let batch = try Transitions.read(from: run + "/" + file)
            steps += batch.count
            points.append("\(Float(steps)):\(Float(ReturnStatistics(batch.episodeReturns).mean))")
        }
        XCTAssertEqual(steps, 800)
        XCTAssertTrue(
            page.contains(
                "data-name=\"collected episodes (mean ± std)\" "
                    + "data-values=\"\(points.joined(separator: " "))\""), "learning curve")
        // The open-loop prediction: one grid of small panels, one per observation component, each
        // with test episode 0's true values.
        XCTAssertEqual(page.components(separatedBy: "<svg class=\"chart multiples\"").count - 1, 1, "one grid")
        XCTAssertEqual(page.components(separatedBy: "<g class=\"panel\"").count - 1, 3)
        let test = try Transitions.read(from: run + "/test.h5"), first = test.episodeRanges[0]
        let truth =
            ([test.observations[first.lowerBound * 3 + 2]]
            + (first.lowerBound..<(first.lowerBound + 100)).map { test.nextObservations[$0 * 3 + 2] })
            .enumerated().map { "\(Float($0.offset)):\($0.element)" }.joined(separator: " ")
        XCTAssertTrue(page.contains("<g class=\"panel\" data-panel=\"θ̇\">"), "panels are named by component")
        XCTAssertTrue(page.contains("data-name=\"environment\" data-values=\"\(truth)\""), "θ̇ of test episode 0")
        // The plotted numbers are the run's: the k-step RMSE of eval.h5 and model-0's own training curve.
        let rmse = try HDF5File.open(at: run + "/eval.h5").root.read("metrics/k_step_rmse", as: Double.self).values
        XCTAssertEqual(rmse.count, 12)
        let kValues = rmse.enumerated().map { "\(Float($0.offset + 1)):\(Float($0.element))" }.joined(separator: " ")
        XCTAssertTrue(page.contains("data-values=\"\(kValues)\""), "k-step series")
        let curve = try XCTUnwrap(try DynamicsModel.readTrainingCurve(fromFile: run + "/model-0.h5"))
        let losses = curve.train.enumerated().map { "\(Float($0.offset + 1)):\(Float($0.element))" }.joined(
            separator: " ")
        XCTAssertTrue(page.contains("data-name=\"model-0 train\" data-values=\"\(losses)\""), "training loss series")
        XCTAssertTrue(page.contains("<h1>Pendulum-v1 · rs · seed 0</h1>"), "the title comes from the files")
        // Provenance: every file's command and input hashes.
        XCTAssertTrue(page.contains("collect --env pendulum --episodes 2"))
        let statsHash = try Provenance.sha256(ofFile: run + "/stats.h5")
        XCTAssertTrue(page.contains("stats.h5 \(statsHash.prefix(12))"))
    }

    /// The animation draws the recorded states of test.h5 and the model's open-loop prediction: the
    /// per-frame numbers the page holds for the bob, the rod and the torque arc are Pendulum's side
    /// view of the test episodes' observations and actions, and of `ModelEvaluation.openLoop`.
    func testAnimationShowsTheTestEpisodesAndTheModelsPrediction() throws {
        let result = try Self.make(["report"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        XCTAssertLessThan(page.utf8.count, 2_000_000)
        let shapes = AnimationShapes()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = shapes
        XCTAssertTrue(parser.parse())
        XCTAssertTrue(page.contains("open-loop prediction"), "the page says what the ghost is")

        let test = try Transitions.read(from: run + "/test.h5")
        let ranges = test.episodeRanges
        XCTAssertEqual(ranges.count, 2)
        let order = ranges.indices.sorted {
            test.episodeReturns[$0] != test.episodeReturns[$1]
                ? test.episodeReturns[$0] > test.episodeReturns[$1] : $0 < $1
        }
        XCTAssertEqual(
            Set(shapes.episodes), Set([order.first!, order[order.count / 2], order.last!]), "best, median and worst")
        let modelFile = try HDF5File.open(at: run + "/eval.h5").root.stringAttribute("model")
        let (model, _) = try DynamicsModel.read(fromFile: run + "/" + modelFile)
        for e in shapes.episodes {
            let rows = ranges[e]
            var observations = [Array(test.observations[(rows.lowerBound * 3)..<(rows.lowerBound * 3 + 3)])]
            for t in rows { observations.append(Array(test.nextObservations[(t * 3)..<(t * 3 + 3)])) }
            let predicted = ModelEvaluation.openLoop(model: model, data: test, rows: rows)
            func bob(_ o: [Float]) -> (Double, Double) {
                let c = Double(o[0]), s = Double(o[1]), r = (c * c + s * s).squareRoot()
                return (-s / r * Pendulum.length, c / r * Pendulum.length)
            }
            let real = try XCTUnwrap(shapes.frames[ShapeKey(episode: e, layer: "t", part: "body", kind: "circle")])
            let ghost = try XCTUnwrap(shapes.frames[ShapeKey(episode: e, layer: "g", part: "body", kind: "circle")])
            let rod = try XCTUnwrap(shapes.frames[ShapeKey(episode: e, layer: "t", part: "body", kind: "capsule")])
            let torque = try XCTUnwrap(shapes.frames[ShapeKey(episode: e, layer: "t", part: "action", kind: "arc")])
            XCTAssertEqual(real.count, rows.count + 1)
            XCTAssertEqual(ghost.count, rows.count + 1)
            for t in [0, 1, 7, 20, rows.count / 2, rows.count - 1, rows.count] {
                let (x, y) = bob(observations[t]), (gx, gy) = bob(predicted[t])
                XCTAssertEqual(real[t][0], x, accuracy: 6e-4, "episode \(e) step \(t): bob x")
                XCTAssertEqual(real[t][1], y, accuracy: 6e-4, "episode \(e) step \(t): bob y")
                XCTAssertEqual(rod[t][2], x, accuracy: 6e-4)
                XCTAssertEqual(rod[t][3], y, accuracy: 6e-4)
                // The ghost is recomputed here by this (debug) build of the library; the release report's
                // arithmetic may differ in the last bits, which a long open-loop prediction can amplify:
                // compared over the first 20 steps.
                if t <= 20 {
                    XCTAssertEqual(ghost[t][0], gx, accuracy: 6e-4, "episode \(e) step \(t): ghost x")
                    XCTAssertEqual(ghost[t][1], gy, accuracy: 6e-4, "episode \(e) step \(t): ghost y")
                }
                let u = t < rows.count ? Double(min(max(test.actions[rows.lowerBound + t], -2), 2)) : 0
                XCTAssertEqual(
                    torque[t][4], u / 2 * Pendulum.torqueArc, accuracy: 6e-4,
                    "episode \(e) step \(t): "
                        + "torque arc")
            }
            // Frame 0 is drawn in the element's own attributes.
            let drawn = try XCTUnwrap(shapes.firstFrame[ShapeKey(episode: e, layer: "t", part: "body", kind: "circle")])
            XCTAssertEqual(drawn, Array(real[0]))
        }
        // The returns of every test start, plotted.
        let returns = test.episodeReturns.enumerated().map { "\(Float($0.offset)):\(Float($0.element))" }.joined(
            separator: " ")
        XCTAssertTrue(
            page.contains("data-name=\"every test start\" data-values=\"\(returns)\""),
            "returns of every "
                + "test start")
    }

    /// The page of several runs animates one row per run (its best, median and worst test episodes)
    /// under one set of controls, still with one inline script.
    func testSweepPageAnimatesOneRowPerRun() throws {
        XCTAssertEqual(try Self.make(["report"]).status, 0)
        let second = try Self.make(["SEED=1"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let other = Self.data.path + "/pendulum/seed-1"
        let out = Self.data.path + "/sweep.html"
        let result = try runProcess(Repository.executable("report"), ["--runs", run, other, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = try String(contentsOfFile: out, encoding: .utf8)
        let shapes = AnimationShapes()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = shapes
        XCTAssertTrue(parser.parse())
        XCTAssertEqual(page.components(separatedBy: "<script").count - 1, 1)
        XCTAssertEqual(page.components(separatedBy: "<div class=\"anim\"").count - 1, 1, "one set of controls")
        XCTAssertTrue(page.contains("<div class=\"rowlabel\">#0 seed 0</div>"))
        XCTAssertTrue(page.contains("<div class=\"rowlabel\">#1 seed 1</div>"))
        // Each row: as many panels as distinct best/median/worst episodes of that run (2 test episodes: 2).
        XCTAssertEqual(shapes.episodes.count, 4)

        // Across the seeds: the IQM, median and mean with their intervals (two runs: the IQM and
        // median are the mean), a performance profile with its band, and the learning curves.
        let scores = try [run, other].map {
            ReturnStatistics(try Transitions.read(from: $0 + "/test.h5").episodeReturns).mean
        }
        let a = RunAggregates(runScores: scores)
        for (label, e) in [
            ("IQM of test return [95% CI]", a.interquartileMean), ("median [95% CI]", a.median),
            ("mean [95% CI]", a.mean)
        ] {
            let shown = String(format: "%.1f [%.1f, %.1f]", e.value, e.interval.lowerBound, e.interval.upperBound)
            XCTAssertTrue(page.contains("\(label)<b>\(shown)</b>"), "\(label) \(shown)")
        }
        XCTAssertEqual(a.interquartileMean.interval, scores.min()!...scores.max()!)
        let taus = PerformanceProfile.thresholds(covering: scores)
        let profile = zip(taus, Aggregates.fractionsAbove(taus, ScoreMatrix(runScores: scores))).map {
            "\(Float($0)):\(Float($1))"
        }.joined(separator: " ")
        XCTAssertTrue(page.contains("data-name=\"2 seeds\" data-values=\"\(profile)\""), "the performance profile")
        XCTAssertTrue(page.contains("<polygon class=\"band\""), "with its band")
        let curves = try XCTUnwrap(page.range(of: "Learning curve: return against environment steps, across seeds"))
        XCTAssertLessThan(
            curves.lowerBound, try XCTUnwrap(page.range(of: "Final test return per seed")).lowerBound,
            "the learning curve comes first")
    }

    /// The report needs nothing but the run's HDF5 files: a copy of them alone, in a folder of
    /// another name and place, gives the same page apart from the folder's name.
    func testReportOfAMovedRunFolderNeedsOnlyItsHDF5Files() throws {
        // The page may replace its own earlier version in the run folder (not an input), never a run file.
        XCTAssertEqual(try Self.make(["report"]).status, 0)
        let again = try runProcess(Repository.executable("report"), ["--runs", run, "--out", run + "/report.html"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let refused = try runProcess(Repository.executable("report"), ["--runs", run, "--out", run + "/eval.h5"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("is also an input of this stage"), refused.stderr)
        XCTAssertEqual(try Self.make(["report"]).status, 0)
        let moved = Self.data.path + "/elsewhere/my run"
        try FileManager.default.createDirectory(atPath: moved, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: run) where name.hasSuffix(".h5") {
            try FileManager.default.copyItem(atPath: run + "/" + name, toPath: moved + "/" + name)
        }
        let result = try runProcess(
            Repository.executable("report"), ["--runs", moved, "--out", Self.data.path + "/moved.html"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let original = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        let copy = try String(contentsOfFile: Self.data.path + "/moved.html", encoding: .utf8)
        XCTAssertEqual(
            copy.replacingOccurrences(of: moved, with: "RUN"), original.replacingOccurrences(of: run, with: "RUN"))
        // summarize reads the same numbers from the moved folder.
        let summary = try runProcess(
            Repository.executable("summarize"), ["--runs", moved, "--out", Self.data.path + "/moved.csv"])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        let test = try Transitions.read(from: moved + "/test.h5").episodeReturns
        let row = try String(contentsOfFile: Self.data.path + "/moved.csv", encoding: .utf8).split(separator: "\n")[1]
        XCTAssertTrue(row.hasPrefix("my run,\(test.reduce(0, +) / Double(test.count)),"), String(row))
    }

    func testArchiveIsReproducibleVerifiesAndRestores() throws {
        let archives = Self.data.path + "/archives"
        let first = try Self.make(["archive", "ARCHIVES=\(archives)"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let name =
            first.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init)
            ?? ""
        XCTAssertTrue(
            name.range(of: #"/pendulum-seed-0-[0-9a-f]{12}\.tar\.gz$"#, options: .regularExpression) != nil, name)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: name))
        let second = try Self.make(["archive", "ARCHIVES=\(archives)"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: name)), bytes,
            "the same run gives the same "
                + "archive bytes")

        let verified = try runProcess(Repository.root.path + "/scripts/verify-archive", [name])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains(": OK ("), verified.stdout)

        // An archive renamed with another content hash does not verify.
        let renamed = Self.data.path + "/pendulum-seed-0-000000000000.tar.gz"
        try FileManager.default.copyItem(atPath: name, toPath: renamed)
        let mismatch = try runProcess(Repository.root.path + "/scripts/verify-archive", [renamed])
        XCTAssertEqual(mismatch.status, 1)
        XCTAssertTrue(
            mismatch.stderr.hasPrefix(
                "error: \(renamed): the hash in its name, 000000000000, is not its "
                    + "content hash "),
            mismatch.stderr)

        // Unpacked into a new DATA folder, the run is up to date for Make.
        let restored = TemporaryDirectory("mbrl-restore")
        XCTAssertEqual(try runProcess("/bin/tar", ["-xzf", name, "-C", restored.path]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: restored.path + "/pendulum/seed-0/model-2.h5"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: restored.path + "/pendulum/seed-0/ARCHIVE.md"))
        let upToDate = try runProcess(
            "/usr/bin/env", ["make", "-q", "-C", Repository.root.path, "DATA=\(restored.path)"] + Self.budget)
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

struct ShapeKey: Hashable {
    var episode: Int
    var layer: String
    var part: String
    var kind: String
}

/// The animation's shapes of a report page: per panel (`data-episode`) and shape, the per-frame
/// numbers of `data-f` and the numbers of the element's own attributes (circles: cx, cy, r).
final class AnimationShapes: NSObject, XMLParserDelegate {
    var episodes: [Int] = []
    var frames: [ShapeKey: [[Double]]] = [:]
    var firstFrame: [ShapeKey: [Double]] = [:]

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == "figure", let e = attributes["data-episode"].flatMap(Int.init) { episodes.append(e) }
        guard let kind = attributes["data-shape"], let part = attributes["data-part"], let episode = episodes.last,
            let layer = attributes["class"]?.split(separator: " ").first.map(String.init)
        else { return }
        let key = ShapeKey(episode: episode, layer: layer, part: part, kind: kind)
        if frames[key] == nil, let f = attributes["data-f"] {
            frames[key] = f.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        }
        if name == "circle", firstFrame[key] == nil {
            firstFrame[key] = ["cx", "cy", "r"].map { Double(attributes[$0]!)! }
        }
    }
}
