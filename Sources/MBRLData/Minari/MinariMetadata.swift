import Foundation
import MBRLCore

/// A Minari dataset's `metadata.json`, the fields this project reads and writes (Minari 0.5,
/// `data_format` `hdf5`; see docs/minari.md).
///
/// Minari writes the spaces and the environment spec as JSON text inside the JSON (with Python's
/// `Infinity` for unbounded boxes), so they are parsed as JSON5.
public struct MinariMetadata {
    /// A `gymnasium.spaces.Box` as Minari serializes it; other space types are kept by name only.
    public struct Space: Equatable {
        /// `Box`, `Discrete`, `Dict`, `Tuple`, `Text`, ...
        public var type: String
        /// NumPy's name of the Box's dtype (`float32`, `float64`, `int64`, ...); empty for other types.
        public var dtype: String = ""
        public var shape: [Int] = []
        /// The bounds, one per component (row-major); ±∞ where unbounded.
        public var low: [Double] = []
        public var high: [Double] = []

        public init(type: String, dtype: String = "", shape: [Int] = [], low: [Double] = [], high: [Double] = []) {
            self.type = type
            self.dtype = dtype
            self.shape = shape
            self.low = low
            self.high = high
        }

        /// A one-dimensional float Box of `size` components: what the project's environments take.
        public func isFlatFloatBox(size: Int? = nil) -> Bool {
            type == "Box" && dtype.hasPrefix("float") && shape.count == 1 && (size == nil || shape[0] == size)
        }

        /// How a message names it: `Box(float32, (3,))`, `Discrete`.
        public var summary: String {
            type == "Box"
                ? "Box(\(dtype), "
                    + "(\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")))" : type
        }

        /// Minari's serialization (`minari.serialization.serialize_space` of a Box), JSON with
        /// Python's `Infinity` for unbounded components.
        public var json: String {
            func number(_ v: Double) -> String { v.isInfinite ? (v < 0 ? "-Infinity" : "Infinity") : "\(v)" }
            let list = { (values: [Double]) in "[" + values.map(number).joined(separator: ", ") + "]" }
            return "{\"type\": \"Box\", \"dtype\": \"\(dtype)\", \"shape\": "
                + "[\(shape.map(String.init).joined(separator: ", "))], "
                + "\"low\": \(list(low)), \"high\": \(list(high))}"
        }
    }

    public var datasetID: String
    public var totalEpisodes: Int
    public var totalSteps: Int
    /// `hdf5` (the only format read here; Minari also has `arrow`).
    public var dataFormat: String
    /// The Gymnasium id in `env_spec`, or nil when the dataset has no spec.
    public var envID: String?
    public var observationSpace: Space?
    public var actionSpace: Space?
    public var minariVersion: String?
    public var algorithmName: String?

    /// Reads and checks `metadata.json` at `path`: valid JSON, `total_episodes` and `total_steps`
    /// non-negative integers, `data_format` present, spaces and spec (when present) parseable.
    public static func read(from path: String) throws -> MinariMetadata {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(path: path, "cannot be read")
        }
        let raw: Raw
        do {
            raw = try decoder.decode(Raw.self, from: data)
        } catch {
            throw FileError(path: path, "is not Minari metadata (\(Self.reason(error)))")
        }
        guard raw.total_episodes >= 0, raw.total_steps >= 0 else {
            throw FileError(path: path, "total_episodes and total_steps must not be negative")
        }
        var metadata = MinariMetadata(
            datasetID: raw.dataset_id ?? "", totalEpisodes: raw.total_episodes, totalSteps: raw.total_steps,
            dataFormat: raw.data_format, minariVersion: raw.minari_version, algorithmName: raw.algorithm_name)
        do {
            if let spec = raw.env_spec { metadata.envID = try decoder.decode(EnvSpec.self, from: Data(spec.utf8)).id }
        } catch {
            throw FileError(path: path, "env_spec is not a Gymnasium spec (\(Self.reason(error)))")
        }
        for (name, text) in [("observation_space", raw.observation_space), ("action_space", raw.action_space)] {
            guard let text else { continue }
            let space: Space
            do {
                let s = try decoder.decode(RawSpace.self, from: Data(text.utf8))
                space = Space(
                    type: s.type, dtype: s.dtype ?? "", shape: s.shape ?? [], low: s.low?.values ?? [],
                    high: s.high?.values ?? [])
            } catch {
                throw FileError(path: path, "\(name) is not a serialized Gymnasium space (\(Self.reason(error)))")
            }
            if space.type == "Box", space.low.count != space.shape.reduce(1, *) || space.high.count != space.low.count {
                throw FileError(
                    path: path,
                    "\(name) is a Box of shape \(space.shape) with \(space.low.count) lower "
                        + "and \(space.high.count) upper bounds")
            }
            if name == "observation_space" { metadata.observationSpace = space } else { metadata.actionSpace = space }
        }
        return metadata
    }

    public init(
        datasetID: String, totalEpisodes: Int, totalSteps: Int, dataFormat: String = "hdf5", envID: String? = nil,
        observationSpace: Space? = nil, actionSpace: Space? = nil, minariVersion: String? = nil,
        algorithmName: String? = nil
    ) {
        self.datasetID = datasetID
        self.totalEpisodes = totalEpisodes
        self.totalSteps = totalSteps
        self.dataFormat = dataFormat
        self.envID = envID
        self.observationSpace = observationSpace
        self.actionSpace = actionSpace
        self.minariVersion = minariVersion
        self.algorithmName = algorithmName
    }

    // MARK: Decoding

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return decoder
    }

    /// The first line of a decoding error, without Foundation's coding-path dump.
    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted: return "not valid JSON"
        default: return "not valid JSON"
        }
    }

    private struct Raw: Decodable {
        var dataset_id: String?
        var total_episodes: Int
        var total_steps: Int
        var data_format: String
        var env_spec: String?
        var observation_space: String?
        var action_space: String?
        var minari_version: String?
        var algorithm_name: String?
    }

    private struct EnvSpec: Decodable { var id: String }

    private struct RawSpace: Decodable {
        var type: String
        var dtype: String?
        var shape: [Int]?
        var low: Numbers?
        var high: Numbers?
    }

    /// A Box's bounds as `tolist()` writes them: a number, or lists nested to the Box's rank; read
    /// flattened in row-major order.
    private struct Numbers: Decodable {
        var values: [Double]

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                values = [number]
            } else {
                values = try container.decode([Numbers].self).flatMap(\.values)
            }
        }
    }
}
