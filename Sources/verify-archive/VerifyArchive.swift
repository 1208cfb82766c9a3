import ArgumentParser
import Foundation
import MBRLArchive

/// `scripts/verify-archive ARCHIVE [HASH]` and `make verify-archive`: checks an archive made by
/// `scripts/archive-run` without extracting it (`ArchiveVerification`).
@main
struct VerifyArchive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-archive",
        abstract: "Check a run archive (.tar.gz from make archive) against its SHA256SUMS and content hash, without "
            + "extracting it.",
        discussion: """
            Success prints one line, 'ARCHIVE: OK (N files verified, content hash H ...)'; a failure prints one \
            line, 'error: ARCHIVE: what', and exits with status 1. Nothing is written: the archive is read once, \
            as a stream, and at most --max-bytes of it are decompressed.
            """)

    @Argument(help: ArgumentHelp("The archive (.tar.gz).", valueName: "archive"))
    var archive: String

    @Argument(
        help: ArgumentHelp(
            "The content hash recorded when the archive was made (12 to 64 hex digits).", valueName: "hash"))
    var hash: String?

    @Option(
        help: ArgumentHelp("Refuse an archive whose tar stream is larger than this many bytes.", valueName: "bytes"))
    var maxBytes = ArchiveVerification.defaultMaxBytes

    func validate() throws {
        guard maxBytes > 0 else { throw ValidationError("--max-bytes must be positive, got \(maxBytes)") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        do {
            let result = try ArchiveVerification(path: archive, expectedHash: hash, maxBytes: maxBytes).verify()
            print(result.summary(archive))
        } catch {
            FileHandle.standardError.write(Data("error: \(archive): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
