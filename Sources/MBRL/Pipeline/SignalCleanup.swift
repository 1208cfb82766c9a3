import Foundation

/// Removes registered temporary files when the process receives SIGINT, SIGTERM or SIGHUP, then exits
/// with status 128 + signal number.
///
/// The handler may only call async-signal-safe functions, so the paths are kept as C strings in a
/// fixed table allocated once, and the handler does nothing but `unlink` and `_exit`.
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
    /// 128 + signal (removing whatever temporary file is registered then), and makes a write beyond
    /// the file-size limit fail with an error instead of killing the process (SIGXFSZ ignored).
    public static func install() {
        lock.lock()
        defer { lock.unlock() }
        tableForHandler = table
        signal(SIGXFSZ, SIG_IGN)
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
    if let table = SignalCleanup.tableForHandler {
        for i in 0..<SignalCleanup.tableCapacity {
            if let path = table[i] { unlink(path) }
        }
    }
    _exit(128 + signal)
}
