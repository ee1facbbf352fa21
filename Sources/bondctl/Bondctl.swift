import ArgumentParser
import BondControl
import BondCore
import Foundation

@main
struct Bondctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bondctl",
        abstract: "Inspect and steer bonds run by bondd.",
        discussion: """
        Examples:
          bondctl show                 every running bond, /proc/net/bonding layout
          bondctl show bond0 --json    one bond as JSON
          bondctl set-active bond0 eth1
          bondctl hash bond0 src_ip=192.0.2.1 dst_ip=192.0.2.2 proto=tcp sport=40000 dport=80
          bondctl reload               apply a changed bondd --config file
        """,
        subcommands: [Show.self, SetActive.self, Hash.self, Reload.self])

    /// `bondctl --socket PATH show` as well as `bondctl show --socket PATH`: the socket
    /// option belongs to every subcommand, so a leading one is moved behind the verb.
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        if let i = args.firstIndex(where: { $0 == "--socket" || $0.hasPrefix("--socket=") }) {
            let end = min(i + (args[i] == "--socket" ? 2 : 1), args.count)
            if let verb = args[end...].firstIndex(where: { !$0.hasPrefix("-") }) {
                let moved = Array(args[i..<end])
                args.insert(contentsOf: moved, at: verb + 1)
                args.removeSubrange(i..<end)
            }
        }
        Self.main(args)
    }
}


struct SocketOption: ParsableArguments {
    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock).")
    var socket: String?

    func path(for bond: String) -> String { socket ?? ControlPaths.socket(for: bond) }
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

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a bond's state (all bonds when none is named).")

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond to show.") var bond: String?
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        var paths: [String]
        if let bond { paths = [socket.path(for: bond)] }
        else if let s = socket.socket { paths = [s] }
        else {
            paths = runningSockets()
            if paths.isEmpty { fail("no bonds are running (no control sockets in \(ControlPaths.directory))") }
        }
        let statuses = paths.map { request(ControlRequest(command: "show"), at: $0) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = statuses.count == 1 && (bond != nil || socket.socket != nil)
                ? try encoder.encode(statuses[0]) : try encoder.encode(statuses)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(statuses.map(StatusText.render).joined(separator: "\n"), terminator: "")
        }
    }
}

struct SetActive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-active",
        abstract: "Make MEMBER the active member (active-backup).")

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.") var bond: String
    @Argument(help: "The member to make active.") var member: String

    func run() throws {
        let s = request(ControlRequest(command: "set-active", member: member), at: socket.path(for: bond))
        print("\(bond): active member is now \(s.activeMember ?? "none")")
    }
}

struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which member a frame would take, without sending it.",
        discussion: """
        The frame is described as field=value words: src=MAC dst=MAC vlan=N
        src_ip=IP dst_ip=IP proto=tcp|udp|icmp sport=N dport=N.
        Example: bondctl hash bond0 src=02:00:00:00:01:01 vlan=2
        """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.") var bond: String
    @Argument(help: "The frame, as field=value words.") var frame: [String] = []
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let reply: ControlReply
        do { reply = try ControlClient.send(ControlRequest(command: "hash", frame: frame), to: socket.path(for: bond)) }
        catch { fail("\(error)") }
        guard reply.ok, let h = reply.hash else { fail(reply.error ?? "request failed", code: 2) }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(h), as: UTF8.self))
        } else {
            var line = "member: \(h.member ?? "none")"
            if let x = h.hash { line += "  hash: \(x)" }
            if let b = h.bucket { line += "  bucket: \(b)" }
            print(line + "  (\(h.reason))")
        }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a changed configuration file to the bondd that runs BOND.",
        discussion: """
        bondd reads its --config file again: bonds no longer in it stop, new ones start,
        changed ones are rebuilt, and the others are not touched. A file with an error
        changes nothing. Without BOND, the bondd of the first running bond is asked.
        (SIGHUP to bondd does the same.)
        Example: bondctl reload bond0
        """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "Any bond of the bondd to reload.") var bond: String?

    func run() throws {
        let path: String
        if let bond { path = socket.path(for: bond) }
        else if let s = socket.socket { path = s }
        else {
            guard let first = runningSockets().first else { fail("no bonds are running (no control sockets in \(ControlPaths.directory))") }
            path = first
        }
        let reply: ControlReply
        do { reply = try ControlClient.send(ControlRequest(command: "reload"), to: path) } catch { fail("\(error)") }
        guard reply.ok else { fail(reply.error ?? "reload failed") }
        if let m = reply.message, !m.isEmpty { print(m) }
    }
}
