import CHDF5

/// A group in an open HDF5 file: a folder of datasets, subgroups and attributes.
///
/// Names may be paths relative to the group (`episodes/returns`). A group keeps its file alive.
public final class HDF5Group {
    let id: hid_t
    /// The file this group belongs to.
    public let file: HDF5File
    /// The group's path inside the file without the leading slash (`""` for the root).
    public let name: String

    init(id: hid_t, file: HDF5File, name: String) {
        self.id = id
        self.file = file
        self.name = name
    }

    deinit { H5Gclose(id) }

    /// The path of a member, for messages (`episodes/returns`).
    func qualified(_ member: String) -> String {
        name.isEmpty ? member : "\(name)/\(member)"
    }

    package func error(_ member: String?, _ message: String) -> HDF5Error {
        HDF5Error(path: file.displayPath, object: member.map(qualified), message)
    }

    /// `<file>: damaged HDF5 file (<what> '<member>')`: metadata of `member` that the library cannot read.
    func damaged(_ what: String, _ member: String) -> HDF5Error {
        file.damaged("\(what) '\(qualified(member))'")
    }

    // MARK: Structure

    /// Whether an object (dataset or group) exists at `path`, checking each component in turn.
    ///
    /// When the library cannot tell (the group's links cannot be read: a damaged file), the answer is
    /// true, so that opening or reading the object, which normally follows, reports the damage.
    public func contains(_ path: String) -> Bool {
        (try? exists(path)) ?? true
    }

