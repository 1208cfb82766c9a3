@testable import MBRLCore
@testable import MBRLModels
import MBRLTestSupport
import XCTest

/// The network against PyTorch (vectors from scripts/make_torch_vectors.py), against finite
/// differences in Float64, and Adam against hand-computed steps.
final class NetworkTests: XCTestCase {
    let fixture = Repository.fixture("torch_mlp.h5")

    func torchNetwork(batchNorm: Bool, group: String) throws -> (MLP<Float>, HDF5Group) {
        let root = try HDF5File.open(at: fixture).root
        let network = MLP<Float>(
            MLPConfiguration(inputSize: 4, outputSize: 3, hidden: 16, depth: 2, batchNorm: batchNorm), capacity: 10)
        try network.loadStateDict(from: try root.openGroup(group))
        return (network, root)
    }

    func assertClose(
        _ got: [Float], _ expected: [Float], _ tolerance: Double = 1e-5, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let (error, index) = maxRelativeError(got, expected, floor: 1)
        XCTAssertLessThanOrEqual(
            error, tolerance,
            "\(what): index \(index): \(index >= 0 ? got[index] : 0) "
                + "vs \(index >= 0 ? expected[index] : 0)", file: file, line: line)
    }

    func testForwardMatchesPyTorchInBothModes() throws {
        let (network, root) = try torchNetwork(batchNorm: true, group: "initial")
        let x = try root.read("x", as: Float.self).values
        network.forward(x, count: 10, training: false)
        assertClose(
            Array(UnsafeBufferPointer(start: network.output, count: 30)),
            try root.read("eval_output", as: Float.self).values, 1e-5, "eval output")
        network.forward(x, count: 10, training: true)
        assertClose(
            Array(UnsafeBufferPointer(start: network.output, count: 30)),
            try root.read("train_output", as: Float.self).values, 1e-5, "train output")
        let loss = network.mseLoss(target: try root.read("target", as: Float.self).values)
        XCTAssertEqual(loss, try root.readScalar("train_loss", as: Double.self), accuracy: 1e-5)
    }

    func testGradientsMatchPyTorch() throws {
        for (batchNorm, prefix) in [(true, ""), (false, "nobn/")] {
            let (network, root) = try torchNetwork(batchNorm: batchNorm, group: prefix + "initial")
            network.forward(try root.read("x", as: Float.self).values, count: 10, training: true)
            _ = network.mseLoss(target: try root.read("target", as: Float.self).values)
            network.backward()
            let gradients = network.gradients.array
            for entry in network.layout.parameters {
                let expected = try root.read(prefix + "grad/" + entry.name, as: Float.self).values
                assertClose(Array(gradients[entry.range]), expected, 1e-5, "\(prefix)grad \(entry.name)")
            }
        }
    }

    /// Three Adam steps with weight decay (lr 0.01, betas 0.9/0.999, eps 1e-8, decay 1e-3), running
    /// statistics and counters included.
    func testAdamStepsMatchPyTorch() throws {
        let (network, root) = try torchNetwork(batchNorm: true, group: "initial")
        let x = try root.read("x", as: Float.self).values, target = try root.read("target", as: Float.self).values
        let adam = Adam<Float>(
            parameterCount: network.layout.parameterCount,
            config: AdamConfiguration(learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3))
        let losses = try root.read("losses", as: Double.self).values
        for step in 1...3 {
            network.forward(x, count: 10, training: true)
            XCTAssertEqual(network.mseLoss(target: target), losses[step - 1], accuracy: 1e-5, "loss of step \(step)")
            network.backward()
            adam.update(parameters: network.parameters, gradients: network.gradients)
            guard step == 1 || step == 3 else { continue }
            let expected = MLP<Float>(network.config, capacity: 1)
            try expected.loadStateDict(from: try root.openGroup("after_step_\(step)"))
            // The bias of a Linear followed by batch norm has a gradient that is zero up to rounding
            // (the normalization removes it), so Adam's m/√v on it amplifies float noise; with weight
            // decay its update is still determined, but only to about 1e-4 of the learning rate.
            let preNormBiases = Set(
                network.layout.parameters.filter { $0.name.hasSuffix("0.bias") || $0.name.hasSuffix("3.bias") }.map(
                    \.name))
            for entry in network.layout.parameters {
                let got = Array(network.parameters.array[entry.range]),
                    want = Array(expected.parameters.array[entry.range])
                assertClose(
                    got, want, preNormBiases.contains(entry.name) ? 1e-4 : 1e-5,
                    "\(entry.name) after "
                        + "step \(step)")
            }
            assertClose(network.buffers.array, expected.buffers.array, 1e-5, "running statistics after step \(step)")
            XCTAssertEqual(network.batchesTracked, expected.batchesTracked)
        }
    }

