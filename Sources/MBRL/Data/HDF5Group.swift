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

    func error(_ member: String?, _ message: String) -> HDF5Error {
        HDF5Error(path: file.displayPath, object: member.map(qualified), message)
    }

    // MARK: Structure

    /// Whether an object (dataset or group) exists at `path`, checking each component in turn.
    public func contains(_ path: String) -> Bool {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            guard H5Lexists(id, prefix, mbrl_h5p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
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
        guard contains(member) else { throw error(member, "missing group") }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, member, &info, UInt32(H5O_INFO_BASIC), mbrl_h5p_default()) >= 0,
              info.type == H5O_TYPE_GROUP
        else { throw error(member, "is not a group") }
        let gid = H5Gopen2(id, member, mbrl_h5p_default())
        guard gid >= 0 else { throw error(member, "cannot open group") }
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
    /// (a float dataset cannot be read as `Int64` or `Bool`), or when it claims more data than its
    /// file could hold (a damaged or hostile file must not exhaust memory).
    public func read<T: HDF5Element>(_ member: String, as type: T.Type = T.self) throws -> ShapedArray<T> {
        let did = try openDataset(member)
        defer { H5Dclose(did) }
        let (shape, typeClass, byteSize) = try describe(did, member)
        guard typeClass == T.hdf5Class else {
            throw error(member, "has type \(Self.className(typeClass, byteSize)), expected \(T.dtypeName)")
        }
        if T.self == Bool.self {
            // Only h5py's bool enum (int8, FALSE = 0, TRUE = 1) maps onto Swift's Bool.
            let type = H5Dget_type(did)
            defer { H5Tclose(type) }
            guard H5Tequal(type, Bool.hdf5FileType) > 0 else { throw error(member, "is an enum other than h5py's bool (FALSE = 0, TRUE = 1)") }
        }
        // The element count, refusing a product that overflows or exceeds what the file could hold.
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw error(member, "claims shape \(Self.shapeText(shape)), more data than the file can hold") }
            count = product
        }
        let limit = max(1 << 26, 1024 * file.sizeOnDisk)
        guard count <= limit / max(byteSize, 1) else {
            throw error(member, "claims shape \(Self.shapeText(shape)), more data than the file can hold")
        }
        var values = [T](repeating: T.zero, count: count)
        if count > 0 {
            let status = values.withUnsafeMutableBytes { raw in
                H5Dread(did, T.hdf5MemoryType, mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), raw.baseAddress)
            }
            guard status >= 0 else { throw error(member, "cannot read values as \(T.dtypeName) (damaged file?)") }
        }
        return ShapedArray(shape: shape, values: values)
    }

    /// Reads a scalar dataset (rank 0, or a single element of any rank).
    public func readScalar<T: HDF5Element>(_ member: String, as type: T.Type = T.self) throws -> T {
        let array = try read(member, as: T.self)
        guard array.values.count == 1 else { throw error(member, "expected a scalar, found shape \(array.shape)") }
        return array.values[0]
    }

    private func openDataset(_ member: String) throws -> hid_t {
        try file.checkOpen()
        guard contains(member) else { throw error(member, "missing dataset") }
        var info = H5O_info_t()
        guard H5Oget_info_by_name2(id, member, &info, UInt32(H5O_INFO_BASIC), mbrl_h5p_default()) >= 0,
              info.type == H5O_TYPE_DATASET
        else { throw error(member, "is not a dataset") }
        let did = H5Dopen2(id, member, mbrl_h5p_default())
        guard did >= 0 else { throw error(member, "cannot open dataset (damaged file?)") }
        return did
    }

    private func describe(_ did: hid_t, _ member: String) throws -> ([Int], H5T_class_t, Int) {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw error(member, "cannot read the dataspace") }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw error(member, "has an invalid dataspace") }
        var dims = [hsize_t](repeating: 0, count: rank)
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        let type = H5Dget_type(did)
        guard type >= 0 else { throw error(member, "cannot read the datatype") }
        defer { H5Tclose(type) }
        let shape = dims.map { Int(clamping: $0) }
        return (shape, H5Tget_class(type), H5Tget_size(type))
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
