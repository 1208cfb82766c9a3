import Foundation
import MBRLCore

/// What a `bench` run has measured so far: the rows of the table it prints at the end (a label and
/// its figure, in the order measured) and the figures of its JSON line. Each row also goes to
/// standard error as it is measured (`bench: label: value`), so a run of several minutes shows
/// where it is.
final class BenchResults {
    private(set) var rows: [(label: String, value: String)] = []

    /// The JSON line's figures, by key (the keys `Bench`'s discussion lists).
    var json: [String: JSONValue] = [:]

    /// Adds a row to the table and writes it to standard error now.
    func report(_ label: String, _ value: String) {
        rows.append((label, value))
        StandardError.write("bench: \(label): \(value)\n")
    }

    /// The final output on standard output: a line naming the machine (cores, OpenBLAS and its kernel,
    /// HDF5), the rows with their labels padded to one column, then the JSON line, which records the
    /// kernel and `threads` (the multi-thread figures' thread count) besides the measured figures.
    /// Returns the JSON line.
    func printTable(threads: Int) -> String {
        let width = rows.map(\.label.count).max() ?? 0
        print(
            "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(BLAS.version) "
                + "(\(OpenBLASKernel.name) kernel), HDF5 \(HDF5Library.version)")
        for (label, value) in rows { print(label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value) }
        json["openblas_kernel"] = .string(OpenBLASKernel.name)
        json["threads_mt"] = .int(threads)
        let line = JSONValue.object(json).text
        print(line)
        return line
    }

    /// `x` rounded to `digits` decimals, as the JSON line records figures.
    static func rounded(_ x: Double, _ digits: Int = 2) -> Double {
        let scale = pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }
}
