import Foundation

/// The runs of a grid sweep, grouped by grid point. `make sweep GRID=...` puts each run in
/// `<point>/seed-<n>`, where the point's folder name lists its settings as `VAR-value` (a preset
/// variable, its value), joined by `+`: `HORIZON-20+LR-3e-4/seed-3`. The grouping goes by that name
/// alone; the settings themselves are in each run's files.
public struct SweepGrid {
    public struct Point {
        /// The point's folder name, e.g. `HORIZON-20+LR-3e-4`.
        public var name: String
        /// Its settings in the name's order, e.g. `[("HORIZON", "20"), ("LR", "3e-4")]`.
        public var settings: [(variable: String, value: String)]
        /// Its run folders, as given.
        public var folders: [String]

        /// The value the point gives `variable`, or nil.
        public func value(of variable: String) -> String? { settings.first { $0.variable == variable }?.value }
    }

    /// The points in the order their first run was given.
    public var points: [Point]
    /// Every variable some point sets, in order of first appearance.
    public var variables: [String]

    /// The settings a point's folder name lists, or nil when it is not such a name
    /// (`GridPoint.settings(ofName:)`; the order of the parts is not checked).
    public static func settings(ofPoint name: String) -> [(variable: String, value: String)]? {
        GridPoint.settings(ofName: name)?.map { ($0.variable, $0.value) }
    }

    /// Groups run folders `<point>/seed-<n>` by point; throws naming the first folder whose parent
    /// folder is not a grid point's name.
    public init(folders: [String]) throws {
        points = []
        variables = []
        for folder in folders {
            let url = URL(fileURLWithPath: folder).standardized
            let name = url.deletingLastPathComponent().lastPathComponent
            guard url.lastPathComponent.hasPrefix("seed-"), let settings = Self.settings(ofPoint: name) else {
                throw SweepGridError(
                    description: "\(folder): not a grid point's run folder <point>/seed-<n>, where "
                        + "<point> is VAR-value joined by + (e.g. HORIZON-20+LR-3e-4/seed-0)")
            }
            if let i = points.firstIndex(where: { $0.name == name }) {
                points[i].folders.append(folder)
            } else {
                points.append(Point(name: name, settings: settings, folders: [folder]))
                for (variable, _) in settings where !variables.contains(variable) { variables.append(variable) }
            }
        }
    }
}

/// A grid, a point, a seed list or a run folder that a sweep cannot use: one line saying what is wrong.
public struct SweepGridError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
