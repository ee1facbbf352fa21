import CLibBPF
import Synchronization

/// Where libbpf's own messages go: without this they are printed raw on stderr, in the
/// middle of bondd's log. One handler for the process (libbpf has one print hook).
public enum LibBPFMessages {
    public enum Level: Sendable { case warning, info, debug }

    private static let handler = Mutex<(@Sendable (Level, String) -> Void)?>(nil)

    /// Sends every libbpf message to `handle`, one line each, without the newline.
    public static func route(_ handle: @escaping @Sendable (Level, String) -> Void) {
        handler.withLock { $0 = handle }
        bondd_libbpf_route { level, line in
            guard let line else { return }
            let text = String(cString: line).trimmingSuffixNewlines
            let l: Level = level == Int32(LIBBPF_WARN.rawValue) ? .warning : level == Int32(LIBBPF_INFO.rawValue) ? .info : .debug
            LibBPFMessages.handler.withLock { $0 }?(l, text)
        }
    }
}

extension String {
    fileprivate var trimmingSuffixNewlines: String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
