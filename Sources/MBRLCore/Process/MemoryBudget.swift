import Foundation

/// The check every allocation sized by an option or a file header passes before the work starts:
/// its byte count is computed without overflow and compared with the memory this process may use,
/// so a size the machine cannot hold is one clear error instead of an abort deep inside the stage.
///
/// The limit is the smallest of the machine's physical memory, the cgroup's memory limit (a
/// container or a SLURM job's `--mem`) and the address space left under `ulimit -v`, all in bytes.
/// The address space left is the limit minus what the process maps already (its code, libraries,
/// the inputs it has read, OpenBLAS's buffer: `/proc/self/statm`), minus the OpenBLAS buffers of
/// threads that have not run yet (`OpenBLASMemory.prepare`); under such a limit a mapping that fails
/// can hang a library (OpenBLAS) instead of failing, so that library's buffers are checked apart.
public enum MemoryBudget {
    /// Bytes this process may allocate at most: the smallest of the limits above.
    public static var limit: Int {
        var bytes = physicalMemory
        if let cgroup = cgroupLimit { bytes = min(bytes, cgroup) }
        if let addressSpace = addressSpaceLimit {
            bytes = min(bytes, max(addressSpace - addressSpaceInUse - reservedAddressSpace, 0))
        }
        return bytes
    }

    /// The address-space limit (`ulimit -v`, RLIMIT_AS) in bytes, or nil when there is none.
    public static var addressSpaceLimit: Int? {
        var rl = rlimit()
        // rlim_t.max is RLIM_INFINITY (a macro Swift cannot import).
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: rl.rlim_cur)
    }

    /// Bytes of address space this process maps now (the first field of `/proc/self/statm`, in pages).
    public static var addressSpaceInUse: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = Int(text.split(separator: " ").first ?? "")
        else { return 0 }
        return pages * max(sysconf(Int32(_SC_PAGESIZE)), 1)
    }

    /// Address space promised to mappings that come later (the OpenBLAS buffers of `plan`'s worker
    /// threads), kept out of `limit`.
    public internal(set) static var reservedAddressSpace = 0

    /// Address space `OpenBLASMemory.prepare` keeps free under `ulimit -v` beyond the BLAS buffers, for
    /// what the C and Swift runtimes and the HDF5 library map while a stage works (thread stacks,
    /// malloc's arenas, chunk caches).
    public static let headroomBytes = 32 << 20

    /// The product of `factors` in bytes, or nil when it overflows `Int`.
    public static func product(_ factors: [Int]) -> Int? {
        var total = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (result, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = result
        }
        return total
    }

    /// The sum of byte counts, or nil when one is nil or the sum overflows.
    public static func sum(_ terms: [Int?]) -> Int? {
        var total = 0
        for term in terms {
            guard let term else { return nil }
            let (result, overflow) = total.addingReportingOverflow(term)
            if overflow { return nil }
            total = result
        }
        return total
    }

    /// Throws `MemoryError` when `bytes` (nil: a count that overflowed) exceeds what this process may
    /// allocate. `what` names the allocation and the options or file that sized it, e.g.
    /// `"--candidates 1000000 × --horizon 10000: the planner's action sequences"`.
    public static func check(_ bytes: Int?, for what: String) throws {
        let limit = self.limit
        guard let bytes, bytes <= limit else {
            let needed = bytes.map(format) ?? "more than 2^63 bytes"
            throw MemoryError(
                description: "\(what) need \(needed), more than the \(format(limit)) this "
                    + "process may use")
        }
    }

    /// A byte count for messages: `12.5 GB`, `300 MB`, `512 bytes` (powers of 1000).
    public static func format(_ bytes: Int) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, unit) in units where Double(bytes) >= scale {
            return String(format: "%.1f %@", Double(bytes) / scale, unit)
        }
        return "\(bytes) bytes"
    }

    private static var physicalMemory: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }

    /// cgroup v2's `memory.max` (or v1's `memory.limit_in_bytes`) of this process, when set.
    private static var cgroupLimit: Int? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
            {
                return value
            }
        }
        return nil
    }
}

/// An allocation larger than the process may make; `description` is the whole message (the caller
/// prefixes the file or option it came from).
public struct MemoryError: Error, CustomStringConvertible {
    public var description: String
}
