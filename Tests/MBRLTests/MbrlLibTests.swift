import Foundation
@testable import MBRLCore
@testable import MBRLEnvironments
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// A model file written by `train --members 3 --elite-members 2 --hidden 16 --depth 2` (Fixtures/
/// mbrl_lib_ensemble.h5) against what mbrl-lib 0.2.0's `GaussianMLP` computed after loading it with
/// `strict=True` (Fixtures/mbrl_lib_vectors.h5, written by scripts/check_with_mbrl_lib.py).
final class MbrlLibTests: XCTestCase {
    func testEnsembleFilePredictsWhatMbrlLibPredicts() throws {
        let (model, env) = try EnsembleModel.read(fromFile: Repository.fixture("mbrl_lib_ensemble.h5"))
        XCTAssertEqual(env, "Pendulum-v1")
        let vectors = try HDF5File.open(at: Repository.fixture("mbrl_lib_vectors.h5")).root
        let obs = try vectors.read("observations", as: Float.self).values,
            act = try vectors.read("actions", as: Float.self).values
        let inputs = try vectors.read("inputs", as: Float.self).values
        let n = act.count, b = model.config.members, o = 3
        XCTAssertEqual(try vectors.read("member_mean", as: Float.self).shape, [b, n, o])

        // The network on mbrl-lib's normalized inputs: every member's mean and log-variance.
        var normalized = [Float](repeating: 0, count: n * 4)
        model.normalizedInputs(observations: obs, actions: act, count: n, into: &normalized)
        XCTAssertEqual(maxRelativeError(normalized, inputs, floor: 1).0, 0, accuracy: 1e-6)
        let network = model.network
        network.reserve(rows: n)
        network.forward(Array(repeating: inputs, count: b).flatMap { $0 }, count: n)
        let mean = try vectors.read("member_mean", as: Float.self).values,
            logvar = try vectors.read("member_logvar", as: Float.self).values
        for i in 0..<(b * n * o) {
            XCTAssertEqual(network.head[(i / o) * 6 + i % o], mean[i], accuracy: 1e-5, "mean \(i)")
            XCTAssertEqual(network.logvar[i], logvar[i], accuracy: 1e-5, "logvar \(i)")
        }

        // Next observations in observation units, per member, and the elites' expectation.
        let (nextMean, nextVariance) = model.predictMembers(observations: obs, actions: act)
        let expectedMean = try vectors.read("next_mean", as: Float.self).values
        let expectedVariance = try vectors.read("next_variance", as: Float.self).values
        XCTAssertLessThan(maxRelativeError(nextMean, expectedMean, floor: 1).0, 1e-5)
        XCTAssertLessThan(maxRelativeError(nextVariance, expectedVariance, floor: 1e-6).0, 1e-4)
        let expectation = try vectors.read("expectation_mean", as: Float.self).values
        var next = [Float](repeating: 0, count: n * o)
        let dynamics = model.meanDynamics(capacity: n)
        dynamics.predict(observations: obs, actions: act, count: n, into: &next)
        for r in 0..<n {
            for j in 0..<o {
                let s = model.stats
                let expected = obs[r * o + j] + s.deltaStateStd[j] * expectation[r * o + j] + s.deltaStateMean[j]
                XCTAssertEqual(next[r * o + j], expected, accuracy: 2e-5, "expectation row \(r)")
            }
        }
    }
}
