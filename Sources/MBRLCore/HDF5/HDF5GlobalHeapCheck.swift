import CHDF5
import Foundation

/// The check of a file's global heap before the library reads a variable-length string from it.
///
/// Variable-length strings (the attributes this project and h5py write) live in global heap
/// collections, the one structure of the files written here that carries no checksum. HDF5 1.10
/// trusts a collection's object sizes: a wrong one makes it loop forever, read outside the
/// collection, or copy more bytes than it allocated (which corrupts memory and crashes the process
/// later, outside the read). So before the first such read, every collection in the file is parsed
/// as the library would parse it, and one that does not add up is reported as damage.
///
/// The collections are found by their signature (`GCOL`, version 1) in the bytes outside the
/// datasets' raw data. The check is skipped (leaving the fault handler and the watchdog of
/// `InputGuard` as the only defense) for a file with a chunked dataset of more than 4096 chunks,
/// whose chunk addresses would take too long to list with the 1.10 API.
extension HDF5File {
    /// Throws `damaged HDF5 file (…)` when a global heap collection of the file is inconsistent.
    func checkGlobalHeaps() throws {
        guard let rawData = try rawDataExtents() else { return }
        let fileSize = sizeOnDisk
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw HDF5Error(path: displayPath, "cannot be read") }
        defer { Foundation.close(fd) }
        // The gaps between raw data extents, read one at a time.
        var start = 0
        for extent in rawData + [fileSize..<fileSize] {
            if extent.lowerBound > start {
                try checkCollections(fd: fd, in: start..<min(extent.lowerBound, fileSize))
            }
            start = max(start, extent.upperBound)
            if start >= fileSize { break }
        }
    }

    /// Parses every collection that starts in `gap`; each must lie inside it.
    private func checkCollections(fd: Int32, in gap: Range<Int>) throws {
        var bytes = [UInt8](repeating: 0, count: gap.count)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, gap.count, off_t(gap.lowerBound)) }
        guard read == gap.count else { throw HDF5Error(path: displayPath, "cannot be read") }
        let signature: [UInt8] = Array("GCOL".utf8) + [1]
        var i = 0
        while i + 16 <= bytes.count {
            if bytes[i] == signature[0], bytes[i + 1] == signature[1], bytes[i + 2] == signature[2],
                bytes[i + 3] == signature[3], bytes[i + 4] == signature[4]
            {
                guard Self.isConsistentCollection(bytes, at: i) else {
                    throw damaged("inconsistent global heap at byte \(gap.lowerBound + i)")
                }
                i += Int(Self.collectionSize(bytes, at: i))  // not into its objects' data
                continue
            }
            i += 1
        }
    }

    /// Whether the collection at `start` of `bytes` parses as HDF5 1.10 would parse it, without
    /// leaving the collection, looping, or repeating an object index: 16 bytes of header (signature,
    /// version, reserved, collection size), then objects of a 16-byte header (index, reference count,
    /// reserved, size) and their data padded to 8 bytes; index 0 is the free space, whose size
    /// includes its header; a tail too short for a header is free space too.
    static func isConsistentCollection(_ bytes: [UInt8], at start: Int) -> Bool {
        func integer(_ at: Int, _ count: Int) -> UInt64 { littleEndian(bytes, at, count) }
        let size = collectionSize(bytes, at: start)
        guard size >= 4096, size <= UInt64(bytes.count - start) else { return false }
        let end = start + Int(size)
        var p = start + 16
        var seen = Set<UInt64>()
        while p < end {
            if p + 16 > end { break }
            let index = integer(p, 2), objectSize = integer(p + 8, 8)
            let need: UInt64
            if index == 0 {
                need = objectSize
                guard need >= 16 else { return false }
            } else {
                guard objectSize <= UInt64(end - p), seen.insert(index).inserted else { return false }
                need = 16 + (objectSize + 7) / 8 * 8
            }
            guard need <= UInt64(end - p) else { return false }
            p += Int(need)
        }
        return true
    }

    private static func collectionSize(_ bytes: [UInt8], at start: Int) -> UInt64 {
        littleEndian(bytes, start + 8, 8)
    }

    private static func littleEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in (0..<count).reversed() { value = value << 8 | UInt64(bytes[at + k]) }
        return value
    }

    /// The sorted byte ranges of every dataset's raw data, or nil when a dataset has too many chunks
    /// to list. Throws when the objects cannot be listed (damaged links or headers).
    func rawDataExtents() throws -> [Range<Int>]? {
        final class Visit {
            var extents: [Range<Int>] = []
            var tooManyChunks = false
            var failed: String?
        }
        let visit = Visit()
        let status = H5Ovisit2(
            id, H5_INDEX_NAME, H5_ITER_NATIVE,
            { obj, name, info, data in
                let visit = Unmanaged<Visit>.fromOpaque(data!).takeUnretainedValue()
                guard let info, let name, info.pointee.type == H5O_TYPE_DATASET else { return 0 }
                let did = H5Dopen2(obj, name, mbrl_h5p_default())
                guard did >= 0 else { visit.failed = String(cString: name); return -1 }
                defer { H5Dclose(did) }
                let dcpl = H5Dget_create_plist(did)
                guard dcpl >= 0 else { visit.failed = String(cString: name); return -1 }
                defer { H5Pclose(dcpl) }
                func add(_ address: haddr_t, _ size: hsize_t) {
                    let start = UInt64(address), limit = UInt64(Int.max)
                    guard address != haddr_t.max, size > 0, start < limit, size < limit - start else { return }
                    visit.extents.append(Int(start)..<Int(start + size))
                }
                switch H5Pget_layout(dcpl) {
                case H5D_CONTIGUOUS:
                    add(H5Dget_offset(did), H5Dget_storage_size(did))
                case H5D_CHUNKED:
                    // The 1.10 library wants the dataset's own dataspace here (H5S_ALL fails).
                    let space = H5Dget_space(did)
                    guard space >= 0 else { visit.failed = String(cString: name); return -1 }
                    defer { H5Sclose(space) }
                    var count: hsize_t = 0
                    guard H5Dget_num_chunks(did, space, &count) >= 0 else {
                        visit.failed = String(cString: name); return -1
                    }
                    guard count <= 4096 else { visit.tooManyChunks = true; return 1 }
                    for k in 0..<count {
                        var address: haddr_t = 0, size: hsize_t = 0, mask: UInt32 = 0
                        guard H5Dget_chunk_info(did, space, k, nil, &mask, &address, &size) >= 0 else {
                            visit.failed = String(cString: name); return -1
                        }
                        add(address, size)
                    }
                default:
                    break  // compact data lies in the object header; virtual data in other files
                }
                return 0
            }, Unmanaged.passUnretained(visit).toOpaque(), UInt32(H5O_INFO_BASIC))
        withExtendedLifetime(visit) {}
        if visit.tooManyChunks { return nil }
        guard status >= 0 else {
            throw damaged(
                visit.failed.map { "cannot read the storage of '\($0)'" } ?? "cannot read the headers and "
                    + "links of all its objects")
        }
        return visit.extents.sorted { $0.lowerBound < $1.lowerBound }
    }
}
