import MBRLCore

/// Fixed episode starts: dataset `initial_states`, float64 (E, internal state size), each row in the
/// layout of the environment's internal state (`Environment.stateNames`), so runs and configurations
/// are compared on the same starts.
public enum InitialStates {
    /// Reads the rows of `initial_states`, checking rank, width, finiteness and that there are at
    /// least `needed` rows.
    public static func read(from path: String, stateSize: Int, needed: Int) throws -> [[Double]] {
        let file = try HDF5File.open(at: path)
        let root = try file.root
        let states = try root.read("initial_states", as: Double.self)
        guard states.rank == 2, states.shape[1] == stateSize else {
            throw HDF5Error(
                path: path, object: "initial_states",
                "has shape \(HDF5Group.shapeText(states.shape)), "
                    + "expected (E, \(stateSize))")
        }
        try root.checkFinite(states.values, columns: stateSize, "initial_states")
        guard states.rows >= needed else {
            throw HDF5Error(
                path: path, object: "initial_states",
                "has \(states.rows) rows, \(needed) episodes need "
                    + "one each")
        }
        try file.close()
        return (0..<states.rows).map { Array(states.row($0)) }
    }

    /// Writes `rows` (each of `stateSize` values) as `initial_states` into `root`.
    public static func write(_ rows: [[Double]], stateSize: Int, to root: HDF5Group) throws {
        try root.write(rows.flatMap { $0 }, shape: [rows.count, stateSize], to: "initial_states")
    }
}
