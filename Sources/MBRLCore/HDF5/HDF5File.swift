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
/// Every failure throws an `HDF5Error` naming `path` and the object concerned; a failure that only
/// damage explains (metadata that cannot be read) says `damaged HDF5 file (…)`. A file opened for
/// reading is watched by `InputGuard` until it is closed, so that in a stage a fault or a hang of the
/// library inside it ends the stage with that error too.
public final class HDF5File {
    /// The path as given by the caller; used in every error message.
    public let path: String
    /// The path used in error messages when different from `path` (a temporary output's target).
    public let displayPath: String
    private(set) var id: hid_t
    /// The watch over an input, released when it is closed.
    private var watch: InputGuard.Token?
    /// Whether the global heap has been checked (`checkGlobalHeaps()`), or needs no check: the files
    /// this process writes.
    private var globalHeapsChecked: Bool

    private init(id: hid_t, path: String, displayPath: String, watch: InputGuard.Token? = nil, isInput: Bool = false) {
        self.id = id
        self.path = path
        self.displayPath = displayPath
        self.watch = watch
        self.globalHeapsChecked = !isInput
    }

    deinit {
        if id >= 0 { H5Fclose(id) }
        InputGuard.end(watch)
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

    /// Opens an existing file read-only, after checking that it exists and is HDF5. From here until
    /// the file is closed, the file is watched as an input (`InputGuard`).
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
        let watch = InputGuard.begin(reading: path, size: size)
        var opened = false
        defer { if !opened { InputGuard.end(watch) } }
        guard H5Fis_hdf5(path) > 0 else { throw HDF5Error(path: path, "not an HDF5 file") }
        let fapl = H5Pcreate(mbrl_h5p_file_access())
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let id = H5Fopen(path, mbrl_h5f_acc_rdonly(), fapl)
        guard id >= 0 else {
            throw HDF5Error(path: path, "damaged HDF5 file (the library cannot open it; truncated?)")
        }
        opened = true
        return HDF5File(id: id, path: path, displayPath: path, watch: watch, isInput: true)
    }

    /// The root group `/`.
    public var root: HDF5Group {
        get throws {
            try checkOpen()
            let gid = H5Gopen2(id, "/", mbrl_h5p_default())
            guard gid >= 0 else { throw damaged("cannot open its root group") }
            return HDF5Group(id: gid, file: self, name: "")
        }
    }

    /// The size of the file on disk in bytes, used to reject datasets that claim absurd sizes.
    package var sizeOnDisk: Int {
        var size: hsize_t = 0
        H5Fget_filesize(id, &size)
        return Int(clamping: size)
    }

    /// Flushes and closes the file; every group handle of it becomes invalid.
    public func close() throws {
        guard id >= 0 else { return }
        let status = H5Fclose(id)
        id = -1
        InputGuard.end(watch)
        watch = nil
        guard status >= 0 else { throw HDF5Error(path: displayPath, "cannot close the file (disk full?)") }
    }

    /// The error for metadata the library cannot read: `<file>: damaged HDF5 file (<what>)`.
    func damaged(_ what: String) -> HDF5Error {
        HDF5Error(path: displayPath, "damaged HDF5 file (\(what))")
    }

    /// Before the library reads a variable-length value of an input: checks its global heap once.
    func prepareVariableLengthRead() throws {
        guard !globalHeapsChecked else { return }
        try checkGlobalHeaps()
        globalHeapsChecked = true
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
