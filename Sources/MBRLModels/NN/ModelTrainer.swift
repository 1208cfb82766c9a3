import MBRLCore
import MBRLData

/// Supervised training of a `DynamicsModel` on transitions: MSE between the network's output and the
/// normalized state change, minimized with Adam over shuffled minibatches.
///
/// The data are normalized once into contiguous input and target matrices; each step gathers a
/// minibatch into preallocated buffers, runs forward, loss and backward, and updates with Adam.
public final class ModelTrainer {
    public let model: DynamicsModel
    public let batchSize: Int
    let optimizer: Adam<Float>
    private let batchInputs: Buffer<Float>
    private let batchTargets: Buffer<Float>
    /// The second thread of a step (`threads` 2), nil on one thread.
    let workers: WorkerPair?
    /// The noise on the gathered minibatch's observations (`ModelFitting.inputNoise`), nil: none.
    private var noise: NoiseSource?

    /// Gaussian noise of standard deviation `std` (normalized units) on a minibatch's observation
    /// inputs, with the state-change targets corrected by it (`ModelFitting.inputNoise`), drawn from
    /// its own stream of `seed`.
    public struct InputNoise {
        public var std: Float
        public var seed: UInt64

        public init(std: Float, seed: UInt64) {
            self.std = std
            self.seed = seed
        }
    }

    /// `InputNoise` as a trainer draws it: its stream, each observation component's target scale
    /// σ_state[j] / σ_Δstate[j] (the change of the normalized target per unit of normalized input
    /// noise), and buffers for one minibatch's uniforms and normals.
    private struct NoiseSource {
        let std: Float
        var rng: RandomGenerator
        let targetScale: [Float]
        let uniforms: Buffer<Double>, normals: Buffer<Float>
    }

    /// Normalized training pairs: `inputs` (count × (obs + act)), `targets` (count × obs).
    public struct Examples {
        public var inputs: [Float]
        public var targets: [Float]
        public var count: Int

        /// `count` examples: `inputs` count × (obs + act) and `targets` count × obs, already normalized.
        public init(inputs: [Float], targets: [Float], count: Int) {
            self.inputs = inputs
            self.targets = targets
            self.count = count
        }

        public static var empty: Examples { Examples(inputs: [], targets: [], count: 0) }

        /// The examples of `rows` of `data`, normalized with `stats`: inputs count × (obs + act), targets
        /// count × `stats.targetSize` (the state change, then the Δx target when the statistics have
        /// it, from `data.deltaXResiduals`, which must then exist).
        public init(normalizing data: Transitions, rows: [Int], stats: NormalizationStats) {
            let o = data.observationSize, a = data.actionSize
            precondition(o == stats.observationSize && a == stats.actionSize)
            var obs = [Float](), act = [Float](), next = [Float]()
            obs.reserveCapacity(rows.count * o); next.reserveCapacity(rows.count * o);
            act.reserveCapacity(rows.count * a)
            for r in rows {
                obs += data.observations[(r * o)..<((r + 1) * o)]
                next += data.nextObservations[(r * o)..<((r + 1) * o)]
                act += data.actions[(r * a)..<((r + 1) * a)]
            }
            var inputs = [Float](repeating: 0, count: rows.count * (o + a))
            var targets = [Float](repeating: 0, count: rows.count * stats.targetSize)
            stats.normalizeInputs(observations: obs, actions: act, count: rows.count, into: &inputs)
            if stats.hasDeltaX {
                guard let displacements = data.deltaXResiduals else {
                    preconditionFailure(
                        "Δx targets need a MuJoCo "
                            + "task's transitions")
                }
                let deltaX = rows.map { Float(displacements[$0]) }
                stats.normalizeTargets(
                    observations: obs, nextObservations: next, deltaX: deltaX, count: rows.count, into: &targets)
            } else {
                stats.normalizeTargets(observations: obs, nextObservations: next, count: rows.count, into: &targets)
            }
            self.init(inputs: inputs, targets: targets, count: rows.count)
        }

        public mutating func append(_ other: Examples) {
            inputs += other.inputs
            targets += other.targets
            count += other.count
        }
    }

    /// A trainer of `model` on minibatches of up to `batchSize` rows. With `threads` 2 each step's
    /// independent products and the Adam update run on two threads (`WorkerPair`), with the same
    /// results as on one.
    public init(
        model: DynamicsModel, batchSize: Int, optimizer config: AdamConfiguration, threads: Int = 1,
        inputNoise: InputNoise? = nil
    ) {
        precondition(batchSize >= 2, "batch norm needs batches of at least two rows")
        precondition(threads == 1 || threads == 2)
        precondition(inputNoise.map { $0.std > 0 && $0.std.isFinite } ?? true)
        self.model = model
        let o = model.stats.observationSize
        noise = inputNoise.map {
            NoiseSource(
                std: $0.std, rng: RandomGenerator(seed: $0.seed, stream: RandomStreams.inputNoise),
                targetScale: (0..<o).map { model.stats.stateStd[$0] / model.stats.deltaStateStd[$0] },
                uniforms: Buffer(count: 2 * batchSize * o), normals: Buffer(count: batchSize * o))
        }
        self.batchSize = batchSize
        optimizer = Adam(parameterCount: model.network.layout.parameterCount, config: config)
        workers = threads == 2 ? WorkerPair() : nil
        model.network.workers = workers
        model.network.reserve(rows: batchSize)
        batchInputs = Buffer(count: batchSize * model.config.inputSize)
        batchTargets = Buffer(count: batchSize * model.config.outputSize)
    }

