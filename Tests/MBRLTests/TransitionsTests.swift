import MBRLCore
import MBRLData
import MBRLTestSupport
import XCTest

final class TransitionsTests: XCTestCase {
    func sample() -> Transitions {
        var t = Transitions(observationSize: 2, actionSize: 1, env: "Test-v0", policy: "random")
        t.append(
            observation: [0, 1], action: [0.5], reward: -1, nextObservation: [1, 1], terminal: false, timeout: false)
        t.append(
            observation: [1, 1], action: [-0.5], reward: -2, nextObservation: [1, 3], terminal: false, timeout: true)
        t.endEpisode(return: -3, length: 2, seed: 11)
        t.append(observation: [5, 5], action: [1], reward: -4, nextObservation: [5, 6], terminal: true, timeout: false)
        t.endEpisode(return: -4, length: 1, seed: 12)
        return t
    }

    func testRoundTripAndEpisodeRanges() throws {
        let dir = TemporaryDirectory()
        let t = sample()
        XCTAssertEqual(t.episodeRanges, [0..<2, 2..<3])
        let provenance = try Provenance(
            format: FileFormat.transitions.rawValue, seed: 3, command: ["collect"], config: ["a": 1], inputPaths: [])
        let file = try HDF5File.create(at: dir.file("t.h5"))
        try t.write(to: try file.root, provenance: provenance)
        try file.close()
        let back = try Transitions.read(from: dir.file("t.h5"))
        XCTAssertEqual(back.observations, t.observations)
        XCTAssertEqual(back.nextObservations, t.nextObservations)
        XCTAssertEqual(back.actions, t.actions)
        XCTAssertEqual(back.rewards, t.rewards)
        XCTAssertEqual(back.terminals, t.terminals)
        XCTAssertEqual(back.timeouts, t.timeouts)
        XCTAssertEqual(back.episodeReturns, [-3, -4])
        XCTAssertEqual(back.episodeLengths, [2, 1])
        XCTAssertEqual(back.episodeSeeds, [11, 12])
        XCTAssertEqual(back.env, "Test-v0")
        let root = try HDF5File.open(at: dir.file("t.h5")).root
        XCTAssertEqual(try root.stringAttribute("config"), #"{"a":1}"#)
        XCTAssertEqual(try root.intAttribute("seed"), 3)
    }

    func testStatisticsArePopulationMomentsWithAFloor() {
        let stats = NormalizationStats(of: [sample()])
        XCTAssertEqual(stats.count, 3)
        XCTAssertEqual(stats.stateMean, [2, 7.0 / 3])
        // Component 0 of the states is (0, 1, 5): mean 2, squared deviations 4, 1, 9.
        let expectedStd: Double = (14.0 / 3).squareRoot()
        XCTAssertEqual(stats.stateStd[0], Float(expectedStd), accuracy: 1e-6)
        XCTAssertEqual(stats.actionMean[0], 1.0 / 3, accuracy: 1e-7)
        XCTAssertEqual(stats.deltaStateMean, [1.0 / 3, 1])
        // Δ of component 0 is (1, 0, 0): std √(2/9). Component 1 is (0, 2, 1).
        XCTAssertEqual(stats.deltaStateStd[0], Float((2.0 / 9).squareRoot()), accuracy: 1e-6)
        var constant = Transitions(observationSize: 1, actionSize: 1, env: "c", policy: "p")
        constant.append(observation: [1], action: [0], reward: 0, nextObservation: [1], terminal: true, timeout: false)
        XCTAssertEqual(
            NormalizationStats(of: [constant]).deltaStateStd, [1],
            "a component that never varies "
                + "gets std 1")
    }
}
