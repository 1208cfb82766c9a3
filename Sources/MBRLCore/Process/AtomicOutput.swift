import Foundation

/// An output file written under a temporary name in its target's folder and renamed into place only
/// when complete, so a crash, a full disk or a signal never leaves a half-written target that Make
/// would take for done.
///
/// The temporary name is `.<target name>.tmp-<pid>`. While an `AtomicOutput` is open, SIGINT and
/// SIGTERM remove its temporary file before the process exits (status 128 + signal). After SIGKILL
/// the temporary file can remain; the next `AtomicOutput` for the same target removes temporaries
/// whose process is gone, so they do not accumulate.
public final class AtomicOutput {
    /// The final path.
    public let target: String
    /// Where the content is written until `commit()`.
    public let temporary: String
    private var isOpen = true

    /// Prepares to write `target`: creates its folder if needed, checks that it names a file (not a
    /// folder, not a special file, not one of `inputs`) and that its folder is writable, and removes
    /// stale temporaries of the same target left by dead processes. The checks come after the folder
    /// exists, since only then does a path like `new/../r.h5` resolve (to `r.h5`); when one fails, the
    /// folders created for it are removed again.
    ///
    /// - Parameter inputs: the files the stage reads. The target must not be any of them, compared by
    ///   file identity (device and inode), so `./sub/../r.h5`, a symbolic link or a hard link to an
    ///   input is refused as well as its own spelling.
    public init(target: String, inputs: [String] = []) throws {
        self.target = target
        if let problem = AtomicOutput.nameProblem(target) { throw FileError(path: target, problem) }
        let folderAsGiven = (target as NSString).deletingLastPathComponent
        let folder = folderAsGiven.isEmpty ? "." : folderAsGiven
        let name = (target as NSString).lastPathComponent
        let created = AtomicOutput.missingFolders(folder)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FileError(path: target, "cannot create its folder \(folder)")
        }
        do {
            try AtomicOutput.checkTarget(target, folder: folder, inputs: inputs)
        } catch {
            for path in created.reversed() { rmdir(path) }
            throw error
        }
        AtomicOutput.removeStaleTemporaries(folder: folder, name: name)
        temporary = folder + "/." + name + ".tmp-\(getpid())"
        unlink(temporary)
        SignalCleanup.register(temporary)
    }

    /// The folders `createDirectory` would make for `folder`, outermost first (`.` and `..`
    /// components are never among them).
    static func missingFolders(_ folder: String) -> [String] {
        let parts = folder.split(separator: "/")
        var missing: [String] = []
        for i in parts.indices where parts[i] != "." && parts[i] != ".." {
            let path = (folder.hasPrefix("/") ? "/" : "") + parts[...i].joined(separator: "/")
            if !FileManager.default.fileExists(atPath: path) { missing.append(path) }
        }
        return missing
    }

    /// Throws unless `target` can be written: not a folder or special file, not one of `inputs`, in a
    /// writable `folder`.
    private static func checkTarget(_ target: String, folder: String, inputs: [String]) throws {
        var status = stat()
        if stat(target, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR {
                throw FileError(
                    path: target,
                    "is a folder, expected a "
                        + "file name")
            }
            // Never rename over a device or other special file (e.g. /dev/null as root).
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                throw FileError(path: target, "exists and is not a regular file")
            }
            for input in inputs {
                var other = stat()
                if stat(input, &other) == 0, other.st_dev == status.st_dev, other.st_ino == status.st_ino {
                    let spelling = input == target ? "" : " (as \(input))"
                    throw FileError(
                        path: target,
                        "is also an input of this stage\(spelling); writing it would "
                            + "replace the input: choose another output name")
                }
            }
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw FileError(path: target, "folder \(folder) is not writable")
        }
    }

    deinit {
        if isOpen { discard() }
    }

    /// Moves the finished temporary file onto the target (atomically replacing an older one).
    public func commit() throws {
        precondition(isOpen, "commit() after commit() or discard()")
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw FileError(path: target, "cannot move the finished file into place: \(reason)")
        }
        isOpen = false
        SignalCleanup.unregister(temporary)
    }

    /// Removes the temporary file; the target, if it existed, is untouched.
    public func discard() {
        guard isOpen else { return }
        unlink(temporary)
        isOpen = false
        SignalCleanup.unregister(temporary)
    }

    /// Writes `data` as the whole file and commits; on failure the temporary file is removed and
    /// the target is left as it was.
    public func write(_ data: Data) throws {
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            discard()
            throw FileError(path: target, "cannot be written (disk full?)")
        }
        try commit()
    }

    /// Why `path` cannot name an output file, or nil when it can: it must be non-empty and its last
    /// component a file name (not empty, `.` or `..`), so `--out .`, `--out dir/` and `--out a/.` are
    /// refused before any work.
    public static func nameProblem(_ path: String) -> String? {
        guard !path.isEmpty else { return "is empty, expected a file name" }
        guard !path.contains("\0") else { return "contains a NUL character" }
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard !last.isEmpty, last != ".", last != ".." else { return "is a folder name, expected a file name" }
        return nil
    }

    /// Removes `.<name>.tmp-<pid>` files in `folder` whose process no longer exists.
    static func removeStaleTemporaries(folder: String, name: String) {
        let prefix = "." + name + ".tmp-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)) else { continue }
            if pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) {
                unlink(folder + "/" + entry)
            }
        }
    }
}
