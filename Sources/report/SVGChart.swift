import Foundation

/// A line chart drawn as inline SVG: axes with "nice" ticks (linear or logarithmic y), labelled axes,
/// a legend, and series as polylines, optionally with markers and vertical error bars.
///
/// Every series carries its values in a `data-values` attribute too, so tests (and curious readers)
/// can check that a plot shows the run's numbers.
struct SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: String
        var dashed = false
        var markers = false
        /// Whether the points are joined by a line (false: markers only, e.g. one point per episode).
        var line = true
        /// Half-widths of vertical error bars, one per point.
        var errors: [Double]? = nil
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var logY = false
    var width = 620.0
    var height = 300.0
    /// Horizontal reference lines (value, label, color).
    var references: [(y: Double, label: String, color: String)] = []

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The legend sits right of the plot, in a column as wide as the longest name needs.
    private var legendWidth: Double { series.isEmpty ? 0 : 40 + 6.2 * Double(series.map(\.name.count).max()!) }
    private var margin: (left: Double, right: Double, top: Double, bottom: Double) { (70, 16 + legendWidth, 30, 46) }

    func render() -> String {
        let finite = series.flatMap { s in s.points.enumerated().flatMap { i, p -> [(Double, Double)] in
            let e = s.errors?[i] ?? 0
            return [(p.x, p.y - e), (p.x, p.y + e)]
        } }.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        svg += "<text x=\"\(fmt(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"title\">\(escape(title))</text>\n"
        guard !finite.isEmpty else {
            return svg + "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\">no data</text>\n</svg>"
        }
        var xs = (finite.map(\.0).min()!, finite.map(\.0).max()!)
        var ys = (finite.map(\.1).min()!, finite.map(\.1).max()!)
        for r in references where r.y.isFinite { ys = (min(ys.0, r.y), max(ys.1, r.y)) }
        if xs.0 == xs.1 { xs = (xs.0 - 1, xs.1 + 1) }
        // Markers at the ends of the x range would sit on the frame: leave half a unit of room.
        if series.contains(where: \.markers) && xs.1 - xs.0 <= 20 { xs = (xs.0 - 0.5, xs.1 + 0.5) }
        if ys.0 == ys.1 { ys = (ys.0 - 1, ys.1 + 1) }
        let xTicks = Self.niceTicks(xs.0, xs.1)
        let yTicks = logY ? Self.logTicks(ys.0, ys.1) : Self.niceTicks(ys.0, ys.1)
        let xRange = (xTicks.first!, xTicks.last!)
        let yRange = logY ? (log10(yTicks.first!), log10(yTicks.last!)) : (yTicks.first!, yTicks.last!)
        let plot = (x0: margin.left, x1: width - margin.right, y0: height - margin.bottom, y1: margin.top)
        func px(_ x: Double) -> Double { plot.x0 + (x - xRange.0) / (xRange.1 - xRange.0) * (plot.x1 - plot.x0) }
        func py(_ y: Double) -> Double {
            let v = logY ? log10(y) : y
            return plot.y0 - (v - yRange.0) / (yRange.1 - yRange.0) * (plot.y0 - plot.y1)
        }
        // Grid, ticks and axis labels.
        for t in yTicks {
            svg += "<line x1=\"\(fmt(plot.x0))\" x2=\"\(fmt(plot.x1))\" y1=\"\(fmt(py(t)))\" y2=\"\(fmt(py(t)))\" class=\"grid\"/>"
            svg += "<text x=\"\(fmt(plot.x0 - 6))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\" class=\"tick\">\(Self.label(t))</text>\n"
        }
        for t in xTicks {
            svg += "<line x1=\"\(fmt(px(t)))\" x2=\"\(fmt(px(t)))\" y1=\"\(fmt(plot.y0))\" y2=\"\(fmt(plot.y0 + 4))\" class=\"axis\"/>"
            svg += "<text x=\"\(fmt(px(t)))\" y=\"\(fmt(plot.y0 + 17))\" text-anchor=\"middle\" class=\"tick\">\(Self.label(t))</text>\n"
        }
        svg += "<rect x=\"\(fmt(plot.x0))\" y=\"\(fmt(plot.y1))\" width=\"\(fmt(plot.x1 - plot.x0))\" height=\"\(fmt(plot.y0 - plot.y1))\" class=\"frame\"/>\n"
        svg += "<text x=\"\(fmt((plot.x0 + plot.x1) / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\" class=\"label\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(fmt((plot.y0 + plot.y1) / 2))) rotate(-90)\" text-anchor=\"middle\" class=\"label\">\(escape(yLabel))</text>\n"
        for r in references where r.y.isFinite {
            svg += "<line x1=\"\(fmt(plot.x0))\" x2=\"\(fmt(plot.x1))\" y1=\"\(fmt(py(r.y)))\" y2=\"\(fmt(py(r.y)))\" stroke=\"\(r.color)\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>"
            svg += "<text x=\"\(fmt(plot.x1 - 4))\" y=\"\(fmt(py(r.y) - 5))\" text-anchor=\"end\" class=\"tick\" fill=\"\(r.color)\">\(escape(r.label))</text>\n"
        }
        // Series.
        for s in series {
            let visible = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
            let values = s.points.map { "\(Self.label($0.x, precise: true)):\(Self.label($0.y, precise: true))" }.joined(separator: " ")
            svg += "<g class=\"series\" data-name=\"\(escape(s.name))\" data-values=\"\(values)\">"
            if s.line && (visible.count > 1 || !s.markers) {
                let path = visible.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
                svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            }
            for (i, p) in s.points.enumerated() where p.x.isFinite && p.y.isFinite && (!logY || p.y > 0) {
                if let e = s.errors?[i], e > 0 {
                    let lo = logY ? max(p.y - e, p.y / 100) : p.y - e
                    svg += "<line x1=\"\(fmt(px(p.x)))\" x2=\"\(fmt(px(p.x)))\" y1=\"\(fmt(py(lo)))\" y2=\"\(fmt(py(p.y + e)))\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>"
                }
                if s.markers { svg += "<circle cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"3.5\" fill=\"\(s.color)\"/>" }
            }
            svg += "</g>\n"
        }
        // Legend, right of the plot.
        for (i, s) in series.enumerated() {
            let y = plot.y1 + 10 + Double(i) * 16, x = plot.x1 + 12
            if s.line {
                svg += "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x + 22))\" y1=\"\(fmt(y - 4))\" y2=\"\(fmt(y - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            } else {
                svg += "<circle cx=\"\(fmt(x + 11))\" cy=\"\(fmt(y - 4))\" r=\"3.5\" fill=\"\(s.color)\"/>"
            }
            svg += "<text x=\"\(fmt(x + 28))\" y=\"\(fmt(y))\" class=\"legend\">\(escape(s.name))</text>\n"
        }
        return svg + "</svg>"
    }

    /// About five round tick values covering [low, high].
    static func niceTicks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    /// Powers of ten covering [low, high] (low > 0).
    static func logTicks(_ low: Double, _ high: Double) -> [Double] {
        let a = floor(log10(max(low, 1e-300))), b = max(ceil(log10(high)), a + 1)
        return stride(from: a, through: b, by: 1).map { pow(10, $0) }
    }

    static func label(_ v: Double, precise: Bool = false) -> String {
        if precise { return v.isFinite ? "\(Float(v))" : "nan" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e4 || a < 1e-2 { return String(format: "%.0e", v).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e") }
        if a == a.rounded() { return String(format: "%.0f", v) }
        return String(format: "%g", v)
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// Text made safe for XML content and attributes.
func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
