/// A grid as `make sweep GRID=...` gives it: entries `VAR=value,value,...` separated by spaces, each
/// a preset variable with the values it takes, e.g. `LR=1e-3,3e-4 HORIZON=15,20`. Its points are every
/// combination of values, in the order the grid gives them, the last variable varying fastest.
public struct Grid: Equatable, Sendable {
    public struct Axis: Equatable, Sendable {
        public var variable: String
        public var values: [String]
    }

    /// The variables in the grid's order, each with its values in the given order.
    public private(set) var axes: [Axis]

    /// Parses a grid; an empty text is the empty grid (no points: a sweep of seeds alone). A variable
    /// must be one of `variables` (when given) and none of `fixed` (the variables the command line sets,
    /// which hold for every run). Throws one line naming the first problem.
    public init(parsing text: String, variables: Set<String>? = nil, fixed: Set<String> = []) throws {
        axes = []
        for entry in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) {
            let fields = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let values =
                fields.count == 2
                ? fields[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            guard fields.count == 2, GridPoint.isVariable(fields[0]), !values.isEmpty,
                values.allSatisfy(GridPoint.isValue)
            else {
                throw SweepGridError(
                    description: "GRID entry '\(entry)' is not VAR=value,value,... (values: "
                        + "letters, digits, '.', '_', '-')")
            }
            axes.append(Axis(variable: fields[0], values: values))
        }
        for axis in axes {
            if let variables, !variables.contains(axis.variable) {
                throw SweepGridError(
                    description: "GRID varies \(axis.variable), which is not a preset variable "
                        + "(pipelines/)")
            }
            if fixed.contains(axis.variable) {
                throw SweepGridError(description: "\(axis.variable) is both in GRID and set on the command line")
            }
        }
        if Set(axes.map(\.variable)).count != axes.count {
            throw SweepGridError(description: "GRID names a variable twice")
        }
        if axes.contains(where: { Set($0.values).count != $0.values.count }) {
            throw SweepGridError(description: "GRID lists a value twice")
        }
    }

    /// Every combination of values, the last variable varying fastest; empty for the empty grid.
    public var points: [GridPoint] {
        guard !axes.isEmpty else { return [] }
        var combinations: [[GridPoint.Setting]] = [[]]
        for axis in axes {
            combinations = combinations.flatMap { settings in
                axis.values.map { settings + [GridPoint.Setting(variable: axis.variable, value: $0)] }
            }
        }
        return combinations.map(GridPoint.init(settings:))
    }
}
