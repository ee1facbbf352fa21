import Foundation
import Glibc

/// Serves `GET /metrics` over plain HTTP/1.1 on its own thread, one request per
/// connection. Scrapes are rare and small: no event loop is needed.
public final class MetricsServer: @unchecked Sendable {
    public let address: String
    private let fd: Int32
    private let render: @Sendable () -> [UInt8]

    public struct SetupError: Error, CustomStringConvertible { public var description: String }

    /// `address` is HOST:PORT, with an IPv4 or a bracketed IPv6 host ("[::1]:9469").
    public init(address: String, render: @escaping @Sendable () -> [UInt8]) throws {
        self.address = address
        self.render = render
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw SetupError(description: "--metrics: '\(address)' is not HOST:PORT (e.g. 127.0.0.1:9469)")
        }
        var host = String(address[..<colon])
        let v6 = host.hasPrefix("[") && host.hasSuffix("]")
        if v6 { host = String(host.dropFirst().dropLast()) }
        fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if v6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &a.sin6_addr) == 1 else {
                close(fd)
                throw SetupError(description: "--metrics: '\(host)' is not an IPv6 address")
            }
            bound = Self.bind(fd, &a)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            guard inet_pton(AF_INET, host, &a.sin_addr) == 1 else {
                close(fd)
                throw SetupError(description: "--metrics: '\(host)' is not an IPv4 address (IPv6 goes in brackets: [::1]:9469)")
            }
            bound = Self.bind(fd, &a)
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw SetupError(description: "--metrics: cannot listen on \(address): \(e)")
        }
    }

    /// bind(2) with an IPv4 or IPv6 socket address.
    private static func bind<Address>(_ fd: Int32, _ address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }

    public func start() {
        let t = Thread { [self] in acceptLoop() }
        t.name = "bondd-metrics"
        t.start()
    }

    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    private func acceptLoop() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            serve(c)
            close(c)
        }
    }

    private func serve(_ c: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = readHead(c) else { return }
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        let (status, type, body): (String, String, [UInt8])
        if parts.count < 2 {
            (status, type, body) = ("400 Bad Request", "text/plain", Array("bad request\n".utf8))
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            (status, type, body) = ("405 Method Not Allowed", "text/plain", Array("only GET\n".utf8))
        } else if parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", render())
        } else if parts[1] == "/" {
            (status, type, body) = ("200 OK", "text/plain", Array("bondd: metrics at /metrics\n".utf8))
        } else {
            (status, type, body) = ("404 Not Found", "text/plain", Array("not found; metrics are at /metrics\n".utf8))
        }
        var response = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
        if parts.first != "HEAD" { response += body }
        var off = 0
        while off < response.count {
            let n = response[off...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            off += n
        }
    }

    /// The request up to the blank line, at most 8 KiB.
    private func readHead(_ c: Int32) -> String? {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while data.count < 8192 {
            let n = chunk.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            data += chunk[0..<n]
            if String(decoding: data, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }
}
