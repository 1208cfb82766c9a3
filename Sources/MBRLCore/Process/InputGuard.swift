import Foundation

/// Keeps a damaged input HDF5 file from crashing or hanging a stage.
///
/// The HDF5 library trusts the metadata it reads. In the files this project writes most of it carries a
/// checksum, but the global heap that holds variable-length strings has none, and files from elsewhere
/// may have none at all: one wrong byte there can make the library read wild memory, abort, or loop
/// forever. So, once `install()` has run (every stage does it first, through `SignalCleanup.install()`):
///
/// - While an input file is being read, from `HDF5File.open` until the file is closed, its path is
///   recorded in memory allocated up front.
/// - A fault raised by the processor (SIGSEGV, SIGBUS, SIGFPE, SIGILL), or SIGABRT, while an input is
///   being read ends the stage with `error: <file>: damaged HDF5 file (the HDF5 library faulted reading it)`
///   on stderr: the temporary output is removed and the status is 1. The handler runs on an alternate
///   stack, so a stack overflow from recursive damaged metadata is caught too, and it calls nothing but
///   `write`, `unlink` and `_exit`.
/// - A fault while no input is being read is a bug of the program, not of a file: the handler puts back
///   the action that was there before (the Swift runtime's crash report, or the default) and lets the
///   fault happen again, so it still shows as a crash. So do these signals when sent by another process.
/// - A watchdog thread ends the stage the same way, with `damaged HDF5 file (reading it did not finish
///   within N s)`, when an input stays open longer than its bound: 30 s plus 1 s per 10 MB of the file,
///   or `MBRL_READ_TIMEOUT` seconds (a positive number) when that variable is set.
public enum InputGuard {
    /// Inputs open at once that are watched; a further one is read unwatched.
    static let capacity = 16
    /// Bytes of each prepared message; a longer path is cut short.
    static let messageCapacity = 1024
    /// The signals that mean a fault.
    static let faultSignals: [Int32] = [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT]
    /// The environment variable that overrides the watchdog's bound, in seconds.
    public static let timeoutVariable = "MBRL_READ_TIMEOUT"

    /// One open input. `inUse` is set last when a slot is filled and cleared first when it is released.
    struct Slot {
        var inUse: Bool
        var sequence: UInt64
        /// CLOCK_MONOTONIC nanoseconds.
        var deadline: Int64
        var faultLength: Int
        var timeoutLength: Int
    }

    /// Everything the handlers and the watchdog read, allocated once and never freed.
    struct Storage {
        let slots: UnsafeMutablePointer<Slot>
        /// Per slot, the fault message then the timeout message, `messageCapacity` bytes each.
        let messages: UnsafeMutablePointer<UInt8>
        /// The actions in place before `install()`, in the order of `faultSignals`.
        let previous: UnsafeMutablePointer<sigaction>
        let mutex: UnsafeMutablePointer<pthread_mutex_t>
        let condition: UnsafeMutablePointer<pthread_cond_t>
    }

