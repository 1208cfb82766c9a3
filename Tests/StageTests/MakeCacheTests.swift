import Foundation
import MBRLCore
import MBRLTestSupport
import XCTest

/// What Make decides and what it refuses, tried as an unlucky cluster user and a hostile one would:
/// whether an output is current rests on content and settings, never on file times; a setting is data,
/// checked once before anything runs and never executed; a run folder is its own; an interrupted make
/// leaves nothing that a later one keeps.
final class MakeCacheTests: XCTestCase {
    let fm = FileManager.default

    func make(_ arguments: [String]) throws -> ProcessResult {
        try runProcess("/usr/bin/env", ["make", "--no-print-directory", "-C", Repository.root.path] + arguments)
    }

    func setTime(_ path: String, _ offset: TimeInterval) throws {
        try fm.setAttributes([.modificationDate: Date().addingTimeInterval(offset)], ofItemAtPath: path)
    }

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// A file dated in the future (clock skew between NFS clients) hides no change of a setting.
    func testAFileDatedInTheFutureDoesNotHideAChangedSetting() throws {
        let data = TemporaryDirectory("mbrl-skew")
        let run = data.path + "/pendulum/seed-0"
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        try setTime(run + "/random.h5", 86_400)
        XCTAssertEqual(
            try make(["-q", "DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0,
            "the same settings "
                + "are current")
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=3", "collect"]).status, 1)
        let result = try make(["DATA=\(data.path)", "EPISODES=3", "collect"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try HDF5FileSummary.rows(run + "/random.h5"), 600)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=3", "collect"]).status, 0)
    }

    /// An input replaced by another valid file that is not newer (cp -p, rsync -a) is noticed: it is
    /// remade from its own settings, and what was made from it is remade.
    func testAReplacedInputIsRemadeWhateverItsTime() throws {
        let data = TemporaryDirectory("mbrl-replaced")
        let run = data.path + "/pendulum/seed-0"
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "SEED=1", "collect"]).status, 0)
        let original = try Provenance.sha256(ofFile: run + "/random.h5")
        try fm.removeItem(atPath: run + "/random.h5")
        try fm.copyItem(atPath: data.path + "/pendulum/seed-1/random.h5", toPath: run + "/random.h5")
        try setTime(run + "/random.h5", -86_400)
        XCTAssertEqual(try make(["-q", "DATA=\(data.path)", "EPISODES=2", "collect"]).status, 1)
        let result = try make(["DATA=\(data.path)", "EPISODES=2", "collect"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("collect --env"), result.stdout)
        XCTAssertTrue(result.stdout.contains("stats --data"), result.stdout)
        XCTAssertEqual(try Provenance.sha256(ofFile: run + "/random.h5"), original)
        let stats = try HDF5File.open(at: run + "/stats.h5").root.stringAttribute("inputs")
        XCTAssertTrue(stats.contains(original), stats)
        // A changed downstream file alone is remade alone.
        try fm.removeItem(atPath: run + "/stats.h5")
        try fm.copyItem(atPath: data.path + "/pendulum/seed-1/stats.h5", toPath: run + "/stats.h5")
        let again = try make(["DATA=\(data.path)", "EPISODES=2", "collect"])
        XCTAssertFalse(again.stdout.contains("collect --env"), again.stdout)
        XCTAssertTrue(again.stdout.contains("stats --data"), again.stdout)
    }

    /// A run whose parameters cannot be recorded stops with an error instead of reporting the old
    /// outputs as current.
    func testParametersThatCannotBeRecordedStopTheRun() throws {
        let data = TemporaryDirectory("mbrl-unwritable")
        let run = data.path + "/pendulum/seed-0"
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        // A file where the parameters folder should be: not writable, even for root.
        try fm.removeItem(atPath: run + "/params")
        XCTAssertTrue(fm.createFile(atPath: run + "/params", contents: Data()))
        let result = try make(["DATA=\(data.path)", "EPISODES=4", "collect"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("cannot record the parameters"), result.stderr)
        XCTAssertEqual(try HDF5FileSummary.rows(run + "/random.h5"), 400)
    }

    /// A run folder that is a symbolic link to another run is refused: it would overwrite that run.
    func testASymbolicLinkToAnotherRunIsRefused() throws {
        let data = TemporaryDirectory("mbrl-link")
        let seed0 = data.path + "/pendulum/seed-0"
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        let before = try Provenance.sha256(ofFile: seed0 + "/random.h5")
        try fm.createSymbolicLink(atPath: data.path + "/pendulum/seed-1", withDestinationPath: "seed-0")
        for arguments in [["collect"], ["-n", "collect"], ["clean"]] {
            let result = try make(["DATA=\(data.path)", "EPISODES=2", "SEED=1"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("is a symbolic link"), result.stderr)
        }
        XCTAssertEqual(try Provenance.sha256(ofFile: seed0 + "/random.h5"), before)
    }

    /// One canonical form per seed (and per step budget), checked before anything runs, as is a
    /// setting that needs another.
    func testSeedsHaveOneFormCheckedFirst() throws {
        let data = TemporaryDirectory("mbrl-seeds")
        for (arguments, message) in [
            (["SEED=010", "collect"], "SEED must be a whole number"),
            (["SEED=08", "all"], "SEED must be a whole number"),
            (["SEED=1234567890123", "collect"], "SEED must be a whole number"),
            (["SEED=-1", "collect"], "SEED must be a whole number"),
            (["SEEDS=0 0", "sweep"], "SEEDS lists a seed twice"),
            (["SEEDS=1 01", "sweep"], "SEEDS must be whole numbers"),
            (["ITERS=101", "all"], "ITERS must be a whole number from 0 to 100"),
            (["ITERS=3x", "all"], "ITERS must be a whole number from 0 to 100"),
            (["PLAN_STEPS=0", "all"], "PLAN_STEPS must be a whole number of steps of at least 1"),
            (["RANDOM_STEPS=1e4", "collect"], "RANDOM_STEPS must be a whole number of steps of at least 1"),
            (["PITCH_PENALTY=5", "PIPELINE=halfcheetah", "all"], "PITCH_PENALTY needs PITCH_LIMIT"),
            (["PIPELINE=hopper-best", "EPISODES=3", "collect"], "EPISODES=3 would go unused: RANDOM_STEPS=10000"),
            (["PLAN_STEPS=100", "PLAN_EPISODES=2", "all"], "PLAN_EPISODES=2 would go unused: PLAN_STEPS=100")
        ] {
            let result = try make(["DATA=\(data.path)"] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: data.path), [])
        XCTAssertEqual(try make(["-n", "DATA=\(data.path)", "SEED=999999999999", "collect"]).status, 0)
    }

    /// No value given on the command line is ever executed, by Make or by a shell, even in a dry run;
    /// a path with a space is refused before anything runs.
    func testNoSettingRunsACommand() throws {
        let data = TemporaryDirectory("mbrl-hostile")
        let marker = data.file("pwned")
        for arguments in [
            ["-n", "SEED=0'`touch \(marker)`'", "collect"],
            ["-n", "SEED=$(shell touch \(marker))", "collect"],
            ["-n", "EPISODES=${shell touch \(marker)}", "collect"],
            ["-n", "POINT=LR-1';touch \(marker);'", "collect"],
            ["-n", "SEEDS=0 `touch \(marker)`", "sweep"],
            ["-n", "GRID=LR=1,2;touch \(marker)", "sweep"],
            ["-n", "TARGET_CPU=x';touch \(marker);'", "build"],
            ["PLANNER_OPTIONS=--noise 1;touch \(marker)", "collect"],
            ["-n", "SCHEDULER=slurm", "SLURM_OPTIONS=--account=x;touch \(marker)", "sweep"],
            ["clean-runs", "DATA=\(data.path)/notes.txt \(data.path)"],
            ["DATA=\(data.path)/a b", "collect"],
            ["DATA=\(data.path)/*", "collect"]
        ] {
            let result = try make(
                (arguments.contains { $0.hasPrefix("DATA=") } ? [] : ["DATA=\(data.path)"]) + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("holds"), "\(arguments): \(result.stderr)")
        }
        XCTAssertFalse(fm.fileExists(atPath: marker))
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: data.path), [])
        XCTAssertFalse(fm.fileExists(atPath: Repository.root.path + "/b"))
    }

    /// Temporaries left by an interrupted make (a SIGKILL during a copy or a parameters write) are
    /// removed by the next make, so they never reach an archive.
    func testLeftoverTemporariesAreRemoved() throws {
        let data = TemporaryDirectory("mbrl-leftovers")
        let run = data.path + "/pendulum/seed-0"
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        // A process id that is not running: one above the largest the kernel hands out.
        let dead =
            (try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.map { $0 + 1 } ?? 4_194_305
        let leftovers = [
            run + "/.test-starts.h5.tmp-\(dead)", run + "/params/.collect.tmp-\(dead)",
            run + "/stamps/.random.h5.params.tmp-\(dead)"
        ]
        for path in leftovers { XCTAssertTrue(fm.createFile(atPath: path, contents: Data("half".utf8))) }
        let alive = run + "/.random.h5.tmp-\(getpid())"
        XCTAssertTrue(fm.createFile(atPath: alive, contents: Data()))
        XCTAssertEqual(try make(["DATA=\(data.path)", "EPISODES=2", "collect"]).status, 0)
        for path in leftovers { XCTAssertFalse(fm.fileExists(atPath: path), path) }
        XCTAssertTrue(fm.fileExists(atPath: alive), "a running process's temporary stays")
    }

    /// Every temporary a recipe writes is named by its shell's process id, in the loop's iterations
    /// too (whose rules Make builds with `eval`), so the leftovers of a killed make can be told from a
    /// running one's and removed.
    func testEveryTemporaryIsNamedByItsProcess() throws {
        let data = TemporaryDirectory("mbrl-temporaries")
        let plan = try make(["-n", "DATA=\(data.path)", "ITERS=2", "all"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let names = plan.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0.contains(".tmp-") }
        XCTAssertTrue(names.contains { $0.contains("rollouts-2.h5") }, plan.stdout)
        for name in names { XCTAssertTrue(name.hasSuffix(".tmp-$$"), String(name)) }
    }

    /// What a sweep would fail on at its end is checked before its first run.
    func testSweepSettingsAreCheckedBeforeTheRuns() throws {
        let data = TemporaryDirectory("mbrl-early")
        let short = try make(["-n", "DATA=\(data.path)", "SEEDS=0", "MAX_K=5", "sweep"])
        XCTAssertEqual(short.status, 0, short.stderr)
        XCTAssertTrue(short.stdout.contains("summarize") && short.stdout.contains("--k 5"), short.stdout)
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: data.path), [])
    }
}

/// `make build` never leaves a program compiled against an older build of the libraries (SwiftPM's
/// incremental release build can skip recompiling a program after a library it imports changed; the
/// program then crashes on the library's new layouts): after it, every object file of every program
/// is newer than every module its dependency file lists (the libraries' `.swiftmodule` files it was
/// compiled against).
final class BuildTests: XCTestCase {
    /// The programs' code does not depend on the checkout's folder, so a clone elsewhere gets the same
    /// program hashes (the Makefile's objcopy leaves out only debug information, build id and module
    /// hash) and reuses every output. Swift compiles the source file's path, as given to the compiler
    /// (absolute under SwiftPM), into `#filePath` and into the check `withoutActuallyEscaping` makes; a
    /// source may use them only under a `#sourceLocation(file:)` that names the file without a folder.
    func testNoProgramCodeNamesTheCheckoutFolder() throws {
        let sources = Repository.root.appendingPathComponent("Sources")
        let files = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path)?.allObjects as? [String])
        var uses = 0
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            var location: String?  // the file name of the #sourceLocation in force, if any
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                if code.hasPrefix("//") { continue }
                if code.hasPrefix("#sourceLocation(file:") {
                    location = code.split(separator: "\"").dropFirst().first.map(String.init)
                } else if code.hasPrefix("#sourceLocation()") {
                    location = nil
                }
                guard code.contains("withoutActuallyEscaping(") || code.contains("#filePath") else { continue }
                uses += 1
                XCTAssertTrue(
                    location.map { !$0.hasPrefix("/") } ?? false,
                    "Sources/\(file):\(number + 1): the compiler's absolute path of this file goes into the program; "
                        + "put it under #sourceLocation(file: \"<Module>/<file>.swift\", line: …)")
            }
        }
        XCTAssertGreaterThan(uses, 0, "WorkerPair.run's withoutActuallyEscaping, which this test guards, is gone")
    }

    func testNoProgramIsCompiledAgainstAnOlderLibraryBuild() throws {
        try Repository.requireCurrentPrograms()
        let fm = FileManager.default
        let release = Repository.root.path + "/.build/release"
        func modified(_ path: String) -> Date? {
            try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date
        }
        for program in Repository.programs {
            let folder = release + "/" + program.replacingOccurrences(of: "-", with: "_") + ".build"  // SwiftPM's
            let files = (fm.enumerator(atPath: folder)?.allObjects as? [String] ?? [])
            let objects = files.filter { $0.hasSuffix(".o") }.compactMap { name in
                modified(folder + "/" + name).map { (name, $0) }
            }
            XCTAssertFalse(objects.isEmpty, program)
            // The modules it was compiled against, from its dependency files.
            let dependencies = try files.filter { $0.hasSuffix(".d") }.map {
                try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)
            }.joined(separator: " ")
            let modules = Set(
                dependencies.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter {
                    $0.contains("/Modules/MBRL") && $0.hasSuffix(".swiftmodule")
                })
            XCTAssertFalse(modules.isEmpty, "\(program): no library module in its dependency files")
            for module in modules {
                let built = try XCTUnwrap(modified(module), module)
                for (name, date) in objects {
                    XCTAssertGreaterThanOrEqual(
                        date, built,
                        "\(program)/\(name) was compiled before \(module): make build must compile it again")
                }
            }
        }
    }
}
