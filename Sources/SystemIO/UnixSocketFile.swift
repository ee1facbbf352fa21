import Glibc

/// The control socket's file (the server side): bound 0600 from its first moment,
/// told apart from a stale one left by a crash, and from another server's.
public enum UnixSocketFile {
    static func address(_ path: String) throws(UnixStream.Failure) -> sockaddr_un {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: a.sun_path) else { throw UnixStream.Failure("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &a.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return a
    }

    /// A stream socket bound to `path`, created 0600 (root only from its first moment),
    /// not yet listening: its descriptor, for the server to adopt.
    public static func bind(_ path: String) throws(UnixStream.Failure) -> Int32 {
        var a = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UnixStream.Failure("socket: \(String(cString: strerror(errno)))") }
        let old = umask(0o177)
        let r = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard r == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw UnixStream.Failure("cannot listen on \(path): \(e)")
        }
        return fd
    }

    /// Closes a descriptor `bind` gave that was not adopted.
    public static func release(_ fd: Int32) { close(fd) }

    /// What is at `path`: nothing, a socket, or something else.
    public enum Entry { case none, socket, other }
    public static func entry(at path: String) -> Entry {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .none }
        return st.st_mode & S_IFMT == S_IFSOCK ? .socket : .other
    }

    /// Somebody serves the socket at `path`.
    public static func answers(_ path: String) -> Bool { (try? UnixStream.connect(to: path)) != nil }

    public static func remove(_ path: String) { unlink(path) }

    /// The directory for sockets; an error says why it cannot be made.
    public static func makeDirectory(_ path: String) throws(UnixStream.Failure) {
        if mkdir(path, 0o755) < 0 && errno != EEXIST {
            throw UnixStream.Failure("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Device, inode and change time of the file at `path` ([] if none): tells our
    /// socket file from one that replaced it.
    public static func identity(of path: String) -> [Int] {
        var st = stat()
        guard lstat(path, &st) == 0 else { return [] }
        return [Int(st.st_dev), Int(st.st_ino), st.st_ctim.tv_sec, st.st_ctim.tv_nsec]
    }
}
