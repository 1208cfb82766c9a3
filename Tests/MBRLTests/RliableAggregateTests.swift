import Foundation
import MBRLCore
import MBRLStatistics
import MBRLTestSupport
import XCTest

/// The aggregates and their intervals against rliable's on the same scores (Fixtures/
/// rliable_aggregates.h5, written by scripts/make_rliable_fixture.py): the point estimates exactly
/// (to 1e-6), and the percentile intervals computed from the very resamples rliable's
/// StratifiedBootstrap drew, whose indices the fixture records.
final class RliableAggregateTests: XCTestCase {
    static let cases = ["runs10", "runs7_ties", "runs6", "runs3", "runs5_tasks3", "runs4_tasks2_ties"]

    func scores(_ g: HDF5Group) throws -> ScoreMatrix {
        let s = try g.read("scores", as: Double.self)
        return ScoreMatrix(runs: s.shape[0], tasks: s.shape[1], values: s.values)
    }

    /// A `draw` that replays the recorded indices, replication after replication.
    func replay(_ recorded: ShapedArray<UInt8>) -> (inout [Int]) -> Void {
        var replication = 0
        let size = recorded.shape[1] * recorded.shape[2]
        return { indices in
            for i in 0..<size { indices[i] = Int(recorded.values[replication * size + i]) }
            replication += 1
        }
    }

    func assertClose(_ a: Double, _ b: Double, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a, b, accuracy: 1e-6 * max(1, abs(b)), message, file: file, line: line)
    }

    func testPointEstimatesAreRliables() throws {
        let root = try HDF5File.open(at: Repository.fixture("rliable_aggregates.h5")).root
        for name in Self.cases {
            let g = try root.openGroup(name)
            let s = try scores(g), gamma = try g.readScalar("gamma", as: Double.self)
            assertClose(Aggregates.interquartileMean(s), try g.readScalar("iqm", as: Double.self), "\(name) IQM")
            assertClose(Aggregates.mean(s), try g.readScalar("mean", as: Double.self), "\(name) mean")
            assertClose(
                Aggregates.medianOfTaskMeans(s), try g.readScalar("median", as: Double.self),
                "\(name) median of task means")
            assertClose(
                Aggregates.medianOfAll(s), try g.readScalar("median_of_all", as: Double.self), "\(name) median of all")
            assertClose(
                Aggregates.optimalityGap(s, gamma: gamma), try g.readScalar("optimality_gap", as: Double.self),
                "\(name) optimality gap")
            let taus = try g.read("profile/taus", as: Double.self).values
            let profile = try g.read("profile/values", as: Double.self).values
            for (i, (swift, python)) in zip(Aggregates.fractionsAbove(taus, s), profile).enumerated() {
                XCTAssertEqual(swift, python, accuracy: 1e-12, "\(name) profile at τ = \(taus[i])")
                XCTAssertEqual(Aggregates.fractionAbove(taus[i], s), python, accuracy: 1e-12)
            }
        }
    }

    func testIntervalsOnRliablesResamplesAreRliables() throws {
        let file = try HDF5File.open(at: Repository.fixture("rliable_aggregates.h5"))
        let root = try file.root
        let confidence = try root.doubleAttribute("confidence")
        for name in Self.cases {
            let g = try root.openGroup(name)
            let s = try scores(g), gamma = try g.readScalar("gamma", as: Double.self)
            let indices = try g.read("aggregates/indices", as: UInt8.self)
            XCTAssertEqual(Array(indices.shape.dropFirst()), [s.runs, s.tasks])
            let statistic = { (m: ScoreMatrix) in
                [
                    Aggregates.interquartileMean(m), Aggregates.mean(m), Aggregates.medianOfTaskMeans(m),
                    Aggregates.medianOfAll(m),
                    Aggregates.optimalityGap(m, gamma: gamma)
                ]
            }
            let intervals = StratifiedBootstrap.intervals(
                s, replications: indices.shape[0], confidence: confidence,
                statistic: statistic, draw: replay(indices))
            let expected = try g.read("aggregates/interval", as: Double.self)
            XCTAssertEqual(expected.shape, [2, 5])
            for (k, metric) in ["IQM", "mean", "median of task means", "median of all", "optimality gap"].enumerated() {
                assertClose(intervals[k].lowerBound, expected.values[k], "\(name) \(metric) lower")
                assertClose(intervals[k].upperBound, expected.values[5 + k], "\(name) \(metric) upper")
            }
            let point = try g.read("aggregates/point", as: Double.self).values
            for (k, value) in statistic(s).enumerated() { assertClose(value, point[k], "\(name) point \(k)") }

            let taus = try g.read("profile/taus", as: Double.self).values
            let profileIndices = try g.read("profile/indices", as: UInt8.self)
            let band = StratifiedBootstrap.intervals(
                s, replications: profileIndices.shape[0], confidence: confidence,
                statistic: { Aggregates.fractionsAbove(taus, $0) }, draw: replay(profileIndices))
            let expectedBand = try g.read("profile/interval", as: Double.self).values
            for i in taus.indices {
                assertClose(band[i].lowerBound, expectedBand[i], "\(name) profile lower at τ = \(taus[i])")
                assertClose(band[i].upperBound, expectedBand[taus.count + i], "\(name) profile upper at τ = \(taus[i])")
            }
        }
        try file.close()
    }

    /// NumPy's linear percentile on a few hand-checked cases (positions between and on order statistics).
    func testPercentileInterpolatesLikeNumPy() {
        let v = [1.0, 2, 4, 8, 16]
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: v, 0), 1)
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: v, 100), 16)
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: v, 50), 4)
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: v, 2.5), 1.1)  // position 0.1
        // position 3.9: 8 + 0.9 · 8
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: v, 97.5), 15.2, accuracy: 1e-12)
        XCTAssertEqual(StratifiedBootstrap.percentile(sorted: [3], 2.5), 3)
    }
}
