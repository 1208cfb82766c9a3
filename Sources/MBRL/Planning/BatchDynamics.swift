/// Batched one-step dynamics for planning: the next observation of each of `count` (observation,
/// action) rows. A learned model (`ModelDynamics`) or, in tests, a problem's true dynamics.
public protocol BatchDynamics: AnyObject {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// The largest `count` one call accepts.
    var capacity: Int { get }
    /// Writes `next[r] = f(observations[r], actions[r])` for r < count (each row-major).
    func predict(observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                 into next: UnsafeMutablePointer<Float>)
    /// An independent instance for another thread.
    func copy() -> BatchDynamics
}

/// The learned model as planning dynamics: next = s + Δs from the folded network.
public final class ModelDynamics: BatchDynamics {
    public let network: FoldedNetwork
    private let inputs: Buffer<Float>

    public convenience init(_ model: DynamicsModel, capacity: Int) {
        self.init(network: FoldedNetwork(model, capacity: capacity))
    }

    init(network: FoldedNetwork) {
        self.network = network
        inputs = Buffer(count: network.capacity * (network.observationSize + network.actionSize))
    }

    public var observationSize: Int { network.observationSize }
    public var actionSize: Int { network.actionSize }
    public var capacity: Int { network.capacity }

    public func predict(observations: UnsafePointer<Float>, actions: UnsafePointer<Float>, count: Int,
                        into next: UnsafeMutablePointer<Float>) {
        let o = observationSize, a = actionSize, width = o + a, x = inputs.pointer
        for r in 0..<count {
            for j in 0..<o { x[r * width + j] = observations[r * o + j] }
            for j in 0..<a { x[r * width + o + j] = actions[r * a + j] }
        }
        let delta = network.predictDelta(inputs: x, count: count)
        for i in 0..<(count * o) { next[i] = observations[i] + delta[i] }
    }

    public func copy() -> BatchDynamics { ModelDynamics(network: network.copy()) }
}
