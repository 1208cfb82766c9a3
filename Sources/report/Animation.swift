import Foundation
import MBRLReporting

/// Animated test episodes: the environment's side view of the recorded motion, frame by frame, with
/// an outline ("ghost") of the model's open-loop prediction drawn over it.
///
/// This file knows shapes (`SidePrimitive`), never an environment: the geometry comes from the
/// environment's `SideView`. Each shape is one SVG element in world coordinates (the panel's group
/// flips y); frame 0 is drawn in its attributes, and its per-frame numbers (`SideShape.parameters`)
/// sit in `data-f` (frames separated by spaces, numbers by commas, 3 decimals; left out for a shape
/// that never moves). A view that follows a body (`sideViewCamera`) has its shapes stored relative
/// to the frame's camera, and a ground line whose distance marks sit in a group with the camera's x
/// per frame (`data-shape="camera"`), so the marks slide by as the body advances. The page's one
/// inline script (`script`) only copies those numbers into the element's attributes for the frame
/// shown, and runs the controls.
enum Animation {
    /// One panel: an episode's frames and the model's, with a short caption (which episode, its
    /// return) and the details (its row in test.h5, its first observation) as the figure's tooltip.
    /// Shapes are relative to the frame's camera (`camera`, the world x the view follows, all 0 for
    /// a fixed view).
    struct Panel {
        var caption: String
        var details: String
        var episode: Int
        var truth: [[SidePrimitive]]
        var ghost: [[SidePrimitive]]
        var camera: [Double]
    }

    /// The panel of a shown episode; nil when the view's shapes do not keep one list shape.
    static func panel(_ view: any SideView, _ e: RunData.ShownEpisode, observationNames: [String]) -> Panel? {
        let zero = [Float](repeating: 0, count: e.actions.first?.count ?? 1)
        let state = { (t: Int) in e.states.flatMap { t < $0.count ? $0[t] : nil } }
        let camera = e.observations.indices.map { t in
            view.sideViewCamera(observation: e.observations[t], state: state(t))
        }
        func relative(_ shapes: [SidePrimitive], _ t: Int) -> [SidePrimitive] {
            camera[t] == 0 ? shapes : shapes.map { SidePrimitive($0.shape.shifted(x: -camera[t]), $0.part) }
        }
        // Frame t shows observation t and the action executed from it (none after the last step); the
        // ghost is drawn with the recorded state of its step (which supplies what the observation leaves out).
        let truth = e.observations.indices.map { t in
            relative(
                view.sideView(
                    observation: e.observations[t], state: state(t), action: t < e.actions.count ? e.actions[t] : zero),
                t)
        }
        let ghost = e.predicted.indices.map { t in
            relative(
                view.sideView(observation: e.predicted[t], state: state(min(t, camera.count - 1)), action: zero).filter
                { $0.part == .body }, min(t, camera.count - 1))
        }
        guard let first = truth.first, truth.allSatisfy({ sameShape($0, first) }),
            let firstGhost = ghost.first, ghost.allSatisfy({ sameShape($0, firstGhost) })
        else { return nil }
        let start = zip(observationNames, e.observations[0]).map { "\($0) \(String(format: "%.2f", $1))" }.joined(
            separator: ", ")
        let caption = "\(e.rank): start \(e.index), return \(String(format: "%.1f", e.episodeReturn))"
        let details = "test start \(e.index) (row \(e.firstRow) of test.h5); first observation: \(start)"
        return Panel(caption: caption, details: details, episode: e.index, truth: truth, ghost: ghost, camera: camera)
    }

    static func sameShape(_ a: [SidePrimitive], _ b: [SidePrimitive]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy {
                $0.part == $1.part && $0.shape.kind == $1.shape.kind
                    && $0.shape.parameters.count == $1.shape.parameters.count
            }
    }

