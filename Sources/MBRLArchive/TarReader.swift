import Foundation

/// The members of a tar stream, read one header at a time from a `GzipReader`, without extracting.
///
/// Reads the formats GNU tar writes: ustar headers (POSIX `ustar\0` with its name prefix, or GNU's
/// `ustar  \0`), GNU long names and link names (types `L`, `K`) and POSIX extended headers (`x`: its
/// `path`, `linkpath` and `size`; `g` is read and ignored). Each header's checksum is verified; sizes may
/// be octal or GNU's base-256. The archive ends at the first all-zero block; `trailingDataIsZero()`
/// says whether only zeros follow it (tar stops there, so anything else would be hidden from a listing).
final class TarReader {
    /// One member as its header describes it; names are the raw bytes of the archive.
    struct Member {
        /// The type flag: `0` (or NUL) a regular file, `5` a folder, `1` a hard link, `2` a symbolic
        /// link, `3`/`4` devices, `6` a fifo, others as stored.
        var type: UInt8
        var name: [UInt8]
        var linkName: [UInt8]
        var size: Int

        var isRegularFile: Bool { type == UInt8(ascii: "0") || type == 0 }
        var isFolder: Bool { type == UInt8(ascii: "5") }
    }

    enum Failure: Error {
        /// Not a tar stream: a bad checksum, a size that is not a number, a member cut short.
        case unreadable(String)
    }

    private let source: GzipReader
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0, end = 0
    /// Bytes of the current member's data (and padding) not read yet.
    private var pendingData = 0, pendingPadding = 0
    /// Names longer than a header holds, from a preceding `L`/`K` or `x` header.
    private var longName: [UInt8]?, longLinkName: [UInt8]?, paxSize: Int?

    init(_ source: GzipReader) { self.source = source }

