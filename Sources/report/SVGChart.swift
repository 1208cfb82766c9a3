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
        /// Vertical error bars from low to high, one per point (e.g. a confidence interval).
        var intervals: [ClosedRange<Double>]? = nil
        /// A shaded band from low to high, one per point, drawn under the line (e.g. a confidence band).
        var band: [ClosedRange<Double>]? = nil
        /// The series' text in the legend (nil: its name), and whether it has an entry there.
        var legendName: String? = nil
        var inLegend = true

        /// The vertical extent drawn at point `i`: its value, error bar, interval and band.
        func extent(_ i: Int) -> (low: Double, high: Double) {
            let y = points[i].y, e = errors?[i] ?? 0
            var low = y - e, high = y + e
            for range in [intervals?[i], band?[i]].compactMap({ $0 }) {
                low = Swift.min(low, range.lowerBound); high = Swift.max(high, range.upperBound)
            }
            return (low, high)
        }
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
    /// Legend entries that stand for no series, e.g. what a dashed line means; drawn after the series'.
    var legendKey: [Series] = []

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Colour `i` of `count` for series that follow an order (e.g. the models of successive
    /// iterations): evenly spaced along a viridis-like ramp from dark violet to yellow-green, so every
    /// series has its own colour however many there are, and neighbours in the order look alike.
    static func sequential(_ i: Int, of count: Int) -> String {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (65, 68, 135), (42, 120, 142), (34, 168, 132), (122, 209, 81), (189, 223, 38)
        ]
        let t = count > 1 ? Double(i) / Double(count - 1) * Double(stops.count - 1) : 0
        let k = Swift.min(Int(t), stops.count - 2), f = t - Double(k)
        let (a, b) = (stops[k], stops[k + 1])
        let channel = { (x: Double, y: Double) in Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// The legend's entries: the series that have one, then the key.
    private var legendEntries: [Series] { series.filter(\.inLegend) + legendKey }
    /// The legend sits right of the plot, in a column as wide as the longest name needs.
    private var legendWidth: Double {
        legendEntries.isEmpty ? 0 : 40 + 6.2 * Double(legendEntries.map { ($0.legendName ?? $0.name).count }.max()!)
    }
    private var margin: (left: Double, right: Double, top: Double, bottom: Double) { (70, 16 + legendWidth, 30, 46) }
    /// The chart's height: as given, or taller when the legend needs more room, so every entry shows.
    private var fullHeight: Double {
        Swift.max(height, margin.top + 10 + 16 * Double(legendEntries.count) + margin.bottom)
    }

    func render() -> String {
        let height = fullHeight
        let finite = series.flatMap { s in
            s.points.enumerated().flatMap { i, p -> [(Double, Double)] in
                let (low, high) = s.extent(i)
                return [(p.x, low), (p.x, high)]
            }
        }.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) }
        var svg =
            "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 "
            + "0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        svg += "<text x=\"\(fmt(width / 2))\" y=\"18\" text-anchor=\"middle\" class=\"title\">\(escape(title))</text>\n"
        guard !finite.isEmpty else {
            return svg + "<text x=\"\(fmt(width / 2))\" y=\"\(fmt(height / 2))\" text-anchor=\"middle\">no "
                + "data</text>\n</svg>"
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
            svg +=
                "<line x1=\"\(fmt(plot.x0))\" x2=\"\(fmt(plot.x1))\" y1=\"\(fmt(py(t)))\" y2=\"\(fmt(py(t)))\" "
                + "class=\"grid\"/>"
            svg +=
                "<text x=\"\(fmt(plot.x0 - 6))\" y=\"\(fmt(py(t) + 4))\" text-anchor=\"end\" "
                + "class=\"tick\">\(Self.label(t))</text>\n"
        }
        for t in xTicks {
            svg +=
                "<line x1=\"\(fmt(px(t)))\" x2=\"\(fmt(px(t)))\" y1=\"\(fmt(plot.y0))\" "
                + "y2=\"\(fmt(plot.y0 + 4))\" class=\"axis\"/>"
            svg +=
                "<text x=\"\(fmt(px(t)))\" y=\"\(fmt(plot.y0 + 17))\" text-anchor=\"middle\" "
                + "class=\"tick\">\(Self.label(t))</text>\n"
        }
        svg +=
            "<rect x=\"\(fmt(plot.x0))\" y=\"\(fmt(plot.y1))\" width=\"\(fmt(plot.x1 - plot.x0))\" "
            + "height=\"\(fmt(plot.y0 - plot.y1))\" class=\"frame\"/>\n"
        svg +=
            "<text x=\"\(fmt((plot.x0 + plot.x1) / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\" "
            + "class=\"label\">\(escape(xLabel))</text>\n"
        svg +=
            "<text transform=\"translate(16 \(fmt((plot.y0 + plot.y1) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\" class=\"label\">\(escape(yLabel))</text>\n"
        for r in references where r.y.isFinite {
            svg +=
                "<line x1=\"\(fmt(plot.x0))\" x2=\"\(fmt(plot.x1))\" y1=\"\(fmt(py(r.y)))\" "
                + "y2=\"\(fmt(py(r.y)))\" stroke=\"\(r.color)\" stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>"
            svg +=
                "<text x=\"\(fmt(plot.x1 - 4))\" y=\"\(fmt(py(r.y) - 5))\" text-anchor=\"end\" class=\"tick\" "
                + "fill=\"\(r.color)\">\(escape(r.label))</text>\n"
        }
        // Series.
        for s in series {
            let visible = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logY || $0.y > 0) }
            let values = s.points.map { "\(Self.label($0.x, precise: true)):\(Self.label($0.y, precise: true))" }
                .joined(separator: " ")
            svg += "<g class=\"series\" data-name=\"\(escape(s.name))\" data-values=\"\(values)\">"
            if let band = s.band {
                let shown = s.points.indices.filter {
                    s.points[$0].x.isFinite && band[$0].lowerBound.isFinite && band[$0].upperBound.isFinite
                }
                let upper = shown.map { "\(fmt(px(s.points[$0].x))),\(fmt(py(band[$0].upperBound)))" }
                let lower = shown.reversed().map { "\(fmt(px(s.points[$0].x))),\(fmt(py(band[$0].lowerBound)))" }
                if shown.count > 1 {
                    svg +=
                        "<polygon class=\"band\" "
                        + "points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(s.color)\" fill-opacity=\"0.18\" "
                        + "stroke=\"none\"/>"
                }
            }
            if s.line && (visible.count > 1 || !s.markers) {
                let path = visible.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
                svg +=
                    "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" "
                    + "stroke-width=\"1.8\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            }
            for (i, p) in s.points.enumerated() where p.x.isFinite && p.y.isFinite && (!logY || p.y > 0) {
                if let e = s.errors?[i], e > 0 {
                    let lo = logY ? max(p.y - e, p.y / 100) : p.y - e
                    svg +=
                        "<line x1=\"\(fmt(px(p.x)))\" x2=\"\(fmt(px(p.x)))\" y1=\"\(fmt(py(lo)))\" "
                        + "y2=\"\(fmt(py(p.y + e)))\" stroke=\"\(s.color)\" stroke-width=\"1.5\"/>"
                }
                if let r = s.intervals?[i], r.lowerBound.isFinite, r.upperBound.isFinite, !logY || r.lowerBound > 0 {
                    svg +=
                        "<line class=\"interval\" x1=\"\(fmt(px(p.x)))\" x2=\"\(fmt(px(p.x)))\" "
                        + "y1=\"\(fmt(py(r.lowerBound)))\" y2=\"\(fmt(py(r.upperBound)))\" stroke=\"\(s.color)\" "
                        + "stroke-width=\"1.5\"/>"
                }
                if s.markers {
                    svg +=
                        "<circle cx=\"\(fmt(px(p.x)))\" cy=\"\(fmt(py(p.y)))\" r=\"3.5\" "
                        + "fill=\"\(s.color)\"/>"
                }
            }
            svg += "</g>\n"
        }
        // Legend, right of the plot.
        for (i, s) in legendEntries.enumerated() {
            let y = plot.y1 + 10 + Double(i) * 16, x = plot.x1 + 12
            if s.line {
                svg +=
                    "<line x1=\"\(fmt(x))\" x2=\"\(fmt(x + 22))\" y1=\"\(fmt(y - 4))\" y2=\"\(fmt(y - 4))\" "
                    + "stroke=\"\(s.color)\" stroke-width=\"2\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            } else {
                svg += "<circle cx=\"\(fmt(x + 11))\" cy=\"\(fmt(y - 4))\" r=\"3.5\" fill=\"\(s.color)\"/>"
            }
            svg +=
                "<text x=\"\(fmt(x + 28))\" y=\"\(fmt(y))\" "
                + "class=\"legend\">\(escape(s.legendName ?? s.name))</text>\n"
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
        if a >= 1e4 || a < 1e-2 {
            return String(format: "%.0e", v).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(
                of: "e+0", with: "e")
        }
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