    /// A block of panels in rows sharing one clock and one set of controls: play/pause, a scrubber
    /// over the time steps and the step shown. Plays in real time (`stepSeconds` per step) and loops.
    static func render(rows: [(label: String?, panels: [Panel])], view: any SideView, panelSize: Int) -> String {
        let steps = rows.flatMap(\.panels).map { $0.truth.count - 1 }.max() ?? 0
        var html = "<div class=\"anim\" data-step=\"\(view.sideViewStepSeconds)\">\n"
        html += "<div class=\"controls\"><button type=\"button\">pause</button> "
        html += "<input type=\"range\" min=\"0\" max=\"\(steps)\" value=\"0\" step=\"1\" aria-label=\"time step\"/> "
        html += "<output>step 0 / \(steps)</output></div>\n"
        for row in rows {
            html +=
                "<div class=\"row\">" + (row.label.map { "<div class=\"rowlabel\">\(escape($0))</div>" } ?? "") + "\n"
            for panel in row.panels { html += figure(panel, view: view, size: panelSize) + "\n" }
            html += "</div>\n"
        }
        return html + "</div>\n"
    }

    static func figure(_ panel: Panel, view: any SideView, size: Int) -> String {
        let b = view.sideViewBounds
        let box = [b.minX, -b.maxY, b.maxX - b.minX, b.maxY - b.minY].map { number($0) }.joined(separator: " ")
        var svg =
            "<figure class=\"panel\" data-episode=\"\(panel.episode)\" style=\"width:\(size)px\" "
            + "title=\"\(escape(panel.details))\">"
        svg +=
            "<svg width=\"\(size)\" height=\"\(size)\" viewBox=\"\(box)\" role=\"img\" "
            + "aria-label=\"\(escape(panel.caption))\"><g transform=\"scale(1 -1)\">\n"
        if let ground = view.sideViewGround { svg += groundElements(ground, camera: panel.camera, bounds: b) }
        for (layer, frames) in [("t", panel.truth), ("g", panel.ghost)] {
            for i in frames[0].indices {
                svg += element(frames.map { $0[i] }, layer: layer) + "\n"
            }
        }
        return svg + "</g></svg><figcaption>\(escape(panel.caption))</figcaption></figure>"
    }

    /// The ground line across the view, and its distance marks in world x (every `markSpacing`, a
    /// longer one every 5) over the whole stretch the camera passes, in a group the script moves by
    /// the frame's camera (`data-shape="camera"`, one number per frame), so the marks slide by as the
    /// body moves forward.
    static func groundElements(
        _ ground: (y: Double, markSpacing: Double), camera: [Double],
        bounds b: (minX: Double, minY: Double, maxX: Double, maxY: Double)
    ) -> String {
        let y = ground.y, spacing = max(ground.markSpacing, 1e-3), h = (b.maxY - b.minY) * 0.03
        var html = "<path class=\"ground\" d=\"M\(number(b.minX)) \(number(y))H\(number(b.maxX))\"/>\n"
        let low = ((camera.min() ?? 0) + b.minX) / spacing, high = ((camera.max() ?? 0) + b.maxX) / spacing
        guard low.isFinite, high.isFinite, high - low < 100_000 else { return html }
        var marks = ""
        for k in Int(low.rounded(.down))...Int(high.rounded(.up)) {
            marks += "M\(number(Double(k) * spacing)) \(number(y))v\(number(-(k % 5 == 0 ? 2.5 : 1) * h))"
        }
        let tracks = camera.map { number($0) }
        let moves = tracks.contains { $0 != tracks[0] }
        html +=
            "<g class=\"marks\" data-shape=\"camera\"" + (moves ? " data-f=\"\(tracks.joined(separator: " "))\"" : "")
            + " transform=\"translate(\(number(-(camera.first ?? 0))) 0)\"><path class=\"ground\" "
            + "d=\"\(marks)\"/></g>\n"
        return html
    }

