import Foundation
import MBRLCore

/// Checks an archive made by `scripts/archive-run` in one pass over its decompressed stream, without
/// extracting anything: no temporary folder, no disk space, and at most `maxBytes` bytes of tar stream
/// decompressed (a larger archive is refused as soon as it passes the bound).
///
/// 1. Every member must be a regular file or a folder (no link, device, fifo or other type), with a
///    relative name without `.`, `..` or empty components, named at most once, inside one folder
///    `<preset>/seed-<n>/` (shallower members are folders); nothing but zeros may follow the end of the
///    tar archive. Any of these fails the archive.
/// 2. The manifest computed from the members (every regular file of the run folder but `SHA256SUMS`,
///    `ARCHIVE.md` included, as `scripts/archive-manifest` writes it: sha256sum lines sorted by the
///    bytes of the names) must be, byte for byte, the archive's `SHA256SUMS`.
/// 3. The content hash, the SHA-256 of `SHA256SUMS`, must begin with the 12 hex digits that end the
///    archive's name (when it has them) and with `expectedHash` when one is given.
///
/// What this cannot detect: whoever edits files, writes a new `SHA256SUMS` and renames the archive
/// after the new content hash makes an archive consistent in itself; only a content hash recorded
/// elsewhere, given as `expectedHash`, detects that.
public struct ArchiveVerification {
    /// A failed check: `message` is what is wrong, without the archive's name.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    /// The default bound on the decompressed tar stream: 20 GB, several times the largest run the
    /// presets make.
    public static let defaultMaxBytes = 20_000_000_000
    /// The bound on the number of members (each costs a name in memory).
    public static let maxMembers = 1_000_000
    /// The bound on the size of `SHA256SUMS`, which is kept in memory.
    public static let maxManifestBytes = 64 << 20

    public var path: String
    /// Lower-case hex, 12 to 64 digits, or nil.
    public var expectedHash: String?
    public var maxBytes: Int

    public init(path: String, expectedHash: String? = nil, maxBytes: Int = defaultMaxBytes) {
        self.path = path
        self.expectedHash = expectedHash?.lowercased()
        self.maxBytes = maxBytes
    }

    /// What a verified archive holds.
    public struct Result {
        /// Entries of `SHA256SUMS`.
        public var files: Int
        /// The SHA-256 of `SHA256SUMS`, 64 lower-case hex digits.
        public var contentHash: String
        /// What the content hash was compared with: "its name", "the expected hash".
        public var matched: [String]

        /// The line `verify-archive` prints for `archive`.
        public func summary(_ archive: String) -> String {
            let match: String
            switch matched.count {
            case 0: match = "; its name has no hash and no HASH was given, so it was not compared with any"
            case 1: match = ", matching \(matched[0])"
            default: match = ", matching \(matched[0]) and \(matched[1])"
            }
            return "\(archive): OK (\(files) files verified, content hash \(contentHash)\(match))"
        }
    }

    /// Runs every check; throws `Failure` at the first that fails.
    public func verify() throws -> Result {
        if let expectedHash, !(12...64).contains(expectedHash.count) || !expectedHash.allSatisfy(\.isHexDigit) {
            throw Failure("the expected hash '\(expectedHash)' is not 12 to 64 hex digits")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw Failure("no such file")
        }
        guard let gzip = GzipReader(path: path, limit: maxBytes) else { throw Failure("cannot be read") }
        let members: Members
        do {
            members = try read(TarReader(gzip))
        } catch GzipReader.Failure.unreadable {
            throw Failure("not a readable .tar.gz archive")
        } catch GzipReader.Failure.tooLarge {
            throw Failure(
                "expands to more than \(MemoryBudget.format(maxBytes)) (the bound of --max-bytes); not "
                    + "verified")
        } catch TarReader.Failure.unreadable(let what) {
            throw Failure("not a readable tar archive (\(what))")
        }
        let computed = Self.manifest(members.hashes)
        guard computed == members.manifest else {
            throw Failure(Self.manifestDifference(computed: members.hashes, listed: members.manifest))
        }
        let files = members.manifest.filter { $0 == UInt8(ascii: "\n") }.count
        let hash = SHA256.hex(members.manifest)
        var matched: [String] = []
        let name = (path as NSString).lastPathComponent
        if let range = name.range(of: #"-[0-9a-f]{12}\.tar\.gz$"#, options: .regularExpression) {
            let inName = String(name[range].dropFirst().prefix(12))
            guard inName == hash.prefix(12) else {
                throw Failure(
                    "the hash in its name, \(inName), is not its content hash \(hash.prefix(12)) "
                        + "(renamed, or edited with a new SHA256SUMS)")
            }
            matched.append("its name")
        }
        if let expectedHash {
            guard hash.hasPrefix(expectedHash) else {
                throw Failure(
                    "its content hash \(hash) is not the "
                        + "expected \(expectedHash)")
            }
            matched.append("the expected hash")
        }
        return Result(files: files, contentHash: hash, matched: matched)
    }

