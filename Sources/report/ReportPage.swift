import Foundation
import MBRLCore
import MBRLData
import MBRLEnvironments
import MBRLModels
import MBRLReporting
import MBRLSweeps

/// The self-contained HTML page of a run (or of several runs of a sweep): inline CSS and SVG, and one
/// inline script that runs the animation's controls; nothing loaded from anywhere. The markup is
/// well-formed XML (the script is in a CDATA section), so it can be checked mechanically.
enum ReportPage {
    static let style = """
        body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1320px; color: #222; padding: 0 16px; }
        h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .sub { color: #666; margin-top: 0; } .grid { display: flex; flex-wrap: wrap; gap: 16px; }
        .chart { background: #fff; border: 1px solid #e4e4e4; border-radius: 4px; max-width: 100%; height: auto; }
        .chart .title { font-size: 14px; font-weight: 600; } .chart .tick { font-size: 11px; fill: #555; }
        .chart .label { font-size: 12px; fill: #333; } .chart .legend { font-size: 11px; fill: #333; }
        .chart .grid { stroke: #eee; } .chart .axis { stroke: #888; } .chart .frame { fill: none; stroke: #bbb; }
        table { border-collapse: collapse; font-size: 13px; margin-top: 8px; } td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
        th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; } code { font-size: 12px; word-break: break-all; }
        .kpi { display: inline-block; margin: 6px 24px 6px 0; } .kpi b { display: block; font-size: 20px; }
        \(Animation.style)
        """

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body>
        \(body)\(body.contains("<div class=\"anim\"") ? Animation.script + "\n" : "")
        </body>
        </html>

        """
    }

    static func kpi(_ label: String, _ value: String) -> String {
        "<div class=\"kpi\">\(escape(label))<b>\(escape(value))</b></div>"
    }

    /// The calibration of a Gaussian ensemble's predicted variance on the held-out data (eval.h5), or
    /// nothing for a deterministic model.
    static func calibration(_ c: Calibration?) -> String {
        guard let c else { return "" }
        var html =
            "<div>"
            + kpi(
                "held-out targets within 1σ (mixture)",
                String(
                    format: "%.1f%% (calibrated %.1f%%)", 100 * c.within1Sigma, 100 * Calibration.gaussianWithin1Sigma))
            + kpi(
                "within 2σ (mixture)",
                String(
                    format: "%.1f%% (calibrated %.1f%%)", 100 * c.within2Sigma, 100 * Calibration.gaussianWithin2Sigma))
            + kpi("NLL per component (mixture)", String(format: "%.3f nats", c.nll))
        if let m = c.member {
            html +=
                kpi(
                    "each elite: within 1σ / 2σ",
                    String(format: "%.1f%% / %.1f%%", 100 * m.within1Sigma, 100 * m.within2Sigma))
                + kpi("each elite: NLL", String(format: "%.3f nats", m.nll))
        }
        return html + "</div>\n"
    }

    // MARK: One run

    static func run(_ r: RunData) -> String {
        let results = r.results
        var body =
            "<h1>\(escape(r.title))</h1>\n<p class=\"sub\">Run folder "
            + "<code>\(escape(results.folder))</code>; final model \(escape(results.modelFile)).</p>\n"
        let test = results.testStatistics, random = ReturnStatistics(results.randomReturns)
        body +=
            "<div>" + kpi("test return (mean ± std)", String(format: "%.1f ± %.1f", test.mean, test.std))
            + kpi("random policy return", String(format: "%.1f ± %.1f", random.mean, random.std))
            + kpi("one-step MSE", String(format: "%.3g", results.oneStepMSE))
            + kpi("10-step RMSE", results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a") + "</div>\n"
        body += calibration(results.calibration)

        body += "<h2>Learning curve</h2>\n<div class=\"grid\">\n" + learningCurveChart(r) + "\n</div>\n"

        body += "<h2>Model</h2>\n<div class=\"grid\">\n"
        body += lossChart(results.trainingCurves) + "\n"
        let k = results.kStepRMSE.enumerated().map { (Double($0.offset + 1), $0.element) }
        body +=
            SVGChart(
                title: "Open-loop prediction error on held-out data", xLabel: "prediction horizon k (steps)",
                yLabel: "RMSE (observation units)",
                series: [.init(name: results.modelFile, points: k, color: SVGChart.palette[0], markers: true)]
            ).render() + "\n"
        body += "</div>\n"
        if !r.trueTrajectory.isEmpty { body += "<div>\n" + openLoopChart(r) + "\n</div>\n" }
        body += animationSection(r)

        body += "<h2>Parameters</h2>\n<table><tr><th>file</th><th>settings of the stage that wrote it</th></tr>\n"
        for p in results.files {
            body += "<tr><td>\(escape(p.file))</td><td><code>\(escape(p.config))</code></td></tr>\n"
        }
        body +=
            "</table>\n<h2>Provenance</h2>\n<table><tr><th>file</th><th>format</th><th>seed</th><th>command</th>"
            + "<th>inputs (SHA-256)</th></tr>\n"
        for p in results.files {
            body +=
                "<tr><td>\(escape(p.file))</td><td>\(escape(p.format))</td><td "
                + "class=\"num\">\(p.seed)</td><td><code>\(escape(p.command))</code></td>"
                + "<td><code>\(escape(shortInputs(p.inputs)))</code></td></tr>\n"
        }
        body += "</table>\n"
        return document(title: "\(r.title) — mbrl report", body: body)
    }

    /// The training and validation loss of every model file, one colour per model along a sequential
    /// ramp (model-0 dark, the last light), validation solid and training dashed; the legend names
    /// each model once and says which line is which.
    static func lossChart(_ curves: [(iteration: Int, train: [Double], validation: [Double])]) -> String {
        var losses: [SVGChart.Series] = []
        for (i, curve) in curves.enumerated() {
            let color = SVGChart.sequential(i, of: curves.count)
            let epochs = (1...max(curve.train.count, 1)).map(Double.init)
            losses.append(
                .init(
                    name: "model-\(curve.iteration) validation",
                    points: Array(zip(epochs, curve.validation)).map { ($0, $1) },
                    color: color, legendName: "model-\(curve.iteration)"))
            losses.append(
                .init(
                    name: "model-\(curve.iteration) train", points: Array(zip(epochs, curve.train)).map { ($0, $1) },
                    color: color, dashed: true, inLegend: false))
        }
        let key: [SVGChart.Series] =
            curves.isEmpty
            ? []
            : [
                .init(name: "validation", points: [], color: "#777"),
                .init(name: "train", points: [], color: "#777", dashed: true)
            ]
        return SVGChart(
            title: "Training and validation loss per aggregation iteration", xLabel: "epoch",
            yLabel: "MSE of the normalized Δs (log)", series: losses, logY: true, width: 700, legendKey: key
        ).render()
    }

    /// Test episode 0's observations against the model's open-loop prediction, one small panel per
    /// component on one grid (the first 100 steps).
    static func openLoopChart(_ r: RunData) -> String {
        let names = r.observationNames.map(shortName)
        let dimensions = min(r.trueTrajectory[0].count, names.count), steps = min(r.trueTrajectory.count, 101)
        let panels = (0..<dimensions).map { j in
            SmallMultiples.Panel(
                title: names[j],
                series: [
                    .init(
                        name: "environment", points: (0..<steps).map { (Double($0), Double(r.trueTrajectory[$0][j])) },
                        color: SVGChart.palette[0]),
                    .init(
                        name: "model, open loop",
                        points: (0..<steps).map { (Double($0), Double(r.predictedTrajectory[$0][j])) },
                        color: SVGChart.palette[1], dashed: true)
                ])
        }
        return SmallMultiples(
            title: "Test episode 0: each observation component, true against the model's "
                + "open-loop prediction",
            xLabel: "step", panels: panels, columns: min(dimensions, 5)
        ).render()
    }

    /// An observation component's name for a small label: without a parenthesized remark
    /// (`qvel foot (clipped to ±10)` → `qvel foot`).
    static func shortName(_ name: String) -> String {
        guard let open = name.firstIndex(of: "("), open > name.startIndex else { return name }
        return String(name[..<open]).trimmingCharacters(in: .whitespaces)
    }

    /// What the animation's colours mean, and what the ghost is.
    static func legend(_ view: any SideView) -> String {
        let action = escape(view.sideViewActionDescription)
        return """
            <p class="legendline"><span class="swatch" style="background:#4a79a8"></span>the recorded motion (test.h5)\
            <span class="swatch" style="border:2px dashed #ff7f0e"></span>the model's prediction ("ghost")\
            \(action.isEmpty ? "" : "<span class=\"swatch\" style=\"background:#d62728\"></span>" + action)</p>
            <p class="sub">The ghost is the final model's open-loop prediction: from the episode's first recorded observation, \
            fed its own predictions with the actions the controller executed (the same prediction as the test-episode plots), \
            never corrected by the real states, so it drifts where the model is wrong.\
            \(view.sideViewPlacementNote.isEmpty ? "" : " " + escape(view.sideViewPlacementNote))</p>

