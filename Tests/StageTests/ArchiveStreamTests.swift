import Foundation
@testable import MBRLArchive
import MBRLTestSupport
import XCTest

/// `verify-archive` reads the archive as a stream: no temporary folder, a bound on what it decompresses,
/// every tar format GNU tar writes, and an archive in a folder whose name has a space, through Make.
extension ArchiveVerificationTests {
    func testNoTemporaryFolderIsNeeded() throws {
        // A TMPDIR that cannot hold anything (it does not exist, or is a file): nothing is written there.
        for tmp in [root.file("missing-folder"), "/dev/null"] {
            let result = try runProcess(Self.scripts + "/verify-archive", [archive], environment: ["TMPDIR": tmp])
            XCTAssertEqual(result.status, 0, "TMPDIR=\(tmp): \(result.stderr)")
            XCTAssertTrue(result.stdout.hasPrefix("\(archive): OK (5 files verified"), result.stdout)
        }
    }

    func testExpansionIsBoundedBeforeAnythingIsRead() throws {
        // 64 MB of zeros pack into a few kB: refused once the stream passes the bound, and quickly.
        try FileManager.default.createFile(atPath: run + "/zeros.bin", contents: Data(count: 64_000_000))
        let big = try archiveRun()
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: big)[.size] as! Int, 200_000)
        let started = Date()
        let refused = try runProcess(Self.scripts + "/verify-archive", ["--max-bytes", "10000000", big])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertEqual(
            refused.stderr,
            "error: \(big): expands to more than 10.0 MB (the bound of --max-bytes); not "
                + "verified\n")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertTrue(try assertVerified(big).contains("(6 files verified"), "within the default bound it verifies")
    }

    func testArchiveInAFolderWithASpaceVerifies() throws {
        let folder = root.file("my archives")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let copy = folder + "/" + (archive as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: archive, toPath: copy)
        let hash = try contentHash(copy)
        XCTAssertTrue(
            try assertVerified(copy, hash: String(hash.prefix(16))).hasSuffix(
                "matching its name and the "
                    + "expected hash)\n"))
        // Through make, ARCHIVE and HASH reach the program as arguments. A value with a space or shell
        // syntax is refused by Make's check of settings before anything runs, and never executed.
        let viaMake = try runProcess(
            "/usr/bin/env",
            [
                "make", "--no-print-directory", "-C", Repository.root.path, "verify-archive",
                "ARCHIVE=\(archive)", "HASH=\(hash.prefix(16))"
            ])
        XCTAssertEqual(viaMake.status, 0, viaMake.stderr)
        XCTAssertTrue(
            viaMake.stdout.contains(
                "\(archive): OK (5 files verified, content hash \(hash), matching its "
                    + "name and the expected hash)"),
            viaMake.stdout + viaMake.stderr)
        for value in [copy, "x;touch \(root.file("pwned"))"] {
            let refused = try runProcess(
                "/usr/bin/env",
                ["make", "--no-print-directory", "-C", Repository.root.path, "verify-archive", "ARCHIVE=\(value)"])
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains("ARCHIVE="), refused.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.file("pwned")))
    }

    func testEveryTarFormatOfGNUTarVerifies() throws {
        // Names longer than a ustar header's 100 bytes: GNU long names (archive-run's own format), a
        // POSIX extended header, and ustar's name prefix.
        let long = "tb/" + String(repeating: "a", count: 60) + "/" + String(repeating: "b", count: 70) + ".csv"
        try makeRun(extra: [long: "a long name"])
        archive = try archiveRun()
        XCTAssertTrue(try assertVerified(archive).contains("(6 files verified"))
        for format in ["posix", "ustar", "gnu"] {
            try sh(unpack + "tar --format=\(format) --sort=name -czf \(format).tar.gz -C u pendulum")
            let result = try verify(root.file("\(format).tar.gz"))
            XCTAssertEqual(result.status, 0, "\(format): \(result.stderr)")
            XCTAssertTrue(result.stdout.contains("(6 files verified"), "\(format): \(result.stdout)")
        }
    }

    func testDamagedStreamsAreUnreadable() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: root.file("cut.tar.gz")))
        try assertRejected("cut.tar.gz", "not a readable .tar.gz archive")
        try (bytes + Data("trailing garbage".utf8)).write(to: URL(fileURLWithPath: root.file("garbage.tar.gz")))
        try assertRejected("garbage.tar.gz", "not a readable .tar.gz archive")
        // Zeros after the gzip stream are padding, as gzip reads them.
        try (bytes + Data(count: 4096)).write(to: URL(fileURLWithPath: root.file("padded.tar.gz")))
        XCTAssertTrue(try assertVerified(root.file("padded.tar.gz")).contains("OK"))
        // A header whose checksum does not match.
        try sh(
            "gzip -dc \"$A\" > h.tar && printf 'X' | dd of=h.tar bs=1 seek=10 conv=notrunc status=none && "
                + "gzip h.tar")
        try assertRejected("h.tar.gz", "not a readable tar archive (a header checksum does not match)")
        // Two gzip members read as one stream, as gzip -dc reads them: a second tar after the first's end.
        try sh("mkdir -p v && echo hidden > v/hidden && { cat \"$A\"; tar -czf - -C v hidden; } > two.tar.gz")
        try assertRejected("two.tar.gz", "data after the end of the tar archive")
    }

    func testManifestLinesAreThoseOfSha256sum() throws {
        // Names with a backslash, a newline or a carriage return are escaped and their line marked.
        let names: [[UInt8]] = [
            Array("plain".utf8), Array("back\\slash".utf8), Array("new\nline".utf8), Array("cr\rname".utf8)
        ]
        let hash = String(repeating: "0", count: 64)
        let text = String(decoding: ArchiveVerification.manifest(names.map { ($0, hash) }), as: UTF8.self)
        XCTAssertEqual(text, "\\\(hash)  back\\\\slash\n\\\(hash)  cr\\rname\n\\\(hash)  new\\nline\n\(hash)  plain\n")
        XCTAssertEqual(ArchiveVerification.shown(Array("a\nb\\c\u{1}".utf8)), "a\\nb\\\\c\\001")
        XCTAssertTrue(ArchiveVerification.isRunFolder(Array("hopper-pets/seed-12".utf8)))
        XCTAssertFalse(ArchiveVerification.isRunFolder(Array(".hidden/seed-1".utf8)))
        XCTAssertFalse(ArchiveVerification.isRunFolder(Array("pendulum/seed-x".utf8)))
    }
}
