import Foundation
@testable import MBRLCore
@testable import MBRLData
@testable import MBRLEnvironments
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// The PETS ensemble: batched members against separate networks, NLL and MSE gradients against finite
/// differences in Float64, the soft log-variance bounds, the fast exponential, the ensemble's file.
final class EnsembleTests: XCTestCase {
    func randomized<S: NetworkScalar>(_ config: EnsembleConfiguration, seed: UInt64, as: S.Type) -> EnsembleMLP<S> {
        let network = EnsembleMLP<S>(config, capacity: 8)
        var rng = RandomGenerator(seed: seed)
        network.initialize(using: &rng)
        // Non-zero biases and bounds away from their initial values, so every path is exercised.
        for i in 0..<network.parameters.count { network.parameters[i] += S(0.3 * rng.normal()) }
        if !config.deterministic {
            for j in 0..<config.outputSize {
                network.parameters[network.layout.minLogvarOffset + j] = S(-2 + 0.3 * rng.normal())
                network.parameters[network.layout.maxLogvarOffset + j] = S(0.5 + 0.3 * rng.normal())
            }
        }
        return network
    }

    /// Member b of a batched ensemble computes what a one-member network with b's weights computes.
    func testBatchedEnsembleEqualsSeparateNetworks() {
        for activation in Activation.allCases {
            for deterministic in [false, true] {
                let config = EnsembleConfiguration(
                    inputSize: 4, outputSize: 3, hidden: 12, depth: 3, members: 4,
                    activation: activation, deterministic: deterministic)
                let ensemble = randomized(config, seed: 3, as: Double.self)
                var rng = RandomGenerator(seed: 4)
                let rows = 5
                let x = (0..<(4 * rows * 4)).map { _ in rng.normal() }
                ensemble.forward(x, count: rows)
                var single = config
                single.members = 1
                for b in 0..<4 {
                    let member = EnsembleMLP<Double>(single, capacity: rows)
                    for (full, one) in zip(ensemble.layout.entries, member.layout.entries) {
                        let size = one.count
                        let start = full.shape.count == 3 ? full.offset + b * size : full.offset
                        for i in 0..<size { member.parameters[one.offset + i] = ensemble.parameters[start + i] }
                    }
                    member.forward(Array(x[(b * rows * 4)..<((b + 1) * rows * 4)]), count: rows)
                    let hw = config.headWidth
                    for i in 0..<(rows * hw) {
                        XCTAssertEqual(
                            ensemble.head[b * rows * hw + i], member.head[i], accuracy: 1e-12,
                            "\(activation) member \(b) head \(i)")
                    }
                    if !deterministic {
                        for i in 0..<(rows * 3) {
                            XCTAssertEqual(ensemble.logvar[b * rows * 3 + i], member.logvar[i], accuracy: 1e-12)
                        }
                    }
                }
            }
        }
    }

    /// Central differences in Float64 for every parameter (weights, biases, both log-variance bounds)
    /// of the NLL, and of the MSE for deterministic members.
    func testLossGradientsMatchFiniteDifferences() {
        for activation in Activation.allCases {
            for deterministic in [false, true] {
                let config = EnsembleConfiguration(
                    inputSize: 3, outputSize: 2, hidden: 5, depth: 2, members: 2,
                    activation: activation, deterministic: deterministic)
                let network = randomized(config, seed: 7, as: Double.self)
                var rng = RandomGenerator(seed: 8)
                let rows = 4
                let x = (0..<(2 * rows * 3)).map { _ in rng.normal() },
                    target = (0..<(2 * rows * 2)).map { _ in rng.normal() }
                func loss() -> Double {
                    network.forward(x, count: rows)
                    return network.loss(target: target)
                }
                _ = loss()
                network.backward()
                let analytic = network.gradients.array
                let h = 1e-6
                for i in 0..<network.parameters.count {
                    let saved = network.parameters[i]
                    network.parameters[i] = saved + h
                    let plus = loss()
                    network.parameters[i] = saved - h
                    let minus = loss()
                    network.parameters[i] = saved
                    let numeric = (plus - minus) / (2 * h)
                    XCTAssertEqual(
                        analytic[i], numeric, accuracy: 1e-6 + 1e-5 * abs(numeric),
                        "parameter \(i) (\(activation), deterministic \(deterministic))")
                }
            }
        }
    }

