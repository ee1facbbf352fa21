import ArgumentParser
import BondControl
import BondCore
import Foundation

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a changed configuration file to the bondd that runs BOND.",
        discussion: """
            bondd reads its --config file again: bonds no longer in it stop, new ones start, \
            and the others are not touched. A changed bond is changed in place when the \
            change is one bondctl could make (options, members, MTU, bridge, addresses), \
            and rebuilt over the same devices otherwise (mode, fail_over_mac, backend, \
            tcp_in_kernel, xdp_mode, workers, workers_steer), \
            which keep what the host put on them. A file with an error, or a bond that \
            cannot start, changes nothing. Without BOND, the bondd of the first running bond is asked. \
            (SIGHUP to bondd does the same.)
            Example: bondctl reload bond0
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "Any bond of the bondd to reload.", completion: Completions.bonds) var bond: String?

    func run() throws {
        let path: String
        if let bond {
            path = socket.path(for: bond)
        } else if let s = socket.socket {
            path = s
        } else {
            guard let first = runningSockets().first else { fail("no bonds are running (no control sockets in \(ControlPaths.directory))") }
            path = first
        }
        let reply: ControlReply
        do { reply = try ControlClient.send(ControlRequest(command: .reload), to: path, timeout: max(socket.timeout, 60)) } catch { fail("\(error)") }
        guard reply.ok else { fail(reply.error ?? "reload failed") }
        if let m = reply.message, !m.isEmpty { print(m) }
    }
}
