import Foundation
import MBRLCore
import MBRLStatistics
import XCTest

/// The bootstrap's own resampling, which the rliable fixture cannot check (it replays NumPy's draws):
/// seeded and reproducible, stratified by task, uniform over runs, and its intervals behave as
/// intervals should.
final class StratifiedBootstrapTests: XCTestCase {
    /// Scores of `runs` runs drawn from N(mean, sd), with the project's generator.
    func normalScores(_ runs: Int, mean: Double = 100, sd: Double = 20, seed: UInt64) -> [Double] {
        var generator = RandomGenerator(seed: seed, stream: 99)
        return (0..<runs).map { _ in mean + sd * generator.normal() }
    }

    func testSameSeedSameIntervalsAnotherSeedOthers() {
        let scores = normalScores(8, seed: 1)
        let a = RunAggregates(runScores: scores, bootstrap: StratifiedBootstrap(replications: 2000))
        let b = RunAggregates(runScores: scores, bootstrap: StratifiedBootstrap(replications: 2000))
        let c = RunAggregates(runScores: scores, bootstrap: StratifiedBootstrap(replications: 2000, seed: 1))
        XCTAssertEqual(a.interquartileMean, b.interquartileMean)
        XCTAssertEqual(a.mean, b.mean)
        XCTAssertNotEqual(a.interquartileMean.interval, c.interquartileMean.interval)
        XCTAssertEqual(
            a.interquartileMean.value, c.interquartileMean.value,
            "the point estimate does not depend on "
                + "the seed")
    }

    /// Every replication resamples runs within each task: a task's resampled scores are its own.
    func testResamplesStayWithinTheirTask() {
        let scores = ScoreMatrix(rows: (0..<6).map { run in [Double(run), 100 + Double(run), 1000 + Double(run)] })
        var seen = Set<Double>()
        _ = StratifiedBootstrap(replications: 300).intervals(scores) { resample in
            for task in 0..<3 {
                for value in resample.column(task) {
                    XCTAssertTrue(scores.column(task).contains(value), "task \(task) got \(value)")
                    seen.insert(value)
                }
            }
            return [0]
        }
        XCTAssertEqual(seen.count, 18, "every run of every task is drawn some time")
    }

    /// The run indices are uniform: over many replications each run is drawn about equally often.
    func testRunsAreDrawnUniformly() {
        let runs = 5, replications = 4000
        var counts = [Int](repeating: 0, count: runs)
        _ = StratifiedBootstrap(replications: replications).intervals(
            ScoreMatrix(runScores: (0..<runs).map(Double.init))
        ) { resample in
            for v in resample.values { counts[Int(v)] += 1 }
            return [0]
        }
        let expected = Double(runs * replications) / Double(runs), sd = (expected * (1 - 1 / Double(runs))).squareRoot()
        for (run, count) in counts.enumerated() {
            XCTAssertLessThan(
                abs(Double(count) - expected), 5 * sd,
                "run \(run) drawn \(count) times, expected "
                    + "about \(expected)")
        }
    }

    /// Each interval covers its point estimate, and it narrows as the number of runs grows (the
    /// standard error of a mean falls as 1/√n: 64 runs against 4 should be about four times narrower).
    func testIntervalsCoverTheEstimateAndShrinkWithMoreRuns() {
        var widths: [Int: Double] = [:]
        for runs in [4, 16, 64] {
            let a = RunAggregates(
                runScores: normalScores(runs, seed: 3), bootstrap: StratifiedBootstrap(replications: 4000))
            for e in [a.interquartileMean, a.median, a.mean] {
                XCTAssertTrue(e.interval.contains(e.value), "\(runs) runs: \(e.value) outside \(e.interval)")
                XCTAssertLessThan(e.interval.lowerBound, e.interval.upperBound)
            }
            widths[runs] = a.mean.interval.upperBound - a.mean.interval.lowerBound
        }
        XCTAssertLessThan(widths[16]!, widths[4]!)
        XCTAssertLessThan(widths[64]!, widths[16]!)
        XCTAssertEqual(widths[4]! / widths[64]!, 4, accuracy: 2.5)
    }

    /// Over many experiments, the mean's 95% interval from 20 runs holds the true mean in most of them
    /// (the percentile bootstrap undercovers a little at small n: between 85% and 99%).
    func testMeanIntervalCoversTheTrueMeanAboutNinetyFivePercentOfTheTime() {
        let experiments = 200
        var covered = 0
        for e in 0..<experiments {
            let scores = normalScores(20, mean: 50, sd: 10, seed: 1000 + UInt64(e))
            let interval = StratifiedBootstrap(replications: 500, seed: UInt64(e)).intervals(
                ScoreMatrix(runScores: scores)
            ) { [Aggregates.mean($0)] }[0]
            if interval.contains(50) { covered += 1 }
        }
        XCTAssertGreaterThan(covered, Int(0.85 * Double(experiments)), "\(covered) of \(experiments)")
        XCTAssertLessThan(covered, Int(0.99 * Double(experiments)), "\(covered) of \(experiments)")
    }

    func testProfileIsADecreasingFractionWithABandAroundIt() {
        let scores = normalScores(10, seed: 5)
        let taus = PerformanceProfile.thresholds(covering: scores, count: 41)
        XCTAssertLessThan(taus[0], scores.min()!)
        XCTAssertEqual(taus.last!, scores.max()!)
        let profile = PerformanceProfile(scores: ScoreMatrix(runScores: scores), thresholds: taus)
        XCTAssertEqual(profile.fractions.first, 1)
        XCTAssertEqual(profile.fractions.last, 0, "no score is above the highest")
        XCTAssertTrue(zip(profile.fractions, profile.fractions.dropFirst()).allSatisfy { $0 >= $1 })
        for (f, band) in zip(profile.fractions, profile.intervals) {
            XCTAssertTrue(band.contains(f))
            XCTAssertTrue(band.lowerBound >= 0 && band.upperBound <= 1)
        }
    }

    func testInterquartileMeanTrimsAQuarterRoundedDown() {
        XCTAssertEqual(Aggregates.interquartileMean(of: [1, 2, 3, 4, 100, -100, 5, 6]), 3.5)  // 8: the middle 4
        XCTAssertEqual(Aggregates.interquartileMean(of: [1, 2, 3, 100, -100, 5, 6]), 3.4)  // 7: cut 1 each end
        XCTAssertEqual(Aggregates.interquartileMean(of: [1, 2, 9]), 4)  // 3: nothing cut
        XCTAssertEqual(Aggregates.interquartileMean(of: [7]), 7)
    }
}
