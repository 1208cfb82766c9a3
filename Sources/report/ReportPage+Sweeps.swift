import Foundation
import MBRLData
import MBRLEnvironments
import MBRLStatistics
import MBRLSweeps

// MARK: Several runs

extension ReportPage {
    static func sweep(_ runs: [RunData]) -> String {
        let first = runs[0].results
        let preset = "\(first.env) · \(first.policy)"
        var body =
            "<h1>\(escape(preset)) — \(runs.count) seeds</h1>\n<p "
            + "class=\"sub\">\(escape(runs.map(\.results.folder).joined(separator: ", ")))</p>\n"
        let means = runs.map { $0.results.testStatistics.mean }
        let all = ReturnStatistics(means)
        body +=
            aggregateFigures(RunAggregates(runScores: means))
            + "<div>" + kpi("test return across seeds (mean ± std)", String(format: "%.1f ± %.1f", all.mean, all.std))
            + "</div>\n"
            + aggregatesNote("Across \(runs.count) runs")
        body += "<h2>Learning curve</h2>\n<div class=\"grid\">\n" + learningCurvesChart(runs) + "\n</div>\n"
        body += "<h2>Final test return</h2>\n<div class=\"grid\">\n"
        let perSeed = SVGChart.Series(
            name: "mean ± std over episodes",
            points: runs.enumerated().map { (Double($0.offset), $0.element.results.testStatistics.mean) },
            color: SVGChart.palette[0], markers: true, errors: runs.map { $0.results.testStatistics.std })
        body +=
            SVGChart(
                title: "Final test return per seed", xLabel: "run (index in the table below)", yLabel: "episode return",
                series: [perSeed], references: [(all.mean, String(format: "mean %.1f", all.mean), "#888")]
            ).render() + "\n"
        body += profileChart([(name: "\(runs.count) seeds", scores: means)], bands: true) + "\n"
        body += "</div>\n<h2>Model</h2>\n<div class=\"grid\">\n"
        body +=
            predictionErrorChart(
                title: "Open-loop prediction error per seed",
                runs.map { (name: "seed \($0.results.seed)", rmse: $0.results.kStepRMSE) }) + "\n"
        body +=
            "</div>\n<table><tr><th>#</th><th>run</th><th>test return</th><th>random policy</th><th>one-step "
            + "MSE</th><th>10-step RMSE</th></tr>\n"
        for (i, r) in runs.enumerated() {
            let t = r.results.testStatistics, rnd = ReturnStatistics(r.results.randomReturns)
            body +=
                "<tr><td class=\"num\">\(i)</td><td>\(escape(r.results.folder))</td><td "
                + "class=\"num\">\(String(format: "%.1f ± %.1f", t.mean, t.std))</td><td "
                + "class=\"num\">\(String(format: "%.1f", rnd.mean))</td><td "
                + "class=\"num\">\(String(format: "%.3g", r.results.oneStepMSE))</td><td "
                + "class=\"num\">\(r.results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a")</td></tr>\n"
        }
        body += "</table>\n"
        if let view = EnvironmentName(id: first.env)?.makeSideView() {
            let rows = runs.enumerated().compactMap { i, r -> (label: String?, panels: [Animation.Panel])? in
                let panels = r.shownEpisodes.compactMap {
                    Animation.panel(view, $0, observationNames: r.observationNames)
                }
                return panels.isEmpty ? nil : ("#\(i) seed \(r.results.seed)", panels)
            }
            if !rows.isEmpty {
                body +=
                    "<h2>Test episodes per seed, animated</h2>\n" + legend(view)
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
    /// return (the best point marked) and its IQM with a 95% interval, the points' learning curves and
    /// performance profiles, a table of the points and one of every run, and the best point's runs
    /// animated. `runs` are the grid's run folders' data, in the order of `grid`'s folders.
    static func grid(_ grid: SweepGrid, _ runs: [RunData]) -> String {
        let byFolder = Dictionary(runs.map { ($0.results.folder, $0) }, uniquingKeysWith: { first, _ in first })
        let points = grid.points.map { point in (point: point, runs: point.folders.compactMap { byFolder[$0] }) }
        let stats = points.map { ReturnStatistics($0.runs.map(\.results.testStatistics.mean)) }
        let aggregates = points.map { RunAggregates(runScores: $0.runs.map(\.results.testStatistics.mean)) }
        let best = stats.indices.max { stats[$0].mean < stats[$1].mean }!
        let first = runs[0].results
        let title = "\(first.env) — grid of \(points.count) points × \(runs.count / max(points.count, 1)) seeds"
        var body =
            "<h1>\(escape(title))</h1>\n<p "
            + "class=\"sub\">Varied: \(escape(grid.variables.joined(separator: ", "))); "
            + "each point's test return is the mean across its seeds of each run's mean over its test episodes (± "
            + "the population std across seeds).</p>\n"
        body +=
            "<div>" + kpi("best point", points[best].point.name)
            + kpi(
                "its test return (mean ± std across seeds)",
                String(format: "%.1f ± %.1f", stats[best].mean, stats[best].std))
            + kpi("its IQM [95% CI]", estimate(aggregates[best].interquartileMean)) + "</div>\n"
            + aggregatesNote("Per point, across its seeds")

        body +=
            "<h2>Learning curves</h2>\n<div class=\"grid\">\n"
            + learningCurvesChart(points: points.map { (name: $0.point.name, runs: $0.runs) }) + "\n</div>\n"
        body += "<h2>Final test return</h2>\n<div class=\"grid\">\n"
        let perPoint = SVGChart.Series(
            name: "mean ± std across seeds", points: stats.enumerated().map { (Double($0.offset), $0.element.mean) },
            color: SVGChart.palette[0], markers: true, line: false, errors: stats.map(\.std))
        let perSeed = SVGChart.Series(
            name: "each seed",
            points: points.enumerated().flatMap { i, p in p.runs.map { (Double(i), $0.results.testStatistics.mean) } },
            color: "#9aa7b4", markers: true, line: false)
        let marked = SVGChart.Series(
            name: "best point", points: [(Double(best), stats[best].mean)], color: SVGChart.palette[1], markers: true,
            line: false)
        let iqm = SVGChart.Series(
            name: "IQM [95% CI]",
            points: aggregates.enumerated().map { (Double($0.offset) + 0.15, $0.element.interquartileMean.value) },
            color: SVGChart.palette[2], markers: true, line: false,
            intervals: aggregates.map(\.interquartileMean.interval))
        body +=
            SVGChart(
                title: "Final test return per grid point", xLabel: "grid point (index in the table below)",
                yLabel: "episode return",
                series: [perSeed, perPoint, iqm, marked], width: 700
            ).render() + "\n"
        body +=
            profileChart(
                points.map { (name: $0.point.name, scores: $0.runs.map(\.results.testStatistics.mean)) }, bands: false)
            + "\n"
        body += "</div>\n<h2>Model</h2>\n<div class=\"grid\">\n"
        body +=
            predictionErrorChart(
                title: "Open-loop prediction error per grid point (mean across seeds)",
                points.map { (name: $0.point.name, rmse: meanCurve($0.runs.map(\.results.kStepRMSE))) }, width: 700)
            + "\n</div>\n"

        body +=
            "<h2>Grid points</h2>\n<table><tr><th>#</th><th>point</th>"
            + grid.variables.map { "<th>\(escape($0))</th>" }.joined()
            + "<th>seeds</th><th>test return (mean ± std across seeds)</th><th>IQM [95% CI]</th><th>median [95% "
            + "CI]</th><th>mean [95% CI]</th>"
            + "<th>one-step MSE (mean)</th><th>10-step RMSE (mean)</th><th></th></tr>\n"
        for (i, p) in points.enumerated() {
            let one = ReturnStatistics(p.runs.map(\.results.oneStepMSE))
            let ten = ReturnStatistics(p.runs.compactMap { $0.results.kStepRMSE(at: 10) })
            let open = i == best ? "<b>" : "", close = i == best ? "</b>" : ""
            body +=
                "<tr><td class=\"num\">\(i)</td><td>\(open)\(escape(p.point.name))\(close)</td>"
                + grid.variables.map { "<td>\(escape(p.point.value(of: $0) ?? ""))</td>" }.joined()
                + "<td class=\"num\">\(p.runs.count)</td><td "
                + "class=\"num\">\(open)\(String(format: "%.1f ± %.1f", stats[i].mean, stats[i].std))\(close)</td>"
                + [aggregates[i].interquartileMean, aggregates[i].median, aggregates[i].mean].map {
                    "<td class=\"num\">\(estimate($0))</td>"
                }.joined()
                + "<td class=\"num\">\(String(format: "%.3g", one.mean))</td><td "
                + "class=\"num\">\(ten.episodes > 0 ? String(format: "%.3g", ten.mean) : "n/a")</td>"
                + "<td>\(i == best ? "best" : "")</td></tr>\n"
        }
        body +=
            "</table>\n<h2>Every run</h2>\n<table><tr><th>point</th><th>seed</th><th>run</th><th>test return "
            + "(mean ± std over episodes)</th><th>one-step MSE</th><th>10-step RMSE</th></tr>\n"
        for p in points {
            for r in p.runs {
                let t = r.results.testStatistics
                let k10 = r.results.kStepRMSE(at: 10).map { String(format: "%.3g", $0) } ?? "n/a"
                body +=
                    "<tr><td>\(escape(p.point.name))</td><td "
                    + "class=\"num\">\(r.results.seed)</td><td>\(escape(r.results.folder))</td>"
                    + "<td class=\"num\">\(String(format: "%.1f ± %.1f", t.mean, t.std))</td><td "
                    + "class=\"num\">\(String(format: "%.3g", r.results.oneStepMSE))</td>"
                    + "<td class=\"num\">\(k10)</td></tr>\n"
            }
        }
        body += "</table>\n"
        if let view = EnvironmentName(id: first.env)?.makeSideView() {
            let rows = points[best].runs.compactMap { r -> (label: String?, panels: [Animation.Panel])? in
                let panels = r.shownEpisodes.compactMap {
                    Animation.panel(view, $0, observationNames: r.observationNames)
                }
                return panels.isEmpty ? nil : ("seed \(r.results.seed)", panels)
            }
            if !rows.isEmpty {
                body +=
                    "<h2>The best point's test episodes, animated</h2>\n" + legend(view)
                    + "<p class=\"sub\">\(escape(points[best].point.name)): one row per seed, its best, median and "
                    + "worst test episode by return.</p>\n"
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

// MARK: Charts of several runs

extension ReportPage {
    /// The open-loop prediction error chart of several runs or grid points: one curve per entry of
    /// `curves`, its k-step RMSE against k = 1, 2, …, coloured from the palette in order and dashed
    /// once the palette's colours are used up.
    static func predictionErrorChart(
        title: String, _ curves: [(name: String, rmse: [Double])], width: Double? = nil
    ) -> String {
        let series = curves.enumerated().map { i, curve in
            SVGChart.Series(
                name: curve.name, points: curve.rmse.enumerated().map { (Double($0.offset + 1), $0.element) },
                color: SVGChart.palette[i % SVGChart.palette.count], dashed: i >= SVGChart.palette.count)
        }
        var chart = SVGChart(
            title: title, xLabel: "prediction horizon k (steps)", yLabel: "RMSE", series: series)
        if let width { chart.width = width }
        return chart.render()
    }
}
