import MBRLSweeps
import XCTest

/// Grid expansion and point names (MBRLSweeps), the one implementation Make and the SLURM script use
/// through `sweep-grid`: the order of points and runs, the canonical names, and the one-line refusals
/// of grids, points and seed lists that Make cannot run.
final class SweepGridTests: XCTestCase {
    let variables: Set<String> = ["LR", "HORIZON", "CANDIDATES", "PLANNER", "B", "B_2", "A1"]

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    func testPointsComeInTheGridsOrderLastVariableFastestEachNameSorted() throws {
        let grid = try Grid(parsing: "LR=1e-3,3e-4 HORIZON=15,20 PLANNER=rs", variables: variables)
        XCTAssertEqual(
            grid.points.map(\.name),
            [
                "HORIZON-15+LR-1e-3+PLANNER-rs", "HORIZON-20+LR-1e-3+PLANNER-rs",
                "HORIZON-15+LR-3e-4+PLANNER-rs", "HORIZON-20+LR-3e-4+PLANNER-rs"
            ])
        XCTAssertEqual(grid.points[1].value(of: "HORIZON"), "20")
        XCTAssertNil(grid.points[1].value(of: "CANDIDATES"))
        XCTAssertEqual(try Grid(parsing: "", variables: variables).points, [])
        // Several spaces, tabs and a final newline (as Make writes a file) separate entries alike.
        XCTAssertEqual(
            try Grid(parsing: " HORIZON=3,2\tLR=1\n").points.map(\.name), ["HORIZON-3+LR-1", "HORIZON-2+LR-1"])
    }

    /// Names sort by variable in byte order, as Make's `sort` orders `VAR-value` words: a variable that
    /// is a prefix of another comes first, `_` after digits and capitals.
    func testNamesSortByVariableInByteOrder() {
        let point = GridPoint(settings: [
            .init(variable: "B_2", value: "x"), .init(variable: "B", value: "y"),
            .init(variable: "A1", value: "z")
        ])
        XCTAssertEqual(point.name, "A1-z+B-y+B_2-x")
        XCTAssertEqual(
            GridPoint(settings: [.init(variable: "LR", value: "0.1"), .init(variable: "HORIZON", value: "my-value_2.5")]
            ).name,
            "HORIZON-my-value_2.5+LR-0.1")
    }

    func testRunsAreEveryPointWithEverySeedAndTheirMakeArguments() throws {
        let runs = try SweepRun.runs(grid: Grid(parsing: "HORIZON=3,2"), seeds: ["0", "10"])
        XCTAssertEqual(
            runs.map(\.folder), ["HORIZON-3/seed-0", "HORIZON-3/seed-10", "HORIZON-2/seed-0", "HORIZON-2/seed-10"])
        XCTAssertEqual(runs[3].makeArguments, ["POINT=HORIZON-2", "SEED=10"])
        let seeds = try SweepRun.runs(grid: Grid(parsing: ""), seeds: ["4", "3"])
        XCTAssertEqual(seeds.map(\.folder), ["seed-4", "seed-3"])
        XCTAssertEqual(seeds[0].makeArguments, ["SEED=4"])
    }

    /// A point's name goes back to the same settings; a value may hold dashes (the first dash ends
    /// the variable, which cannot hold one).
    func testANameParsesBackToItsPoint() throws {
        let point = try GridPoint(name: "HORIZON-20+LR-3e-4", variables: variables)
        XCTAssertEqual(point.settings, [.init(variable: "HORIZON", value: "20"), .init(variable: "LR", value: "3e-4")])
        XCTAssertEqual(try GridPoint(name: "PLANNER-a-b").value(of: "PLANNER"), "a-b")
        for grid in ["LR=1e-3,3e-4 HORIZON=15,20", "PLANNER=rs,c-e_m.1"] {
            for point in try Grid(parsing: grid).points { XCTAssertEqual(try GridPoint(name: point.name), point) }
        }
        // The grouping of run folders reads the same names, in any order.
        XCTAssertEqual(SweepGrid.settings(ofPoint: "LR-1+HORIZON-2")?.map(\.variable), ["LR", "HORIZON"])
        XCTAssertNil(SweepGrid.settings(ofPoint: "LR-1+LR-2"))
    }