    static let storage: Storage = {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(
            repeating: Slot(inUse: false, sequence: 0, deadline: .max, faultLength: 0, timeoutLength: 0),
            count: capacity)
        let messages = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2 * messageCapacity)
        messages.initialize(repeating: 0, count: capacity * 2 * messageCapacity)
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: faultSignals.count)
        previous.initialize(repeating: sigaction(), count: faultSignals.count)
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        return Storage(slots: slots, messages: messages, previous: previous, mutex: mutex, condition: condition)
    }()

    /// Whether the handlers and the watchdog are in place (only then do faults and time matter).
    nonisolated(unsafe) private static var installed = false
    /// The number of the last input opened; guarded by `storage.mutex`.
    nonisolated(unsafe) private static var lastSequence: UInt64 = 0

    /// A watched input, as `begin` returns it and `end` takes it back.
    struct Token {
        let slot: Int
        let sequence: UInt64
    }

    // MARK: Installation

    /// Installs the fault handlers (on an alternate stack) and starts the watchdog; later calls do nothing.
    /// Called by `SignalCleanup.install()`, at the start of every stage.
    static func install() {
        let storage = self.storage
        pthread_mutex_lock(storage.mutex)
        defer { pthread_mutex_unlock(storage.mutex) }
        guard !installed else { return }
        installed = true
        installAlternateStack()
        for (i, sig) in faultSignals.enumerated() {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = inputFaultHandler
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            sigaction(sig, &action, storage.previous + i)
        }
        var thread = pthread_t()
        if pthread_create(&thread, nil, { _ in InputGuard.watch() }, nil) == 0 {
            pthread_detach(thread)
        }
    }

    /// Gives this thread (the one that reads the inputs) a signal stack of its own, unless it has a
    /// large enough one already, so a handler can run after the thread's stack overflowed.
    private static func installAlternateStack() {
        let size = 256 * 1024
        var current = stack_t()
        if sigaltstack(nil, &current) == 0, current.ss_flags & Int32(SS_DISABLE) == 0, current.ss_size >= 64 * 1024 {
            return
        }
        guard let memory = malloc(size) else { return }
        var stack = stack_t(ss_sp: memory, ss_flags: 0, ss_size: size)
        if sigaltstack(&stack, nil) != 0 { free(memory) }
    }

    // MARK: Watched inputs

    /// The bound on the time an input of `size` bytes may stay open, in seconds: 30 s plus 1 s per
    /// 10 MB (rounded up; a generous bound, 10 MB/s being far below the rate a disk reads at), or the
    /// value of `MBRL_READ_TIMEOUT`.
    static func timeLimit(forSize size: Int) -> Double {
        if let text = ProcessInfo.processInfo.environment[timeoutVariable], let seconds = Double(text),
            seconds.isFinite, seconds > 0
        {
            return seconds
        }
        return (30 + Double(max(size, 0)) / 10_000_000).rounded(.up)
    }

    /// Records that `path` is being read from now on; nil when too many inputs are open already.
    static func begin(reading path: String, size: Int) -> Token? {
        let seconds = timeLimit(forSize: size)
        let shownSeconds =
            seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(format: "%g", seconds)
        let fault = "damaged HDF5 file (the HDF5 library faulted reading it)"
        let timeout = "damaged HDF5 file (reading it did not finish within \(shownSeconds) s)"
        let storage = self.storage
        pthread_mutex_lock(storage.mutex)
        defer { pthread_mutex_unlock(storage.mutex) }
        guard let i = (0..<capacity).first(where: { !storage.slots[$0].inUse }) else { return nil }
        lastSequence += 1
        let base = storage.messages + i * 2 * messageCapacity
        let faultLength = compose(into: base, path: path, message: fault)
        let timeoutLength = compose(into: base + messageCapacity, path: path, message: timeout)
        let now = monotonicNanoseconds()
        let (sum, overflow) = now.addingReportingOverflow(Int64(clamping: Int(min(seconds * 1e9, 9e18))))
        storage.slots[i] = Slot(
            inUse: false, sequence: lastSequence, deadline: overflow ? .max : sum,
            faultLength: faultLength, timeoutLength: timeoutLength)
        storage.slots[i].inUse = true
        pthread_cond_signal(storage.condition)
        return Token(slot: i, sequence: lastSequence)
    }

    /// Records that the input of `token` is closed.
    static func end(_ token: Token?) {
        guard let token else { return }
        let storage = self.storage
        pthread_mutex_lock(storage.mutex)
        defer { pthread_mutex_unlock(storage.mutex) }
        if storage.slots[token.slot].inUse, storage.slots[token.slot].sequence == token.sequence {
            storage.slots[token.slot].inUse = false
            pthread_cond_signal(storage.condition)
        }
    }

    /// Writes `error: <path>: <message>\n` into `buffer` (cutting the path short if needed); returns its length.
    private static func compose(into buffer: UnsafeMutablePointer<UInt8>, path: String, message: String) -> Int {
        let head = Array((StandardError.lineStart + "error: ").utf8), tail = Array(": \(message)\n".utf8)
        var pathBytes = Array(path.utf8)
        let room = messageCapacity - head.count - tail.count
        if pathBytes.count > room { pathBytes = Array(pathBytes.prefix(room - 3)) + Array("...".utf8) }
        let line = head + pathBytes + tail
        for (k, byte) in line.enumerated() { buffer[k] = byte }
        return line.count
    }

    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: The watchdog

    /// Waits for the earliest deadline of the open inputs; when one passes with its input still open,
    /// ends the process. Runs on its own thread, holding the mutex except while it waits.
    private static func watch() -> Never {
        let storage = self.storage
        pthread_mutex_lock(storage.mutex)
        while true {
            var earliest = -1
            for i in 0..<capacity where storage.slots[i].inUse {
                if earliest < 0 || storage.slots[i].deadline < storage.slots[earliest].deadline { earliest = i }
            }
            if earliest < 0 {
                pthread_cond_wait(storage.condition, storage.mutex)
                continue
            }
            let deadline = storage.slots[earliest].deadline
            if monotonicNanoseconds() >= deadline {
                let message = storage.messages + earliest * 2 * messageCapacity + messageCapacity
                _ = write(2, message, storage.slots[earliest].timeoutLength)
                SignalCleanup.removeTemporaries()
                _exit(1)
            }
            var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            pthread_cond_timedwait(storage.condition, storage.mutex, &until)
        }
    }

    // MARK: For the fault handler (async-signal-safe: plain reads of the storage)

    /// The fault message of the input opened last that is still open, if any.
    fileprivate static func faultMessageForHandler() -> (UnsafeMutablePointer<UInt8>, Int)? {
        guard installed else { return nil }
        let storage = self.storage
        var latest = -1
        for i in 0..<capacity where storage.slots[i].inUse {
            if latest < 0 || storage.slots[i].sequence > storage.slots[latest].sequence { latest = i }
        }
        guard latest >= 0 else { return nil }
        return (storage.messages + latest * 2 * messageCapacity, storage.slots[latest].faultLength)
    }

    /// Puts back the action `sig` had before `install()`.
    fileprivate static func restorePreviousAction(_ sig: Int32) {
        for (i, s) in faultSignals.enumerated() where s == sig {
            sigaction(sig, storage.previous + i, nil)
        }
    }
}

/// A fault while an input is being read: a damaged file. Any other: a bug, handed back to the previous action.
private func inputFaultHandler(
    _ sig: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?
) {
    // A fault raised by the processor has a positive si_code; abort() sends SIGABRT to itself.
    let fromProcessor = (info?.pointee.si_code ?? 0) > 0
    if fromProcessor || sig == SIGABRT, let (message, length) = InputGuard.faultMessageForHandler() {
        _ = write(2, message, length)
        SignalCleanup.removeTemporaries()
        _exit(1)
    }
    InputGuard.restorePreviousAction(sig)
    // Returning repeats a processor fault, now under the previous action; a signal that was sent is
    // sent again, and delivered under that action once this handler returns.
    if !fromProcessor { raise(sig) }
}