    // MARK: - The members

    /// What the pass over the members found: each regular file's SHA-256 by its name relative to
    /// the run folder, and the bytes of `SHA256SUMS`.
    struct Members {
        var hashes: [(name: [UInt8], hash: String)] = []
        var manifest: [UInt8] = []
    }

    private func read(_ tar: TarReader) throws -> Members {
        var found = Members()
        var top: [UInt8]?, folder: [UInt8]?
        var hasManifest = false
        var paths: [[UInt8]] = []
        let slash = UInt8(ascii: "/")
        while let member = try tar.next() {
            let shown = Self.shown(member.name)
            switch member.type {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "5"): break
            case UInt8(ascii: "2"):
                throw Failure(
                    "\(shown) -> \(Self.shown(member.linkName)): a symbolic link (an "
                        + "archive holds regular files and folders only)")
            case UInt8(ascii: "1"):
                throw Failure(
                    "\(shown) link to \(Self.shown(member.linkName)): a hard link (an "
                        + "archive holds regular files and folders only)")
            case UInt8(ascii: "3"), UInt8(ascii: "4"):
                throw Failure(
                    "\(shown): a device (an archive holds regular "
                        + "files and folders only)")
            case UInt8(ascii: "6"): throw Failure("\(shown): a fifo (an archive holds regular files and folders only)")
            default:
                throw Failure(
                    "\(shown): a member of type '\(Self.shown([member.type]))' (an archive holds "
                        + "regular files and folders only)")
            }
            guard member.name.first != slash else { throw Failure("\(shown): an absolute member name") }
            var path = member.name
            if member.isFolder, path.last == slash { path.removeLast() }
            let components = path.split(separator: slash, omittingEmptySubsequences: false)
            if components.contains(where: { $0.elementsEqual("..".utf8) }) {
                throw Failure(
                    "\(shown): a '..' "
                        + "component in a member name")
            }
            if components.contains(where: { $0.isEmpty || $0.elementsEqual(".".utf8) }) {
                throw Failure("\(shown): a member name that is not canonical")
            }
            // Inside the one folder <preset>/seed-<n>/: deeper members in it, shallower ones folders.
            let first = Array(components[0])
            if top == nil { top = first }
            let memberFolder: [UInt8]? =
                components.count >= 2 ? Array(components[0]) + [slash] + Array(components[1]) : nil
            if let memberFolder, folder == nil {
                folder = memberFolder
                guard Self.isRunFolder(memberFolder) else {
                    throw Failure(
                        "\(shown): not inside a "
                            + "<preset>/seed-<n>/ folder")
                }
            }
            if first != top || (memberFolder != nil && memberFolder != folder) {
                throw Failure("\(shown): outside the run folder \(Self.shown(folder ?? top ?? []))/")
            }
            if !member.isFolder && (memberFolder == nil || components.count == 2) {
                throw Failure("\(shown): a file outside a <preset>/seed-<n>/ folder")
            }
            paths.append(path)
            guard paths.count <= Self.maxMembers else { throw Failure("more than \(Self.maxMembers) members") }
            guard member.isRegularFile, let folder else { continue }
            let relative = Array(path.dropFirst(folder.count + 1))
            if relative.elementsEqual("SHA256SUMS".utf8) {
                hasManifest = true
                guard member.size <= Self.maxManifestBytes else {
                    throw Failure(
                        "\(shown): a manifest "
                            + "of \(member.size) bytes")
                }
                try tar.readData { found.manifest.append(contentsOf: $0) }
            } else {
                var hasher = SHA256()
                try tar.readData { hasher.update($0) }
                found.hashes.append((relative, hasher.hexDigest()))
            }
        }
        guard try tar.trailingDataIsZero() else { throw Failure("data after the end of the tar archive") }
        let sorted = paths.sorted { $0.lexicographicallyPrecedes($1) }
        if let i = sorted.indices.dropLast().first(where: { sorted[$0] == sorted[$0 + 1] }) {
            throw Failure("\(Self.shown(sorted[i])): more than one member with this name")
        }
        guard hasManifest else { throw Failure("no SHA256SUMS manifest in a <preset>/seed-<n>/ folder") }
        return found
    }

    /// `<preset>/seed-<n>`: a preset is letters, digits, `.`, `_` and `-` (not first `.` or `-`).
    static func isRunFolder(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes, as: UTF8.self).range(
            of: #"^[A-Za-z0-9_][A-Za-z0-9._-]*/seed-[0-9]+$"#, options: .regularExpression) != nil
    }

    /// A member name for a message, as `tar --quoting-style=escape` shows it: backslash, newline and
    /// other control bytes escaped, so it stays on one line.
    static func shown(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): text += Array("\\\\".utf8)
            case UInt8(ascii: "\n"): text += Array("\\n".utf8)
            case UInt8(ascii: "\t"): text += Array("\\t".utf8)
            case 0..<32, 127: text += Array(("\\" + String(byte, radix: 8).leftPadded(to: 3)).utf8)
            default: text.append(byte)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: - The manifest

    /// A name as `sha256sum` writes it, and whether it had to be escaped (backslash, newline and
    /// carriage return; the line then starts with a backslash).
    static func escaped(_ name: [UInt8]) -> (text: [UInt8], escaped: Bool) {
        var text: [UInt8] = []
        var escaped = false
        for byte in name {
            switch byte {
            case UInt8(ascii: "\\"): text += Array("\\\\".utf8); escaped = true
            case UInt8(ascii: "\n"): text += Array("\\n".utf8); escaped = true
            case UInt8(ascii: "\r"): text += Array("\\r".utf8); escaped = true
            default: text.append(byte)
            }
        }
        return (text, escaped)
    }

    /// The manifest `scripts/archive-manifest` writes for these files: sorted by the bytes of the
    /// names, one sha256sum line each.
    static func manifest(_ hashes: [(name: [UInt8], hash: String)]) -> [UInt8] {
        var text: [UInt8] = []
        for entry in hashes.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            let (name, escaped) = Self.escaped(entry.name)
            if escaped { text.append(UInt8(ascii: "\\")) }
            text += Array(entry.hash.utf8) + Array("  ".utf8) + name + [UInt8(ascii: "\n")]
        }
        return text
    }

    /// The first difference between the computed entries and `SHA256SUMS`, named: a line that is not
    /// a sha256sum line, a name listed twice, a listed name not in the archive, a hash that differs,
    /// a file not listed, else that the form differs (order, spacing).
    static func manifestDifference(computed: [(name: [UInt8], hash: String)], listed manifest: [UInt8]) -> String {
        var computedByKey: [[UInt8]: String] = [:]
        var order: [(key: [UInt8], shown: String)] = []
        for entry in computed.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            let (name, escaped) = Self.escaped(entry.name)
            let key = (escaped ? [UInt8(ascii: "\\")] : []) + name
            computedByKey[key] = entry.hash
            order.append((key, String(decoding: name, as: UTF8.self)))
        }
        var listed = Set<[UInt8]>()
        let lines = manifest.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !(number == lines.count - 1 && line.isEmpty) {
            let escaped = line.first == UInt8(ascii: "\\")
            let rest = Array(line.dropFirst(escaped ? 1 : 0))
            guard rest.count >= 67, rest[64] == UInt8(ascii: " "), rest[65] == UInt8(ascii: " "),
                rest[0..<64].allSatisfy({
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                        || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
                })
            else {
                return "SHA256SUMS line \(number + 1) is not a sha256sum line"
            }
            let name = Array(rest[66...]), digest = String(decoding: rest[0..<64], as: UTF8.self)
            let key = (escaped ? [UInt8(ascii: "\\")] : []) + name
            let shown = String(decoding: name, as: UTF8.self)
            if listed.contains(key) { return "\(shown): listed twice in SHA256SUMS" }
            listed.insert(key)
            guard let hash = computedByKey[key] else { return "\(shown): in SHA256SUMS but not in the archive" }
            if hash != digest { return "\(shown): FAILED (its SHA-256 differs from SHA256SUMS)" }
        }
        if let missing = order.first(where: { !listed.contains($0.key) }) {
            return "\(missing.shown): not in SHA256SUMS"
        }
        return "SHA256SUMS is not in the form scripts/archive-manifest writes (sorted sha256sum lines)"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(width - count, 0)) + self }
}
