import Foundation

/// Progress of a long stage on standard error.
///
/// On a terminal, `update` rewrites one status line in place; elsewhere (a log file, Make's output
/// in CI) `update` prints nothing and only `milestone` lines are written, one per line, so logs stay
/// short and readable.
public struct ProgressReporter {
    /// The stage name that prefixes every line.
    public let stage: String
    public let isTerminal: Bool

    public init(stage: String, isTerminal: Bool = isatty(STDERR_FILENO) != 0) {
        self.stage = stage
        self.isTerminal = isTerminal
    }

    /// A transient status (terminal only): replaces the current status line.
    public func update(_ text: String) {
        guard isTerminal else { return }
        StandardError.write("\r\u{1B}[K\(stage): \(text)")
    }

    /// A milestone: always written as its own line (on a terminal it replaces the status line).
    public func milestone(_ text: String) {
        let prefix = isTerminal ? "\r\u{1B}[K" : ""
        StandardError.write("\(prefix)\(stage): \(text)\n")
    }

    /// Progress through a budget of `total` (environment steps) that advances by uneven amounts (an
    /// episode's steps at a time), from `previous` done to `done`: a line kept in logs at the first
    /// advance, whenever a quarter of the budget is crossed, and at the end (`crossesMilestone`); a
    /// status line otherwise (terminal only).
    public func advance(from previous: Int, to done: Int, of total: Int, _ text: String) {
        if Self.crossesMilestone(from: previous, to: done, of: total) {
            milestone(text)
        } else {
            update(text)
        }
    }

    /// Whether advancing from `previous` to `done` of a budget of `total` (> 0) is the first advance
    /// (`previous` 0), reaches the end, or crosses a quarter of the budget.
    public static func crossesMilestone(from previous: Int, to done: Int, of total: Int) -> Bool {
        previous == 0 || done >= total || done * 4 / total > previous * 4 / total
    }

    /// Progress through `total` units of work (episodes, epochs): a status line on every call on a
    /// terminal; elsewhere a line at the first unit, at each quarter, and at the last.
    public func step(_ done: Int, of total: Int, _ text: String) {
        let quarter = max(total / 4, 1)
        if done == 1 || done == total || done % quarter == 0 {
            milestone(text)
        } else {
            update(text)
        }
    }
}