    /// Central differences in Float64 for every parameter, in training mode (batch statistics) and in
    /// evaluation mode (running statistics), with and without batch norm.
    func testGradientsMatchFiniteDifferences() throws {
        for batchNorm in [true, false] {
            for training in [true, false] {
                let config = MLPConfiguration(inputSize: 3, outputSize: 2, hidden: 5, depth: 2, batchNorm: batchNorm)
                let network = MLP<Double>(config, capacity: 6)
                var rng = RandomGenerator(seed: 11)
                network.initialize(using: &rng)
                for i in 0..<network.parameters.count { network.parameters[i] += 0.1 * rng.normal() }
                for i in 0..<network.buffers.count {
                    network.buffers[i] = abs(network.buffers[i]) + 0.2 * abs(rng.normal())
                }
                let x = (0..<18).map { _ in rng.normal() }, target = (0..<12).map { _ in rng.normal() }
                let savedBuffers = network.buffers.array
                func loss() -> Double {
                    network.buffers.assign(savedBuffers)  // a training forward moves the running statistics
                    network.forward(x, count: 6, training: training)
                    return network.mseLoss(target: target)
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
                        "parameter \(i) (batch norm \(batchNorm), training \(training))")
                }
            }
        }
    }

    /// Adam on a single scalar, against the formulas worked by hand.
    func testAdamAgainstHandComputedSteps() {
        let adam = Adam<Double>(
            parameterCount: 1,
            config: AdamConfiguration(learningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.5))
        let p = Buffer<Double>([1.0]), g = Buffer<Double>([0.2])
        // Step 1: g' = 0.2 + 0.5·1 = 0.7; m = 0.07, v = 0.0049; m̂ = 0.7, v̂ = 0.49; θ = 1 − 0.1·0.7/0.7 = 0.9.
        adam.update(parameters: p, gradients: g)
        XCTAssertEqual(p[0], 0.9, accuracy: 1e-7)
        // Step 2: g' = 0.2 + 0.45 = 0.65; m = 0.063 + 0.065 = 0.128; v = 0.004851 + 0.004225 = 0.009076;
        // m̂ = 0.128/0.19, √v̂ = √(0.009076/0.0199); θ = 0.9 − 0.1·m̂/√v̂.
        adam.update(parameters: p, gradients: g)
        let expected = 0.9 - 0.1 * (0.128 / 0.19) / ((0.009076 / 0.0199).squareRoot() + 1e-8)
        XCTAssertEqual(p[0], expected, accuracy: 1e-6)
    }

    func testStateDictKeysFollowTheNotebooksModel() {
        let layout = ParameterLayout(MLPConfiguration(inputSize: 4, outputSize: 3))
        XCTAssertEqual(
            layout.stateDictKeys,
            [
                "model.network.0.weight", "model.network.0.bias",
                "model.network.1.weight", "model.network.1.bias", "model.network.1.running_mean",
                "model.network.1.running_var", "model.network.1.num_batches_tracked",
                "model.network.3.weight", "model.network.3.bias",
                "model.network.4.weight", "model.network.4.bias", "model.network.4.running_mean",
                "model.network.4.running_var", "model.network.4.num_batches_tracked",
                "model.network.6.weight", "model.network.6.bias"
            ])
        XCTAssertEqual(layout.parameters.first?.shape, [64, 4])
        XCTAssertEqual(layout.parameters.last?.shape, [3])
    }
}
