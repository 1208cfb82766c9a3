import CHDF5
import MBRLCore
import MBRLEnvironments
import MBRLTestSupport
import XCTest

final class HDF5Tests: XCTestCase {
    func testRoundTripOfEveryTypeAndRank() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("all.h5")
        let file = try HDF5File.create(at: path)
        let root = try file.root
        let group = try root.createGroup("nested")
        try root.writeScalar(Int64(-5), to: "scalar_int")
        try root.writeScalar(Float(1.5), to: "scalar_float")
        try root.write([1.0, -2.5, .pi] as [Double], shape: [3], to: "vector_double")
        try root.write((0..<6).map { Float($0) / 3 }, shape: [2, 3], to: "matrix_float")
        try root.write((0..<24).map { Int64($0 - 12) }, shape: [2, 3, 4], to: "cube_int")
        try root.write([true, false, true, true], shape: [4], to: "flags")
        try root.write([Float](), shape: [0, 3], to: "empty")
        try group.write([false, true], shape: [1, 2], to: "flags")
        try root.setAttribute("name", "Pendulum-v1 ✓")
        try root.setAttribute("count", 42)
        try root.setAttribute("rate", 0.125)
        try root.setAttribute("on", true)
        try file.close()

        let back = try HDF5File.open(at: path)
        let r = try back.root
        XCTAssertEqual(try r.readScalar("scalar_int", as: Int64.self), -5)
        XCTAssertEqual(try r.readScalar("scalar_float", as: Float.self), 1.5)
        XCTAssertEqual(try r.read("scalar_int", as: Int64.self).shape, [])
        XCTAssertEqual(try r.read("vector_double", as: Double.self), ShapedArray(shape: [3], values: [1.0, -2.5, .pi]))
        XCTAssertEqual(
            try r.read("matrix_float", as: Float.self),
            ShapedArray(shape: [2, 3], values: (0..<6).map { Float($0) / 3 }))
        XCTAssertEqual(try r.read("cube_int", as: Int64.self).shape, [2, 3, 4])
        XCTAssertEqual(try r.read("cube_int", as: Int64.self).values, (0..<24).map { Int64($0 - 12) })
        XCTAssertEqual(try r.read("flags", as: Bool.self).values, [true, false, true, true])
        XCTAssertEqual(try r.read("empty", as: Float.self).shape, [0, 3])
        XCTAssertEqual(try r.openGroup("nested").read("flags", as: Bool.self).values, [false, true])
        XCTAssertEqual(try r.read("nested/flags", as: Bool.self).shape, [1, 2])
        XCTAssertEqual(try r.stringAttribute("name"), "Pendulum-v1 ✓")
        XCTAssertEqual(try r.intAttribute("count"), 42)
        XCTAssertEqual(try r.doubleAttribute("rate"), 0.125)
        XCTAssertEqual(try r.boolAttribute("on"), true)
        XCTAssertTrue(r.contains("nested/flags"))
        XCTAssertFalse(r.contains("nested/missing"))
        // Float64 on disk reads into Float memory: HDF5 converts within the float class (its
        // conversion may round toward zero, so allow one unit in the last place).
        let narrowed = try r.read("vector_double", as: Float.self).values
        XCTAssertEqual(maxRelativeError(narrowed, [1.0, -2.5, Double.pi]).error, 0, accuracy: 2e-7)
    }

    func testBoolIsStoredAsH5pyEnum() throws {
        let dir = TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("b.h5"))
        try file.root.write([true], shape: [1], to: "b")
        try file.close()
        let back = try HDF5File.open(at: dir.file("b.h5"))
        let info = try back.root.datasetInfo("b")
        XCTAssertEqual(info.typeClass, H5T_ENUM)
        XCTAssertEqual(info.byteSize, 1)
    }

    func testSameContentGivesSameBytes() throws {
        let dir = TemporaryDirectory()
        for name in ["a.h5", "b.h5"] {
            let file = try HDF5File.create(at: dir.file(name))
            let root = try file.root
            try root.setAttribute("format", "x/1")
            try root.createGroup("g").write([1, 2, 3] as [Float], shape: [3], to: "v")
            try file.close()
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: dir.file("a.h5")))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir.file("b.h5")))
        XCTAssertEqual(a, b)
    }

    func testErrorsNameTheFileAndObject() throws {
        let dir = TemporaryDirectory()
        XCTAssertThrowsError(try HDF5File.open(at: dir.file("missing.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.file("missing.h5")): no such file")
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: dir.file("empty.h5"), contents: Data()))
        XCTAssertThrowsError(try HDF5File.open(at: dir.file("empty.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.file("empty.h5")): empty file, not HDF5")
        }
        XCTAssertTrue(
            FileManager.default.createFile(atPath: dir.file("text.h5"), contents: Data("not hdf5 at all".utf8)))
        XCTAssertThrowsError(try HDF5File.open(at: dir.file("text.h5"))) { error in
            XCTAssertEqual("\(error)", "\(dir.file("text.h5")): not an HDF5 file")
        }
        let file = try HDF5File.create(at: dir.file("ok.h5"))
        try file.root.write([1.5] as [Float], shape: [1], to: "x")
        try file.close()
        let r = try HDF5File.open(at: dir.file("ok.h5")).root
        XCTAssertThrowsError(try r.read("y", as: Float.self)) { error in
            XCTAssertEqual("\(error)", "\(dir.file("ok.h5")): y: missing dataset")
        }
        XCTAssertThrowsError(try r.read("x", as: Int64.self)) { error in
            XCTAssertEqual("\(error)", "\(dir.file("ok.h5")): x: has type float32, expected int64")
        }
        XCTAssertThrowsError(try r.stringAttribute("format")) { error in
            XCTAssertEqual("\(error)", "\(dir.file("ok.h5")): @format: missing attribute")
        }
        XCTAssertThrowsError(try HDF5File.create(at: dir.file("no/such/folder/x.h5"))) { error in
            XCTAssertTrue("\(error)".hasPrefix(dir.file("no/such/folder/x.h5") + ": cannot create file"), "\(error)")
        }
    }

    /// NumPy bool arrays written by h5py read as Bool; other one-byte data does not pass for Bool.
    func testReadsH5pyBoolsAndRejectsOtherBytes() throws {
        let root = try HDF5File.open(at: Repository.fixture("h5py_bool.h5")).root
        XCTAssertEqual(try root.read("flags", as: Bool.self).values, [true, false, true])
        XCTAssertThrowsError(try root.read("small_ints", as: Bool.self)) { error in
            XCTAssertTrue("\(error)".hasSuffix("small_ints: has type int8, expected bool"), "\(error)")
        }
        XCTAssertThrowsError(try root.read("switch", as: Bool.self)) { error in
            XCTAssertTrue(
                "\(error)".hasSuffix("switch: is an enum other than h5py's bool (FALSE = 0, TRUE = 1)"), "\(error)")
        }
    }

    func testStringAttributeArraysAreRejected() throws {
        let dir = TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("a.h5"))
        try file.close()
        let fid = H5Fopen(dir.file("a.h5"), mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        let type = H5Tcopy(mbrl_h5t_c_s1())
        H5Tset_size(type, 8)
        var dims: [hsize_t] = [2]
        let space = H5Screate_simple(1, &dims, nil)
        let aid = H5Acreate2(fid, "format", type, space, mbrl_h5p_default(), mbrl_h5p_default())
        var bytes = [UInt8]("mbrl.tra".utf8) + [UInt8]("other\0\0\0".utf8)
        H5Awrite(aid, type, &bytes)
        H5Aclose(aid); H5Sclose(space); H5Tclose(type); H5Fclose(fid)
        let root = try HDF5File.open(at: dir.file("a.h5")).root
        XCTAssertThrowsError(try root.stringAttribute("format")) { error in
            XCTAssertEqual("\(error)", "\(dir.file("a.h5")): @format: is not a single string")
        }
    }

    func testTruncatedFileFailsCleanly() throws {
        let dir = TemporaryDirectory()
        let file = try HDF5File.create(at: dir.file("full.h5"))
        try file.root.write([Float](repeating: 1, count: 10_000), shape: [10_000], to: "x")
        try file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("full.h5")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: dir.file("half.h5")))
        XCTAssertThrowsError(try HDF5File.open(at: dir.file("half.h5")).root.read("x", as: Float.self)) { error in
            XCTAssertTrue("\(error)".hasPrefix(dir.file("half.h5") + ":"), "\(error)")
        }
    }

    /// A file written by h5py (the PyTorch fixture) reads back: variable-length string attributes,
    /// float32 tensors, int64 scalars.
    func testReadsFilesWrittenByH5py() throws {
        let root = try HDF5File.open(at: Repository.fixture("torch_mlp.h5")).root
        XCTAssertTrue(try root.stringAttribute("torch_version").hasPrefix("2."))
        XCTAssertEqual(try root.read("x", as: Float.self).shape, [10, 4])
        XCTAssertEqual(try root.readScalar("initial/model.network.1.num_batches_tracked", as: Int64.self), 0)
    }
}
