import Foundation
import MBRLTestSupport
import XCTest

/// `make sweep SCHEDULER=slurm` against a real SLURM 22.05: a one-node cluster on 127.0.0.1
/// (scripts/slurm-local-cluster), started for the test and stopped after it, whatever the outcome.
/// The sweep through SLURM gives the same files, byte for byte, as the same sweep run locally; a run
/// made to fail is reported with its log, and the next submission resubmits that run alone.
final class SlurmSweepTests: XCTestCase {
    let script = Repository.root.path + "/scripts/slurm-local-cluster"

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// Installs the SLURM packages when missing (root, as in CI; `make test` does it first), or skips.
    func requireSLURM() throws {
        let missing = ["slurmctld", "slurmd", "sbatch", "munged"].filter { name in
            !["/usr/sbin/", "/usr/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + name) }
        }
        guard !missing.isEmpty else { return }
        try XCTSkipIf(
            getuid() != 0,
            "SLURM is not installed (missing \(missing.joined(separator: ", "))): run "
                + "`sudo scripts/slurm-local-cluster install` or `make test` as root")
        let install = try runProcess(script, ["install"], timeout: 600)
        XCTAssertEqual(install.result.status, 0, install.result.stderr)
    }

    func testSweepOnSlurmMatchesTheLocalSweepAndResubmitsOnlyAFailedRun() throws {
        try requireSLURM()
        let cluster = TemporaryDirectory("mbrl-slurm-cluster")
        let start = try runProcess(script, ["start", cluster.path], timeout: 60)
        addTeardownBlock { [script, weak self] in
            let stop = try? runProcess(script, ["stop", cluster.path], timeout: 60)
            print(stop?.result.stdout ?? "", stop?.result.stderr ?? "", terminator: "")
            // The cluster's logs stay for a failed test (the path is printed above), not for a passed one.
            if self?.testRun?.totalFailureCount == 0 { try? FileManager.default.removeItem(atPath: cluster.path) }
        }
        print(start.result.stdout, terminator: "")
        XCTAssertEqual(start.result.status, 0, start.result.stderr)
        guard start.result.status == 0 else { return }
        let slurmEnvironment = ["SLURM_CONF": cluster.path + "/slurm.conf"]

        let local = TemporaryDirectory("mbrl-sweep-local"), shared = TemporaryDirectory("mbrl-sweep-slurm")
        let sweep = Sweeps.tiny + ["SEEDS=0 1", "GRID=HORIZON=2,3"]
        // TARGET_CPU=native: the same programs as the local sweep (the portable build is the default).
        let slurm = [
            "DATA=\(shared.path)", "SCHEDULER=slurm", "TARGET_CPU=native", "SLURM_CPUS=1", "SLURM_MEM=500M",
            "SLURM_TIME=10:00"
        ]
        func submit() throws -> ProcessResult {
            try Sweeps.make(["sweep"] + slurm + sweep, environment: slurmEnvironment)
        }
        func wait() throws -> ProcessResult {
            try Sweeps.make(
                ["sweep-wait", "DATA=\(shared.path)", "SLURM_POLL=1"], environment: slurmEnvironment, timeout: 240)
        }

        let reference = try Sweeps.make(["-j2", "sweep", "DATA=\(local.path)"] + sweep)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = try Sweeps.runFiles(local.path + "/pendulum")
        // Each run's 18 files, params/report, and the stamps of its 9 outputs (2 files each).
        XCTAssertEqual(expected.count, 4 * (18 + 1 + 18), expected.keys.sorted().joined(separator: "\n"))

        // Submitted: one array of the four runs, a summary job after it; wait, then the same bytes.
        var clock = Date()
        let submitted = try submit()
        XCTAssertEqual(submitted.status, 0, submitted.stderr)
        XCTAssertTrue(submitted.stdout.contains("4 of 4 runs to do"), submitted.stdout)
        XCTAssertTrue(submitted.stdout.contains("(tasks 1-4, listed in"), submitted.stdout)
        let finished = try wait()
        print(
            "SlurmSweepTests: the sweep through SLURM "
                + "took \(String(format: "%.1f", Date().timeIntervalSince(clock))) s")
        XCTAssertEqual(finished.status, 0, finished.stdout + finished.stderr)
        XCTAssertTrue(finished.stdout.contains(": 4 done; summary job"), finished.stdout)
        let root = shared.path + "/pendulum"
        XCTAssertEqual(try Sweeps.runFiles(root), expected, "the runs' files through SLURM are the local sweep's")
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: root + "/sweep.csv")),
            try Data(contentsOf: URL(fileURLWithPath: local.path + "/pendulum/sweep.csv")))
        XCTAssertTrue(finished.stdout.contains("HORIZON-3  3"), "the table at the end: \(finished.stdout)")
        // Per-task logs in a predictable place, listed by task with the make arguments sweep-grid gave it.
        XCTAssertEqual(
            try String(contentsOfFile: root + "/slurm/tasks", encoding: .utf8),
            "1 HORIZON-2/seed-0 POINT=HORIZON-2 SEED=0\n2 HORIZON-2/seed-1 POINT=HORIZON-2 SEED=1\n"
                + "3 HORIZON-3/seed-0 POINT=HORIZON-3 SEED=0\n4 HORIZON-3/seed-1 POINT=HORIZON-3 SEED=1\n")
        for task in 1...4 {
            let log = try String(contentsOfFile: root + "/slurm/logs/task-\(task).log", encoding: .utf8)
            XCTAssertTrue(log.hasSuffix("mbrl-sweep-exit 0\n"), log)
            XCTAssertTrue(log.contains("evaluate --model model-1.h5"), log)
        }

        // A run made to fail (its folder is a file): the task fails, is reported with its log, and the
        // summary job does not run.
        let broken = root + "/HORIZON-3/seed-1"
        try FileManager.default.removeItem(atPath: broken)
        XCTAssertTrue(FileManager.default.createFile(atPath: broken, contents: Data("in the way\n".utf8)))
        let resubmitted = try submit()
        XCTAssertEqual(resubmitted.status, 0, resubmitted.stderr)
        XCTAssertTrue(resubmitted.stdout.contains("1 of 4 runs to do (3 up to date)"), resubmitted.stdout)
        XCTAssertTrue(resubmitted.stdout.contains("(tasks 4, listed in"), resubmitted.stdout)
        let failed = try wait()
        XCTAssertNotEqual(failed.status, 0, failed.stdout)
        XCTAssertTrue(failed.stdout.contains("4      FAILED (exit 2)"), failed.stdout)
        XCTAssertTrue(
            failed.stdout.contains(
                "--- task 4 (\(broken)) failed; its "
                    + "log, \(root)/slurm/logs/task-4.log:"), failed.stdout)
        XCTAssertTrue(failed.stdout.contains("File exists"), "the log's lines: \(failed.stdout)")
        XCTAssertTrue(
            failed.stdout.contains("summary job") && failed.stdout.contains("not run: a task failed"), failed.stdout)
        let status = try Sweeps.make(["sweep-status", "DATA=\(shared.path)"], environment: slurmEnvironment)
        XCTAssertNotEqual(status.status, 0)
        XCTAssertTrue(status.stdout.contains("1 FAILED, 3 up-to-date"), status.stdout)

        // Repaired, the next submission resubmits that run alone, and the sweep is whole again.
        try FileManager.default.removeItem(atPath: broken)
        clock = Date()
        let rerun = try submit()
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(
            rerun.stdout.contains("1 of 4 runs to do (3 up to date)") && rerun.stdout.contains("(tasks 4, listed in"),
            rerun.stdout)
        let repaired = try wait()
        print(
            "SlurmSweepTests: the rerun of one task "
                + "took \(String(format: "%.1f", Date().timeIntervalSince(clock))) s")
        XCTAssertEqual(repaired.status, 0, repaired.stdout + repaired.stderr)
        XCTAssertEqual(try Sweeps.runFiles(root), expected)
        let done = try submit()
        XCTAssertTrue(
            done.stdout.contains("0 of 4 runs to do") && done.stdout.contains("nothing to submit"), done.stdout)

        // clean-runs takes the grid's folders and the SLURM folder.
        XCTAssertEqual(try Sweeps.make(["clean-runs", "DATA=\(shared.path)"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root))
    }
}
