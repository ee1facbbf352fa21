import CLinuxNet
import Glibc
import SystemIO

/// The CPUs a thread may run on (sched_getaffinity(2), sched_setaffinity(2)), as CPU
/// numbers.
public enum ThreadAffinity {
    /// Words of the mask: 4096 CPUs.
    private static let words = 64

    /// The CPUs the process's main thread may run on: what bondd was started with (by a
    /// cpuset, `taskset` or a service manager), which it never narrows.
    public static func ofProcess() throws(SystemError) -> [Int] { try of(thread: getpid()) }

    /// The CPUs thread `thread` (a kernel thread id; 0: the calling thread) may run on.
    public static func of(thread: Int32) throws(SystemError) -> [Int] {
        var mask = [UInt64](repeating: 0, count: words)
        let r = mask.withUnsafeMutableBufferPointer { cln_get_affinity(thread, $0.baseAddress, Int32(words)) }
        guard r >= 0 else { throw SystemError("sched_getaffinity", errno: -r) }
        return (0..<words * 64).filter { mask[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }

    /// The CPU the calling thread runs on now.
    public static var currentCPU: Int? {
        let r = cln_current_cpu()
        return r >= 0 ? Int(r) : nil
    }

    /// The calling thread's kernel id, for `set(thread:to:)` from another thread.
    public static var callingThread: Int32 { cln_gettid() }

    /// Lets thread `thread` (a kernel thread id; 0: the calling thread) run only on
    /// `cpus`.
    public static func set(thread: Int32, to cpus: [Int]) throws(SystemError) {
        var mask = [UInt64](repeating: 0, count: words)
        for c in cpus {
            guard c >= 0 && c < words * 64 else { throw SystemError("sched_setaffinity: no CPU \(c)", errno: EINVAL) }
            mask[c / 64] |= 1 << UInt64(c % 64)
        }
        let r = mask.withUnsafeBufferPointer { cln_set_affinity(thread, $0.baseAddress, Int32(words)) }
        guard r == 0 else { throw SystemError("sched_setaffinity", errno: -r) }
    }
}
