/// The machine's SGEMM rate (a 1024³ product, GFLOP/s) at the time of a workload, the peak its share is
/// measured against.
///
/// This project's machine is a virtual one whose speed changes from minute to minute (SGEMM 1024³ on
/// one thread has read from 75 to 145 GFLOP/s in runs a few minutes apart), so a share computed against
/// one reading at the start of a `bench` run can be far off, above 100% when the machine slowed down
/// after it. Each share is instead taken against the higher of two readings made just before and
/// just after its own workload: a slower reading means the machine was busy, not that it can do less.
struct SGEMMPeak {
    /// The size of the square product.
    static let size = 1024
    let repetitions: Int

    /// One reading on `threads` OpenBLAS threads.
    func reading(threads: Int) -> Double {
        Workloads.sgemmGFLOPS(m: Self.size, n: Self.size, k: Self.size, threads: threads, repetitions: repetitions)
    }

    /// Runs `body` between two readings on `threads` threads; returns its result and the higher reading.
    func around<T>(threads: Int, _ body: () throws -> T) rethrows -> (result: T, peak: Double) {
        let before = reading(threads: threads)
        let result = try body()
        return (result, max(before, reading(threads: threads)))
    }
}
