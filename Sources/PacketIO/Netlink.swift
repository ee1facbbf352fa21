import CLinuxNet
import Glibc
import SystemIO

/// One rtnetlink message as received: header fields and the payload after the header.
public struct NetlinkMessage {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var payload: [UInt8]
}

/// Builds one netlink request: header, fixed family header, then attributes, each
/// 4-byte aligned as NLMSG_ALIGN/RTA_ALIGN require.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]

    init(type: Int32, flags: Int32) {
        bytes = Array(repeating: 0, count: 16)
        store(UInt16(type), at: 4)
        store(UInt16(flags | NLM_F_REQUEST | NLM_F_ACK), at: 6)
    }

    mutating func append<T>(fixed value: T) {
        withUnsafeBytes(of: value) { bytes += $0 }
        align()
    }

    mutating func attribute(_ type: Int32, _ payload: [UInt8]) {
        let start = bytes.count
        bytes += [0, 0, 0, 0]
        storeAttributeHeader(at: start, length: 4 + payload.count, type: type)
        bytes += payload
        align()
    }

    mutating func attribute(_ type: Int32, string: String) { attribute(type, Array(string.utf8) + [0]) }
    mutating func attribute(_ type: Int32, u32: UInt32) { withUnsafeBytes(of: u32) { attribute(type, Array($0)) } }

    mutating func nested(_ type: Int32, _ body: (inout NetlinkRequest) -> Void) {
        let start = bytes.count
        bytes += [0, 0, 0, 0]
        body(&self)
        storeAttributeHeader(at: start, length: bytes.count - start, type: type | Int32(NLA_F_NESTED))
    }

    mutating func finish(sequence: UInt32) -> [UInt8] {
        store(UInt32(bytes.count), at: 0)
        store(sequence, at: 8)
        return bytes
    }

    private mutating func storeAttributeHeader(at offset: Int, length: Int, type: Int32) {
        store(UInt16(length), at: offset)
        store(UInt16(truncatingIfNeeded: type), at: offset + 2)
    }

    private mutating func align() { while bytes.count % 4 != 0 { bytes.append(0) } }

    private mutating func store<T: FixedWidthInteger>(_ v: T, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { raw in
            for (i, b) in raw.enumerated() { bytes[offset + i] = b }
        }
    }
}

/// Netlink attributes of one message, by type (nested attributes parse the same way).
struct NetlinkAttributes {
    private(set) var values: [UInt16: ArraySlice<UInt8>] = [:]

    init(_ bytes: ArraySlice<UInt8>) {
        var i = bytes.startIndex
        while i + 4 <= bytes.endIndex {
            let length = Int(bytes[i]) | Int(bytes[i + 1]) << 8
            let type = (UInt16(bytes[i + 2]) | UInt16(bytes[i + 3]) << 8) & 0x3FFF
            guard length >= 4, i + length <= bytes.endIndex else { break }
            values[type] = bytes[(i + 4)..<(i + length)]
            i += (length + 3) & ~3
        }
    }

    subscript(_ type: Int32) -> ArraySlice<UInt8>? { values[UInt16(type)] }

    func string(_ type: Int32) -> String? {
        guard let v = self[type] else { return nil }
        return String(decoding: v.prefix { $0 != 0 }, as: UTF8.self)
    }

    func u32(_ type: Int32) -> UInt32? {
        guard let v = self[type], v.count >= 4 else { return nil }
        let s = v.startIndex
        return UInt32(v[s]) | UInt32(v[s + 1]) << 8 | UInt32(v[s + 2]) << 16 | UInt32(v[s + 3]) << 24
    }
}

/// An rtnetlink socket: requests with acknowledgements, dumps, and (with `groups`)
/// kernel notifications such as link carrier changes.
public final class NetlinkSocket {
    public let fd: Int32
    private var sequence: UInt32 = 1
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// - Parameter groups: RTMGRP_* multicast groups to listen to (0: requests only).
    public init(groups: UInt32 = 0) throws(SystemError) {
        fd = try check(socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE), "socket(AF_NETLINK)")
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = groups
        let r = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        if r < 0 {
            let e = SystemError("bind(AF_NETLINK)")
            close(fd)
            throw e
        }
        if groups != 0 {
            // Notifications must never be lost silently: a larger buffer, and ENOBUFS is
            // reported to the reader, which then re-reads the full link table.
            var size: Int32 = 1 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    deinit { close(fd) }

    /// Sends a request and returns its replies (for a dump, every part of it).
    func transact(_ request: NetlinkRequest, what: @autoclosure () -> String) throws(SystemError) -> [NetlinkMessage] {
        var request = request
        sequence &+= 1
        let seq = sequence
        let bytes = request.finish(sequence: seq)
        let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        if sent < 0 { throw SystemError("netlink send (\(what()))") }
        var replies: [NetlinkMessage] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("netlink recv (\(what()))")
            }
            for message in parse(count: n) where message.sequence == seq {
                switch Int32(message.type) {
                case NLMSG_ERROR:
                    let code = message.payload.withUnsafeBytes { $0.load(as: Int32.self) }
                    if code != 0 { throw SystemError(what(), errno: -code) }
                    return replies
                case NLMSG_DONE:
                    // A dump that failed part-way ends with its error here.
                    if message.payload.count >= 4 {
                        let code = message.payload.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
                        if code < 0 { throw SystemError(what(), errno: -code) }
                    }
                    return replies
                default:
                    replies.append(message)
                }
            }
        }
    }

    /// Reads whatever notifications are queued without blocking.
    /// - Returns: false when the kernel dropped notifications (ENOBUFS): the caller
    ///   must re-read the state it follows.
    public func drainNotifications(_ handle: (NetlinkMessage) -> Void) -> Bool {
        var complete = true
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                if errno == ENOBUFS { complete = false; continue }
                return complete
            }
            if n == 0 { return complete }
            for m in parse(count: n) { handle(m) }
        }
    }

    private func parse(count: Int) -> [NetlinkMessage] {
        var out: [NetlinkMessage] = []
        var i = 0
        while i + 16 <= count {
            let length = buffer.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: i, as: UInt32.self)) }
            guard length >= 16, i + length <= count else { break }
            let (type, flags, seq) = buffer.withUnsafeBytes {
                (
                    $0.loadUnaligned(fromByteOffset: i + 4, as: UInt16.self),
                    $0.loadUnaligned(fromByteOffset: i + 6, as: UInt16.self),
                    $0.loadUnaligned(fromByteOffset: i + 8, as: UInt32.self)
                )
            }
            out.append(NetlinkMessage(type: type, flags: flags, sequence: seq, payload: Array(buffer[(i + 16)..<(i + length)])))
            i += (length + 3) & ~3
        }
        return out
    }
}
