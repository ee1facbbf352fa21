import ArgumentParser
import BondControl
import BondCore
import Foundation

struct Hash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Which member a frame would take, without sending it.",
        discussion: """
            The frame is described as field=value words: src=MAC dst=MAC vlan=N \
            src_ip=IP dst_ip=IP proto=tcp|udp|icmp sport=N dport=N. Without src=, the \
            frame is one the host sends (its source is the bond's MAC).
            Example: bondctl hash bond0 src=02:00:00:00:01:01 vlan=2
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The frame, as field=value words.") var frame: [String] = []
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let reply: ControlReply
        do { reply = try ControlClient.send(ControlRequest(command: .hash, frame: frame), to: socket.path(for: bond), timeout: socket.timeout) } catch
        { fail("\(error)") }
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
