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

    /// Creates `directory` if needed, removes earlier event files and the CSV there (a log folder
    /// belongs to one run), and opens new ones. `columns` are the scalar tags of the CSV, after `step`.
    public init(directory: String, csvName: String, columns: [String]) throws {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw OutputError(path: directory, "cannot create the log folder")
        }
        for entry in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix("events.out.tfevents.") {
            try? fm.removeItem(atPath: directory + "/" + entry)
        }
        let seconds = Int(Date().timeIntervalSince1970)
        eventFilePath = directory + "/events.out.tfevents.\(seconds).mbrl"
        csvPath = directory + "/" + csvName
        guard fm.createFile(atPath: eventFilePath, contents: nil), let events = FileHandle(forWritingAtPath: eventFilePath) else {
            throw OutputError(path: eventFilePath, "cannot be written")
        }
        guard fm.createFile(atPath: csvPath, contents: nil), let csv = FileHandle(forWritingAtPath: csvPath) else {
            throw OutputError(path: csvPath, "cannot be written")
        }
        self.events = events
        self.csv = csv
        self.columns = columns
        var first = ProtobufWriter()
        first.double(field: 1, Date().timeIntervalSince1970)
        first.string(field: 3, "brain.Event:2")
        try append(Data(TensorBoardWriter.record(first.bytes)), to: events, eventFilePath)
        try append(Data((["step"] + columns).joined(separator: ",").appending("\n").utf8), to: csv, csvPath)
    }

    /// Writes through FileHandle's throwing API (its plain `write` traps on a full disk).
    private func append(_ data: Data, to handle: FileHandle, _ path: String) throws {
        do { try handle.write(contentsOf: data) } catch { throw OutputError(path: path, "cannot be written (disk full?)") }
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
