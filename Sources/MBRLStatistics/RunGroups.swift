import Foundation

/// Run folders grouped as the results pages show them: the runs of a group are the folders with the
/// same parent (the seeds `<preset>/seed-<n>` of one preset, or `<preset>/<point>/seed-<n>` of one grid
/// point), and a group is named by that parent's path below the common root of all the groups (by
/// the parent's own name when there is one group), or by that path below a root folder given (the data
/// folder, so that a preset's group has the same name whether or not other presets are tabulated with
/// it). Groups keep the order of their first run, and runs the order they were given in. Only paths are
/// looked at; no file is read.
public struct RunGroups {
    public struct Group {
        public var name: String
        public var folders: [String]
    }

    public var groups: [Group]

    /// Groups `folders`; with `root`, each group is named by its parent's path below `root` (a folder
    /// that is not below `root` by its parent's absolute path, which `summarize --keep` refuses).
    public init(folders: [String], root: String? = nil) {
        var groups: [Group] = []
        let parents = folders.map { URL(fileURLWithPath: $0).deletingLastPathComponent().standardized.path }
        let prefix = root.map { URL(fileURLWithPath: $0).standardized.path + "/" } ?? Self.commonParent(of: parents)
        for (folder, parent) in zip(folders, parents) {
            var name =
                parent.hasPrefix(prefix)
                ? String(parent.dropFirst(prefix.count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                : parent
            if name.isEmpty { name = URL(fileURLWithPath: parent).lastPathComponent }
            if let i = groups.firstIndex(where: { $0.name == name }) {
                groups[i].folders.append(folder)
            } else {
                groups.append(Group(name: name, folders: [folder]))
            }
        }
        self.groups = groups
    }

    /// The longest folder path every group starts with.
    static func commonParent(of paths: [String]) -> String {
        guard var common = paths.first.map({ $0.split(separator: "/", omittingEmptySubsequences: false) }) else {
            return ""
        }
        for path in paths.dropFirst() {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            common = Array(zip(common, parts).prefix { $0 == $1 }.map(\.0))
        }
        // With one group, its own parent, so the group is named by its folder.
        if Set(paths).count == 1 { common = Array(common.dropLast()) }
        return common.joined(separator: "/")
    }
}
