import CZlib
import Foundation

/// The decompressed bytes of a `.gz` file, read as a stream through zlib, never more than `limit`.
///
/// Concatenated gzip members are read one after the other, as `gzip -dc` reads them; zero bytes after
/// the last member are ignored, as gzip ignores them; any other byte after it, a damaged or truncated
/// member, or a file that is not gzip is `GzipReader.Failure.unreadable`. Once more than `limit` bytes
/// have come out, reading stops with `.tooLarge`, so a small file that expands to a huge stream (a
/// "zip bomb") costs at most `limit` bytes of work, and no disk or memory beyond the buffers.
final class GzipReader {
    enum Failure: Error {
        /// Not gzip, damaged, truncated, or followed by other data.
        case unreadable
        /// The stream goes on beyond `limit` bytes.
        case tooLarge
    }

    let limit: Int
    /// Decompressed bytes produced so far.
    private(set) var produced = 0
    private let file: UnsafeMutablePointer<FILE>
    private var stream = z_stream()
    private static let inputCapacity = 1 << 16
    private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: GzipReader.inputCapacity)
    private var inputEnded = false
    /// Whether the current member has ended and the next one is not started yet.
    private var betweenMembers = false
    private var finished = false

    /// Opens `path`; nil when it cannot be opened for reading.
    init?(path: String, limit: Int) {
        guard let file = fopen(path, "rb") else {
            input.deallocate()
            return nil
        }
        self.file = file
        self.limit = limit
        guard mbrl_inflate_init_gzip(&stream) == Z_OK else {
            fclose(file)
            input.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(&stream)
        fclose(file)
        input.deallocate()
    }

    /// Fills up to `count` bytes at `destination` and returns how many were filled: fewer only at
    /// the end of the stream (0 once it has ended).
    func read(into destination: UnsafeMutableRawPointer, count: Int) throws -> Int {
        var filled = 0
        while filled < count, !finished {
            if stream.avail_in == 0 && !inputEnded { try refill() }
            if betweenMembers {
                try startNextMember()
                continue
            }
            stream.next_out = (destination + filled).assumingMemoryBound(to: Bytef.self)
            let room = UInt32(min(count - filled, Int(UInt32.max)))
            stream.avail_out = room
            let status = inflate(&stream, Z_NO_FLUSH)
            let made = Int(room - stream.avail_out)
            filled += made
            produced += made
            if produced > limit { throw Failure.tooLarge }
            switch status {
            case Z_STREAM_END:
                betweenMembers = true
            case Z_OK:
                break
            case Z_BUF_ERROR where made == 0 && stream.avail_in == 0 && inputEnded:
                throw Failure.unreadable  // the member is cut short
            case Z_BUF_ERROR:
                break
            default:
                throw Failure.unreadable
            }
        }
        return filled
    }

    /// Reads the next piece of the file into `input`.
    private func refill() throws {
        let n = fread(input, 1, Self.inputCapacity, file)
        if n == 0 {
            if ferror(file) != 0 { throw Failure.unreadable }
            inputEnded = true
        }
        stream.avail_in = UInt32(n)
        stream.next_in = input
    }

    /// After a member's end: the end of the file (zeros allowed), or the next member's header.
    private func startNextMember() throws {
        while stream.avail_in == 0 {
            if inputEnded {
                finished = true
                return
            }
            try refill()
        }
        let next = stream.next_in!
        if next[0] == 0 {
            // Only zeros may follow the last member.
            while true {
                for i in 0..<Int(stream.avail_in) where stream.next_in[i] != 0 { throw Failure.unreadable }
                stream.avail_in = 0
                if inputEnded { break }
                try refill()
                if inputEnded && stream.avail_in == 0 { break }
            }
            finished = true
            return
        }
        guard next[0] == 0x1F else { throw Failure.unreadable }
        guard inflateReset(&stream) == Z_OK else { throw Failure.unreadable }
        betweenMembers = false
    }
}
