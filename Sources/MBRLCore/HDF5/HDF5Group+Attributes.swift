import CHDF5

/// Attributes: small named values attached to a group (the root group carries a file's provenance).
///
/// Strings are written as variable-length UTF-8, as h5py writes Python `str`, so `f.attrs["format"]`
/// is a `str` in Python. Numbers are scalars of int64 or float64.
extension HDF5Group {
    /// Writes (or replaces) a string attribute.
    public func setAttribute(_ attribute: String, _ value: String) throws {
        let type = Self.utf8StringType()
        defer { H5Tclose(type) }
        try writeAttribute(attribute, type: type) { aid in
            value.withCString { cString in
                var pointer: UnsafePointer<CChar>? = cString
                return H5Awrite(aid, type, &pointer)
            }
        }
    }

    /// Writes (or replaces) an integer attribute (int64 scalar).
    public func setAttribute(_ attribute: String, _ value: Int) throws {
        var v = Int64(value)
        try writeAttribute(attribute, type: Int64.hdf5FileType) { aid in
            H5Awrite(aid, Int64.hdf5MemoryType, &v)
        }
    }

    /// Writes (or replaces) a floating-point attribute (float64 scalar).
    public func setAttribute(_ attribute: String, _ value: Double) throws {
        var v = value
        try writeAttribute(attribute, type: Double.hdf5FileType) { aid in
            H5Awrite(aid, Double.hdf5MemoryType, &v)
        }
    }

    /// Writes (or replaces) a boolean attribute (stored as h5py stores NumPy's bool).
    public func setAttribute(_ attribute: String, _ value: Bool) throws {
        var v = value
        try writeAttribute(attribute, type: Bool.hdf5FileType) { aid in
            H5Awrite(aid, Bool.hdf5MemoryType, &v)
        }
    }

    /// Whether the group has an attribute of this name.
    ///
    /// When the library cannot tell (the group's header cannot be read: a damaged file), the answer is
    /// true, so that reading the attribute, which normally follows, reports the damage.
    public func hasAttribute(_ attribute: String) -> Bool {
        H5Aexists(id, attribute) != 0
    }