    /// The soft bounds keep the log-variance near [min_logvar, max_logvar] (the upper bound is soft by
    /// softplus(max − min) − (max − min), 3e-5 here) and leave values well inside them nearly unchanged.
    func testLogVarianceStaysWithinTheSoftBounds() {
        let config = EnsembleConfiguration(inputSize: 2, outputSize: 1, hidden: 3, depth: 1, members: 1)
        let network = EnsembleMLP<Double>(config, capacity: 3)
        // Zero weights: the raw log-variance is the head's bias.
        for (raw, low, high) in [(-50.0, -10.0, -10.0 + 1e-9), (50.0, 0.5 - 1e-9, 0.5 + 3e-5), (-4.0, -4.01, -3.99)] {
            network.parameters.fill(0)
            network.parameters[network.layout.minLogvarOffset] = -10
            network.parameters[network.layout.maxLogvarOffset] = 0.5
            network.parameters[network.layout.biasOffset[1] + 1] = raw
            network.forward([0, 0], count: 1)
            XCTAssertGreaterThanOrEqual(network.logvar[0], low)
            XCTAssertLessThanOrEqual(network.logvar[0], high, "raw \(raw)")
        }
    }

    func testFastExponentialAndSiLU() {
        var worst: Float = 0
        for i in stride(from: -80.0, through: 80.0, by: 0.0137) {
            let x = Float(i)
            worst = max(worst, abs(FastMath.exp(x) - Foundation.exp(x)) / Foundation.exp(x))
        }
        XCTAssertLessThan(worst, 5e-7)
        let z: [Float] = (0..<21).map { Float($0) - 10.5 }, bias: [Float] = Array(repeating: 0.25, count: 21)
        var y = [Float](repeating: 0, count: 21)
        FastMath.biasSiLU(z, bias: bias, width: 21, rows: 1, into: &y)
        for i in 0..<21 {
            let x = Double(z[i] + 0.25)
            XCTAssertEqual(Double(y[i]), x / (1 + Foundation.exp(-x)), accuracy: 1e-6)
        }
    }

    func stats() -> NormalizationStats {
        NormalizationStats(
            stateMean: [0.1, -0.2, 0.3], stateStd: [0.7, 0.6, 3], actionMean: [0.05], actionStd: [1.1],
            deltaStateMean: [0.01, 0, -0.02], deltaStateStd: [0.1, 0.2, 0.5], count: 10)
    }

    /// The file holds mbrl-lib's state_dict names and shapes, and reads back bit for bit.
    func testEnsembleFileRoundTrip() throws {
        let model = EnsembleModel(stats: stats(), hidden: 8, depth: 2, members: 3, seed: 5)
        model.elites = [2, 0]
        let dir = TemporaryDirectory("mbrl-ensemble")
        let file = try HDF5File.create(at: dir.file("e.h5"))
        try file.root.setAttribute("format", FileFormat.ensemble.rawValue)
        try model.write(to: file.root, env: "Pendulum-v1")
        try file.close()
        let root = try HDF5File.open(at: dir.file("e.h5")).root
        let shapes: [String: [Int]] = [
            "hidden_layers.0.0.weight": [3, 4, 8], "hidden_layers.0.0.bias": [3, 1, 8],
            "hidden_layers.1.0.weight": [3, 8, 8],
            "mean_and_logvar.weight": [3, 8, 6], "mean_and_logvar.bias": [3, 1, 6], "min_logvar": [1, 3],
            "max_logvar": [1, 3]
        ]
        for (name, shape) in shapes { XCTAssertEqual(try root.datasetInfo(name).shape, shape, name) }
        let (back, env) = try EnsembleModel.read(fromFile: dir.file("e.h5"))
        XCTAssertEqual(env, "Pendulum-v1")
        XCTAssertEqual(back.config, model.config)
        XCTAssertEqual(back.elites, [2, 0])
        XCTAssertEqual(back.network.parameters.array, model.network.parameters.array)
        XCTAssertEqual(back.stats, model.stats)
    }
}
