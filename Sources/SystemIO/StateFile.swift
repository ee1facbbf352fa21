import Glibc

/// Small files of state kept across a crash (recovery records): written whole to a
/// temporary file and renamed, so that a reader, or a crash half-way, sees the old
/// content or the new one, never a mix.
public enum StateFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open \(temporary)") }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = SystemError("write \(temporary)")
                close(fd)
                throw e
            }
            off += n
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw SystemError("rename \(temporary)") }
    }

    /// The directory (and its parents) for state files.
    public static func makeDirectory(_ path: String) throws(SystemError) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) < 0 && errno != EEXIST { throw SystemError("mkdir \(prefix)") }
        }
    }

    public static func remove(_ path: String) { unlink(path) }
}
