import Foundation
import MBRLTestSupport
import XCTest

/// Asserts that `result` is a stage's refusal: it exited (not by a signal) with status 1 and one error
/// line on standard error starting with `prefix`, and left no file at `output`.
func assertRefusal(
    _ result: ProcessResult, startsWith prefix: String, noOutputAt output: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertFalse(result.signaled, result.stderr, file: file, line: line)
    XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
    XCTAssertTrue(result.stderr.hasPrefix(prefix), result.stderr, file: file, line: line)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
    XCTAssertFalse(FileManager.default.fileExists(atPath: output), output, file: file, line: line)
}
