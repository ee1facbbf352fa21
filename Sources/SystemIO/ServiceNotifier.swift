import Glibc

/// The service manager's notification socket (systemd's sd_notify protocol): one
/// datagram of newline-separated `KEY=VALUE` lines per message, to the path in
/// `NOTIFY_SOCKET` (a leading `@` names an abstract socket). Without that variable
/// every message is dropped: bondd was not started by a service manager that listens.
public final class ServiceNotifier: @unchecked Sendable {
    private let fd: Int32
    private let address: sockaddr_un
    private let length: socklen_t
    /// How often the manager wants a watchdog message (`WATCHDOG_USEC`), if it does.
    public let watchdogInterval: UInt64?

    /// Nil when the environment names no notification socket.
    public init?(environment: [String: String]) {
        guard let path = environment["NOTIFY_SOCKET"], path.count > 1 else { return nil }
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: a.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &a.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        address = a
        // An abstract name's length is exact; a path's includes its terminating zero.
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes[0] == 0 ? 0 : 1))
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        // WATCHDOG_PID, when set, names the process the watchdog is meant for.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = forUs ? environment["WATCHDOG_USEC"].flatMap(UInt64.init).map { $0 * 1000 }.flatMap { $0 > 0 ? $0 : nil } : nil
    }

    deinit { close(fd) }

    /// Sends `lines` as one message. Returns false if the manager did not take it.
    @discardableResult
    public func send(_ lines: [String]) -> Bool {
        var text = lines.joined(separator: "\n")
        var a = address
        let n = text.withUTF8 { bytes in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return n == text.utf8.count
    }
}