    /// Whether an object exists at `path`; throws when the links on the way cannot be read.
    func exists(_ path: String) throws -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            let parent = prefix
            prefix = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            let found = H5Lexists(id, prefix, mbrl_h5p_default())
            if found == 0 { return false }
            if found < 0 {
                // Also the answer when the parent is a dataset, not a group: then there is no such object.
                if !parent.isEmpty, try objectType(parent) != H5O_TYPE_GROUP { return false }
                throw file.damaged(
                    "cannot read the links of "
                        + "'\(parent.isEmpty ? (name.isEmpty ? "/" : name) : qualified(parent))'")
            }
        }
        return !prefix.isEmpty
    }

    /// The type of an existing object; throws when its header cannot be read.
    private func objectType(_ member: String) throws -> H5O_type_t {
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, member, &info, UInt32(H5O_INFO_BASIC), mbrl_h5p_default()) >= 0 else {
            throw damaged("cannot read the object header of", member)
        }
        return info.type
    }

    /// Creates a subgroup (time tracking off, as for every object written by this project).
    public func createGroup(_ member: String) throws -> HDF5Group {
        try file.checkOpen()
        let gcpl = H5Pcreate(mbrl_h5p_group_create())
        defer { H5Pclose(gcpl) }
        H5Pset_obj_track_times(gcpl, false)
        let gid = H5Gcreate2(id, member, mbrl_h5p_default(), gcpl, mbrl_h5p_default())
        guard gid >= 0 else { throw error(member, "cannot create group") }
        return HDF5Group(id: gid, file: file, name: qualified(member))
    }

    /// Opens an existing subgroup.
    public func openGroup(_ member: String) throws -> HDF5Group {
        try file.checkOpen()
        guard try exists(member) else { throw error(member, "missing group") }
        guard try objectType(member) == H5O_TYPE_GROUP else { throw error(member, "is not a group") }
        let gid = H5Gopen2(id, member, mbrl_h5p_default())
        guard gid >= 0 else { throw damaged("cannot open the group", member) }
        return HDF5Group(id: gid, file: file, name: qualified(member))
    }

    // MARK: Datasets

    /// Writes `values` as a new dataset of the given shape (row-major; `[]` for a scalar).
    ///
    /// The dataset is contiguous and uncompressed, so any HDF5 reader can map it directly.
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to member: String) throws {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        try file.checkOpen()
        let space = try makeDataspace(shape: shape, member: member)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(mbrl_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        H5Pset_obj_track_times(dcpl, false)
        let did = H5Dcreate2(id, member, T.hdf5FileType, space, mbrl_h5p_default(), dcpl, mbrl_h5p_default())
        guard did >= 0 else { throw error(member, "cannot create dataset") }
        defer { H5Dclose(did) }
        if values.isEmpty { return }
        let status = values.withUnsafeBytes { raw in
            H5Dwrite(did, T.hdf5MemoryType, mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw error(member, "cannot write dataset (disk full?)") }
    }

    /// Writes a shaped array as a new dataset.
    public func write<T: HDF5Element>(_ array: ShapedArray<T>, to member: String) throws {
        try write(array.values, shape: array.shape, to: member)
    }

    /// Writes a scalar dataset (rank 0).
    public func writeScalar<T: HDF5Element>(_ value: T, to member: String) throws {
        try write([value], shape: [], to: member)
    }

    /// The shape and type class of a dataset, without reading its values.
    public func datasetInfo(_ member: String) throws -> (shape: [Int], typeClass: H5T_class_t, byteSize: Int) {
        let did = try openDataset(member)
        defer { H5Dclose(did) }
        return try describe(did, member)
    }

    /// Reads a whole dataset as `T`.
    ///
    /// Fails, naming the dataset, when it is missing, when its type class does not match `T`
    /// (a float dataset cannot be read as `Int64` or `Bool`), when a `Bool` holds a byte other than
    /// 0 and 1, when it claims more data than its file can hold (a damaged or hostile file), or when
    /// its values would not fit in the memory this process may use.
    public func read<T: HDF5Element>(_ member: String, as type: T.Type = T.self) throws -> ShapedArray<T> {
        guard T.self == Bool.self else { return try readValues(member, as: T.self) }
        // Through bytes, since only 0 and 1 are valid Swift Bools (memory: the bytes and the Bools).
        let bytes = try readValues(member, as: HDF5BoolByte.self, extraBytesPerValue: MemoryLayout<Bool>.stride)
        var flags = [Bool]()
        flags.reserveCapacity(bytes.values.count)
        for (i, b) in bytes.values.enumerated() {
            guard let flag = b.value else {
                throw error(member, "holds \(b.byte) at index \(i), not a bool (FALSE = 0 or TRUE = 1)")
            }
            flags.append(flag)
        }
        return ShapedArray(shape: bytes.shape, values: flags) as! ShapedArray<T>
    }

    private func readValues<T: HDF5Element>(
        _ member: String, as type: T.Type, extraBytesPerValue: Int = 0
    ) throws -> ShapedArray<T> {
        let did = try openDataset(member)
        defer { H5Dclose(did) }
        let (shape, typeClass, byteSize) = try describe(did, member)
        guard typeClass == T.hdf5Class else {
            throw error(member, "has type \(Self.className(typeClass, byteSize)), expected \(T.dtypeName)")
        }
        if typeClass == H5T_ENUM {
            // Only h5py's bool enum (int8, FALSE = 0, TRUE = 1) is read.
            let type = H5Dget_type(did)
            guard type >= 0 else { throw damaged("cannot read the datatype of", member) }
            defer { H5Tclose(type) }
            guard H5Tequal(type, T.hdf5FileType) > 0 else {
                throw error(
                    member,
                    "is an enum other than h5py's bool "
                        + "(FALSE = 0, TRUE = 1)")
            }
        }
        let count = try checkDeclaredSize(
            did, member, shape: shape, valueSize: byteSize,
            memoryPerValue: MemoryLayout<T>.stride + extraBytesPerValue)
        var values = [T](repeating: T.zero, count: count)
        if count > 0 {
            let status = values.withUnsafeMutableBytes { raw in
                H5Dread(did, T.hdf5MemoryType, mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), raw.baseAddress)
            }
            guard status >= 0 else { throw damaged("cannot read the values of", member) }
        }
        return ShapedArray(shape: shape, values: values)
    }

    /// Returns the element count of a dataset of `shape`, after checking its declared size before
    /// anything is allocated: against the file's content (values of `valueSize` bytes without
    /// compression cannot be more than the file's bytes; a contiguous dataset must lie inside the
    /// file; compressed chunks expand at most 4096-fold), then against the memory this process may use.
    private func checkDeclaredSize(
        _ did: hid_t, _ member: String, shape: [Int], valueSize: Int, memoryPerValue: Int
    ) throws -> Int {
        let claims = error(member, "claims shape \(Self.shapeText(shape)), more data than the file can hold")
        guard let count = MemoryBudget.product(shape), let declared = MemoryBudget.product([count, max(valueSize, 1)])
        else {
            throw claims
        }
        let dcpl = H5Dget_create_plist(did)
        guard dcpl >= 0 else { throw damaged("cannot read the storage properties of", member) }
        defer { H5Pclose(dcpl) }
        let fileSize = file.sizeOnDisk
        let layout = H5Pget_layout(dcpl)
        // The address of contiguous storage; HADDR_UNDEF (all ones) when never allocated.
        let offset = layout == H5D_CONTIGUOUS ? H5Dget_offset(did) : haddr_t.max
        if H5Pget_nfilters(dcpl) > 0 {
            let stored = Int(clamping: H5Dget_storage_size(did))
            let expanded = stored.multipliedReportingOverflow(by: 4096)
            guard declared <= max(1 << 20, expanded.overflow ? .max : expanded.partialValue) else { throw claims }
        } else if offset != haddr_t.max {
            // Allocated contiguous storage: the values are the bytes at `offset`.
            guard UInt64(offset) <= UInt64(fileSize), declared <= fileSize - Int(offset) else { throw claims }
        } else if layout != H5D_VIRTUAL {
            // Uncompressed chunks, compact storage, or storage never allocated (whose values would be
            // the fill value, not data): no more values than the file has bytes.
            guard declared <= fileSize else { throw claims }
        }
        do {
            try MemoryBudget.check(
                MemoryBudget.product([count, memoryPerValue]),
                for: "the values of "
                    + "shape \(Self.shapeText(shape))")
        } catch let memory as MemoryError {
            throw error(member, memory.description)
        }
        return count
    }

    /// Reads a scalar dataset (rank 0, or a single element of any rank).
    public func readScalar<T: HDF5Element>(_ member: String, as type: T.Type = T.self) throws -> T {
        let array = try read(member, as: T.self)
        guard array.values.count == 1 else { throw error(member, "expected a scalar, found shape \(array.shape)") }
        return array.values[0]
    }

    private func openDataset(_ member: String) throws -> hid_t {
        try file.checkOpen()
        guard try exists(member) else { throw error(member, "missing dataset") }
        guard try objectType(member) == H5O_TYPE_DATASET else { throw error(member, "is not a dataset") }
        let did = H5Dopen2(id, member, mbrl_h5p_default())
        guard did >= 0 else { throw damaged("cannot open the dataset", member) }
        return did
    }

    private func describe(_ did: hid_t, _ member: String) throws -> ([Int], H5T_class_t, Int) {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw damaged("cannot read the dataspace of", member) }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw damaged("invalid dataspace of", member) }
        var dims = [hsize_t](repeating: 0, count: rank)
        if rank > 0, H5Sget_simple_extent_dims(space, &dims, nil) < 0 {
            throw damaged(
                "cannot read the "
                    + "dataspace of", member)
        }
        let type = H5Dget_type(did)
        guard type >= 0 else { throw damaged("cannot read the datatype of", member) }
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type), size = H5Tget_size(type)
        guard typeClass != H5T_NO_CLASS, size > 0 else { throw damaged("cannot read the datatype of", member) }
        let shape = dims.map { Int(clamping: $0) }
        return (shape, typeClass, size)
    }

    private func makeDataspace(shape: [Int], member: String) throws -> hid_t {
        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            let dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), dims, nil)
        }
        guard space >= 0 else { throw error(member, "cannot create a dataspace of shape \(shape)") }
        return space
    }

    /// NumPy-style names for type classes in messages.
    static func className(_ typeClass: H5T_class_t, _ size: Int) -> String {
        switch typeClass {
        case H5T_FLOAT: return "float\(size * 8)"
        case H5T_INTEGER: return "int\(size * 8)"
        case H5T_ENUM: return "enum (\(size) bytes)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        default: return "an unsupported type"
        }
    }
}
