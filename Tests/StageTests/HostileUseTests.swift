import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// The second reliability pass: outputs that name inputs, odd output paths, sizes beyond memory, an
/// unwritable standard error, outputs their own readers would refuse, episode summaries that
/// disagree with the rows, and the thread count kept out of the bytes.
extension ReliabilityTests {
    func sha(_ name: String) throws -> String { try Provenance.sha256(ofFile: dir.file(name)) }

    func testOutputThatNamesAnInputIsRefused() throws {
        let before = (try sha("r.h5"), try sha("s.h5"), try sha("m.h5"))
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        XCTAssertEqual(link(dir.file("r.h5"), dir.file("hard.h5")), 0)
        XCTAssertEqual(symlink("r.h5", dir.file("soft.h5")), 0)
        let refused = "is also an input of this stage"
        try expectFailure(
            "stats", ["--data", "r.h5"], message: "error: r.h5: \(refused)", prefix: true, out: "r.h5", keepsOut: true)
        try expectFailure(
            "stats", ["--data", "r.h5"], message: "error: ./sub/../r.h5: \(refused) (as r.h5)", prefix: true,
            out: "./sub/../r.h5", keepsOut: true)
        try expectFailure(
            "stats", ["--data", "r.h5"], message: "error: hard.h5: \(refused) (as r.h5)", prefix: true, out: "hard.h5",
            keepsOut: true)
        try expectFailure(
            "stats", ["--data", "soft.h5"], message: "error: r.h5: \(refused) (as soft.h5)", prefix: true, out: "r.h5",
            keepsOut: true)
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s.h5"], message: "error: s.h5: \(refused)", prefix: true,
            out: "s.h5", keepsOut: true)
        try expectFailure(
            "train", ["--data", "r.h5", "--stats", "s.h5", "--init", "m.h5"], message: "error: m.h5: \(refused)",
            prefix: true, out: "m.h5", keepsOut: true)
        try expectFailure(
            "evaluate", ["--model", "m.h5", "--data", "r.h5"], message: "error: r.h5: \(refused)", prefix: true,
            out: "r.h5", keepsOut: true)
        try expectFailure(
            "plan", ["--model", "m.h5"], message: "error: m.h5: \(refused)", prefix: true, out: "m.h5", keepsOut: true)
        // summarize and report read whole run folders: none of their files may be the output.
        try FileManager.default.createDirectory(atPath: dir.file("run"), withIntermediateDirectories: true)
        XCTAssertEqual(link(dir.file("r.h5"), dir.file("run/test.h5")), 0)
        try expectFailure(
            "summarize", ["--runs", "run"], message: "error: run/test.h5: \(refused)", prefix: true, out: "run/test.h5",
            keepsOut: true)
        try expectFailure(
            "report", ["--runs", "run"], message: "error: r.h5: \(refused) (as run/test.h5)", prefix: true, out: "r.h5",
            keepsOut: true)
        XCTAssertEqual(try sha("r.h5"), before.0)
        XCTAssertEqual(try sha("s.h5"), before.1)
        XCTAssertEqual(try sha("m.h5"), before.2)
    }

    func testOutputPathsThatAreNotFileNamesAreUsageErrors() throws {
        for out in [".", "..", "a/.", "a/..", "sub/", ""] {
            try expectFailure(
                "stats", ["--data", "r.h5"], status: 64, message: "--out '\(out)' ", prefix: true, out: out,
                keepsOut: true)
            try expectFailure(
                "summarize", ["--runs", "."], status: 64, message: "--out '\(out)' ", prefix: true, out: out,
                keepsOut: true)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("a")), "no folder made for a refused output")
    }

    func testSizesBeyondMemoryFailBeforeTheWork() throws {
        try expectFailure(
            "collect", ["--episodes", "1000000000"],
            message: "error: --episodes 1000000000 × 200 steps: the transitions need 6.8 TB, more "
                + "than the ", prefix: true)
        try expectFailure(
            "plan", ["--model", "m.h5", "--candidates", "1000000", "--horizon", "10000"],
            message: "error: --candidates 1000000 × --horizon 10000 and --episodes 5 × 200 steps: the "
                + "planner and the transitions need ", prefix: true)
        try expectFailure(
            "plan", ["--model", "m.h5", "--planner", "icem", "--candidates", "1000000", "--horizon", "10000"],
            message: "error: --candidates 1000000 × --horizon 10000 and --episodes 5 × 200 steps: the "
                + "planner and the transitions need ", prefix: true)
        try expectFailure(
            "collect", ["--episodes", "4611686018427387904", "--max-steps", "1000"],
            message: "error: --episodes 4611686018427387904 × 1000 steps: the transitions need more "
                + "than 2^63 bytes", prefix: true)
        // Aggregated minibatches hold --batch-size rows: beyond memory, an error.
        try expectFailure(
            "train",
            [
                "--data", "r.h5", "r.h5", "--stats", "s.h5", "--new-data-fraction", "0.5", "--batch-size",
                "1000000000000"
            ],
            message: "error: --batch-size 1000000000000: the training buffers of 1000000000000 " + "rows need ",
            prefix: true)
        // Under an address-space limit the same plan that fits the machine is refused before it starts.
        let limited = try runProcess(
            "/bin/bash",
            [
                "-c",
                "ulimit -v 4000000; exec \(Repository.executable("plan")) "
                    + "--model m.h5 --candidates 100000 --horizon 4000 --episodes 1 --out p.h5"
            ], in: dir.path)
        XCTAssertFalse(limited.signaled, limited.stderr)
        XCTAssertEqual(limited.status, 1, limited.stderr)
        XCTAssertTrue(limited.stderr.contains("this process may use"), limited.stderr)
        // A pooled batch larger than the data is the whole data, as PyTorch's DataLoader gives it:
        // the same model as a batch of exactly the data's size.
        let huge = try runProcess(
            Repository.executable("train"),
            ["--data", "r.h5", "--stats", "s.h5", "--epochs", "2", "--batch-size", "1000000000000", "--out", "mh.h5"],
            in: dir.path)
        XCTAssertEqual(huge.status, 0, huge.stderr)
        let exact = try runProcess(
            Repository.executable("train"),
            ["--data", "r.h5", "--stats", "s.h5", "--epochs", "2", "--batch-size", "600", "--out", "me.h5"],
            in: dir.path)
        XCTAssertEqual(exact.status, 0, exact.stderr)
        let (a, _) = try DynamicsModel.read(fromFile: dir.file("mh.h5")),
            (b, _) = try DynamicsModel.read(fromFile: dir.file("me.h5"))
        XCTAssertEqual(a.network.parameters.array, b.network.parameters.array)
    }

    func testUnwritableStandardErrorNeverFailsAStage() throws {
        let stats = Repository.executable("stats")
        for (label, redirect) in [("full disk", "2>/dev/full"), ("closed", "2>&-")] {
            let ok = try runProcess(
                "/bin/bash",
                [
                    "-c",
                    "\(stats) --data r.h5 --out "
                        + "s-\(label.count).h5 \(redirect)"
                ], in: dir.path)
            XCTAssertFalse(ok.signaled, label)
            XCTAssertEqual(ok.status, 0, "\(label): \(ok.stderr)")
            XCTAssertNoThrow(try NormalizationStats.read(fromFile: dir.file("s-\(label.count).h5")), label)
            let failing = try runProcess(
                "/bin/bash", ["-c", "\(stats) --data missing.h5 --out x.h5 \(redirect)"], in: dir.path)
            XCTAssertFalse(failing.signaled, label)
            XCTAssertEqual(failing.status, 1, label)
        }
        // Standard error a pipe whose reader has gone: progress lines fail with EPIPE, not SIGPIPE.
        let piped = try runProcess(
            "/bin/bash",
            [
                "-c",
                "{ \(Repository.executable("train")) --data r.h5 --stats "
                    + "s.h5 --epochs 30 --out mp.h5; echo $? > status; } 2>&1 >/dev/null | head -c 0"
            ], in: dir.path)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try String(contentsOfFile: dir.file("status"), encoding: .utf8), "0\n")
        XCTAssertNoThrow(try DynamicsModel.read(fromFile: dir.file("mp.h5")))
    }

    func testStagesRefuseToWriteWhatTheirReadersRefuse() throws {
        // Finite data whose statistics overflow Float32: state changes of ±6e38.
        let extreme = ShapedArray(shape: [10, 3], values: (0..<30).map { $0 % 2 == 0 ? Float(3e38) : -Float(3e38) })
        let flipped = ShapedArray(shape: [10, 3], values: extreme.values.map { -$0 })
        try writeTransitions("extreme.h5", replace: ["observations": extreme, "next_observations": flipped])
        try expectFailure(
            "stats", ["--data", "extreme.h5"],
            message: "error: extreme.h5: cannot compute statistics: delta_state_std[0] is infinite", prefix: true)
        // Evaluating on that data: the model's predictions or errors overflow.
        try expectFailure(
            "evaluate", ["--model", "m.h5", "--data", "extreme.h5"],
            message: "error: m.h5: on "
                + "extreme.h5, ", prefix: true)
        // A start the environment cannot step from (θ̇ beyond Float32 range).
        let starts = try HDF5File.create(at: dir.file("starts.h5"))
        try InitialStates.write([[0, 1e300]], stateSize: 2, to: try starts.root)
        try starts.close()
        try expectFailure(
            "plan", ["--model", "m.h5", "--episodes", "1", "--initial-states", "starts.h5"],
            message: "error: starts.h5: initial_states: row 0 gives a non-finite observation")
        let large = try HDF5File.create(at: dir.file("large.h5"))
        try InitialStates.write([[0, 1e38]], stateSize: 2, to: try large.root)
        try large.close()
        try expectFailure(
            "plan", ["--model", "m.h5", "--episodes", "1", "--initial-states", "large.h5"],
            message: "error: large.h5: episode 1 reaches a non-finite observation or reward at step 1 "
                + "(from row 0 of large.h5)", prefix: true)
    }

    func testEpisodeSummariesMustAgreeWithTheRows() throws {
        func rewrite(_ name: String, _ change: (inout Transitions) -> Void) throws {
            var t = try Transitions.read(from: dir.file("r.h5"))
            change(&t)
            // Written without the writer's own check, as another tool could.
            let file = try HDF5File.create(at: dir.file(name))
            let root = try file.root
            try root.setAttribute("format", "mbrl.transitions/1")
            try root.write(t.observations, shape: [t.count, 3], to: "observations")
            try root.write(t.actions, shape: [t.count, 1], to: "actions")
            try root.write(t.nextObservations, shape: [t.count, 3], to: "next_observations")
            try root.write(t.rewards, shape: [t.count], to: "rewards")
            try root.write(t.terminals, shape: [t.count], to: "terminals")
            try root.write(t.timeouts, shape: [t.count], to: "timeouts")
            if !t.episodeLengths.isEmpty {
                let episodes = try root.createGroup("episodes")
                try episodes.write(t.episodeReturns, shape: [t.episodeReturns.count], to: "returns")
                try episodes.write(t.episodeLengths, shape: [t.episodeLengths.count], to: "lengths")
                try episodes.write(t.episodeSeeds, shape: [t.episodeSeeds.count], to: "seeds")
            }
            try file.close()
        }
        // Lengths that add up but cut episodes where no flag is: k-step windows would cross them.
        try rewrite("shifted.h5") { $0.episodeLengths = [150, 250, 200] }
        try expectFailure(
            "evaluate", ["--model", "m.h5", "--data", "shifted.h5"],
            message: "error: shifted.h5: episodes: lengths disagree with terminals/timeouts: episode "
                + "0 ends at row 149, which has no end flag")
        try rewrite("early.h5") { $0.timeouts[10] = true }
        try expectFailure(
            "stats", ["--data", "early.h5"],
            message: "error: early.h5: episodes: lengths disagree with terminals/timeouts: episode 0 "
                + "(rows 0..<200) has an end flag at row 10")
        try rewrite("returns.h5") { $0.episodeReturns[1] += 100 }
        try expectFailure(
            "stats", ["--data", "returns.h5"],
            message: "error: returns.h5: episodes: the return of "
                + "episode 1 (", prefix: true)
        // Without episodes/, the summaries come from the flags and the rewards: no NaN statistics.
        let original = try Transitions.read(from: dir.file("r.h5"))
        try rewrite("bare.h5") {
            $0.episodeLengths = []; $0.episodeReturns = []; $0.episodeSeeds = []
        }
        let bare = try Transitions.read(from: dir.file("bare.h5"))
        XCTAssertEqual(bare.episodeLengths, original.episodeLengths)
        XCTAssertEqual(bare.episodeSeeds, [-1, -1, -1])
        for (derived, recorded) in zip(bare.episodeReturns, original.episodeReturns) {
            XCTAssertEqual(derived, recorded, accuracy: 1e-6 * abs(recorded))
        }
        let evaluated = try runProcess(
            Repository.executable("evaluate"),
            ["--model", "m.h5", "--data", "r.h5", "--rollouts", "bare.h5", "--out", "e.h5"], in: dir.path)
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let file = try HDF5File.open(at: dir.file("e.h5"))
        XCTAssertTrue(try file.root.readScalar("rollouts/0/mean", as: Double.self).isFinite)
    }

    func testThreadCountDoesNotChangeTheBytes() throws {
        var hashes: [String] = []
        for (folder, threads) in [("one", ["--threads", "1"]), ("two", ["--threads=2"]), ("all", [])] {
            try FileManager.default.createDirectory(atPath: dir.file(folder), withIntermediateDirectories: true)
            let result = try runProcess(
                Repository.executable("plan"),
                ["--model", "../m.h5", "--episodes", "1", "--max-steps", "20"]
                    + threads + ["--out", "p.h5"], in: dir.file(folder))
            XCTAssertEqual(result.status, 0, result.stderr)
            hashes.append(try sha(folder + "/p.h5"))
        }
        XCTAssertEqual(Set(hashes).count, 1, "the same plan with 1, 2 and all threads gives the same bytes")
        XCTAssertEqual(
            try HDF5File.open(at: dir.file("two/p.h5")).root.stringAttribute("command"),
            "plan --model ../m.h5 --episodes 1 --max-steps 20 --out p.h5")
    }
}
