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

    /// Writes `sample()`'s datasets as a transitions file, with `observations` and the episode returns
    /// given (values `write(to:)` would refuse), and `episodes/` only when `summaries`.
    func writeSample(
        at path: String, observations: [Float]? = nil, returns: [Double] = [-3, -4], summaries: Bool = true
    ) throws {
        let t = sample()
        let file = try HDF5File.create(at: path)
        let root = try file.root
        try Provenance(
            format: FileFormat.transitions.rawValue, seed: 3, command: ["collect"], config: [:], inputPaths: []
        ).write(to: root)
        try root.write(observations ?? t.observations, shape: [3, 2], to: "observations")
        try root.write(t.actions, shape: [3, 1], to: "actions")
        try root.write(t.nextObservations, shape: [3, 2], to: "next_observations")
        try root.write(t.rewards, shape: [3], to: "rewards")
        try root.write(t.terminals, shape: [3], to: "terminals")
        try root.write(t.timeouts, shape: [3], to: "timeouts")
        if summaries {
            let episodes = try root.createGroup("episodes")
            try episodes.write(returns, shape: [2], to: "returns")
            try episodes.write(t.episodeLengths, shape: [2], to: "lengths")
            try episodes.write(t.episodeSeeds, shape: [2], to: "seeds")
        }
        try file.close()
    }

    /// The learning curve's read: the rows and the episode returns from `rewards`, the end flags and
    /// `episodes/` alone, checked as the whole read checks them; the observations are not read.
    func testEpisodeReturnsAreReadWithoutTheObservations() throws {
        let dir = TemporaryDirectory()
        try writeSample(at: dir.file("t.h5"))
        let episodes = try Transitions.readEpisodeReturns(from: dir.file("t.h5"))
        XCTAssertEqual(episodes.rows, 3)
        XCTAssertEqual(episodes.returns, try Transitions.read(from: dir.file("t.h5")).episodeReturns)

        // Observations the whole read refuses are not read.
        try writeSample(at: dir.file("nan.h5"), observations: [0, 1, .nan, 1, 5, 5])
        XCTAssertThrowsError(try Transitions.read(from: dir.file("nan.h5"))) {
            XCTAssertTrue("\($0)".contains("observations"), "\($0)")
        }
        XCTAssertEqual(try Transitions.readEpisodeReturns(from: dir.file("nan.h5")).returns, [-3, -4])

        // Summaries that disagree with the rewards are refused, naming the file; none are derived.
        try writeSample(at: dir.file("bad.h5"), returns: [-3, -5])
        XCTAssertThrowsError(try Transitions.readEpisodeReturns(from: dir.file("bad.h5"))) {
            XCTAssertTrue("\($0)".contains("bad.h5"), "\($0)")
            XCTAssertTrue("\($0)".contains("the return of episode 1 (-5.0) is not the sum"), "\($0)")
        }
        try writeSample(at: dir.file("derived.h5"), summaries: false)
        XCTAssertEqual(try Transitions.readEpisodeReturns(from: dir.file("derived.h5")).returns, [-3, -4])
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

    /// `train`'s and `value`'s read: the files and the statistics together, or one error naming the
    /// file to blame (the statistics of other sizes, a file of another environment).
    func testTrainingDataIsCheckedAgainstItsStatisticsAndTheFirstFilesEnvironment() throws {
        let dir = TemporaryDirectory()
        func write(_ t: Transitions, _ name: String) throws {
            let file = try HDF5File.create(at: dir.file(name))
            try t.write(
                to: try file.root,
                provenance: try Provenance(
                    format: FileFormat.transitions.rawValue, seed: 0, command: ["collect"], config: [:],
                    inputPaths: []))
            try file.close()
        }
        func writeStats(of t: Transitions, _ name: String) throws {
            let file = try HDF5File.create(at: dir.file(name))
            let root = try file.root
            try Provenance(format: FileFormat.stats.rawValue, seed: 0, command: ["stats"], config: [:], inputPaths: [])
                .write(to: root)
            try NormalizationStats(of: [t]).write(to: root)
            try file.close()
        }
        let t = sample()
        var other = Transitions(observationSize: 2, actionSize: 1, env: "Other-v0", policy: "random")
        other.append(
            observation: [0, 0], action: [0], reward: 0, nextObservation: [0, 1], terminal: true, timeout: false)
        other.endEpisode(return: 0, length: 1, seed: 1)
        var wide = Transitions(observationSize: 3, actionSize: 1, env: "Test-v0", policy: "random")
        wide.append(
            observation: [0, 0, 0], action: [0], reward: 0, nextObservation: [0, 1, 0], terminal: true, timeout: false)
        wide.endEpisode(return: 0, length: 1, seed: 1)
        try write(t, "a.h5")
        try write(t, "b.h5")
        try write(other, "other.h5")
        try writeStats(of: t, "s.h5")
        try writeStats(of: wide, "wide.h5")

        let (read, stats) = try TrainingData.read([dir.file("a.h5"), dir.file("b.h5")], stats: dir.file("s.h5"))
        XCTAssertEqual(read.map(\.count), [3, 3])
        XCTAssertEqual(stats, NormalizationStats(of: [t]))

        XCTAssertThrowsError(try TrainingData.read([dir.file("a.h5"), dir.file("other.h5")], stats: dir.file("s.h5"))) {
            XCTAssertEqual(
                "\($0)", "\(dir.file("other.h5")): holds Other-v0 data, but \(dir.file("a.h5")) holds Test-v0")
        }
        XCTAssertThrowsError(try TrainingData.read([dir.file("a.h5")], stats: dir.file("wide.h5"))) {
            XCTAssertEqual(
                "\($0)",
                "\(dir.file("wide.h5")): statistics are for observations of size 3 and actions of size 1, but "
                    + "\(dir.file("a.h5")) has 2 and 1")
        }
    }
}
