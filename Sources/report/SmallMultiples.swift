import Foundation

/// Small multiples: one small line chart per variable on one grid, in one SVG, sharing the x axis
/// and one legend, each panel with its own y range and a short title. For the many observation
/// components of a MuJoCo task (HalfCheetah has 17), where one full-size chart each would fill pages.
///
/// Like `SVGChart`, every series carries its values in `data-values`, inside a group per panel
/// (`<g class="panel" data-panel="name">`), so tests can check what each panel shows.
struct SmallMultiples {
    struct Panel {
        var title: String
        var series: [SVGChart.Series]
    }

    var title: String
    var xLabel: String
    var panels: [Panel]
    /// Panels per row.
    var columns = 4
    var panelWidth = 200.0
    var panelHeight = 110.0

    /// Room between panels, above the first row (title and legend), left of the first column (y
    /// tick labels) and under the last row (x tick labels and the x axis label).
    private static let gap = (x: 46.0, y: 34.0), top = 56.0, left = 42.0, bottom = 40.0

    func render() -> String {
        let (gap, top, left, bottom) = (Self.gap, Self.top, Self.left, Self.bottom)
        let rows = max(1, (panels.count + columns - 1) / columns)
        let width = left + Double(columns) * panelWidth + Double(columns - 1) * gap.x + 12
        let height = top + Double(rows) * panelHeight + Double(rows - 1) * gap.y + bottom
        var svg =
            "<svg class=\"chart multiples\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 "
            + "0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        svg += "<text x=\"\(fmt(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"title\">\(escape(title))</text>\n"
        // One legend for every panel, in a line under the title: the first panel's series.
        var x = left
        for s in panels.first?.series ?? [] {
            svg +=
                "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x + 22))\" y1=\"34\" y2=\"34\" stroke=\"\(s.color)\" "
                + "stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            svg += "<text x=\"\(fmt(x + 28))\" y=\"38\" class=\"legend\">\(escape(s.name))</text>\n"
            x += 40 + 6.2 * Double(s.name.count) + 16
        }
        for (i, panel) in panels.enumerated() {
            let (row, column) = (i / columns, i % columns)
            let x0 = left + Double(column) * (panelWidth + gap.x), y0 = top + Double(row) * (panelHeight + gap.y)
            let lastInColumn = i + columns >= panels.count
            svg += self.panel(panel, x0: x0, y0: y0, xTickLabels: lastInColumn)
        }
        svg +=
            "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\" "
            + "class=\"label\">\(escape(xLabel))</text>\n"
        return svg + "</svg>"
    }

    /// One panel at (x0, y0): its frame, three y ticks, x ticks (labelled on the bottom panel of
    /// each column), its title inside the top left corner, and its series.
    private func panel(_ panel: Panel, x0: Double, y0: Double, xTickLabels: Bool) -> String {
        let finite = panel.series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var svg = "<g class=\"panel\" data-panel=\"\(escape(panel.title))\">"
        svg +=
            "<text x=\"\(fmt(x0 + 4))\" y=\"\(fmt(y0 - 5))\" class=\"tick\" "
            + "font-weight=\"600\">\(escape(panel.title))</text>"
        svg +=
            "<rect x=\"\(fmt(x0))\" y=\"\(fmt(y0))\" width=\"\(fmt(panelWidth))\" height=\"\(fmt(panelHeight))\" "
            + "class=\"frame\"/>\n"
        guard !finite.isEmpty else { return svg + "</g>\n" }
        var xs = (finite.map(\.x).min()!, finite.map(\.x).max()!), ys = (finite.map(\.y).min()!, finite.map(\.y).max()!)
        if xs.0 == xs.1 { xs = (xs.0 - 1, xs.1 + 1) }
        if ys.0 == ys.1 { ys = (ys.0 - 1, ys.1 + 1) }
        let pad = 0.06 * (ys.1 - ys.0)
        ys = (ys.0 - pad, ys.1 + pad)
        func px(_ x: Double) -> Double { x0 + (x - xs.0) / (xs.1 - xs.0) * panelWidth }
        func py(_ y: Double) -> Double { y0 + panelHeight - (y - ys.0) / (ys.1 - ys.0) * panelHeight }
        for t in [ys.0 + pad, (ys.0 + ys.1) / 2, ys.1 - pad] {
            svg +=
                "<line x1=\"\(fmt(x0))\" x2=\"\(fmt(x0 + panelWidth))\" y1=\"\(fmt(py(t)))\" "
                + "y2=\"\(fmt(py(t)))\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(fmt(x0 - 4))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\" "
                + "class=\"tick\">\(String(format: "%.2g", t))</text>\n"
        }
        for t in SVGChart.niceTicks(xs.0, xs.1) where t >= xs.0 && t <= xs.1 {
            svg +=
                "<line x1=\"\(fmt(px(t)))\" x2=\"\(fmt(px(t)))\" y1=\"\(fmt(y0 + panelHeight))\" "
                + "y2=\"\(fmt(y0 + panelHeight + 3))\" class=\"axis\"/>"
            if xTickLabels {
                svg +=
                    "<text x=\"\(fmt(px(t)))\" y=\"\(fmt(y0 + panelHeight + 14))\" "
                    + "text-anchor=\"middle\" class=\"tick\">\(SVGChart.label(t))</text>"
            }
        }
        for s in panel.series {
            let values = s.points.map {
                "\(SVGChart.label($0.x, precise: true)):\(SVGChart.label($0.y, precise: true))"
            }.joined(separator: " ")
            let path = s.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }
                .joined(separator: " ")
            svg +=
                "<g class=\"series\" data-name=\"\(escape(s.name))\" data-values=\"\(values)\"><polyline "
                + "points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" "
                + "stroke-width=\"1.4\"\(s.dashed ? " stroke-dasharray=\"4 2\"" : "")/></g>\n"
        }
        return svg + "</g>\n"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}