    /// The next member's header, or nil at the end of the archive (an all-zero block or the end of
    /// the stream). The previous member's data not read with `readData` is skipped.
    func next() throws -> Member? {
        try skipData()
        while true {
            guard let block = try readBlock() else { return nil }
            if block.allSatisfy({ $0 == 0 }) { return nil }
            let member = try parse(block)
            switch member.type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                let value = try readAll(member.size)
                let text = Array(value.prefix { $0 != 0 })
                if member.type == UInt8(ascii: "L") { longName = text } else { longLinkName = text }
            case UInt8(ascii: "x"):
                try applyExtendedHeader(try readAll(member.size))
            case UInt8(ascii: "g"):
                _ = try readAll(member.size)
            default:
                var resolved = member
                if let longName { resolved.name = longName }
                if let longLinkName { resolved.linkName = longLinkName }
                if let paxSize { resolved.size = paxSize }
                longName = nil
                longLinkName = nil
                paxSize = nil
                // Only regular files carry data (a link's or a folder's size field is not read by tar).
                pendingData = resolved.isRegularFile ? resolved.size : 0
                pendingPadding = (512 - pendingData % 512) % 512
                return resolved
            }
        }
    }

    /// Passes the current member's data to `body` in pieces, then skips its padding.
    func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while pendingData > 0 {
            if start == end { try fill(atLeast: 1) }
            let n = min(pendingData, end - start)
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + n)])) }
            start += n
            pendingData -= n
        }
        try skipData()
    }

    /// Whether every byte after the end of the archive is zero (tar's padding to its record size).
    func trailingDataIsZero() throws -> Bool {
        while true {
            if buffer[start..<end].contains(where: { $0 != 0 }) { return false }
            start = end
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0.baseAddress!, count: $0.count) }
            if n == 0 { return true }
            start = 0
            end = n
        }
    }

    // MARK: - Reading

    private func skipData() throws {
        let skip = pendingData + pendingPadding
        pendingData = 0
        pendingPadding = 0
        var left = skip
        while left > 0 {
            if start == end { try fill(atLeast: 1) }
            let n = min(left, end - start)
            start += n
            left -= n
        }
    }

    /// A whole 512-byte block, or nil at the end of the stream.
    private func readBlock() throws -> [UInt8]? {
        if end - start < 512 {
            let available = try fill(atLeast: 512, allowEnd: true)
            if available == 0 { return nil }
            guard available >= 512 else { throw Failure.unreadable("a member header is cut short") }
        }
        defer { start += 512 }
        return Array(buffer[start..<(start + 512)])
    }

    /// `count` bytes of member data (a long name, an extended header) and their padding.
    private func readAll(_ count: Int) throws -> [UInt8] {
        guard count <= 1 << 20 else { throw Failure.unreadable("an extended header of \(count) bytes") }
        var bytes: [UInt8] = []
        pendingData = count
        pendingPadding = (512 - count % 512) % 512
        try readData { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Makes at least `count` bytes available from `start` (fewer only at the end of the stream when
    /// `allowEnd`); returns how many are available.
    @discardableResult
    private func fill(atLeast count: Int, allowEnd: Bool = false) throws -> Int {
        if start > 0 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start
            start = 0
        }
        while end < count {
            let n = try buffer.withUnsafeMutableBytes {
                try source.read(into: $0.baseAddress! + end, count: $0.count - end)
            }
            if n == 0 {
                if allowEnd { return end }
                throw Failure.unreadable("the archive ends inside a member")
            }
            end += n
        }
        return end
    }

    // MARK: - Headers

    private func parse(_ block: [UInt8]) throws -> Member {
        // The checksum: the sum of the header's bytes with its own field counted as spaces.
        let stored = try Self.number(block[148..<156], "checksum")
        var sum = 0
        for (i, byte) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        guard stored == sum else { throw Failure.unreadable("a header checksum does not match") }
        var name = Self.field(block[0..<100])
        let magic = Array(block[257..<263])
        if magic == Array("ustar\0".utf8) {
            let prefix = Self.field(block[345..<500])
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        return Member(
            type: block[156], name: name, linkName: Self.field(block[157..<257]),
            size: try Self.number(block[124..<136], "size"))
    }

    /// Applies `path`, `linkpath` and `size` of a POSIX extended header (records `<length> key=value\n`).
    private func applyExtendedHeader(_ data: [UInt8]) throws {
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: data[i..<space], as: UTF8.self)), length > 0,
                i + length <= data.count,
                let equals = data[space..<(i + length)].firstIndex(of: UInt8(ascii: "="))
            else {
                throw Failure.unreadable("an extended header is malformed")
            }
            let key = String(decoding: data[(space + 1)..<equals], as: UTF8.self)
            let value = Array(data[(equals + 1)..<(i + length - 1)])
            switch key {
            case "path": longName = value
            case "linkpath": longLinkName = value
            case "size":
                guard let size = Int(String(decoding: value, as: UTF8.self)), size >= 0 else {
                    throw Failure.unreadable("an extended header's size is not a number")
                }
                paxSize = size
            default: break
            }
            i += length
        }
    }

    /// The bytes of a NUL-terminated text field.
    static func field(_ bytes: ArraySlice<UInt8>) -> [UInt8] { Array(bytes.prefix { $0 != 0 }) }

    /// An octal number field (spaces and NULs around it), or GNU's base-256 form (first byte 0x80).
    static func number(_ bytes: ArraySlice<UInt8>, _ what: String) throws -> Int {
        if let first = bytes.first, first & 0x80 != 0 {
            guard first == 0x80, bytes.dropFirst().prefix(bytes.count - 9).allSatisfy({ $0 == 0 }) else {
                throw Failure.unreadable("a header's \(what) is out of range")
            }
            return bytes.suffix(8).reduce(0) { $0 << 8 | Int($1) } & Int.max
        }
        let text = String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty || what == "size", let value = text.isEmpty ? 0 : Int(text, radix: 8), value >= 0 else {
            throw Failure.unreadable("a header's \(what) is not a number")
        }
        return value
    }
}
