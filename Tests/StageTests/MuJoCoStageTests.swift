import Foundation
import MBRL
import MBRLTestSupport
import XCTest

/// The release-built stages on the MuJoCo tasks: run from a folder that holds nothing but their
/// outputs (the models are embedded), and their files carry what the MuJoCo tasks add.
final class MuJoCoStageTests: XCTestCase {
    let collect = Repository.executable("collect")

    override func setUpWithError() throws {
        try Repository.requireCurrentPrograms()
    }

    /// Hopper's random episodes end in unhealthy states (terminals), the files hold infos/qpos and
    /// infos/qvel, and MuJoCo writes nothing else into the folder (no MUJOCO_LOG.TXT).
    func testCollectOnHopperAndAnt() throws {
        let dir = TemporaryDirectory()
        for (env, nq, nv) in [("hopper", 6, 6), ("Ant-v4", 15, 14)] {
            let result = try runProcess(collect, ["--env", env, "--episodes", "3", "--max-steps", "100", "--seed", "2", "--out", "\(env).h5"], in: dir.path)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(result.stdout, "")
            let t = try Transitions.read(from: dir.file("\(env).h5"))
            XCTAssertEqual(t.env, EnvironmentName(rawValue: env)?.id ?? env)
            XCTAssertEqual(t.episodeLengths.count, 3)
            XCTAssertTrue(t.actions.allSatisfy { abs($0) <= 1 })
            XCTAssertEqual(t.qposSize, nq)
            XCTAssertEqual(t.qvelSize, nv)
            XCTAssertEqual(t.infoQpos.count, t.count * nq)
            if env == "hopper" { XCTAssertEqual(t.terminals.filter { $0 }.count, 3, "random Hopper episodes fall within 100 steps") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["Ant-v4.h5", "hopper.h5"])
    }
}
