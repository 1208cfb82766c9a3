import CHDF5

/// A Swift scalar type that maps to one HDF5 datatype, in memory and on disk.
///
/// Files are always written little-endian with the standard IEEE / two's-complement types, so
/// they are identical on every machine; reading converts from whatever the file holds when HDF5
/// can (e.g. float64 on disk into `Float`), within the same type class.
public protocol HDF5Element {
    /// The datatype of the values in memory.
    static var hdf5MemoryType: hid_t { get }
    /// The datatype written to files.
    static var hdf5FileType: hid_t { get }
    /// The HDF5 type class a file's dataset must have to be read as this type.
    static var hdf5Class: H5T_class_t { get }
    /// A short name for messages, as NumPy spells it (`float32`, `int64`, `bool`).
    static var dtypeName: String { get }
    /// The value of a freshly allocated buffer slot.
    static var zero: Self { get }
}

extension Float: HDF5Element {
    public static var hdf5MemoryType: hid_t { mbrl_h5t_native_float() }
    public static var hdf5FileType: hid_t { mbrl_h5t_ieee_f32le() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
    public static var dtypeName: String { "float32" }
    public static var zero: Float { 0 }
}

extension Double: HDF5Element {
    public static var hdf5MemoryType: hid_t { mbrl_h5t_native_double() }
    public static var hdf5FileType: hid_t { mbrl_h5t_ieee_f64le() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
    public static var dtypeName: String { "float64" }
    public static var zero: Double { 0 }
}

extension Int64: HDF5Element {
    public static var hdf5MemoryType: hid_t { mbrl_h5t_native_int64() }
    public static var hdf5FileType: hid_t { mbrl_h5t_std_i64le() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var dtypeName: String { "int64" }
    public static var zero: Int64 { 0 }
}

/// Read only: unsigned attributes of other tools (Minari's 64-bit episode seeds).
extension UInt64: HDF5Element {
    public static var hdf5MemoryType: hid_t { mbrl_h5t_native_uint64() }
    public static var hdf5FileType: hid_t { mbrl_h5t_native_uint64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var dtypeName: String { "uint64" }
    public static var zero: UInt64 { 0 }
}

extension UInt8: HDF5Element {
    public static var hdf5MemoryType: hid_t { mbrl_h5t_native_uint8() }
    public static var hdf5FileType: hid_t { mbrl_h5t_native_uint8() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
    public static var dtypeName: String { "uint8" }
    public static var zero: UInt8 { 0 }
}

/// `Bool` is stored as h5py stores NumPy's bool: an enumeration over a signed 8-bit integer with the
/// members `FALSE = 0` and `TRUE = 1`, so h5py reads it back as dtype `bool`. Swift's `Bool` is one
/// byte holding 0 or 1, so the same type serves as the memory type for writing; reading goes through
/// `HDF5BoolByte`, since a file's byte may hold any value and a Swift `Bool` must not.
extension Bool: HDF5Element {
    public static var hdf5MemoryType: hid_t { HDF5BoolType.id }
    public static var hdf5FileType: hid_t { HDF5BoolType.id }
    public static var hdf5Class: H5T_class_t { H5T_ENUM }
    public static var dtypeName: String { "bool" }
    public static var zero: Bool { false }
}

/// The raw byte of h5py's bool enum, as read from a file before it is checked to be 0 or 1.
struct HDF5BoolByte: HDF5Element {
    var byte: UInt8
    static var hdf5MemoryType: hid_t { HDF5BoolType.id }
    static var hdf5FileType: hid_t { HDF5BoolType.id }
    static var hdf5Class: H5T_class_t { H5T_ENUM }
    static var dtypeName: String { "bool" }
    static var zero: HDF5BoolByte { HDF5BoolByte(byte: 0) }

    /// The value, or nil for a byte other than 0 (FALSE) and 1 (TRUE).
    var value: Bool? { byte <= 1 ? byte == 1 : nil }
}

/// The process-wide enumeration type behind `Bool`, created once and never closed.
enum HDF5BoolType {
    static let id: hid_t = {
        HDF5Library.initialize()
        let type = H5Tenum_create(mbrl_h5t_native_int8())
        var no: Int8 = 0
        var yes: Int8 = 1
        H5Tenum_insert(type, "FALSE", &no)
        H5Tenum_insert(type, "TRUE", &yes)
        return type
    }()
}

/// One-time library set-up: opens the library and turns off its automatic error-stack printing,
/// since every failure is reported as an `HDF5Error` instead.
public enum HDF5Library {
    private static let once: Void = {
        H5open()
        mbrl_h5_silence_errors()
    }()

    public static func initialize() { _ = once }

    /// The linked library's version, e.g. `1.10.8`.
    public static var version: String {
        initialize()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }
}
