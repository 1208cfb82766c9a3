import CHDF5
import Foundation
@testable import MBRLCore
import MBRLTestSupport
import XCTest

/// Reading refuses what a damaged or hostile file may claim: bytes that are not bools, datasets larger
/// than the file or than memory, an inconsistent global heap.
final class HDF5DamageTests: XCTestCase {
    let dir = TemporaryDirectory()

    /// A file with the bool dataset `flags` and the bool attribute `on`, both holding the byte 2.
    func writeBadBools() throws -> String {
        let path = dir.file("bools.h5")
        let file = try HDF5File.create(at: path)
        try file.root.write([true, false, true], shape: [3], to: "flags")
        try file.root.setAttribute("on", true)
        try file.close()
        // Rewrite the bytes through the enum type itself: the library copies them unchecked.
        let fid = H5Fopen(path, mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        let did = H5Dopen2(fid, "flags", mbrl_h5p_default())
        var bytes: [UInt8] = [1, 2, 0]
        XCTAssertGreaterThanOrEqual(
            H5Dwrite(did, Bool.hdf5MemoryType, mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), &bytes), 0)
        H5Dclose(did)
        let aid = H5Aopen(fid, "on", mbrl_h5p_default())
        var two: UInt8 = 2
        XCTAssertGreaterThanOrEqual(H5Awrite(aid, Bool.hdf5MemoryType, &two), 0)
        H5Aclose(aid)
        H5Fclose(fid)
        return path
    }

    func testBoolsOtherThanZeroAndOneAreRejected() throws {
        let path = try writeBadBools()
        // The file holds the byte 2, read back unchanged through the enum type.
        let fid = H5Fopen(path, mbrl_h5f_acc_rdonly(), mbrl_h5p_default())
        let did = H5Dopen2(fid, "flags", mbrl_h5p_default())
        var bytes = [UInt8](repeating: 9, count: 3)
        XCTAssertGreaterThanOrEqual(
            H5Dread(did, Bool.hdf5MemoryType, mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), &bytes), 0)
        XCTAssertEqual(bytes, [1, 2, 0])
        H5Dclose(did)
        H5Fclose(fid)

