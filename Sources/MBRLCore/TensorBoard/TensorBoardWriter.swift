import Foundation

/// Scalars for TensorBoard, written natively: an event file of TFRecords, each an `Event` protocol
/// buffer encoded by hand, plus a CSV with the same values beside it.
///
/// TFRecord framing: `uint64 length (LE) | uint32 masked CRC-32C of length | data | uint32 masked
/// CRC-32C of data`. The first record is an `Event` with `file_version = "brain.Event:2"`; each scalar
/// is an `Event{wall_time, step, summary: Summary{value: [Value{tag, simple_value}]}}`.
/// Event files carry wall-clock times, so they are outside the byte-identical guarantee.
public final class TensorBoardWriter {
    public let eventFilePath: String
    public let csvPath: String
    private let events: FileHandle
    private let csv: FileHandle
    private let columns: [String]

    /// Creates `directory` if needed and opens a new event file and `csvName` there for `program`
    /// (e.g. `train`), replacing only what an earlier run of the same program wrote in that folder.
    ///
    /// A log folder may be shared: TensorBoard reads every `events.out.tfevents.*` file in it, and
    /// other programs (PyTorch's SummaryWriter, another stage) may have written theirs. So this
    /// writer's event files are named `events.out.tfevents.<seconds>.mbrl-<program>`, and only files
    /// of that program's suffix are removed (plus the `.mbrl` files of earlier versions of this
    /// project, which wrote one program per folder), so a rerun shows one curve, not two. The CSV is
    /// replaced only if it is this writer's own (its first line is the header written here) or empty;
    /// another file of that name is an error before anything is written.
    public init(directory: String, program: String, csvName: String, columns: [String]) throws {
        let fm = FileManager.default
        let header = (["step"] + columns).joined(separator: ",")
        csvPath = directory + "/" + csvName
        if fm.fileExists(atPath: csvPath) {
            let first = TensorBoardWriter.firstLine(ofFile: csvPath)
            guard first == header || first == "" else {
                throw FileError(
                    path: csvPath,
                    "is not a log this program wrote (its first line is not "
                        + "`\(header)`); give another --logdir")
            }
        }
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw FileError(path: directory, "cannot create the log folder")
        }
        let suffix = ".mbrl-" + program
        for entry in (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        where entry.hasPrefix("events.out.tfevents.") && (entry.hasSuffix(suffix) || entry.hasSuffix(".mbrl")) {
            try? fm.removeItem(atPath: directory + "/" + entry)
        }
        let seconds = Int(Date().timeIntervalSince1970)
        eventFilePath = directory + "/events.out.tfevents.\(seconds)" + suffix
        guard fm.createFile(atPath: eventFilePath, contents: nil),
            let events = FileHandle(forWritingAtPath: eventFilePath)
        else {
            throw FileError(path: eventFilePath, "cannot be written")
        }
        guard fm.createFile(atPath: csvPath, contents: nil), let csv = FileHandle(forWritingAtPath: csvPath) else {
            throw FileError(path: csvPath, "cannot be written")
        }
        self.events = events
        self.csv = csv
        self.columns = columns
        var first = ProtobufWriter()
        first.double(field: 1, Date().timeIntervalSince1970)
        first.string(field: 3, "brain.Event:2")
        try append(Data(TensorBoardWriter.record(first.bytes)), to: events, eventFilePath)
        try append(Data((header + "\n").utf8), to: csv, csvPath)
    }

    /// The first line of a file (at most 4 kB are read), or nil when it cannot be read.
    private static func firstLine(ofFile path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 4096) else { return "" }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(
            String.init)
    }

    /// Writes through FileHandle's throwing API (its plain `write` traps on a full disk).
    private func append(_ data: Data, to handle: FileHandle, _ path: String) throws {
        do { try handle.write(contentsOf: data) } catch {
            throw FileError(
                path: path,
                "cannot be written "
                    + "(disk full?)")
        }
    }

    deinit { close() }

    /// Writes one scalar per tag at `step`, as one event, and a CSV row in the order of `columns`
    /// (missing tags are left empty).
    public func write(step: Int, scalars: [String: Double]) throws {
        var summary = ProtobufWriter()
        for tag in scalars.keys.sorted() {
            var value = ProtobufWriter()
            value.string(field: 1, tag)
            value.float(field: 2, Float(scalars[tag]!))
            summary.message(field: 1, value.bytes)
        }
        var event = ProtobufWriter()
        event.double(field: 1, Date().timeIntervalSince1970)
        event.int64(field: 2, Int64(step))
        event.message(field: 5, summary.bytes)
        try append(Data(TensorBoardWriter.record(event.bytes)), to: events, eventFilePath)
        let row = [String(step)] + columns.map { scalars[$0].map { "\($0)" } ?? "" }
        try append(Data((row.joined(separator: ",") + "\n").utf8), to: csv, csvPath)
    }

    /// Flushes and closes both files.
    public func close() {
        try? events.synchronize()
        try? events.close()
        try? csv.close()
    }

    /// One TFRecord around `data`.
    static func record(_ data: [UInt8]) -> [UInt8] {
        var length = [UInt8]()
        let n = UInt64(data.count)
        for i in 0..<8 { length.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
        return length + littleEndian(CRC32C.masked(length)) + data + littleEndian(CRC32C.masked(data))
    }

    static func littleEndian(_ x: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: x >> (8 * UInt32($0))) }
    }
}
