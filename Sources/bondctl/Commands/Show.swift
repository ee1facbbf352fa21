import ArgumentParser
import BondControl
import BondCore
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a bond's state (all bonds when none is named).")

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond to show.", completion: Completions.bonds) var bond: String?
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
