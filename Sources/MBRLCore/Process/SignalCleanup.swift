import Foundation

/// Removes registered temporary files when the process receives SIGINT, SIGTERM or SIGHUP, then exits
/// with status 128 + signal number; and, through `InputGuard`, ends a stage whose input HDF5 file
/// makes the library fault or never finish with one error line and status 1.
///
/// The handlers may only call async-signal-safe functions, so the paths are kept as C strings in a
/// fixed table allocated once, and the handlers do nothing but `write`, `unlink` and `_exit`.
public enum SignalCleanup {
    private static let capacity = 16
    private static let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, signalCleanupHandler)
        }
        return table
    }()
    private static let lock = NSLock()

    /// Installs the handlers now, so that a signal at any point of a stage ends it with status
    /// 128 + signal (removing whatever temporary file is registered then), makes a write beyond
    /// the file-size limit fail with an error instead of killing the process (SIGXFSZ ignored), and
    /// guards the reading of input HDF5 files against faults and hangs (`InputGuard`).
    public static func install() {
        lock.lock()
        tableForHandler = table
        signal(SIGXFSZ, SIG_IGN)
        lock.unlock()
        InputGuard.install()
    }

    /// Removes every registered temporary file; async-signal-safe (only `unlink`).
    static func removeTemporaries() {
        if let table = tableForHandler {
            for i in 0..<tableCapacity {
                if let path = table[i] { unlink(path) }
            }
        }
    }

    /// The table, for the handler: a plain pointer read, valid once any path has been registered.
    nonisolated(unsafe) static var tableForHandler: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    static var tableCapacity: Int { capacity }

    static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        let table = self.table
        tableForHandler = table
        for i in 0..<capacity where table[i] == nil {
            table[i] = strdup(path)
            return
        }
    }

    static func unregister(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity {
            if let entry = table[i], String(cString: entry) == path {
                table[i] = nil
                free(entry)
            }
        }
    }
}

private func signalCleanupHandler(_ signal: Int32) {
    SignalCleanup.removeTemporaries()
    _exit(128 + signal)
}
