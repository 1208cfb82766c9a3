import Foundation
import FoundationXML
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLTestSupport
import XCTest
#if canImport(FoundationXML)
#endif

/// The report of a tiny HalfCheetah run animates its test episodes from the recorded simulator
/// states: the drawn geoms are the side view of `infos/qpos` (relative to the camera, which follows
/// the root's x), the ghost is the model's open-loop prediction placed at the real root position,
/// and the ground's marks move with the camera.
final class MuJoCoReportTests: XCTestCase {
    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// Every drawn element of every panel, in page order.
    final class Drawing: NSObject, XMLParserDelegate {
        struct Element { var layer: String; var kind: String; var frames: [[Double]]? }
        var episodes: [Int] = []
        var elements: [Int: [Element]] = [:]
        var cameras: [Int: [Double]] = [:]

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if name == "figure", let e = attributes["data-episode"].flatMap(Int.init) { episodes.append(e) }
            guard let episode = episodes.last, let kind = attributes["data-shape"] else { return }
            let frames = attributes["data-f"].map {
                $0.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            }
            if kind == "camera" { cameras[episode] = frames?.map { $0[0] } ?? []; return }
            let layer = attributes["class"]!.split(separator: " ").first.map(String.init)!
            elements[episode, default: []].append(Element(layer: layer, kind: kind, frames: frames))
        }
    }

    /// The tiny HalfCheetah run both tests read, made once: 2 random episodes and 3 test episodes of
    /// 30 steps, and eleven model files (model-0 and ten more trained on from it), as many as the
    /// halfcheetah preset's iterations leave.
    static var run: TemporaryDirectory?
    static let steps = 30

    func halfCheetahRun() throws -> TemporaryDirectory {
        if let run = Self.run { return run }
        let dir = TemporaryDirectory("mbrl-mujoco-report")
        try FileManager.default.copyItem(
            atPath: Repository.root.path + "/pipelines/halfcheetah-test-starts.h5", toPath: dir.file("test-starts.h5"))
        let steps = Self.steps
        let models = (1...10).map { i in
            (
                "train",
                [
                    "--data", "random.h5", "--stats", "stats.h5", "--hidden", "16", "--depth", "1", "--epochs", "2",
                    "--seed", "\(i)",
                    "--init", "model-\(i - 1).h5", "--out", "model-\(i).h5"
                ]
            )
        }
        for (program, arguments) in [
            (
                "collect",
                [
                    "--env", "halfcheetah", "--episodes", "2", "--max-steps", "\(steps)", "--seed", "0", "--policy",
                    "random", "--out", "random.h5"
                ]
            ),
            ("stats", ["--data", "random.h5", "--out", "stats.h5"]),
            (
                "train",
                [
                    "--data", "random.h5", "--stats", "stats.h5", "--hidden", "16", "--depth", "1", "--epochs", "2",
                    "--seed", "0", "--out", "model-0.h5"
                ]
            ),
            (
                "plan",
                [
                    "--model", "model-0.h5", "--planner", "rs", "--candidates", "8", "--horizon", "2", "--episodes",
                    "3", "--max-steps", "\(steps)",
                    "--initial-states", "test-starts.h5", "--seed", "0", "--out", "test.h5"
                ]
            ),
            (
                "collect",
                [
                    "--env", "halfcheetah", "--episodes", "1", "--max-steps", "\(steps)", "--seed", "7", "--policy",
                    "random", "--out", "heldout.h5"
                ]
            ),
            (
                "evaluate",
                [
                    "--model", "model-0.h5", "--data", "heldout.h5", "--rollouts", "test.h5", "--max-k", "5", "--out",
                    "eval.h5"
                ]
            )
        ] + models + [
            ("report", ["--runs", ".", "--out", "report.html"])
        ] {
            let result = try runProcess(Repository.executable(program), arguments, in: dir.path)
            guard result.status == 0 else {
                throw NSError(
                    domain: "MuJoCoReportTests", code: 1,
                    userInfo: [
                        NSLocalizedDescriptionKey: "\(program) \(arguments.joined(separator: " ")): \(result.stderr)"
                    ])
            }
        }
        Self.run = dir
        return dir
    }

    override class func tearDown() { run = nil }

    func testHalfCheetahAnimationDrawsTheRecordedSimulatorStates() throws {
        let dir = try halfCheetahRun()
        let page = try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
        XCTAssertFalse(page.contains("has no side view"))
        XCTAssertTrue(page.contains("the ghost is placed at the real root position"))
        XCTAssertEqual(page.components(separatedBy: "<script").count - 1, 1)
        let drawing = Drawing()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = drawing
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")

        let test = try Transitions.read(from: dir.file("test.h5"))
        XCTAssertTrue(test.hasSimulatorStates)
        let ranges = test.episodeRanges
        XCTAssertEqual(ranges.count, 3)
        XCTAssertEqual(Set(drawing.episodes), Set(ranges.indices), "3 test episodes: best, median and worst")
        let (model, _) = try DynamicsModel.read(fromFile: dir.file("model-0.h5"))
        let env = HalfCheetah()
        let o = test.observationSize
        for e in drawing.episodes {
            let rows = ranges[e]
            let elements = try XCTUnwrap(drawing.elements[e])
            let truth = elements.filter { $0.layer == "t" }, ghost = elements.filter { $0.layer == "g" }
            XCTAssertEqual(truth.count, 8, "one element per HalfCheetah geom")
            XCTAssertEqual(ghost.count, 8)
            XCTAssertTrue(elements.allSatisfy { $0.kind == "capsule" && $0.frames?.count == rows.count + 1 })
            let camera = try XCTUnwrap(drawing.cameras[e])
            XCTAssertEqual(camera.count, rows.count + 1)
            let predicted = ModelEvaluation.openLoop(model: model, data: test, rows: rows)
            for t in [0, 1, 10, rows.count - 1] {
                let row = rows.lowerBound + t
                let qpos = Array(test.infoQpos[(row * 9)..<((row + 1) * 9)])
                let state = qpos + Array(test.infoQvel[(row * 9)..<((row + 1) * 9)])
                let observation = Array(test.observations[(row * o)..<((row + 1) * o)])
                XCTAssertEqual(camera[t], qpos[0], accuracy: 6e-4, "episode \(e) step \(t): the camera is on the root")
                // Straight from qpos: the torso's centre is the root (0 from the camera, 0.7 + rootz up) and
                // its axis turns by −rooty.
                let torso = truth[0].frames![t]
                XCTAssertEqual((torso[0] + torso[2]) / 2, 0, accuracy: 1e-3)
                XCTAssertEqual((torso[1] + torso[3]) / 2, 0.7 + qpos[1], accuracy: 1e-3)
                let (dx, dy) = (torso[2] - torso[0], torso[3] - torso[1]), (vx, vy) = (cos(qpos[2]), -sin(qpos[2]))
                XCTAssertEqual(abs(dx * vx + dy * vy), 1, accuracy: 2e-3)
                XCTAssertEqual(dx * vy - dy * vx, 0, accuracy: 2e-3)
                // Every geom: the library's side view of the recorded state, moved by the camera.
                let expected = env.sideView(observation: observation, state: state, action: []).map {
                    $0.shape.shifted(x: -qpos[0]).parameters
                }
                for (i, shape) in expected.enumerated() {
                    for (drawn, value) in zip(truth[i].frames![t], shape) {
                        XCTAssertEqual(drawn, value, accuracy: 6e-4, "episode \(e) step \(t) geom \(i)")
                    }
                }
                // The ghost: the predicted observation at the real root position.
                if t <= 10 {
                    let ghostShapes = env.sideView(observation: predicted[t], state: state, action: []).map {
                        $0.shape.shifted(x: -qpos[0]).parameters
                    }
                    for (i, shape) in ghostShapes.enumerated() {
                        for (drawn, value) in zip(ghost[i].frames![t], shape) {
                            XCTAssertEqual(drawn, value, accuracy: 6e-4, "episode \(e) step \(t) ghost geom \(i)")
                        }
                    }
                }
            }
            if t0Differs(truth[0].frames!, ghost[0].frames!) == false {
                XCTFail(
                    "the ghost never leaves the "
                        + "recorded motion")
            }
        }
        XCTAssertTrue(page.contains("<path class=\"ground\""), "a ground line with marks")
    }

    func t0Differs(_ a: [[Double]], _ b: [[Double]]) -> Bool { zip(a, b).contains { $0 != $1 } }

    /// The page of a 17-dimensional task with eleven models reads well: the loss chart's legend
    /// shows every model, each in its own colour, inside the chart; the open-loop prediction is one
    /// grid of small panels, one per observation component; the animation's captions are short.
    func testHalfCheetahReportHasOneLegendEntryPerModelOneOpenLoopGridAndShortCaptions() throws {
        let dir = try halfCheetahRun()
        let page = try String(contentsOfFile: dir.file("report.html"), encoding: .utf8)
        let charts = Charts()
        let parser = XMLParser(data: Data(page.utf8))
        parser.delegate = charts
        XCTAssertTrue(parser.parse())

        let loss = try XCTUnwrap(
            charts.charts.first {
                $0.title == "Training and validation loss per aggregation "
                    + "iteration"
            })
        for i in 0...10 {
            let entry = loss.legend.first { $0.text == "model-\(i)" }
            XCTAssertNotNil(entry, "model-\(i) has a legend entry")
            XCTAssertLessThanOrEqual(
                entry?.y ?? .infinity, loss.height - 4,
                "model-\(i)'s legend entry is inside "
                    + "the chart")
            XCTAssertEqual(
                loss.series.filter { $0.name.hasPrefix("model-\(i) ") }.count, 2,
                "model-\(i): train and "
                    + "validation")
        }
        let colours = (0...10).map { i in loss.series.first { $0.name == "model-\(i) validation" }?.colour ?? "" }
        XCTAssertEqual(Set(colours).count, 11, "one colour per model: \(colours)")
        XCTAssertTrue(loss.legend.allSatisfy { $0.y <= loss.height - 4 }, "every legend entry is inside the chart")

        let names = HalfCheetah().observationNames
        XCTAssertEqual(names.count, 17)
        let grids = charts.charts.filter { $0.panels.count > 0 }
        XCTAssertEqual(grids.count, 1, "the open-loop prediction is one grid")
        XCTAssertEqual(grids.first?.panels, names, "one panel per observation component, in order")
        XCTAssertFalse(page.contains("true vs open-loop model"), "no chart per component")
        XCTAssertEqual(
            charts.charts.count, 5,
            "learning curve, losses, k-step error, the open-loop grid, returns "
                + "of the test starts")

        XCTAssertFalse(charts.captions.isEmpty)
        for caption in charts.captions {
            XCTAssertLessThanOrEqual(caption.count, 40, caption)
            XCTAssertFalse(names.contains { caption.contains($0) }, "no observation values in the caption: \(caption)")
        }
        XCTAssertTrue(
            charts.figureTitles.allSatisfy { $0.contains("first observation: qpos rootz ") },
            "the values are in the tooltip")
    }

    /// The charts of a page: title, height, legend entries, series, small-multiple panels; and the
    /// animation's captions and tooltips.
    final class Charts: NSObject, XMLParserDelegate {
        struct Chart {
            var title: String
            var height: Double
            var legend: [(text: String, y: Double)] = []
            var series: [(name: String, colour: String)] = []
            var panels: [String] = []
        }
        var charts: [Chart] = []
        var captions: [String] = []
        var figureTitles: [String] = []
        private var depth = 0, legendY: Double?, text: String?, inSeries = false

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if name == "svg", attributes["class"]?.hasPrefix("chart") == true {
                charts.append(
                    Chart(title: attributes["aria-label"] ?? "", height: Double(attributes["height"] ?? "") ?? 0))
                depth = 1
                return
            }
            if name == "figure", let title = attributes["title"] { figureTitles.append(title) }
            if name == "figcaption" { text = "" }
            guard depth > 0 else { return }
            if name == "svg" { depth += 1 }
            if name == "text", attributes["class"] == "legend" { legendY = Double(attributes["y"] ?? ""); text = "" }
            if name == "g", attributes["class"] == "panel", let panel = attributes["data-panel"] {
                charts[charts.count - 1].panels.append(panel)
            }
            if name == "g", attributes["class"] == "series", let series = attributes["data-name"] {
                charts[charts.count - 1].series.append((series, ""))
                inSeries = true
            }
            if inSeries, name == "polyline", let colour = attributes["stroke"],
                charts[charts.count - 1].series.last?.colour == ""
            {
                charts[charts.count - 1].series[charts[charts.count - 1].series.count - 1].colour = colour
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text? += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "figcaption", let t = text { captions.append(t); text = nil }
            guard depth > 0 else { return }
            if name == "svg" { depth -= 1 }
            if name == "g" { inSeries = false }
            if name == "text", let y = legendY, let t = text {
                charts[charts.count - 1].legend.append((t, y))
                legendY = nil
                text = nil
            }
        }
    }
}
