@testable import MBRLCore
import XCTest

/// Which progress lines a log keeps for a budget of environment steps that episodes use up unevenly.
final class ProgressReporterTests: XCTestCase {
    /// The first episode, every episode that crosses a quarter of the budget, and the last are kept.
    func testAStepBudgetKeepsTheFirstTheQuartersCrossedAndTheEnd() {
        func kept(_ lengths: [Int], of total: Int) -> [Int] {
            var done = 0, lines: [Int] = []
            for (i, length) in lengths.enumerated() {
                let next = min(done + length, total)
                if ProgressReporter.crossesMilestone(from: done, to: next, of: total) { lines.append(i) }
                done = next
            }
            return lines
        }
        // 100-step episodes of 1,000: the first, then 300 (crossing 250), 500, 800 (750) and 1,000.
        XCTAssertEqual(kept(Array(repeating: 100, count: 10), of: 1000), [0, 2, 4, 7, 9])
        // Episodes longer than a quarter each cross one.
        XCTAssertEqual(kept([300, 300, 300, 100], of: 1000), [0, 1, 2, 3])
        // A falling hopper's short episodes: many between two quarters, one line per quarter.
        XCTAssertEqual(kept(Array(repeating: 40, count: 25), of: 1000), [0, 6, 12, 18, 24])
        // The end is kept even where it crosses no new quarter after the last line.
        XCTAssertTrue(ProgressReporter.crossesMilestone(from: 990, to: 1000, of: 1000))
        XCTAssertFalse(ProgressReporter.crossesMilestone(from: 760, to: 990, of: 1000))
    }
}
