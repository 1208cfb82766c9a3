import COpenBLAS
import Foundation

/// OpenBLAS's share of a stage's address space, kept bounded and counted before the first BLAS call.
///
/// OpenBLAS (Debian's 0.3.21, pthreads build) takes its work memory as one buffer per thread that
/// calls it, `BUFFER_SIZE` = 32 << 22 bytes (128 MiB) plus a page, mapped on first use and kept. When
/// that mapping fails (an address-space limit, `ulimit -v`), its allocator retries forever, printing
/// nothing: the stage spins at 100% CPU. And when the library loads it starts one worker thread per
/// core beyond the first, each mapping its own buffer at once, before `main` runs; the stages never
/// use those workers (every BLAS call here is single-threaded, and `plan` splits its work over its
/// own threads).
///
/// So a stage (1) runs with `OPENBLAS_NUM_THREADS=1`, re-executing itself once with it set when it
/// was not (`limitThreads()`), so the library starts no worker and maps no buffer at load; and (2)
/// before its first BLAS call checks that the address space left holds one buffer per thread that
/// will call BLAS at once, then maps the calling thread's buffer with a tiny product
/// (`prepare(concurrentCallers:)`), and leaves the others' reserved in `MemoryBudget`. Under a limit
/// too small for that the stage fails at once with one line saying how much it needs.
public enum OpenBLASMemory {
    /// Address space one thread's buffer takes: OpenBLAS 0.3.21's `BUFFER_SIZE` for x86-64 (and
    /// arm64), 32 << 22 bytes, plus the page it adds; measured with strace as one `mmap` of 134,225,920
    /// bytes on the first `sgemm` of a thread (`prepare` also measures it, and keeps the larger value).
    public static let bufferBytes = (32 << 22) + 8192

    /// Headroom per BLAS thread beyond its buffer: the stack of a worker thread and what the C and
    /// Swift runtimes map for it.
    public static let threadHeadroomBytes = 16 << 20

    /// Address space of one BLAS thread as counted here (measured buffer, headroom), set by `prepare`.
    public private(set) static var bytesPerThread = bufferBytes + threadHeadroomBytes

    /// The environment variable OpenBLAS reads for its thread count when it loads.
    static let threadsVariable = "OPENBLAS_NUM_THREADS"

    /// Re-executes this program (same arguments, same process id) with `OPENBLAS_NUM_THREADS=1` unless
    /// it already has it, so OpenBLAS starts no worker threads and maps no buffers for them. Call it
    /// first, before the stage has made any file or thread; if the re-execution fails the stage goes
    /// on as it is (its address-space check then counts the workers' buffers as already in use).
    ///
    /// The same re-execution also sets the kernel OpenBLAS should use on this CPU when its own choice
    /// is below it (`OpenBLASKernel.relaunchEnvironment`), so a stage starts at most once more.
    public static func limitThreads() {
        var environment = OpenBLASKernel.relaunchEnvironment
        if getenv(threadsVariable).map({ String(cString: $0) }) != "1" { environment[threadsVariable] = "1" }
        OpenBLASKernel.relaunch(adding: environment)
    }

    /// How many threads could call BLAS at once in the address space left under `ulimit -v` (at least
    /// 1), or nil without such a limit: the default number of workers of a stage whose thread count
    /// changes its speed only.
    public static var threadsThatFit: Int? {
        guard let limit = MemoryBudget.addressSpaceLimit else { return nil }
        return max((limit - MemoryBudget.addressSpaceInUse - MemoryBudget.headroomBytes) / bytesPerThread, 1)
    }

    /// Makes OpenBLAS single-threaded and maps the calling thread's buffer, after checking that the
    /// address space left (`ulimit -v` minus what the process maps now) holds `concurrentCallers`
    /// buffers (1, or `plan`'s worker threads); reserves the buffers of the other callers in
    /// `MemoryBudget`, so every later `MemoryBudget.check` counts them. Throws `MemoryError`, one line
    /// with the address space this needs, instead of letting OpenBLAS spin.
    public static func prepare(concurrentCallers: Int) throws {
        precondition(concurrentCallers >= 1)
        openblas_set_num_threads(1)
        let before = MemoryBudget.addressSpaceInUse
        if let limit = MemoryBudget.addressSpaceLimit {
            let blas = MemoryBudget.product([concurrentCallers, bytesPerThread])
            let needed = MemoryBudget.sum([before, blas, MemoryBudget.headroomBytes])
            if needed.map({ $0 > limit }) ?? true {
                let threads =
                    concurrentCallers == 1
                    ? "1 thread"
                    : "\(concurrentCallers) threads (fewer with "
                        + "--threads)"
                throw MemoryError(
                    description: "this stage needs at "
                        + "least \(needed.map(MemoryBudget.format) ?? "more than 2^63 bytes") of address space "
                        + "(the program \(MemoryBudget.format(before)), OpenBLAS's work "
                        + "buffers \(blas.map(MemoryBudget.format) ?? "?") for \(threads), "
                        + "headroom \(MemoryBudget.format(MemoryBudget.headroomBytes))) before its own "
                        + "arrays, "
                        + "more than the \(MemoryBudget.format(limit)) that ulimit -v allows")
            }
        }
        // A 1×1 product maps this thread's buffer now, while the limit is known to hold it.
        var a: Float = 0, b: Float = 0, c: Float = 0
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1, &a, 1, &b, 1, 0, &c, 1)
        let grown = MemoryBudget.addressSpaceInUse - before
        bytesPerThread = max(grown, bufferBytes) + threadHeadroomBytes
        MemoryBudget.reservedAddressSpace = (concurrentCallers - 1) * bytesPerThread
        preparedCallers = concurrentCallers
    }

    /// The callers the last `prepare` made room for (0 before it).
    public private(set) static var preparedCallers = 0

    /// Gives back the reserved buffers of the callers beyond `concurrentCallers` (at least 1, at most
    /// `preparedCallers`): a stage that finds its own arrays leave too little room for the threads it
    /// prepared runs on fewer, and every later `MemoryBudget.check` counts only theirs.
    public static func release(toConcurrentCallers concurrentCallers: Int) {
        precondition(concurrentCallers >= 1 && concurrentCallers <= preparedCallers)
        MemoryBudget.reservedAddressSpace = (concurrentCallers - 1) * bytesPerThread
        preparedCallers = concurrentCallers
    }
}
