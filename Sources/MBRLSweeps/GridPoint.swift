/// One point of a grid sweep: a value for each of some preset variables. Its name is its folder's name
/// and Make's `POINT=`: the settings as `VAR-value`, in byte order of the variable names, joined by `+`,
/// e.g. `HORIZON-20+LR-3e-4`. A variable is a capital letter then capitals, digits and `_`; a value is
/// letters, digits, `.`, `_` and `-` (so a name is one word, one folder name, and never needs quoting).
public struct GridPoint: Equatable, Sendable {
    public struct Setting: Equatable, Sendable {
        public var variable: String
        public var value: String

        public init(variable: String, value: String) {
            self.variable = variable
            self.value = value
        }
    }

    /// The settings, sorted by variable (byte order, as Make's `sort` orders the name's parts).
    public private(set) var settings: [Setting]

    /// A point with these settings, in the canonical order whatever the order given.
    public init(settings: [Setting]) {
        self.settings = settings.sorted { Array($0.variable.utf8).lexicographicallyPrecedes(Array($1.variable.utf8)) }
    }

    /// The point's name, e.g. `HORIZON-20+LR-3e-4`.
    public var name: String { settings.map { "\($0.variable)-\($0.value)" }.joined(separator: "+") }

    /// The value the point gives `variable`, or nil.
    public func value(of variable: String) -> String? { settings.first { $0.variable == variable }?.value }

    /// The settings a name lists, in the name's order, or nil when it is not a point's name (a part
    /// that is not `VAR-value`, or a variable twice). The order is not checked: see `init(name:)`.
    public static func settings(ofName name: String) -> [Setting]? {
        guard let settings = parts(of: name), Set(settings.map(\.variable)).count == settings.count else { return nil }
        return settings
    }

    /// The point a name names, as Make's `POINT=` takes it: a point's name in the canonical order,
    /// setting only `variables` (when given) and none of `fixed` (the variables the command line
    /// sets). Throws one line saying what is wrong and what to write instead.
    public init(name: String, variables: Set<String>? = nil, fixed: Set<String> = []) throws {
        guard Self.parts(of: name) != nil else {
            throw SweepGridError(
                description: "POINT '\(name)' is not a grid point's name: VAR-value joined by +, "
                    + "e.g. POINT=HORIZON-20+LR-3e-4")
        }
        guard let parsed = Self.settings(ofName: name) else {
            throw SweepGridError(description: "POINT '\(name)' sets a variable twice")
        }
        self.init(settings: parsed)
        guard settings == parsed else {
            throw SweepGridError(
                description: "POINT '\(name)' lists its settings out of order: write "
                    + "POINT=\(self.name)")
        }
        for setting in settings {
            if let variables, !variables.contains(setting.variable) {
                throw SweepGridError(
                    description: "POINT sets \(setting.variable), which is not a preset variable "
                        + "(pipelines/)")
            }
            if fixed.contains(setting.variable) {
                throw SweepGridError(
                    description: "\(setting.variable) is set both by POINT=\(name) and on the "
                        + "command line")
            }
        }
    }

    /// The `VAR-value` parts of a name, or nil when one is not such a part.
    private static func parts(of name: String) -> [Setting]? {
        var settings: [Setting] = []
        for part in name.split(separator: "+", omittingEmptySubsequences: false) {
            guard let dash = part.firstIndex(of: "-") else { return nil }
            let variable = String(part[..<dash]), value = String(part[part.index(after: dash)...])
            guard isVariable(variable), isValue(value) else { return nil }
            settings.append(Setting(variable: variable, value: value))
        }
        return settings
    }

    /// Whether `text` is a preset variable's name: a capital letter, then capitals, digits and `_`.
    public static func isVariable(_ text: String) -> Bool {
        guard let first = text.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else { return false }
        return text.utf8.allSatisfy {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    /// Whether `text` is a grid value: one or more letters, digits, `.`, `_` and `-`.
    public static func isValue(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "._-".utf8.contains(byte)
            }
    }
}