            """
    }

    /// The best, median and worst test episodes animated, and the return of every test start.
    static func animationSection(_ r: RunData) -> String {
        let returns = r.results.test.episodeReturns
        guard !r.shownEpisodes.isEmpty else { return "" }
        var html = "<h2>Test episodes, animated</h2>\n"
        if let view = EnvironmentName(id: r.results.env)?.makeSideView() {
            let panels = r.shownEpisodes.compactMap { Animation.panel(view, $0, observationNames: r.observationNames) }
            if !panels.isEmpty {
                html += legend(view) + Animation.render(rows: [(nil, panels)], view: view, panelSize: 280)
            }
        } else {
            html += "<p class=\"sub\">\(escape(r.results.env)) has no side view to animate.</p>\n"
        }
        let all = SVGChart.Series(
            name: "every test start", points: returns.enumerated().map { (Double($0.offset), $0.element) },
            color: "#9aa7b4", markers: true, line: false)
        let shown = SVGChart.Series(
            name: "animated above", points: r.shownEpisodes.map { (Double($0.index), $0.episodeReturn) },
            color: SVGChart.palette[1], markers: true, line: false)
        html +=
            SVGChart(
                title: "Return of every test start", xLabel: "test start (row of test-starts.h5)",
                yLabel: "episode return",
                series: [all, shown], width: 620, height: 240
            ).render() + "\n"
        return html
    }

    /// `{"a.h5":"3bed…"}` as `a.h5 3bed7478…`, one per line.
    static func shortInputs(_ json: String) -> String {
        guard let data = json.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return json }
        return object.keys.sorted().map { "\($0) \(object[$0]!.prefix(12))…" }.joined(separator: "; ")
    }
}
