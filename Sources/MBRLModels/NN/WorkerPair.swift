import Dispatch
import Foundation

/// Two pieces of independent work at once: the calling thread runs one while a helper thread, started
/// once and kept, runs the other; `run` returns when both are done. Training uses it to run on two
/// threads without changing a bit of its results: each piece is work the one-thread step does too,
/// with the same calls on the same data (a whole `cblas_sgemm` call, a contiguous range of an
/// elementwise pass whose every element sees the same operations in the same order, or a half of an
/// ensemble's members through a whole forward or backward pass), never a product split into parts. OpenBLAS's own threads are not used for this: its threaded driver blocks the
/// inner sum differently from the one-thread driver for some shapes, and a product split by rows or
/// columns runs different edge kernels, so either can change the last bits (docs/PERFORMANCE.md).
///
/// The helper calls BLAS, so a stage that uses a pair prepares OpenBLAS for two concurrent callers
/// (`OpenBLASMemory.prepare(concurrentCallers: 2)`). A pair is used from one thread at a time.
final class WorkerPair {
    /// What the helper thread shares with the caller; the thread holds it, not the pair, so the pair
    /// can be freed (which stops the thread).
    private final class Shared {
        let start = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        var job: (() -> Void)?
        var stop = false
    }

    private let shared = Shared()

    /// Multiply-adds a product needs (an elementwise pass: a 64th of it in elements) before handing it
    /// over pays: below it, waking the helper costs more than the work it takes off this thread.
    static let minimumWork = 1 << 20

    init() {
        let shared = self.shared
        let thread = Thread {
            while true {
                shared.start.wait()
                if shared.stop { return }
                shared.job?()
                shared.job = nil
                shared.done.signal()
            }
        }
        thread.start()
    }

    deinit {
        shared.stop = true
        shared.start.signal()
    }

    /// Runs `first` on the calling thread and `second` on the helper, and returns when both are done.
    /// They must not write memory the other reads or writes.
    ///
    /// `withoutActuallyEscaping` compiles in a check that names its source file, as the compiler was
    /// given it: an absolute path, so every program that inlines this would differ from one checkout
    /// folder to another, and so would the program hashes Make keys each stage's outputs with. The
    /// `#sourceLocation` below names the file without its folder (as `WorkerPair.run.swift`: a name of its
    /// own, since `#fileID` is the module and the name). `BuildTests` checks every source for this.
    #sourceLocation(file:"MBRLModels/NN/WorkerPair.run.swift",line:58)
    func run(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(second) { second in
            shared.job = second
            shared.start.signal()
            first()
            shared.done.wait()
        }
    }
    #sourceLocation()
}

extension Optional where Wrapped == WorkerPair {
    /// `first` and `second` at once on the pair when there is one and `parallel` holds (the work is
    /// worth a hand-over), else one after the other on this thread: the same results either way.
    @inline(__always)
    func run(_ first: () -> Void, _ second: () -> Void, parallel: Bool = true) {
        if let pair = self, parallel {
            pair.run(first, second)
        } else {
            first()
            second()
        }
    }
}
