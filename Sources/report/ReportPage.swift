import Foundation
import MBRL
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

    static func kpi(_ label: String, _ value: String) -> String { "<div class=\"kpi\">\(escape(label))<b>\(escape(value))</b></div>" }

    /// The calibration of a Gaussian ensemble's predicted variance on the held-out data (eval.h5), or
    /// nothing for a deterministic model.
    static func calibration(_ c: Calibration?) -> String {
        guard let c else { return "" }
        var html = "<div>" + kpi("held-out targets within 1σ (mixture)", String(format: "%.1f%% (calibrated %.1f%%)", 100 * c.within1Sigma, 100 * Calibration.gaussianWithin1Sigma))
            + kpi("within 2σ (mixture)", String(format: "%.1f%% (calibrated %.1f%%)", 100 * c.within2Sigma, 100 * Calibration.gaussianWithin2Sigma))
            + kpi("NLL per component (mixture)", String(format: "%.3f nats", c.nll))
        if let m = c.member {
            html += kpi("each elite: within 1σ / 2σ", String(format: "%.1f%% / %.1f%%", 100 * m.within1Sigma, 100 * m.within2Sigma))
                + kpi("each elite: NLL", String(format: "%.3f nats", m.nll))
        }
        return html + "</div>\n"
    }

    // MARK: One run

    static func run(_ r: RunData) -> String {
        let results = r.results
        var body = "<h1>\(escape(r.title))</h1>\n<p class=\"sub\">Run folder <code>\(escape(results.folder))</code>; final model \(escape(results.modelFile)).</p>\n"
        let test = results.testStatistics, random = ReturnStatistics(results.randomReturns)
        body += "<div>" + kpi("test return (mean ± std)", String(format: "%.1f ± %.1f", test.mean, test.std))
            + kpi("random policy return", String(format: "%.1f ± %.1f", random.mean, random.std))
            + kpi("one-step MSE", String(format: "%.3g", results.oneStepMSE))
            + kpi("10-step RMSE", results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a") + "</div>\n"
        body += calibration(results.calibration)

        body += "<h2>Model</h2>\n<div class=\"grid\">\n"
        var losses: [SVGChart.Series] = []
        for (i, curve) in results.trainingCurves.enumerated() {
            let color = SVGChart.palette[i % SVGChart.palette.count]
            let epochs = (1...max(curve.train.count, 1)).map(Double.init)
            losses.append(.init(name: "model-\(curve.iteration) train", points: Array(zip(epochs, curve.train)).map { ($0, $1) }, color: color, dashed: true))
            losses.append(.init(name: "model-\(curve.iteration) validation", points: Array(zip(epochs, curve.validation)).map { ($0, $1) }, color: color))
        }
        body += SVGChart(title: "Training and validation loss per aggregation iteration", xLabel: "epoch",
                         yLabel: "MSE of the normalized Δs (log)", series: losses, logY: true, width: 700).render() + "\n"
        let k = results.kStepRMSE.enumerated().map { (Double($0.offset + 1), $0.element) }
        body += SVGChart(title: "Open-loop prediction error on held-out data", xLabel: "prediction horizon k (steps)",
                         yLabel: "RMSE (observation units)", series: [.init(name: results.modelFile, points: k, color: SVGChart.palette[0], markers: true)]).render() + "\n"
        body += "</div>\n"

        body += "<h2>Control</h2>\n<div class=\"grid\">\n"
        var points: [(x: Double, y: Double)] = [], errors: [Double] = []
        for (iteration, returns) in results.rolloutReturns {
            let s = ReturnStatistics(returns)
            points.append((Double(iteration), s.mean)); errors.append(s.std)
        }
        var series = [SVGChart.Series(name: "MPC rollouts (mean ± std)", points: points, color: SVGChart.palette[0], markers: true, errors: errors)]
        if test.episodes > 0 {
            let x = Double((results.rolloutReturns.map(\.iteration).max() ?? 0) + 1)
            series.append(.init(name: "test, \(test.episodes) fixed starts", points: [(x, test.mean)], color: SVGChart.palette[2], markers: true, errors: [test.std]))
        }
        body += SVGChart(title: "Return per iteration against the random policy", xLabel: "iteration (rollouts of model i−1; last: test)",
                         yLabel: "episode return", series: series,
                         references: [(random.mean, String(format: "random policy %.0f", random.mean), "#888")]).render() + "\n"
        if !r.trueTrajectory.isEmpty {
            let names = r.observationNames
            for j in 0..<min(r.trueTrajectory[0].count, names.count) {
                let steps = min(r.trueTrajectory.count, 101)
                let truth = (0..<steps).map { (Double($0), Double(r.trueTrajectory[$0][j])) }
                let predicted = (0..<steps).map { (Double($0), Double(r.predictedTrajectory[$0][j])) }
                body += SVGChart(title: "Test episode 0: \(names[j]), true vs open-loop model", xLabel: "step", yLabel: names[j],
                                 series: [.init(name: "environment", points: truth, color: SVGChart.palette[0]),
                                          .init(name: "model, open loop", points: predicted, color: SVGChart.palette[1], dashed: true)],
                                 width: 430, height: 260).render() + "\n"
            }
        }
        body += "</div>\n"
        body += animationSection(r)

        body += "<h2>Parameters</h2>\n<table><tr><th>file</th><th>settings of the stage that wrote it</th></tr>\n"
        for p in results.files { body += "<tr><td>\(escape(p.file))</td><td><code>\(escape(p.config))</code></td></tr>\n" }
        body += "</table>\n<h2>Provenance</h2>\n<table><tr><th>file</th><th>format</th><th>seed</th><th>command</th><th>inputs (SHA-256)</th></tr>\n"
        for p in results.files {
            body += "<tr><td>\(escape(p.file))</td><td>\(escape(p.format))</td><td class=\"num\">\(p.seed)</td><td><code>\(escape(p.command))</code></td><td><code>\(escape(shortInputs(p.inputs)))</code></td></tr>\n"
        }
        body += "</table>\n"
        return document(title: "\(r.title) — mbrl report", body: body)
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
        let all = SVGChart.Series(name: "every test start", points: returns.enumerated().map { (Double($0.offset), $0.element) },
                                  color: "#9aa7b4", markers: true, line: false)
        let shown = SVGChart.Series(name: "animated above", points: r.shownEpisodes.map { (Double($0.index), $0.episodeReturn) },
                                    color: SVGChart.palette[1], markers: true, line: false)
        html += SVGChart(title: "Return of every test start", xLabel: "test start (row of test-starts.h5)", yLabel: "episode return",
                         series: [all, shown], width: 620, height: 240).render() + "\n"
        return html
    }

    /// `{"a.h5":"3bed…"}` as `a.h5 3bed7478…`, one per line.
    static func shortInputs(_ json: String) -> String {
        guard let data = json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return json }
        return object.keys.sorted().map { "\($0) \(object[$0]!.prefix(12))…" }.joined(separator: "; ")
    }

    // MARK: Several runs

    static func sweep(_ runs: [RunData]) -> String {
        let first = runs[0].results
        let preset = "\(first.env) · \(first.policy)"
        var body = "<h1>\(escape(preset)) — \(runs.count) seeds</h1>\n<p class=\"sub\">\(escape(runs.map(\.results.folder).joined(separator: ", ")))</p>\n"
        let means = runs.map { $0.results.testStatistics.mean }
        let all = ReturnStatistics(means)
        body += "<div>" + kpi("test return across seeds (mean ± std)", String(format: "%.1f ± %.1f", all.mean, all.std)) + "</div>\n<div class=\"grid\">\n"
        let perSeed = SVGChart.Series(name: "mean ± std over episodes",
                                      points: runs.enumerated().map { (Double($0.offset), $0.element.results.testStatistics.mean) },
                                      color: SVGChart.palette[0], markers: true, errors: runs.map { $0.results.testStatistics.std })
        body += SVGChart(title: "Final test return per seed", xLabel: "run (index in the table below)", yLabel: "episode return",
                         series: [perSeed], references: [(all.mean, String(format: "mean %.1f", all.mean), "#888")]).render() + "\n"
        let curves = runs.enumerated().map { i, r in
            SVGChart.Series(name: "seed \(r.results.seed)", points: r.results.kStepRMSE.enumerated().map { (Double($0.offset + 1), $0.element) },
                            color: SVGChart.palette[i % SVGChart.palette.count])
        }
        body += SVGChart(title: "Open-loop prediction error per seed", xLabel: "prediction horizon k (steps)", yLabel: "RMSE", series: curves).render() + "\n"
        body += "</div>\n<table><tr><th>#</th><th>run</th><th>test return</th><th>random policy</th><th>one-step MSE</th><th>10-step RMSE</th></tr>\n"
        for (i, r) in runs.enumerated() {
            let t = r.results.testStatistics, rnd = ReturnStatistics(r.results.randomReturns)
            body += "<tr><td class=\"num\">\(i)</td><td>\(escape(r.results.folder))</td><td class=\"num\">\(String(format: "%.1f ± %.1f", t.mean, t.std))</td><td class=\"num\">\(String(format: "%.1f", rnd.mean))</td><td class=\"num\">\(String(format: "%.3g", r.results.oneStepMSE))</td><td class=\"num\">\(r.results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a")</td></tr>\n"
        }
        body += "</table>\n"
        if let view = EnvironmentName(id: first.env)?.makeSideView() {
            let rows = runs.enumerated().compactMap { i, r -> (label: String?, panels: [Animation.Panel])? in
                let panels = r.shownEpisodes.compactMap { Animation.panel(view, $0, observationNames: r.observationNames) }
                return panels.isEmpty ? nil : ("#\(i) seed \(r.results.seed)", panels)
            }
            if !rows.isEmpty {
                body += "<h2>Test episodes per seed, animated</h2>\n" + legend(view)
                    + "<p class=\"sub\">One row per run: its best, median and worst test episode by return.</p>\n"
                    + Animation.render(rows: rows, view: view, panelSize: 180)
            }
        }
        return document(title: "\(preset) sweep — mbrl report", body: body)
    }
}

