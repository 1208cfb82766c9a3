import Foundation
import MBRLData
import MBRLStatistics

// MARK: Learning curves and aggregates across runs

extension ReportPage {
    /// One point of a learning curve: the environment steps collected up to and including a batch of
    /// episodes (the random data, then each iteration's MPC rollouts), and the batch's return.
    struct CurvePoint {
        var steps: Double
        var returns: ReturnStatistics
    }

    /// A run's learning curve (`LearningCurve`): each batch at the steps collected up to and including it.
    static func learningCurve(_ run: RunData) -> [CurvePoint] {
        run.curve.points.map { CurvePoint(steps: Double($0.steps), returns: ReturnStatistics($0.returns)) }
    }

    static let learningCurveTitle = "Learning curve: return against environment steps"
    static let learningCurveXLabel = "environment steps collected (random data, then each iteration's rollouts)"

    /// One run's learning curve: each batch's mean return ± std over its episodes, the test return of
    /// the final model at the end, the random policy's mean as a reference line.
    static func learningCurveChart(_ run: RunData) -> String {
        let curve = learningCurve(run), results = run.results
        var series = [
            SVGChart.Series(
                name: "collected episodes (mean ± std)", points: curve.map { ($0.steps, $0.returns.mean) },
                color: SVGChart.palette[0], markers: true, errors: curve.map(\.returns.std))
        ]
        let test = results.testStatistics
        if test.episodes > 0 {
            series.append(
                .init(
                    name: "final model, \(test.episodes) test starts", points: [(curve.last?.steps ?? 0, test.mean)],
                    color: SVGChart.palette[2], markers: true, errors: [test.std]))
        }
        let random = ReturnStatistics(results.randomReturns)
        return SVGChart(
            title: learningCurveTitle, xLabel: learningCurveXLabel, yLabel: "episode return", series: series,
            width: 700,
            references: random.episodes > 0
                ? [(random.mean, String(format: "random policy %.0f", random.mean), "#888")] : []
        ).render()
    }

    /// The runs' learning curves together, batch by batch (as far as the shortest goes): the mean
    /// across runs of each batch's mean return, with a band of ± the (population) std across runs,
    /// at the runs' mean step count; and each run's own curve, thin and grey, under it.
    static func learningCurvesChart(_ runs: [RunData]) -> String {
        let curves = runs.map(learningCurve)
        let length = curves.map(\.count).min() ?? 0
        let perBatch = (0..<length).map { k in
            (
                steps: ReturnStatistics(curves.map { $0[k].steps }).mean,
                returns: ReturnStatistics(curves.map { $0[k].returns.mean })
            )
        }
        var series = curves.enumerated().map { i, curve in
            SVGChart.Series(
                name: "seed \(runs[i].results.seed)", points: curve.map { ($0.steps, $0.returns.mean) },
                color: "#b8c2cc",
                legendName: "each seed", inLegend: i == 0)
        }
        series.append(
            .init(
                name: "mean across seeds", points: perBatch.map { ($0.steps, $0.returns.mean) },
                color: SVGChart.palette[0],
                markers: true,
                band: perBatch.map { ($0.returns.mean - $0.returns.std)...($0.returns.mean + $0.returns.std) },
                legendName: "mean ± std across seeds"))
        return SVGChart(
            title: learningCurveTitle + ", across seeds", xLabel: learningCurveXLabel,
            yLabel: "episode return (mean over a batch)",
            series: series, width: 700
        ).render()
    }

    /// Each grid point's mean learning curve across its seeds (see `learningCurvesChart`), one line per point.
    static func learningCurvesChart(points: [(name: String, runs: [RunData])]) -> String {
        let series = points.enumerated().map { i, p -> SVGChart.Series in
            let curves = p.runs.map(learningCurve), length = curves.map(\.count).min() ?? 0
            let mean = (0..<length).map { k in
                (
                    ReturnStatistics(curves.map { $0[k].steps }).mean,
                    ReturnStatistics(curves.map { $0[k].returns.mean }).mean
                )
            }
            return SVGChart.Series(
                name: p.name, points: mean, color: SVGChart.palette[i % SVGChart.palette.count],
                dashed: i >= SVGChart.palette.count,
                markers: true)
        }
        return SVGChart(
            title: learningCurveTitle + " (mean across seeds)", xLabel: learningCurveXLabel,
            yLabel: "episode return (mean over a batch)",
            series: series, width: 700
        ).render()
    }

    /// `123.4 [100.2, 140.9]`: an estimate and its interval.
    static func estimate(_ e: RunAggregates.Estimate) -> String {
        String(format: "%.1f [%.1f, %.1f]", e.value, e.interval.lowerBound, e.interval.upperBound)
    }

    /// The IQM, median and mean of the runs' test returns with their 95% intervals, as key figures.
    static func aggregateFigures(_ a: RunAggregates) -> String {
        "<div>" + kpi("IQM of test return [95% CI]", estimate(a.interquartileMean))
            + kpi("median [95% CI]", estimate(a.median))
            + kpi("mean [95% CI]", estimate(a.mean)) + "</div>\n"
    }

    /// What the aggregates are, in one line under them; `across` says over which runs, e.g. `Across 5 runs`.
    static func aggregatesNote(_ across: String) -> String {
        "<p class=\"sub\">\(escape(across)), each run scored by its mean test return. IQM: the mean of the middle "
            + "50% of the runs' scores; "
            + "intervals: 95% percentile intervals of a stratified bootstrap over runs "
            + "(\(StratifiedBootstrap.aggregateReplications) replications, "
            + "seed \(StratifiedBootstrap.defaultSeed)), as rliable computes them (docs/STATISTICS.md).</p>\n"
    }

    /// The performance profile of each set of runs on one threshold axis: the fraction of its runs
    /// whose score (mean test return) is above τ, with its 95% band when `bands`.
    static func profileChart(_ sets: [(name: String, scores: [Double])], bands: Bool) -> String {
        let taus = PerformanceProfile.thresholds(covering: sets.flatMap(\.scores))
        let series = sets.enumerated().map { i, set -> SVGChart.Series in
            let profile = PerformanceProfile(scores: ScoreMatrix(runScores: set.scores), thresholds: taus)
            return SVGChart.Series(
                name: set.name, points: Array(zip(taus, profile.fractions)).map { ($0, $1) },
                color: SVGChart.palette[i % SVGChart.palette.count], dashed: i >= SVGChart.palette.count,
                band: bands ? profile.intervals : nil, legendName: bands ? set.name + " (95% band)" : nil)
        }
        return SVGChart(
            title: "Performance profile: fraction of runs with test return above τ",
            xLabel: "τ (a run's mean test return)",
            yLabel: "fraction of runs above τ", series: series, width: 620
        ).render()
    }
}
