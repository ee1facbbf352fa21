import CLinuxNet

/// The calling thread's name as the kernel keeps it (comm, 15 bytes): what `top -H`,
/// `ps -L` and /proc/PID/task/TID/comm show. Foundation's `Thread.name` does not reach
/// it on Linux.
public enum ThreadName {
    public static func setCallingThread(_ name: String) { _ = cln_set_thread_name(name) }
}
