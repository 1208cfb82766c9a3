import Foundation

/// The result of a process run under a time limit.
public struct TimedProcessResult {
    public var result: ProcessResult
    /// Whether the process was still running at the limit, and was killed then.
    public var timedOut: Bool
    /// Wall-clock seconds from the start to the end of the process.
    public var seconds: Double
}

/// Runs `executable` with `arguments` in `directory` and waits, killing it (SIGKILL) when it has run
/// for `timeout` seconds (`.infinity`: no limit); `timedOut` then says so (and `result.signaled` is true).
public func runProcess(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    environment: [String: String]? = nil, timeout: TimeInterval
) throws -> TimedProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    let start = Date()
    try process.run()
    // Both pipes are read to the end on other threads, so a chatty child cannot block on a full pipe.
    let collected = TimedOutputBox()
    let group = DispatchGroup()
    for (pipe, isError) in [(out, false), (err, true)] {
        group.enter()
        DispatchQueue.global().async {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            collected.set(data, isError: isError)
            group.leave()
        }
    }
    var timedOut = false
    let deadline: DispatchTime = timeout.isFinite ? .now() + timeout : .distantFuture
    if exited.wait(timeout: deadline) == .timedOut {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        exited.wait()
    }
    let seconds = Date().timeIntervalSince(start)
    group.wait()
    process.waitUntilExit()
    let (outData, errData) = collected.get()
    let result = ProcessResult(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
        stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    return TimedProcessResult(result: result, timedOut: timedOut, seconds: seconds)
}

/// Standard output and error, each written once by its reading thread.
private final class TimedOutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()

    func set(_ data: Data, isError: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isError { err = data } else { out = data }
    }

    func get() -> (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (out, err)
    }
}
