import CLinuxNet

/// The calling thread's name as the kernel keeps it (comm, 15 bytes): what `top -H`,
/// `ps -L` and /proc/PID/task/TID/comm show. Cut to fit, where Foundation's
/// `Thread.name` sets nothing for a name longer than 15 bytes.
public enum ThreadName {
    public static func setCallingThread(_ name: String) { _ = cln_set_thread_name(name) }
}
