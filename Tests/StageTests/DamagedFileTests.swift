import CHDF5
import Foundation
import MBRLCore
import MBRLTestSupport
import XCTest

/// A damaged input file ends a stage with one line `error: <file>: …` and status 1: never a crash, never
/// a hang, never an output or a temporary file left behind.
///
/// The fuzz flips one byte at a time in a transitions, a stats and a model file, 300 seeded flips each,
/// and runs a stage that reads the file under a time limit. Half of the flips fall anywhere in the file;
/// the other half in its metadata (every byte outside the datasets' raw data), half of those within the
/// first 512 bytes of the global heap, which holds the variable-length strings and, unlike the rest of
/// the metadata, has no checksum.
final class DamagedFileTests: XCTestCase {
    let dir = TemporaryDirectory("mbrl-damaged")
    /// Seconds after which a stage counts as hung and is killed.
    static let hangLimit: TimeInterval = 20
    /// The watchdog's bound for the stages run here (MBRL_READ_TIMEOUT): small, so that a read that never
    /// finishes costs little, and far above the ~0.05 s a stage takes on these files.
    static let readTimeout = "4"
    /// Environment of every stage run here: the bound above, and no crash report from the Swift runtime
    /// (it takes time and tells nothing here).
    static let environment = ["MBRL_READ_TIMEOUT": readTimeout, "SWIFT_BACKTRACE": "enable=no"]

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
        try makeSmallRun(in: dir.path, epochs: 1)
    }

    // MARK: The fuzz

    /// A file kind, the stage that reads it, and its arguments (the damaged file is `in.h5`).
    struct Kind {
        var name: String
        var file: String
        var stage: String
        var arguments: [String]
    }

    static let kinds = [
        Kind(name: "transitions", file: "r.h5", stage: "stats", arguments: ["--data", "in.h5"]),
        Kind(
            name: "stats", file: "s.h5", stage: "train",
            arguments: ["--data", "r.h5", "--stats", "in.h5", "--epochs", "1"]),
        Kind(
            name: "model", file: "m.h5", stage: "evaluate",
            arguments: ["--model", "in.h5", "--data", "r.h5", "--max-k", "2"])
    ]

    struct Flip {
        var kind: Int
        var run: Int
        var offset: Int
        var mask: UInt8
    }

    struct Outcome {
        var flip: Flip
        var run: TimedProcessResult
        /// Files left in the run's folder besides its inputs (and `out.h5` after a success).
        var leftovers: [String]

        var errorLines: [Substring] { run.result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") } }

        /// Why this run fails the test, if it does.
        var problem: String? {
            if run.timedOut { return "hung (killed after \(Int(DamagedFileTests.hangLimit)) s)" }
            if run.result.signaled { return "killed by signal \(run.result.status)" }
            guard run.result.status == 0 || run.result.status == 1 else { return "exit status \(run.result.status)" }
            if run.result.status == 1, errorLines.count != 1 { return "\(errorLines.count) error lines" }
            if !leftovers.isEmpty { return "left \(leftovers)" }
            return nil
        }

        /// The outcome for the tally: `ok`, or the error message with file name, numbers and names generalized.
        var category: String {
            if run.timedOut { return "HUNG" }
            if run.result.signaled { return "SIGNAL \(run.result.status)" }
            if run.result.status == 0 { return "ok" }
            guard let line = errorLines.first else { return "status \(run.result.status) without error line" }
            let message = line.dropFirst("error: in.h5: ".count)
            if message.hasPrefix("damaged HDF5 file (the HDF5 library faulted") {
                return "damaged: the "
                    + "library faulted"
            }
            if message.hasPrefix("damaged HDF5 file (reading it did not finish") {
                return "damaged: did not "
                    + "finish in time"
            }
            if message.hasPrefix("damaged HDF5 file (inconsistent global heap") { return "damaged: global heap check" }
            if message.hasPrefix("damaged HDF5 file") { return "damaged: reported by the library (checksum, bounds)" }
            var text = String(message.split(separator: ":", omittingEmptySubsequences: false).last ?? "")
                .trimmingCharacters(in: .whitespaces)
            text = text.replacingOccurrences(of: "'[^']*'", with: "'…'", options: .regularExpression)
            text = text.replacingOccurrences(of: "[0-9]+", with: "N", options: .regularExpression)
            return String(text.prefix(70))
        }
    }

    func testSingleByteFlipsNeverCrashOrHang() throws {
        let started = Date()
        var flips: [Flip] = []
        var originals: [[UInt8]] = []
        for (k, kind) in Self.kinds.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file(kind.file))))
            originals.append(bytes)
            let raw = try rawDataExtents(dir.file(kind.file))
            let metadata = (0..<bytes.count).filter { o in !raw.contains { $0.contains(o) } }
            let heap = globalHeapOffset(bytes, outside: raw)
            XCTAssertNotNil(heap, "\(kind.file) has no global heap")
            let heapBytes = heap.map { Array($0..<min($0 + 512, bytes.count)) } ?? metadata
            var random = RandomGenerator(seed: 2024, stream: UInt64(k))
            for run in 0..<300 {
                let pool = run % 2 == 0 ? nil : (run % 4 == 1 ? metadata : heapBytes)
                let offset = pool.map { $0[random.index(below: $0.count)] } ?? random.index(below: bytes.count)
                flips.append(Flip(kind: k, run: run, offset: offset, mask: UInt8(1 + random.index(below: 255))))
            }
        }

        // Two stages at a time, each in a folder of its own holding the valid inputs.
        let workers = 2
        let outcomes = OutcomeList()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let folder = dir.file("worker-\(w)")
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for name in ["r.h5", "s.h5"] {
                try? FileManager.default.copyItem(atPath: dir.file(name), toPath: folder + "/" + name)
            }
            for flip in flips.enumerated().filter({ $0.offset % workers == w }).map(\.element) {
                let kind = Self.kinds[flip.kind]
                var bytes = originals[flip.kind]
                bytes[flip.offset] ^= flip.mask
                do {
                    try Data(bytes).write(to: URL(fileURLWithPath: folder + "/in.h5"))
                    let run = try runProcess(
                        Repository.executable(kind.stage), kind.arguments + ["--out", "out.h5"], in: folder,
                        environment: Self.environment, timeout: Self.hangLimit)
                    var left = Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                    left.subtract(["r.h5", "s.h5", "in.h5"])
                    if run.result.status == 0, !run.result.signaled { left.remove("out.h5") }
                    try? FileManager.default.removeItem(atPath: folder + "/out.h5")
                    for name in left { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
                    outcomes.append(Outcome(flip: flip, run: run, leftovers: left.sorted()))
                } catch {
                    XCTFail("cannot run flip \(flip): \(error)")
                }
            }
        }

        var failures: [String] = []
        for (k, kind) in Self.kinds.enumerated() {
            let mine = outcomes.all.filter { $0.flip.kind == k }.sorted { $0.flip.run < $1.flip.run }
            var tally: [String: Int] = [:]
            for outcome in mine { tally[outcome.category, default: 0] += 1 }
            let slowest = mine.map(\.run.seconds).max() ?? 0
            print(
                "damaged-file fuzz: \(kind.name) file (\(kind.file), \(originals[k].count) bytes) read "
                    + "by \(kind.stage), \(mine.count) flips:")
            for (category, count) in tally.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                print("  \(String(count).leftPadded(4)) \(category)")
            }
            print("  slowest run \(String(format: "%.2f", slowest)) s")
            for outcome in mine {
                if let problem = outcome.problem {
                    let f = outcome.flip
                    let stderr = outcome.run.result.stderr.suffix(300)
                    failures.append(
                        "\(kind.name) run \(f.run) (seed 2024 stream \(k)): byte \(f.offset) ^ "
                            + "0x\(String(f.mask, radix: 16)): \(problem); stderr: \(stderr)")
                }
            }
        }
        print(
            "damaged-file fuzz: \(flips.count) runs "
                + "in \(String(format: "%.0f", Date().timeIntervalSince(started))) s, \(failures.count) failed")
        XCTAssertEqual(outcomes.all.count, flips.count)
        XCTAssertTrue(
            failures.isEmpty,
            "\(failures.count) damaged files crashed, hung or left files:\n" + failures.joined(separator: "\n"))
    }

    // MARK: Focused cases

    /// The global heap's first object header: its size, 8 bytes from `heap + 24`.
    func firstHeapObjectSize(_ bytes: [UInt8], _ heap: Int) -> Int { heap + 16 + 8 }

    /// A size in the global heap that points past the collection (a flip that made HDF5 1.10 read and
    /// copy outside its buffers, crashing the stage) is found by the check before the library reads it.
    func testGlobalHeapDamageIsReported() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("r.h5"))))
        let heap = try XCTUnwrap(globalHeapOffset(bytes, outside: try rawDataExtents(dir.file("r.h5"))))
        bytes[firstHeapObjectSize(bytes, heap) + 1] ^= 0x80
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("in.h5")))
        try expectDamaged(
            "stats", ["--data", "in.h5"],
            "error: in.h5: damaged HDF5 file (inconsistent global heap "
                + "at byte \(heap))")
    }

    /// A transitions file with a dataset of 4097 chunks: too many for the global heap check, so the
    /// library itself meets the damage below, as it would in a file whose heap the check cannot see.
    func writeUncheckedTransitions() throws -> (bytes: [UInt8], heap: Int) {
        let path = dir.file("chunked.h5")
        try FileManager.default.copyItem(atPath: dir.file("r.h5"), toPath: path)
        let fid = H5Fopen(path, mbrl_h5f_acc_rdwr(), mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(fid, 0)
        var dims: [hsize_t] = [4097], chunk: [hsize_t] = [1]
        let space = H5Screate_simple(1, &dims, nil)
        let dcpl = H5Pcreate(mbrl_h5p_dataset_create())
        H5Pset_chunk(dcpl, 1, &chunk)
        let did = H5Dcreate2(
            fid, "padding", mbrl_h5t_native_uint8(), space, mbrl_h5p_default(), dcpl, mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(did, 0)
        let values = [UInt8](repeating: 7, count: 4097)
        XCTAssertGreaterThanOrEqual(
            H5Dwrite(did, mbrl_h5t_native_uint8(), mbrl_h5s_all(), mbrl_h5s_all(), mbrl_h5p_default(), values), 0)
        H5Dclose(did); H5Pclose(dcpl); H5Sclose(space); H5Fclose(fid)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let heap = try XCTUnwrap(globalHeapOffset(bytes, outside: try rawDataExtents(path)))
        // Unchanged, it is a valid transitions file.
        let valid = try runProcess(
            Repository.executable("stats"), ["--data", "chunked.h5", "--out", "ok.h5"], in: dir.path,
            environment: Self.environment, timeout: Self.hangLimit)
        XCTAssertEqual(valid.result.status, 0, valid.result.stderr)
        return (bytes, heap)
    }

    /// A size in the global heap near 2^63: HDF5 1.10 copies that many bytes and faults. The stage
    /// reports the damaged file instead of dying by SIGSEGV.
    func testLibraryFaultIsReportedAsDamage() throws {
        var (bytes, heap) = try writeUncheckedTransitions()
        bytes[firstHeapObjectSize(bytes, heap) + 7] ^= 0x80
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("in.h5")))
        try expectDamaged(
            "stats", ["--data", "in.h5"],
            "error: in.h5: damaged HDF5 file (the HDF5 library faulted "
                + "reading it)")
    }

    /// A global heap whose first object is free space of size 0: HDF5 1.10 loops forever on it. The
    /// watchdog ends the stage after MBRL_READ_TIMEOUT seconds (1 here).
    func testWatchdogEndsAReadThatNeverFinishes() throws {
        var (bytes, heap) = try writeUncheckedTransitions()
        for i in (heap + 16)..<(heap + 32) { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("in.h5")))
        let seconds = try expectDamaged(
            "stats", ["--data", "in.h5"],
            "error: in.h5: damaged HDF5 file (reading it "
                + "did not finish within 1 s)",
            environment: ["MBRL_READ_TIMEOUT": "1"])
        XCTAssertGreaterThanOrEqual(seconds, 1)
    }

    /// A fault while no input is being read is a bug, not a damaged file: it still ends the stage by the
    /// signal (here sent to a training run whose inputs are read and closed).
    func testFaultOutsideAnInputReadIsStillACrash() throws {
        for sig in [SIGSEGV, SIGABRT] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Repository.executable("train"))
            process.arguments = [
                "--data", "r.h5", "--stats", "s.h5", "--epochs", "1000000", "--val-fraction", "0", "--out", "long.h5"
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            process.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { _, new in new }
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // The first progress line comes after the first epoch, when the inputs are closed.
            var seen = Data()
            while !seen.contains(UInt8(ascii: "\n")) {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen.append(chunk)
            }
            kill(process.processIdentifier, sig)
            process.waitUntilExit()
            XCTAssertEqual(
                process.terminationReason, .uncaughtSignal, "signal \(sig): \(String(decoding: seen, as: UTF8.self))")
            XCTAssertEqual(process.terminationStatus, sig)
            XCTAssertFalse(
                String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("damaged"))
        }
    }

    /// Runs a stage that must fail with exactly `message` (its last line, the only `error:` line), leaving
    /// no output or temporary file; returns its duration in seconds.
    @discardableResult
    func expectDamaged(
        _ stage: String, _ arguments: [String], _ message: String, environment: [String: String] = [:],
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> Double {
        let run = try runProcess(
            Repository.executable(stage), arguments + ["--out", "out.h5"], in: dir.path,
            environment: Self.environment.merging(environment) { _, new in new }, timeout: Self.hangLimit)
        XCTAssertFalse(run.timedOut, "\(stage) hung", file: file, line: line)
        XCTAssertFalse(
            run.result.signaled,
            "\(stage) was killed by "
                + "signal \(run.result.status): \(run.result.stderr)", file: file, line: line)
        XCTAssertEqual(run.result.status, 1, run.result.stderr, file: file, line: line)
        let errors = run.result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors, [Substring(message)], run.result.stderr, file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: dir.file("out.h5")), "out.h5 must not exist", file: file, line: line)
        let temporaries = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter {
            $0.contains(".tmp-")
        }
        XCTAssertEqual(temporaries, [], "temporary files left", file: file, line: line)
        return run.seconds
    }

    // MARK: File layout

    /// The byte ranges of the datasets' raw data (contiguous storage, as in the project's files).
    func rawDataExtents(_ path: String) throws -> [Range<Int>] {
        final class Box { var extents: [Range<Int>] = [] }
        let box = Box()
        let fid = H5Fopen(path, mbrl_h5f_acc_rdonly(), mbrl_h5p_default())
        XCTAssertGreaterThanOrEqual(fid, 0)
        defer { H5Fclose(fid) }
        let status = H5Ovisit2(
            fid, H5_INDEX_NAME, H5_ITER_NATIVE,
            { obj, name, info, data in
                guard let name, let info, info.pointee.type == H5O_TYPE_DATASET else { return 0 }
                let box = Unmanaged<Box>.fromOpaque(data!).takeUnretainedValue()
                let did = H5Dopen2(obj, name, mbrl_h5p_default())
                defer { H5Dclose(did) }
                let offset = H5Dget_offset(did), size = H5Dget_storage_size(did)
                if offset != haddr_t.max, size > 0 { box.extents.append(Int(offset)..<Int(offset) + Int(size)) }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque(), UInt32(H5O_INFO_BASIC))
        XCTAssertGreaterThanOrEqual(status, 0)
        return box.extents
    }

    /// The offset of the first global heap collection (`GCOL`, version 1) outside the raw data.
    func globalHeapOffset(_ bytes: [UInt8], outside raw: [Range<Int>]) -> Int? {
        let signature = Array("GCOL".utf8) + [1]
        for i in 0..<(bytes.count - signature.count)
        where bytes[i] == signature[0] && !raw.contains(where: { $0.contains(i) }) {
            if Array(bytes[i..<(i + signature.count)]) == signature { return i }
        }
        return nil
    }
}

/// Outcomes collected by the worker threads.
private final class OutcomeList: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [DamagedFileTests.Outcome] = []

    func append(_ outcome: DamagedFileTests.Outcome) {
        lock.lock()
        defer { lock.unlock() }
        outcomes.append(outcome)
    }

    var all: [DamagedFileTests.Outcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
