import Glibc

/// What /proc says of processes: the network namespace we run in, and whether a
/// process is a live bondd (a reused pid is not).
public enum ProcessFacts {
    /// The inode of /proc/self/ns/net: interfaces, claims and records belong to it.
    public static func networkNamespace() -> UInt64 {
        var st = stat()
        return stat("/proc/self/ns/net", &st) == 0 ? UInt64(st.st_ino) : 0
    }

    public static var currentPID: Int32 { getpid() }

    /// Whether process `pid` runs and its command name is `name` (not ourselves).
    public static func isRunning(pid: Int32, named name: String) -> Bool {
        guard pid != getpid(), kill(pid, 0) == 0 || errno == EPERM else { return false }
        // comm is the name and a newline.
        let comm = KernelTextFile.read("/proc/\(pid)/comm") ?? ""
        return comm.split(whereSeparator: \.isWhitespace).first.map(String.init) == name
    }
}
