/// Checks the readers of the pipeline's files make on datasets, with messages naming the dataset.
extension HDF5Group {
    /// Reads a Float32 dataset of rank 2 with `columns` columns (or rank 1 when `columns` is nil),
    /// checking that every value is finite.
    package func readMatrix(_ member: String, columns: Int?, rows expectedRows: Int? = nil) throws -> ShapedArray<Float>
    {
        let array = try read(member, as: Float.self)
        if let columns {
            guard array.rank == 2, array.shape[1] == columns else {
                throw error(member, "has shape \(Self.shapeText(array.shape)), expected (N, \(columns))")
            }
        } else {
            guard array.rank == 1 else {
                throw error(member, "has shape \(Self.shapeText(array.shape)), expected (N,)")
            }
        }
        if let expectedRows, array.rows != expectedRows {
            throw error(member, "has \(array.rows) rows, expected \(expectedRows) like observations")
        }
        try checkFinite(array.values, columns: columns ?? 1, member)
        return array
    }

    /// Throws naming the first row that holds NaN or an infinity.
    package func checkFinite<T: BinaryFloatingPoint>(_ values: [T], columns: Int, _ member: String) throws {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw error(member, "holds \(values[bad].isNaN ? "NaN" : "an infinity") at row \(bad / max(columns, 1))")
        }
    }

    /// A shape as NumPy prints it: `(3,)`, `(200, 3)`, `()`.
    package static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