    /// Reads a string attribute, fixed-length or variable-length.
    public func stringAttribute(_ attribute: String) throws -> String {
        let aid = try openAttribute(attribute)
        defer { H5Aclose(aid) }
        try checkSingleValue(aid, attribute, "is not a single string")
        let fileType = H5Aget_type(aid)
        guard fileType >= 0 else { throw damagedAttribute("cannot read the datatype of", attribute) }
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else { throw attributeError(attribute, "is not a string") }
        if H5Tis_variable_str(fileType) > 0 {
            try file.prepareVariableLengthRead()
            let memType = Self.utf8StringType()
            defer { H5Tclose(memType) }
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(aid, memType, &pointer) >= 0 else { throw damagedAttribute("cannot read", attribute) }
            defer { if let pointer { H5free_memory(pointer) } }
            return pointer.map { String(cString: $0) } ?? ""
        }
        // A fixed-length string is stored in the group's header, inside the file.
        let size = H5Tget_size(fileType)
        guard size > 0, size <= file.sizeOnDisk else { throw damagedAttribute("invalid string size of", attribute) }
        let memType = H5Tcopy(fileType)
        defer { H5Tclose(memType) }
        var bytes = [UInt8](repeating: 0, count: size + 1)
        guard H5Aread(aid, memType, &bytes) >= 0 else { throw damagedAttribute("cannot read", attribute) }
        let end = bytes.firstIndex(of: 0) ?? size
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Reads an integer attribute (any integer type that fits in `Int`).
    public func intAttribute(_ attribute: String) throws -> Int {
        Int(try readScalarAttribute(attribute, as: Int64.self))
    }

    /// Reads an integer attribute of up to 64 bits, signed or unsigned, as the `Int64` with its bit
    /// pattern (an unsigned value ≥ 2⁶³ reads as negative), as the project stores 64-bit seeds.
    public func integerAttributeBitPattern(_ attribute: String) throws -> Int64 {
        let aid = try openAttribute(attribute)
        let type = H5Aget_type(aid)
        H5Aclose(aid)
        guard type >= 0 else { throw damagedAttribute("cannot read the datatype of", attribute) }
        let unsigned = H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE
        H5Tclose(type)
        if unsigned { return Int64(bitPattern: try readScalarAttribute(attribute, as: UInt64.self)) }
        return try readScalarAttribute(attribute, as: Int64.self)
    }

    /// Reads a floating-point attribute.
    public func doubleAttribute(_ attribute: String) throws -> Double {
        try readScalarAttribute(attribute, as: Double.self)
    }

    /// Reads a boolean attribute (h5py's bool enum), through its byte: only 0 and 1 are valid.
    public func boolAttribute(_ attribute: String) throws -> Bool {
        let raw = try readScalarAttribute(attribute, as: HDF5BoolByte.self)
        guard let value = raw.value else {
            throw attributeError(
                attribute,
                "holds \(raw.byte), not a bool (FALSE = "
                    + "0 or TRUE = 1)")
        }
        return value
    }

    // MARK: Helpers

    private func attributeError(_ attribute: String, _ message: String) -> HDF5Error {
        error("@" + attribute, message)
    }

    private func damagedAttribute(_ what: String, _ attribute: String) -> HDF5Error {
        damaged(what + " the attribute", "@" + attribute)
    }

    private func openAttribute(_ attribute: String) throws -> hid_t {
        try file.checkOpen()
        let exists = H5Aexists(id, attribute)
        guard exists >= 0 else { throw file.damaged("cannot read the attributes of '\(name.isEmpty ? "/" : name)'") }
        guard exists > 0 else { throw attributeError(attribute, "missing attribute") }
        let aid = H5Aopen(id, attribute, mbrl_h5p_default())
        guard aid >= 0 else { throw damagedAttribute("cannot open", attribute) }
        return aid
    }

    /// Throws `message` unless the attribute holds exactly one value.
    private func checkSingleValue(_ aid: hid_t, _ attribute: String, _ message: String) throws {
        let space = H5Aget_space(aid)
        guard space >= 0 else { throw damagedAttribute("cannot read the dataspace of", attribute) }
        defer { H5Sclose(space) }
        let points = H5Sget_simple_extent_npoints(space)
        guard points >= 0 else { throw damagedAttribute("cannot read the dataspace of", attribute) }
        guard points == 1 else { throw attributeError(attribute, message) }
    }

    /// Reads a scalar attribute of `T`'s type class as `T` (the library converts within the class).
    private func readScalarAttribute<T: HDF5Element>(_ attribute: String, as type: T.Type) throws -> T {
        let aid = try openAttribute(attribute)
        defer { H5Aclose(aid) }
        try checkSingleValue(aid, attribute, "is not a scalar")
        let fileType = H5Aget_type(aid)
        guard fileType >= 0 else { throw damagedAttribute("cannot read the datatype of", attribute) }
        defer { H5Tclose(fileType) }
        let found = H5Tget_class(fileType)
        guard found == T.hdf5Class else {
            throw attributeError(
                attribute,
                "has type \(Self.className(found, H5Tget_size(fileType))), "
                    + "expected \(T.dtypeName)")
        }
        if found == H5T_ENUM, H5Tequal(fileType, T.hdf5FileType) <= 0 {
            throw attributeError(attribute, "is an enum other than h5py's bool (FALSE = 0, TRUE = 1)")
        }
        var value = T.zero
        let status = withUnsafeMutableBytes(of: &value) { H5Aread(aid, T.hdf5MemoryType, $0.baseAddress) }
        guard status >= 0 else { throw damagedAttribute("cannot read", attribute) }
        return value
    }

    private func writeAttribute(_ attribute: String, type: hid_t, write: (hid_t) -> herr_t) throws {
        try file.checkOpen()
        if hasAttribute(attribute) { H5Adelete(id, attribute) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let aid = H5Acreate2(id, attribute, type, space, mbrl_h5p_default(), mbrl_h5p_default())
        guard aid >= 0 else { throw attributeError(attribute, "cannot create attribute") }
        defer { H5Aclose(aid) }
        guard write(aid) >= 0 else { throw attributeError(attribute, "cannot write attribute") }
    }

    private static func utf8StringType() -> hid_t {
        let type = H5Tcopy(mbrl_h5t_c_s1())
        H5Tset_size(type, mbrl_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }
}