    /// One shape's element: frame 0 in its attributes, every frame's numbers in `data-f`.
    static func element(_ frames: [SidePrimitive], layer: String) -> String {
        let first = frames[0]
        let tracks = frames.map { $0.shape.parameters.map(number).joined(separator: ",") }
        let moves = tracks.contains { $0 != tracks[0] }
        let data =
            "class=\"\(layer) \(first.part.rawValue) \(first.shape.kind)\" "
            + "data-shape=\"\(first.shape.kind)\" data-part=\"\(first.part.rawValue)\""
            + (moves ? " data-f=\"\(tracks.joined(separator: " "))\"" : "")
        let p = first.shape.parameters.map { Double(number($0))! }
        switch first.shape {
        case .circle:
            return "<circle \(data) cx=\"\(number(p[0]))\" cy=\"\(number(p[1]))\" r=\"\(number(p[2]))\"/>"
        case .polygon:
            let points = stride(from: 0, to: p.count - 1, by: 2).map { "\(number(p[$0])),\(number(p[$0 + 1]))" }
            return "<polygon \(data) points=\"\(points.joined(separator: " "))\"/>"
        case .capsule, .arc:
            return "<path \(data) d=\"\(first.shape.kind == "arc" ? arcPath(p) : capsulePath(p))\"/>"
        }
    }

    /// The outline of a capsule `x1 y1 x2 y2 r` (the script's `cap` draws the same).
    static func capsulePath(_ p: [Double]) -> String {
        let (x1, y1, x2, y2, r) = (p[0], p[1], p[2], p[3], p[4])
        let length = hypot(x2 - x1, y2 - y1)
        let (dx, dy) = length > 0 ? ((x2 - x1) / length, (y2 - y1) / length) : (1.0, 0.0)
        let (nx, ny) = (-dy * r, dx * r)
        let f = { (v: Double) in number(v) }
        return "M\(f(x1 + nx)) \(f(y1 + ny))L\(f(x2 + nx)) \(f(y2 + ny))A\(f(r)) \(f(r)) 0 0 "
            + "0 \(f(x2 - nx)) \(f(y2 - ny))"
            + "L\(f(x1 - nx)) \(f(y1 - ny))A\(f(r)) \(f(r)) 0 0 0 \(f(x1 + nx)) \(f(y1 + ny))Z"
    }

    /// An arc `cx cy r start sweep` (the script's `arc` draws the same).
    static func arcPath(_ p: [Double]) -> String {
        let (cx, cy, r, start, sweep) = (p[0], p[1], p[2], p[3], p[4])
        let f = { (v: Double) in number(v) }
        let from = "M\(f(cx + r * cos(start))) \(f(cy + r * sin(start)))"
        if abs(sweep) < 1e-3 { return from }
        let end = start + sweep
        return from + "A\(f(r)) \(f(r)) "
            + "0 \(abs(sweep) > .pi ? 1 : 0) \(sweep > 0 ? 1 : 0) \(f(cx + r * cos(end))) \(f(cy + r * sin(end)))"
    }

