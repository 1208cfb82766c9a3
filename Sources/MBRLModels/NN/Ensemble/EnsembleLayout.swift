/// Where each tensor of an ensemble lives in its flat parameter vector, under the names and shapes of
/// mbrl-lib's `GaussianMLP.state_dict()` (mbrl 0.2.0): `hidden_layers.<l>.0.weight` (B, in, out) and
/// `.bias` (B, 1, out) per hidden layer, `mean_and_logvar.weight` (B, hidden, head) and `.bias`
/// (B, 1, head), and for Gaussian members `min_logvar`, `max_logvar` (1, out). Weights are (in, out):
/// a layer computes x·W + b, as `EnsembleLinearLayer` does.
public struct EnsembleLayout {
    public typealias Entry = TensorEntry

    public private(set) var entries: [Entry] = []
    public private(set) var parameterCount = 0
    /// Per layer 0...depth: offsets of the (B, in, out) weight and the (B, 1, out) bias.
    var weightOffset: [Int] = [], biasOffset: [Int] = []
    /// Offsets of `min_logvar` and `max_logvar` (Gaussian members only).
    var minLogvarOffset = 0, maxLogvarOffset = 0

    init(_ c: EnsembleConfiguration) {
        for l in 0...c.depth {
            let (input, output) = c.layerShape(l)
            let name = l < c.depth ? "hidden_layers.\(l).0." : "mean_and_logvar."
            weightOffset.append(add(name + "weight", [c.members, input, output]))
            biasOffset.append(add(name + "bias", [c.members, 1, output]))
        }
        if !c.deterministic {
            minLogvarOffset = add("min_logvar", [1, c.outputSize])
            maxLogvarOffset = add("max_logvar", [1, c.outputSize])
        }
    }

    private mutating func add(_ name: String, _ shape: [Int]) -> Int {
        let entry = Entry(name: name, shape: shape, offset: parameterCount)
        entries.append(entry)
        parameterCount += entry.count
        return entry.offset
    }

    /// The `state_dict` keys, in this layout's order.
    public var stateDictKeys: [String] { entries.map(\.name) }
}