// MARK: A grid sweep

extension ReportPage {
    /// One page across a grid sweep: per point the mean ± std across its seeds of the runs' mean test
    /// return (the best point marked), a table of the points and one of every run, and the best
    /// point's runs animated. `runs` are the grid's run folders' data, in the order of `grid`'s folders.
    static func grid(_ grid: SweepGrid, _ runs: [RunData]) -> String {
        let byFolder = Dictionary(runs.map { ($0.results.folder, $0) }, uniquingKeysWith: { first, _ in first })
        let points = grid.points.map { point in (point: point, runs: point.folders.compactMap { byFolder[$0] }) }
        let stats = points.map { ReturnStatistics($0.runs.map(\.results.testStatistics.mean)) }
        let best = stats.indices.max { stats[$0].mean < stats[$1].mean }!
        let first = runs[0].results
        let title = "\(first.env) — grid of \(points.count) points × \(runs.count / max(points.count, 1)) seeds"
        var body = "<h1>\(escape(title))</h1>\n<p class=\"sub\">Varied: \(escape(grid.variables.joined(separator: ", "))); "
            + "each point's test return is the mean across its seeds of each run's mean over its test episodes (± the population std across seeds).</p>\n"
        body += "<div>" + kpi("best point", points[best].point.name)
            + kpi("its test return (mean ± std across seeds)", String(format: "%.1f ± %.1f", stats[best].mean, stats[best].std)) + "</div>\n"

        body += "<div class=\"grid\">\n"
        let perPoint = SVGChart.Series(name: "mean ± std across seeds", points: stats.enumerated().map { (Double($0.offset), $0.element.mean) },
                                       color: SVGChart.palette[0], markers: true, line: false, errors: stats.map(\.std))
        let perSeed = SVGChart.Series(name: "each seed", points: points.enumerated().flatMap { i, p in p.runs.map { (Double(i), $0.results.testStatistics.mean) } },
                                      color: "#9aa7b4", markers: true, line: false)
        let marked = SVGChart.Series(name: "best point", points: [(Double(best), stats[best].mean)], color: SVGChart.palette[1], markers: true, line: false)
        body += SVGChart(title: "Final test return per grid point", xLabel: "grid point (index in the table below)", yLabel: "episode return",
                         series: [perSeed, perPoint, marked], width: 700).render() + "\n"
        let curves = points.enumerated().map { i, p in
            SVGChart.Series(name: p.point.name, points: meanCurve(p.runs.map(\.results.kStepRMSE)).enumerated().map { (Double($0.offset + 1), $0.element) },
                            color: SVGChart.palette[i % SVGChart.palette.count], dashed: i >= SVGChart.palette.count)
        }
        body += SVGChart(title: "Open-loop prediction error per grid point (mean across seeds)", xLabel: "prediction horizon k (steps)",
                         yLabel: "RMSE", series: curves, width: 700).render() + "\n</div>\n"

        body += "<h2>Grid points</h2>\n<table><tr><th>#</th><th>point</th>"
            + grid.variables.map { "<th>\(escape($0))</th>" }.joined()
            + "<th>seeds</th><th>test return (mean ± std across seeds)</th><th>one-step MSE (mean)</th><th>10-step RMSE (mean)</th><th></th></tr>\n"
        for (i, p) in points.enumerated() {
            let one = ReturnStatistics(p.runs.map(\.results.oneStepMSE))
            let ten = ReturnStatistics(p.runs.compactMap { $0.results.kStepRMSE(at: 10) })
            let open = i == best ? "<b>" : "", close = i == best ? "</b>" : ""
            body += "<tr><td class=\"num\">\(i)</td><td>\(open)\(escape(p.point.name))\(close)</td>"
                + grid.variables.map { "<td>\(escape(p.point.value(of: $0) ?? ""))</td>" }.joined()
                + "<td class=\"num\">\(p.runs.count)</td><td class=\"num\">\(open)\(String(format: "%.1f ± %.1f", stats[i].mean, stats[i].std))\(close)</td>"
                + "<td class=\"num\">\(String(format: "%.3g", one.mean))</td><td class=\"num\">\(ten.episodes > 0 ? String(format: "%.3g", ten.mean) : "n/a")</td>"
                + "<td>\(i == best ? "best" : "")</td></tr>\n"
        }
        body += "</table>\n<h2>Every run</h2>\n<table><tr><th>point</th><th>seed</th><th>run</th><th>test return (mean ± std over episodes)</th><th>one-step MSE</th><th>10-step RMSE</th></tr>\n"
        for p in points {
            for r in p.runs {
                let t = r.results.testStatistics
                body += "<tr><td>\(escape(p.point.name))</td><td class=\"num\">\(r.results.seed)</td><td>\(escape(r.results.folder))</td>"
                    + "<td class=\"num\">\(String(format: "%.1f ± %.1f", t.mean, t.std))</td><td class=\"num\">\(String(format: "%.3g", r.results.oneStepMSE))</td>"
                    + "<td class=\"num\">\(r.results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a")</td></tr>\n"
            }
        }
        body += "</table>\n"
        if let view = EnvironmentName(id: first.env)?.makeSideView() {
            let rows = points[best].runs.compactMap { r -> (label: String?, panels: [Animation.Panel])? in
                let panels = r.shownEpisodes.compactMap { Animation.panel(view, $0, observationNames: r.observationNames) }
                return panels.isEmpty ? nil : ("seed \(r.results.seed)", panels)
            }
            if !rows.isEmpty {
                body += "<h2>The best point's test episodes, animated</h2>\n" + legend(view)
                    + "<p class=\"sub\">\(escape(points[best].point.name)): one row per seed, its best, median and worst test episode by return.</p>\n"
                    + Animation.render(rows: rows, view: view, panelSize: 180)
            }
        }
        return document(title: "\(first.env) grid sweep — mbrl report", body: body)
    }

    /// The element-wise mean of curves, as long as the shortest.
    static func meanCurve(_ curves: [[Double]]) -> [Double] {
        guard let length = curves.map(\.count).min(), length > 0 else { return [] }
        return (0..<length).map { k in curves.map { $0[k] }.reduce(0, +) / Double(curves.count) }
    }
}