    func testBadGridsAreOneLineEach() {
        for (grid, expected) in [
            ("NOPE=1,2", "GRID varies NOPE, which is not a preset variable (pipelines/)"),
            ("LR=1e-3 LR=3e-4", "GRID names a variable twice"),
            ("LR=1e-3,1e-3", "GRID lists a value twice"),
            ("LR=1e-3:3", "GRID entry 'LR=1e-3:3' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("LR=", "GRID entry 'LR=' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("LR=1,,2", "GRID entry 'LR=1,,2' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("lr=1", "GRID entry 'lr=1' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("LR", "GRID entry 'LR' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("LR=1;rm", "GRID entry 'LR=1;rm' is not VAR=value,value,... (values: letters, digits, '.', '_', '-')"),
            ("LR=1 HORIZON=2", "LR is both in GRID and set on the command line")
        ] {
            XCTAssertEqual(
                message {
                    _ = try Grid(parsing: grid, variables: variables, fixed: grid.hasSuffix("HORIZON=2") ? ["LR"] : [])
                },
                expected, grid)
        }
    }

    func testBadPointsAreOneLineEach() {
        for (name, expected) in [
            (
                "LR-1e-3+HORIZON-3",
                "POINT 'LR-1e-3+HORIZON-3' lists its settings out of order: write "
                    + "POINT=HORIZON-3+LR-1e-3"
            ),
            ("lr-3", "POINT 'lr-3' is not a grid point's name: VAR-value joined by +, e.g. POINT=HORIZON-20+LR-3e-4"),
            ("LR-", "POINT 'LR-' is not a grid point's name: VAR-value joined by +, e.g. POINT=HORIZON-20+LR-3e-4"),
            ("LR-1+", "POINT 'LR-1+' is not a grid point's name: VAR-value joined by +, e.g. POINT=HORIZON-20+LR-3e-4"),
            (
                "LR-1';touch x;'",
                "POINT 'LR-1';touch x;'' is not a grid point's name: VAR-value joined by +, e.g. "
                    + "POINT=HORIZON-20+LR-3e-4"
            ),
            ("LR-1+LR-2", "POINT 'LR-1+LR-2' sets a variable twice"),
            ("NOPE-3", "POINT sets NOPE, which is not a preset variable (pipelines/)"),
            ("HORIZON-3", "HORIZON is set both by POINT=HORIZON-3 and on the command line")
        ] {
            XCTAssertEqual(
                message {
                    _ = try GridPoint(name: name, variables: variables, fixed: name == "HORIZON-3" ? ["HORIZON"] : [])
                },
                expected, name)
        }
    }

    func testBadSeedListsAreOneLineEach() throws {
        let grid = try Grid(parsing: "")
        for (seeds, expected) in [
            (["0", "0"], "SEEDS lists a seed twice: '0 0'"),
            (["1", "01"], "SEEDS must be whole numbers from 0 to 999999999999 without leading zeros, got '01'"),
            (
                ["1234567890123"],
                "SEEDS must be whole numbers from 0 to 999999999999 without leading zeros, got "
                    + "'1234567890123'"
            ),
            (["x"], "SEEDS must be whole numbers from 0 to 999999999999 without leading zeros, got 'x'"),
            ([], "SEEDS is empty")
        ] {
            XCTAssertEqual(message { _ = try SweepRun.runs(grid: grid, seeds: seeds) }, expected, "\(seeds)")
        }
        XCTAssertEqual(try SweepRun.runs(grid: grid, seeds: ["999999999999", "0"]).count, 2)
    }
}
