import CHDF5
import Foundation

/// An open HDF5 file.
///
/// Files are created so that the same content gives the same bytes: object time tracking is off on
/// every object, the library's format version bounds are pinned to the 1.8 format (readable by every
/// HDF5 1.8+ tool, h5py included), and no wall-clock value is written anywhere. Closing is explicit
/// (`close()`), because a file must be fully flushed before it is renamed into place; `deinit` closes
/// a file that was not, ignoring errors.
///
/// Every failure throws an `HDF5Error` naming `path` and the object concerned.
public final class HDF5File {
    /// The path as given by the caller; used in every error message.
    public let path: String
    /// The path used in error messages when different from `path` (a temporary output's target).
    public let displayPath: String
    private var id: hid_t

    private init(id: hid_t, path: String, displayPath: String) {
        self.id = id
        self.path = path
        self.displayPath = displayPath
    }

    deinit {
        if id >= 0 { H5Fclose(id) }
    }

    /// Creates (or truncates) a file at `path` for writing.
    ///
    /// - Parameter displayPath: the name to use in error messages, e.g. the final target of a
    ///   temporary file; defaults to `path`.
    public static func create(at path: String, displayPath: String? = nil) throws -> HDF5File {
        HDF5Library.initialize()
        let shown = displayPath ?? path
        let fcpl = H5Pcreate(mbrl_h5p_file_create())
        let fapl = H5Pcreate(mbrl_h5p_file_access())
        defer { H5Pclose(fcpl); H5Pclose(fapl) }
        H5Pset_obj_track_times(fcpl, false)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18)
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let id = H5Fcreate(path, mbrl_h5f_acc_trunc(), fcpl, fapl)
        guard id >= 0 else {
            throw HDF5Error(path: shown, "cannot create file (\(HDF5File.systemReason(forWriting: path)))")
        }
        return HDF5File(id: id, path: path, displayPath: shown)
    }

    /// Opens an existing file read-only, after checking that it exists and is HDF5.
    public static func open(at path: String) throws -> HDF5File {
        HDF5Library.initialize()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(path: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw HDF5Error(path: path, "is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(path: path, "permission denied")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0 else { throw HDF5Error(path: path, "empty file, not HDF5") }
        guard H5Fis_hdf5(path) > 0 else { throw HDF5Error(path: path, "not an HDF5 file") }
        let fapl = H5Pcreate(mbrl_h5p_file_access())
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let id = H5Fopen(path, mbrl_h5f_acc_rdonly(), fapl)
        guard id >= 0 else {
            throw HDF5Error(path: path, "cannot open: damaged or truncated HDF5 file")
        }
        return HDF5File(id: id, path: path, displayPath: path)
    }

    /// The root group `/`.
    public var root: HDF5Group {
        get throws {
            try checkOpen()
            let gid = H5Gopen2(id, "/", mbrl_h5p_default())
            guard gid >= 0 else { throw HDF5Error(path: displayPath, "cannot open the root group") }
            return HDF5Group(id: gid, file: self, name: "")
        }
    }

    /// The size of the file on disk in bytes, used to reject datasets that claim absurd sizes.
    var sizeOnDisk: Int {
        var size: hsize_t = 0
        H5Fget_filesize(id, &size)
        return Int(size)
    }

    /// Flushes and closes the file; every group handle of it becomes invalid.
    public func close() throws {
        guard id >= 0 else { return }
        let status = H5Fclose(id)
        id = -1
        guard status >= 0 else { throw HDF5Error(path: displayPath, "cannot close the file (disk full?)") }
    }

    func checkOpen() throws {
        guard id >= 0 else { throw HDF5Error(path: displayPath, "file is already closed") }
    }

    /// Why a file cannot be created, from the operating system's view of its folder.
    private static func systemReason(forWriting path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) { return "no such folder" }
        if !isDirectory.boolValue { return "\(dir) is not a folder" }
        if !FileManager.default.isWritableFile(atPath: dir) { return "folder is not writable" }
        return "I/O error"
    }
}