    /// The normalized examples of the given rows of `data` (`Examples.init(normalizing:rows:stats:)`).
    public func examples(from data: Transitions, rows: [Int]) -> Examples {
        Examples(normalizing: data, rows: rows, stats: model.stats)
    }

    /// One training step on the listed rows of `examples` (at most `batchSize`, at least 2);
    /// returns the minibatch's loss before the update.
    @discardableResult
    public func step(on examples: Examples, rows: ArraySlice<Int>) -> Double {
        let n = rows.count
        precondition(n >= 2 && n <= batchSize)
        gather(examples, rows: rows)
        addInputNoise(count: n)
        return stepOnGatheredBatch(count: n)
    }

    /// One step on a minibatch drawn from two pools (the paper's aggregation: a share of each batch
    /// from the newer on-policy data).
    @discardableResult
    public func step(
        on first: Examples, rows firstRows: ArraySlice<Int>, and second: Examples, rows secondRows: ArraySlice<Int>
    ) -> Double {
        let n = firstRows.count + secondRows.count
        precondition(n >= 2 && n <= batchSize)
        gather(first, rows: firstRows)
        gather(second, rows: secondRows, startingAt: firstRows.count)
        addInputNoise(count: n)
        return stepOnGatheredBatch(count: n)
    }

    /// The minibatch a step on `rows` of `examples` trains on, inputs and targets, noise included,
    /// without the step: what the tests inspect. Draws the noise as the step would.
    func gatheredBatch(_ examples: Examples, rows: ArraySlice<Int>) -> (inputs: [Float], targets: [Float]) {
        gather(examples, rows: rows)
        addInputNoise(count: rows.count)
        return (
            Array(UnsafeBufferPointer(start: batchInputs.pointer, count: rows.count * model.config.inputSize)),
            Array(UnsafeBufferPointer(start: batchTargets.pointer, count: rows.count * model.config.outputSize))
        )
    }

    /// Forward, loss, backward and Adam on the first `count` rows of the batch buffers.
    private func stepOnGatheredBatch(count n: Int) -> Double {
        let network = model.network
        network.forward(batchInputs.pointer, count: n, training: true)
        let loss = network.mseLoss(target: batchTargets.pointer)
        network.backward()
        optimizer.update(parameters: network.parameters, gradients: network.gradients, workers: workers)
        return loss
    }

    /// The mean loss over all of `examples` in evaluation mode (running statistics).
    public func loss(on examples: Examples) -> Double {
        guard examples.count > 0 else { return .nan }
        let network = model.network
        var total = 0.0
        var start = 0
        let width = model.config.inputSize, out = model.config.outputSize
        while start < examples.count {
            let n = min(batchSize, examples.count - start)
            examples.inputs.withUnsafeBufferPointer { x in
                network.forward(x.baseAddress! + start * width, count: n, training: false)
            }
            examples.targets.withUnsafeBufferPointer { t in
                total += network.meanSquaredError(target: t.baseAddress! + start * out) * Double(n)
            }
            start += n
        }
        return total / Double(examples.count)
    }

    /// Adds the input noise to the first `count` gathered rows: to each observation input x[j] a draw
    /// ε ~ N(0, σ²) (normalized units), and to its state-change target −ε·σ_state[j]/σ_Δstate[j], the
    /// target of the perturbed state (s + ε·σ_state has the same next state, so its change is smaller
    /// by ε·σ_state). The normals are `RandomGenerator.normal()`'s, drawn in row-major (row, component)
    /// order and transformed eight at a time (`boxMuller(pairs:count:into:)`, the same values).
    private func addInputNoise(count n: Int) {
        guard var source = noise else { return }
        let width = model.config.inputSize, out = model.config.outputSize, o = model.stats.observationSize
        let draws = n * o, uv = source.uniforms.pointer, z = source.normals.pointer
        for i in 0..<draws {
            (uv[2 * i], uv[2 * i + 1]) = source.rng.normalUniforms()
        }
        noise = source
        RandomGenerator.boxMuller(pairs: uv, count: draws, into: z)
        let x = batchInputs.pointer, t = batchTargets.pointer
        for r in 0..<n {
            for j in 0..<o {
                let e = source.std * z[r * o + j]
                x[r * width + j] += e
                t[r * out + j] -= e * source.targetScale[j]
            }
        }
    }

    private func gather(_ examples: Examples, rows: ArraySlice<Int>, startingAt offset: Int = 0) {
        let width = model.config.inputSize, out = model.config.outputSize
        examples.inputs.withUnsafeBufferPointer { x in
            examples.targets.withUnsafeBufferPointer { t in
                for (k, r) in rows.enumerated() {
                    (batchInputs.pointer + (offset + k) * width).update(from: x.baseAddress! + r * width, count: width)
                    (batchTargets.pointer + (offset + k) * out).update(from: t.baseAddress! + r * out, count: out)
                }
            }
        }
    }
}
