import Glibc
import SystemIO

/// A name this process holds until it closes the claim or dies (flock(2) on a file
/// under /run/bondd/claims): two bondd never take the same bond or member at once, and
/// a refused one never undoes what the holder did. The kernel drops the lock with the
/// process, so a crash leaves no claim behind.
public final class ProcessClaim {
    /// Where bondd keeps its state; claims are in its `claims` folder.
    public static let stateDirectory = "/run/bondd"
    private var fd: Int32

    /// nil when another process (or another claim of this one) holds `key`.
    public init?(_ key: String, stateDirectory: String = ProcessClaim.stateDirectory) throws(SystemError) {
        let directory = stateDirectory + "/claims"
        for dir in [stateDirectory, directory] where mkdir(dir, 0o755) < 0 && errno != EEXIST {
            throw SystemError("mkdir \(dir)", errno: errno)
        }
        let path = "\(directory)/\(key)"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open \(path)", errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { return nil }
            throw SystemError("flock \(path)", errno: e)
        }
    }

    /// Gives the name up (the file stays: removing it would race a new holder).
    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