    /// 3 decimals, without trailing zeros (`0.5`, `-1.25`, `0`); a non-finite value as 0.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    static let style = """
        .anim { margin-top: 8px; } .anim .controls { display: flex; align-items: center; gap: 10px; font-size: 13px; }
        .anim .controls input { width: 360px; } .anim .controls output { font-variant-numeric: tabular-nums; min-width: 140px; }
        .anim .controls button { width: 64px; } .anim .row { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; margin-top: 8px; }
        .anim .rowlabel { width: 90px; font-size: 13px; font-weight: 600; padding-top: 8px; }
        .anim figure { margin: 0; } .anim figcaption { font-size: 12px; color: #444; }
        .anim svg { background: #fafafa; border: 1px solid #e4e4e4; border-radius: 4px; }
        .anim svg * { vector-effect: non-scaling-stroke; }
        .anim .t.body { fill: #4a79a8; stroke: #24476b; stroke-width: 1px; } .anim .t.fixed { fill: #333; }
        .anim .t.action { fill: none; stroke: #d62728; stroke-width: 3px; } .anim .t.action.polygon { fill: #d62728; stroke-width: 1px; }
        .anim .ground { fill: none; stroke: #777; stroke-width: 1px; }
        .anim .g { fill: none; stroke: #ff7f0e; stroke-width: 2px; stroke-dasharray: 5 3; }
        .legendline { font-size: 13px; color: #444; } .swatch { display: inline-block; width: 22px; height: 10px; vertical-align: middle; margin: 0 4px 0 10px; }
        """

    /// The page's one inline script: for each `.anim` block, copies frame k's numbers into every moving
    /// element and runs play/pause, the scrubber and the step display. It draws nothing of its own.
    /// Opened as `report.html#step=N`, the page starts paused at step N (for a still or a link).
    static let script = """
        <script>//<![CDATA[
        (function () {
          function n(v) { return String(Math.round(v * 1000) / 1000); }
          function cap(p) {
            var l = Math.hypot(p[2] - p[0], p[3] - p[1]), dx = l > 0 ? (p[2] - p[0]) / l : 1, dy = l > 0 ? (p[3] - p[1]) / l : 0;
            var nx = -dy * p[4], ny = dx * p[4], r = n(p[4]);
            return 'M' + n(p[0] + nx) + ' ' + n(p[1] + ny) + 'L' + n(p[2] + nx) + ' ' + n(p[3] + ny) + 'A' + r + ' ' + r + ' 0 0 0 ' +
              n(p[2] - nx) + ' ' + n(p[3] - ny) + 'L' + n(p[0] - nx) + ' ' + n(p[1] - ny) + 'A' + r + ' ' + r + ' 0 0 0 ' + n(p[0] + nx) + ' ' + n(p[1] + ny) + 'Z';
          }
          function arc(p) {
            var m = 'M' + n(p[0] + p[2] * Math.cos(p[3])) + ' ' + n(p[1] + p[2] * Math.sin(p[3]));
            if (Math.abs(p[4]) < 1e-3) return m;
            var e = p[3] + p[4];
            return m + 'A' + n(p[2]) + ' ' + n(p[2]) + ' 0 ' + (Math.abs(p[4]) > Math.PI ? 1 : 0) + ' ' + (p[4] > 0 ? 1 : 0) + ' ' +
              n(p[0] + p[2] * Math.cos(e)) + ' ' + n(p[1] + p[2] * Math.sin(e));
          }
          function draw(el, kind, p) {
            if (kind === 'circle') { el.setAttribute('cx', p[0]); el.setAttribute('cy', p[1]); el.setAttribute('r', p[2]); }
            else if (kind === 'capsule') el.setAttribute('d', cap(p));
            else if (kind === 'arc') el.setAttribute('d', arc(p));
            else if (kind === 'camera') el.setAttribute('transform', 'translate(' + n(-p[0]) + ' 0)');
            else if (kind === 'polygon') {
              var s = [];
              for (var i = 0; i + 1 < p.length; i += 2) s.push(p[i] + ',' + p[i + 1]);
              el.setAttribute('points', s.join(' '));
            }
          }
          document.querySelectorAll('.anim').forEach(function (block) {
            var shapes = Array.prototype.map.call(block.querySelectorAll('[data-f]'), function (el) {
              return { el: el, kind: el.getAttribute('data-shape'),
                       frames: el.getAttribute('data-f').split(' ').map(function (f) { return f.split(',').map(Number); }) };
            });
            var range = block.querySelector('input'), button = block.querySelector('button'), out = block.querySelector('output');
            var last = Number(range.max), step = Number(block.getAttribute('data-step')) * 1000;
            var k = 0, playing = false, running = false, clock = null, carried = 0;
            function show(i) {
              k = i; range.value = i; out.textContent = 'step ' + i + ' / ' + last;
              shapes.forEach(function (s) { draw(s.el, s.kind, s.frames[Math.min(i, s.frames.length - 1)]); });
            }
            function tick(now) {
              if (!playing) { running = false; return; }
              if (clock !== null) {
                carried += now - clock;
                var advance = Math.floor(carried / step);
                if (advance > 0) { carried -= advance * step; show((k + advance) % (last + 1)); }
              }
              clock = now;
              requestAnimationFrame(tick);
            }
            function play(on) {
              playing = on; button.textContent = on ? 'pause' : 'play';
              // One frame loop at a time: a quick pause and play does not start a second one.
              if (on && !running) { running = true; clock = null; carried = 0; requestAnimationFrame(tick); }
            }
            button.addEventListener('click', function () { play(!playing); });
            range.addEventListener('input', function () { play(false); show(Number(range.value)); });
            // A page address ending in #step=N opens paused at step N.
            var asked = /step=([0-9]+)/.exec(window.location.hash);
            if (asked) { play(false); show(Math.min(Number(asked[1]), last)); }
            else { show(0); play(true); }
          });
        })();
        //]]></script>
        """
}
