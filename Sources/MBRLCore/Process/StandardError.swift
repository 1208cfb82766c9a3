import Foundation

/// Lines for standard error (progress and error messages) that can never stop a stage.
///
/// Standard error may be a full disk (`2>/dev/full`), a closed descriptor (`2>&-`) or a pipe whose
/// reader is gone. Foundation's `FileHandle.write` traps on such a failure; this writes with
/// `write(2)` and drops what cannot be written, so a stage whose output is complete never fails for
/// its log. (Stages ignore SIGPIPE, so a closed pipe is an `EPIPE` error here, not a signal.)
public enum StandardError {
    /// What puts the next text at the start of an empty line: on a terminal, where `ProgressReporter`
    /// may have left a status line without a newline, a carriage return and an erase; elsewhere
    /// nothing. An error line starts with it, so it is always a line of its own, and the last one.
    public static var lineStart: String { isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" : "" }

    /// Writes `text` to file descriptor 2, retrying after interruptions and partial writes, and
    /// giving up silently on any other failure.
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
