import Foundation
import MBRLTestSupport
import XCTest

/// `scripts/archive-run` and `scripts/verify-archive` on a small fake run (no pipeline needed): the
/// archive's own output verifies, odd file names round-trip, and every hostile archive built here with
/// tar fails with exit status 1 and one line `error: <archive>: <what>`, before anything is extracted.
final class ArchiveVerificationTests: XCTestCase {
    var root: TemporaryDirectory!
    /// The archive `scripts/archive-run` made of the fake run.
    var archive = ""

    static let scripts = Repository.root.path + "/scripts"
    var run: String { root.path + "/data/pendulum/seed-0" }

    override func setUpWithError() throws {
        root = TemporaryDirectory("mbrl-archive")
        try makeRun()
        archive = try archiveRun()
    }

    override func tearDown() { root = nil }

    /// A finished-looking run: archive-run needs eval.h5; the rest stands for datasets, parameters and logs.
    func makeRun(extra: [String: String] = [:]) throws {
        let files = [
            "eval.h5": "evaluation placeholder", "random.h5": "random data placeholder",
            "params/collect": "--env pendulum --episodes 2", "tb/train-0/train.csv": "epoch,loss\n1,0.5\n"
        ]
        for (name, content) in files.merging(extra, uniquingKeysWith: { $1 }) {
            let path = run + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try content.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    /// Runs scripts/archive-run on the fake run and returns the archive's path.
    func archiveRun() throws -> String {
        let made = try runProcess(
            Self.scripts + "/archive-run", [root.path + "/data", "pendulum", "0", root.path + "/archives"])
        XCTAssertEqual(made.status, 0, made.stderr)
        return made.stdout.trimmingCharacters(in: .newlines)
    }

    /// Runs a bash script in the temporary folder, with $A the good archive and $SCRIPTS the scripts folder.
    @discardableResult
    func sh(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
        let result = try runProcess(
            "/bin/bash", ["-euo", "pipefail", "-c", script], in: root.path,
            environment: ["A": archive, "SCRIPTS": Self.scripts])
        XCTAssertEqual(result.status, 0, "building the test archive failed: \(result.stderr)", file: file, line: line)
        return result
    }

    /// Unpacks the good archive into ./u (emptied first), for a hostile variant to be built from it.
    let unpack = "rm -rf u && mkdir u && tar -xzf \"$A\" -C u; "

    func verify(_ path: String, hash: String? = nil) throws -> ProcessResult {
        try runProcess(Self.scripts + "/verify-archive", [path] + (hash.map { [$0] } ?? []), in: root.path)
    }

    /// The archive fails with status 1 and exactly one line on stderr, naming it and containing `what`.
    func assertRejected(
        _ name: String, _ what: String, hash: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let path = name.hasPrefix("/") ? name : root.file(name)
        let result = try verify(path, hash: hash)
        XCTAssertEqual(result.status, 1, "must be rejected: \(result.stdout)\(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), result.stderr, file: file, line: line)
        XCTAssertTrue(
            result.stderr.hasSuffix("\n") && result.stderr.dropLast().firstIndex(of: "\n") == nil,
            "one line: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(what), "\(result.stderr) should say \(what)", file: file, line: line)
    }

    func assertVerified(
        _ path: String, hash: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> String {
        let result = try verify(path, hash: hash)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr, "", file: file, line: line)
        XCTAssertTrue(result.stdout.hasPrefix("\(path): OK ("), result.stdout, file: file, line: line)
        return result.stdout
    }

    /// The 64 hex digits of the SHA-256 of the archive's SHA256SUMS.
    func contentHash(_ path: String) throws -> String {
        try sh("tar -xzOf '\(path)' pendulum/seed-0/SHA256SUMS | sha256sum | cut -c1-64").stdout
            .trimmingCharacters(in: .newlines)
    }

    // MARK: - what archive-run makes

    func testOwnArchiveVerifiesIsReproducibleAndItsManifestCoversArchiveMd() throws {
        let hash = try contentHash(archive)
        XCTAssertTrue(archive.hasSuffix("/pendulum-seed-0-\(hash.prefix(12)).tar.gz"), archive)
        let output = try assertVerified(archive)
        XCTAssertEqual(output, "\(archive): OK (5 files verified, content hash \(hash), matching its name)\n")
        XCTAssertTrue(try assertVerified(archive, hash: hash).contains("matching its name and the expected hash"))
        XCTAssertTrue(
            try assertVerified(archive, hash: String(hash.prefix(16)).uppercased()).contains("the expected hash"))

        let manifest = try sh("tar -xzOf \"$A\" pendulum/seed-0/SHA256SUMS").stdout
        XCTAssertEqual(
            manifest.split(separator: "\n").map { $0.dropFirst(66) },
            ["ARCHIVE.md", "eval.h5", "params/collect", "random.h5", "tb/train-0/train.csv"])
        let listing = try sh("tar -tvzf \"$A\" --numeric-owner").stdout
        XCTAssertTrue(listing.split(separator: "\n").allSatisfy { $0.hasPrefix("d") || $0.hasPrefix("-") }, listing)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        // An unpacked archive's run archived again gives the same bytes (its ARCHIVE.md and SHA256SUMS are remade).
        try sh("rm -rf data/pendulum && tar -xzf \"$A\" -C data && rm \"$A\"")
        XCTAssertEqual(try archiveRun(), archive)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: archive)), bytes,
            "the same run gives the same "
                + "archive bytes")
    }

    func testFileNamesWithSpacesAndEscapedCharactersRoundTrip() throws {
        try makeRun(extra: [
            "model 0 (copy).h5": "a space", "tb/train 1/train.csv": "a folder with a space",
            "back\\slash": "a backslash", "new\nline": "a newline", " leading space": "x", "-dash": "y"
        ])
        archive = try archiveRun()
        let output = try assertVerified(archive)
        XCTAssertTrue(output.contains("(11 files verified, content hash "), output)
        try sh(unpack)
        for name in ["model 0 (copy).h5", "tb/train 1/train.csv", "back\\slash", "new\nline", " leading space", "-dash"]
        {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.path + "/u/pendulum/seed-0/" + name), name)
        }
        let manifest = try String(contentsOfFile: root.path + "/u/pendulum/seed-0/SHA256SUMS", encoding: .utf8)
        XCTAssertTrue(manifest.contains("  model 0 (copy).h5\n"), manifest)
        XCTAssertTrue(manifest.contains("  back\\\\slash\n") && manifest.contains("  new\\nline\n"), manifest)
        // And a tampered file with a space in its name is still caught, by name.
        try sh(unpack + "echo changed > 'u/pendulum/seed-0/model 0 (copy).h5' && tar -czf spaced.tar.gz -C u pendulum")
        try assertRejected("spaced.tar.gz", "model 0 (copy).h5: FAILED")
    }

    // MARK: - contents that do not match the manifest

    func testEditedArchiveMdIsRejected() throws {
        try sh(unpack + "echo 'Trust me.' >> u/pendulum/seed-0/ARCHIVE.md && tar -czf edited.tar.gz -C u pendulum")
        try assertRejected("edited.tar.gz", "ARCHIVE.md: FAILED")
    }

    func testTamperedDataFileIsRejected() throws {
        try sh(
            unpack + "printf 'random dat4 placeholder' > u/pendulum/seed-0/random.h5 && tar -czf tampered.tar.gz "
                + "-C u pendulum")
        try assertRejected("tampered.tar.gz", "random.h5: FAILED")
    }

    func testUnlistedFileIsRejected() throws {
        try sh(unpack + "echo extra > u/pendulum/seed-0/params/extra && tar -czf unlisted.tar.gz -C u pendulum")
        try assertRejected("unlisted.tar.gz", "params/extra: not in SHA256SUMS")
    }

    func testListedButMissingFileIsRejected() throws {
        try sh(unpack + "rm u/pendulum/seed-0/random.h5 && tar -czf missing.tar.gz -C u pendulum")
        try assertRejected("missing.tar.gz", "random.h5: in SHA256SUMS but not in the archive")
    }

    func testArchiveWithoutManifestIsRejected() throws {
        try sh(unpack + "rm u/pendulum/seed-0/SHA256SUMS && tar -czf bare.tar.gz -C u pendulum")
        try assertRejected("bare.tar.gz", "no SHA256SUMS manifest")
    }

    // MARK: - members that must not be extracted

    func testMembersOutsideTheRunFolderAreRejected() throws {
        try sh(
            unpack + "echo x > u/evil.txt && tar -czf after.tar.gz -C u pendulum evil.txt && tar -czf "
                + "before.tar.gz -C u evil.txt pendulum")
        try assertRejected("after.tar.gz", "evil.txt: outside the run folder pendulum/seed-0/")
        try assertRejected("before.tar.gz", "evil.txt: a file outside a <preset>/seed-<n>/ folder")
        try sh(
            unpack + "mkdir u/pendulum/seed-1 && echo x > u/pendulum/seed-1/x && tar -czf other-seed.tar.gz -C u "
                + "pendulum")
        try assertRejected("other-seed.tar.gz", "pendulum/seed-1/: outside the run folder pendulum/seed-0/")
    }

    func testSymbolicLinkIsRejectedBeforeAnythingIsExtracted() throws {
        // A link to a folder outside, then a file written through it: extracting would write outside.
        try sh(
            unpack + """
                mkdir outside && ln -s "$PWD/outside" u/pendulum/seed-0/escape && tar -cf link.tar -C u pendulum
                rm u/pendulum/seed-0/escape && mkdir u/pendulum/seed-0/escape && echo pwned > u/pendulum/seed-0/escape/pwned
                tar -rf link.tar -C u pendulum/seed-0/escape/pwned && gzip link.tar
                """)
        try assertRejected("link.tar.gz", "pendulum/seed-0/escape -> \(root.path)/outside: a symbolic link")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.file("outside")), [])
    }

    func testHardLinkIsRejected() throws {
        try sh(
            unpack + "ln u/pendulum/seed-0/eval.h5 u/pendulum/seed-0/hard.h5 && tar --sort=name -czf hard.tar.gz "
                + "-C u pendulum")
        try assertRejected("hard.tar.gz", "pendulum/seed-0/hard.h5 link to pendulum/seed-0/eval.h5: a hard link")
    }

    func testFifoIsRejected() throws {
        try sh(unpack + "mkfifo u/pendulum/seed-0/fifo && tar -czf fifo.tar.gz -C u pendulum")
        try assertRejected("fifo.tar.gz", "pendulum/seed-0/fifo: a fifo")
    }

    func testDotDotMemberIsRejected() throws {
        // tar itself would drop the '../' on extraction; the listing must reject the archive first.
        try sh(
            unpack + """
                echo x > u/evil && tar -czf dotdot.tar.gz -C u --transform 's|^evil$|pendulum/seed-0/../../evil|' pendulum evil
                tar -tzvf dotdot.tar.gz | grep -q ' pendulum/seed-0/\\.\\./\\.\\./evil$'
                """)
        try assertRejected("dotdot.tar.gz", "pendulum/seed-0/../../evil: a '..' component")
    }

    func testAbsoluteMemberIsRejected() throws {
        try sh(
            unpack + """
                echo x > u/evil && tar -czf absolute.tar.gz -C u --absolute-names --transform 's|^evil$|/tmp/evil|' pendulum evil
                tar -tzvf absolute.tar.gz --absolute-names | grep -q ' /tmp/evil$'
                """)
        try assertRejected("absolute.tar.gz", "/tmp/evil: an absolute member name")
    }

    func testDuplicateMemberIsRejected() throws {
        // The second eval.h5 would silently replace the first on extraction.
        try sh(
            unpack + """
                tar -cf twice.tar -C u pendulum && echo other > u/pendulum/seed-0/eval.h5
                tar -rf twice.tar -C u pendulum/seed-0/eval.h5 && gzip twice.tar
                """)
        try assertRejected("twice.tar.gz", "pendulum/seed-0/eval.h5: more than one member with this name")
    }

    func testMembersAfterTheEndOfTheTarArchiveAreRejected() throws {
        try sh(
            unpack + "mkdir v && echo hidden > v/hidden && gzip -dc \"$A\" > t.tar && tar -cf - -C v hidden >> "
                + "t.tar && gzip t.tar")
        try assertRejected("t.tar.gz", "data after the end of the tar archive")
    }

    func testNotAnArchiveIsRejected() throws {
        try sh("echo hello > junk.tar.gz")
        try assertRejected("junk.tar.gz", "not a readable .tar.gz archive")
        try assertRejected("absent.tar.gz", "no such file")
    }

    // MARK: - the hash in the name, and what only an expected hash can catch

    func testRenamedArchiveIsRejected() throws {
        let renamed = root.file("pendulum-seed-0-000000000000.tar.gz")
        try FileManager.default.copyItem(atPath: archive, toPath: renamed)
        try assertRejected(renamed, "the hash in its name, 000000000000, is not its content hash")
        // Without a hash in its name the contents still verify, and the output says the name was not checked.
        let plain = root.file("run.tar.gz")
        try FileManager.default.copyItem(atPath: archive, toPath: plain)
        XCTAssertTrue(try assertVerified(plain).contains("its name has no hash and no HASH was given"))
        try assertRejected(plain, "is not the expected 0123456789ab", hash: "0123456789ab")
        try assertRejected(plain, "is not 12 to 64 hex digits", hash: "abc")
    }

    func testRegeneratedManifestIsCaughtOnlyByTheNameOrAnExpectedHash() throws {
        let original = try contentHash(archive)
        try sh(
            unpack + """
                echo forged > u/pendulum/seed-0/eval.h5
                "$SCRIPTS/archive-manifest" u/pendulum/seed-0 > m && mv m u/pendulum/seed-0/SHA256SUMS
                tar -czf "$(basename "$A")" -C u pendulum && tar -czf forged.tar.gz -C u pendulum
                """)
        let forged = root.file("forged.tar.gz"), keptName = root.file((archive as NSString).lastPathComponent)
        // Under the original name the name's hash catches it.
        try assertRejected(keptName, "is not its content hash")
        // Renamed after its new hash it is consistent in itself: only the recorded hash catches it.
        let newHash = try contentHash(forged)
        let renamed = root.file("pendulum-seed-0-\(newHash.prefix(12)).tar.gz")
        try FileManager.default.moveItem(atPath: forged, toPath: renamed)
        XCTAssertTrue(try assertVerified(renamed).contains("content hash \(newHash), matching its name"))
        try assertRejected(renamed, "is not the expected \(original)", hash: original)
        // The same through make.
        let viaMake = try runProcess(
            "/usr/bin/env",
            [
                "make", "--no-print-directory", "-C", Repository.root.path,
                "verify-archive", "ARCHIVE=\(renamed)", "HASH=\(original.prefix(12))"
            ])
        XCTAssertNotEqual(viaMake.status, 0)
        XCTAssertTrue(
            viaMake.stderr.hasPrefix(
                "error: \(renamed): its content hash \(newHash) is not the "
                    + "expected \(original.prefix(12))\n"),
            viaMake.stderr)
    }
}
