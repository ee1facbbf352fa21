import ArgumentParser
import BondControl
import BondCore
import Foundation

struct SocketOption: ParsableArguments {
    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock).")
    var socket: String?

    func path(for bond: String) -> String { socket ?? ControlPaths.socket(for: bond) }

    /// The bond's socket, the one --socket names, or every running bond's.
    func paths(bond: String?) -> [String] {
        if let bond { return [path(for: bond)] }
        if let socket { return [socket] }
        let all = runningSockets()
        if all.isEmpty { fail("no bonds are running (no control sockets in \(ControlPaths.directory)); start one with bondd") }
        return all
    }
}

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("bondctl: \(message)\n".utf8))
    exit(code)
}

func request(_ r: ControlRequest, at path: String) -> BondStatus {
    let reply: ControlReply
    do { reply = try ControlClient.send(r, to: path) } catch { fail("\(error)") }
    guard reply.ok, let status = reply.status else { fail(reply.error ?? "request failed") }
    return status
}

/// Every running bond's control socket, by name.
func runningSockets() -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: ControlPaths.directory)) ?? []
    return entries.filter { $0.hasSuffix(".sock") }.sorted().map { "\(ControlPaths.directory)/\($0)" }
}

/// Sends a change; on success prints what the daemon said (warnings) to stderr and
/// returns the bond's status after it.
func change(_ r: ControlRequest, at path: String) -> BondStatus {
    let reply: ControlReply
    do { reply = try ControlClient.send(r, to: path) } catch { fail("\(error)") }
    guard reply.ok, let status = reply.status else { fail(reply.error ?? "request failed") }
    for line in (reply.message ?? "").split(separator: "\n") {
        FileHandle.standardError.write(Data("bondctl: \(line)\n".utf8))
    }
    return status
}

/// Shell completion: running bonds, and interfaces for member arguments.
enum Completions {
    static let bonds = CompletionKind.custom { _, _, _ in
        runningSockets().map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".sock", with: "") }
    }
    static let interfaces = CompletionKind.custom { _, _, _ in
        ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? []).sorted()
    }
}