        let root = try HDF5File.open(at: path).root
        XCTAssertThrowsError(try root.read("flags", as: Bool.self)) { error in
            XCTAssertEqual("\(error)", "\(path): flags: holds 2 at index 1, not a bool (FALSE = 0 or TRUE = 1)")
        }
        XCTAssertThrowsError(try root.boolAttribute("on")) { error in
            XCTAssertEqual("\(error)", "\(path): @on: holds 2, not a bool (FALSE = 0 or TRUE = 1)")
        }
    }

    /// Creates `name` with a float32 dataset `x` of `rows` × 3 in contiguous storage that is never
    /// written: allocated at creation (so it spans the file, sparse) or not at all.
    func writeHugeContiguous(_ name: String, rows: hsize_t, allocate: Bool) throws -> String {
        let path = dir.file(name)
        try HDF5File.create(at: path).close()
        let fid = H5Fopen(path, mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        var dims: [hsize_t] = [rows, 3]
        let space = H5Screate_simple(2, &dims, nil)
        let dcpl = H5Pcreate(mbrl_h5p_dataset_create())
        if allocate {
            H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY)
            H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER)
        }
        let did = H5Dcreate2(fid, "x", mbrl_h5t_ieee_f32le(), space, mbrl_h5p_default(), dcpl, mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(did, 0)
        H5Dclose(did); H5Pclose(dcpl); H5Sclose(space); H5Fclose(fid)
        return path
    }

    /// Storage never allocated holds no data: 10^10 rows of fill values are refused, not allocated.
    func testUnallocatedHugeDatasetIsRefused() throws {
        let path = try writeHugeContiguous("unallocated.h5", rows: 10_000_000_000, allocate: false)
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int, 100_000)
        XCTAssertThrowsError(try HDF5File.open(at: path).root.read("x", as: Float.self)) { error in
            XCTAssertEqual("\(error)", "\(path): x: claims shape (10000000000, 3), more data than the file can hold")
        }
    }

    /// A sparse file that really spans 1.2 TB of holes: the dataset lies inside it, and is refused
    /// against the memory this process may use (it was a fatal `failed to allocate`).
    func testSparseHugeDatasetIsCheckedAgainstMemory() throws {
        let path = try writeHugeContiguous("sparse.h5", rows: 100_000_000_000, allocate: true)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        XCTAssertGreaterThan(size, 1_200_000_000_000)
        XCTAssertThrowsError(try HDF5File.open(at: path).root.read("x", as: Float.self)) { error in
            XCTAssertTrue(
                "\(error)".hasPrefix(
                    "\(path): x: the values of shape (100000000000, 3) need 1.2 TB, more "
                        + "than the "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix(" this process may use"), "\(error)")
        }
    }

    /// The global heap check passes a valid file whose raw data is in compressed chunks (their
    /// addresses are listed, and the heap found between them).
    func testGlobalHeapCheckPassesChunkedCompressedFiles() throws {
        let path = dir.file("chunked.h5")
        let file = try HDF5File.create(at: path)
        try file.root.setAttribute("format", "mbrl.transitions/1")
        try file.close()
        let fid = H5Fopen(path, mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        var dims: [hsize_t] = [1000], chunk: [hsize_t] = [100]
        let space = H5Screate_simple(1, &dims, nil)
        let dcpl = H5Pcreate(mbrl_h5p_dataset_create())
        H5Pset_chunk(dcpl, 1, &chunk)
        H5Pset_deflate(dcpl, 6)
        let did = H5Dcreate2(fid, "x", mbrl_h5t_ieee_f64le(), space, mbrl_h5p_default(), dcpl, mbrl_h5p_default())
        let values = (0..<1000).map { Double($0) }
        XCTAssertGreaterThanOrEqual(
            H5Dwrite(did, mbrl_h5t_native_double(), mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), values), 0)
        H5Dclose(did); H5Pclose(dcpl); H5Sclose(space); H5Fclose(fid)

        let reopened = try HDF5File.open(at: path)
        XCTAssertEqual(try reopened.rawDataExtents()?.count, 10)
        XCTAssertEqual(try reopened.root.stringAttribute("format"), "mbrl.transitions/1")
        XCTAssertEqual(try reopened.root.read("x", as: Double.self).values, values)
    }

    /// The parse of a global heap collection that HDF5 1.10 would do, with every bound checked.
    func testGlobalHeapCollectionParse() {
        func collection(_ objects: [(index: UInt16, size: UInt64)], size: UInt64 = 4096) -> [UInt8] {
            func le(_ value: UInt64, _ count: Int) -> [UInt8] {
                (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
            }
            var bytes = Array("GCOL".utf8) + [1, 0, 0, 0] + le(size, 8)
            for (index, objectSize) in objects {
                bytes += le(UInt64(index), 2) + [1, 0, 0, 0, 0, 0] + le(objectSize, 8)
                if index != 0, objectSize < size {
                    bytes += [UInt8](repeating: 0x61, count: Int((objectSize + 7) / 8 * 8))
                }
            }
            return bytes + [UInt8](repeating: 0, count: max(0, Int(size) - bytes.count))
        }
        let used = 16 + (16 + 24) + (16 + 8)
        let valid = collection([(1, 18), (2, 5), (0, UInt64(4096 - used))])
        XCTAssertTrue(HDF5File.isConsistentCollection(valid, at: 0))
        XCTAssertTrue(HDF5File.isConsistentCollection([0, 0, 0] + valid, at: 3))
        // An object past the collection, an empty free space (HDF5 loops on it), a repeated index,
        // a collection past the bytes given.
        XCTAssertFalse(HDF5File.isConsistentCollection(collection([(1, 5000)]), at: 0))
        XCTAssertFalse(HDF5File.isConsistentCollection(collection([(1, 18), (0, 0)]), at: 0))
        XCTAssertFalse(HDF5File.isConsistentCollection(collection([(1, 18), (1, 5), (0, UInt64(4096 - used))]), at: 0))
        XCTAssertFalse(HDF5File.isConsistentCollection(Array(valid.prefix(4000)), at: 0))
        XCTAssertFalse(HDF5File.isConsistentCollection(collection([(1, 1 << 63)]), at: 0))
    }
}

/// The watchdog's bound for an input: generous for real files, overridable for tests.
final class InputGuardTests: XCTestCase {
    func testTimeLimitGrowsWithTheFileSize() throws {
        try XCTSkipIf(
            ProcessInfo.processInfo.environment[InputGuard.timeoutVariable] != nil,
            "\(InputGuard.timeoutVariable) is set")
        XCTAssertEqual(InputGuard.timeLimit(forSize: 0), 30)
        XCTAssertEqual(InputGuard.timeLimit(forSize: 28_664), 31)
        XCTAssertEqual(InputGuard.timeLimit(forSize: 5_000_000_000), 530)
    }
}
