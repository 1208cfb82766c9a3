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
