/// Scores of several runs on several tasks, the input of every aggregate: `self[run, task]` is
/// run `run`'s score on task `task`, as rliable arranges them (`num_runs × num_tasks`).
///
/// In this project a run's score is its mean test return, and a sweep has one task (its
/// environment): a matrix of one column. The aggregates are written for several tasks all the same,
/// as rliable defines them, so the bootstrap's stratification (runs are resampled within each task)
/// is the library's and is checked against it.
public struct ScoreMatrix: Equatable {
    /// Number of runs (rows) and tasks (columns); both at least 1.
    public let runs: Int
    public let tasks: Int
    /// The scores run by run: `values[run * tasks + task]`.
    public private(set) var values: [Double]

    /// A matrix from its rows (one per run, each with one score per task).
    public init(rows: [[Double]]) {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "a score matrix needs at least one run and one task")
        precondition(rows.allSatisfy { $0.count == rows[0].count }, "every run needs a score for every task")
        runs = rows.count
        tasks = rows[0].count
        values = rows.flatMap { $0 }
    }

    /// One task's scores, one per run.
    public init(runScores: [Double]) {
        self.init(rows: runScores.map { [$0] })
    }

    /// `runs × tasks` scores, run by run.
    public init(runs: Int, tasks: Int, values: [Double]) {
        precondition(
            runs >= 1 && tasks >= 1 && values.count == runs * tasks,
            "\(values.count) scores for \(runs) "
                + "× \(tasks)")
        self.runs = runs
        self.tasks = tasks
        self.values = values
    }

    public subscript(run: Int, task: Int) -> Double {
        get { values[run * tasks + task] }
        set { values[run * tasks + task] = newValue }
    }

    /// The scores of one task, run by run.
    public func column(_ task: Int) -> [Double] { (0..<runs).map { self[$0, task] } }
}
