import Foundation

/// The PyTorch reference, `scripts/torch_bench.py`, run by a Python that has torch, on the same
/// workloads as the Swift measurements and right after them, so the ratios compare one machine in
/// one state.
struct TorchReference {
    /// The Python interpreter (e.g. a virtual environment's `bin/python`).
    let python: String
    /// The path of `torch_bench.py`.
    let script: String

    /// The reference's figure `key` (e.g. `plan_ms`, `train_samples_per_s`) for `workload` (`plan`,
    /// `train`, `ensemble-train`, `ensemble-plan`), on `task` when given, with `threads` threads, or the
    /// reason it could not be measured.
    func measure(
        _ workload: String, task: String? = nil, threads: Int, repetitions: Int, key: String
    ) -> Result<Double, ReferenceError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments =
            [script, workload] + (task.map { ["--task", $0] } ?? [])
            + ["--threads", "\(threads)", "--repetitions", "\(repetitions)"]
        // One pipe for both streams: reading two pipes one after the other could block on a full
        // stderr pipe while waiting for stdout to end. The JSON line is still the last on success,
        // and on failure the last line is the error.
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            return .failure(ReferenceError("cannot run \(python): \(error.localizedDescription)"))
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let last = text.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            return .failure(ReferenceError("\(script) \(workload) \(task ?? "") failed: \(last)"))
        }
        // The last line is one JSON object.
        guard let line = text.split(separator: "\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let value = (object[key] as? NSNumber)?.doubleValue
        else { return .failure(ReferenceError("\(script) \(workload): no '\(key)' in its JSON line")) }
        return .success(value)
    }

    struct ReferenceError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
