import Foundation
@testable import MBRLCore
import MBRLTestSupport
import XCTest

/// Decodes the event file as TensorBoard does: TFRecord frames with both masked CRCs checked, then
/// the `Event` and `Summary` protocol buffers.
final class TensorBoardTests: XCTestCase {
    struct Record { var wallTime = 0.0, step: Int64 = 0, fileVersion: String?, values: [String: Float] = [:] }

    func testCRC32CKnownValues() {
        // RFC 3720 B.4 test vectors.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testEventFileDecodesWithValidChecksums() throws {
        let dir = TemporaryDirectory()
        let writer = try TensorBoardWriter(
            directory: dir.path, program: "test", csvName: "log.csv", columns: ["train/loss", "train/val_loss"])
        try writer.write(step: 1, scalars: ["train/loss": 0.5, "train/val_loss": 0.25])
        try writer.write(step: 2, scalars: ["train/loss": 0.125])
        writer.close()

        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: writer.eventFilePath)))
        var records: [Record] = []
        var offset = 0
        while offset < bytes.count {
            let header = Array(bytes[offset..<(offset + 8)])
            let length = Int(
                header.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            XCTAssertEqual(
                readUInt32(bytes, offset + 8), CRC32C.masked(header),
                "length CRC of "
                    + "record \(records.count)")
            let data = Array(bytes[(offset + 12)..<(offset + 12 + length)])
            XCTAssertEqual(
                readUInt32(bytes, offset + 12 + length), CRC32C.masked(data),
                "data CRC of "
                    + "record \(records.count)")
            records.append(try decodeEvent(data))
            offset += 16 + length
        }
        XCTAssertEqual(offset, bytes.count)
        XCTAssertEqual(records.count, 3)
        XCTAssertEqual(records[0].fileVersion, "brain.Event:2")
        XCTAssertGreaterThan(records[0].wallTime, 1.6e9)
        XCTAssertEqual(records[1].step, 1)
        XCTAssertEqual(records[1].values, ["train/loss": 0.5, "train/val_loss": 0.25])
        XCTAssertEqual(records[2].step, 2)
        XCTAssertEqual(records[2].values, ["train/loss": 0.125])
        let csv = try String(contentsOfFile: writer.csvPath, encoding: .utf8)
        XCTAssertEqual(csv, "step,train/loss,train/val_loss\n1,0.5,0.25\n2,0.125,\n")
    }

    func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[i + $1]) << (8 * UInt32($1)) }
    }

    /// A minimal protobuf reader for the fields TensorBoard's scalar plugin reads.
    func decodeEvent(_ data: [UInt8]) throws -> Record {
        var record = Record()
        try fields(data) { field, wire, payload in
            switch (field, wire) {
            case (1, 1):
                record.wallTime = Double(
                    bitPattern: payload.enumerated().reduce(UInt64(0)) {
                        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                    })
            case (2, 0): record.step = Int64(bitPattern: varintValue(payload))
            case (3, 2): record.fileVersion = String(decoding: payload, as: UTF8.self)
            case (5, 2):
                try fields(payload) { f, w, value in
                    guard f == 1, w == 2 else { return }
                    var tag = "", number: Float = .nan
                    try fields(value) { vf, vw, vp in
                        if vf == 1 && vw == 2 { tag = String(decoding: vp, as: UTF8.self) }
                        if vf == 2 && vw == 5 {
                            number = Float(
                                bitPattern: vp.enumerated().reduce(UInt32(0)) {
                                    $0 | UInt32($1.element) << (8 * UInt32($1.offset))
                                })
                        }
                    }
                    record.values[tag] = number
                }
            default: XCTFail("unexpected field \(field) wire type \(wire)")
            }
        }
        return record
    }

    func varintValue(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element & 0x7F) << (7 * UInt64($1.offset)) }
    }

    func fields(_ data: [UInt8], _ visit: (Int, UInt64, [UInt8]) throws -> Void) throws {
        var i = 0
        func varint() -> [UInt8] {
            var out: [UInt8] = []
            while true { let b = data[i]; i += 1; out.append(b); if b & 0x80 == 0 { return out } }
        }
        while i < data.count {
            let key = varintValue(varint())
            let field = Int(key >> 3), wire = key & 7
            switch wire {
            case 0: try visit(field, wire, varint())
            case 1: try visit(field, wire, Array(data[i..<(i + 8)])); i += 8
            case 5: try visit(field, wire, Array(data[i..<(i + 4)])); i += 4
            case 2:
                let n = Int(varintValue(varint()))
                try visit(field, wire, Array(data[i..<(i + n)])); i += n
            default: throw NSError(domain: "protobuf", code: Int(wire))
            }
        }
    }
}
