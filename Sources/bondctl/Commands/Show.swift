import ArgumentParser
import BondControl
import BondCore
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a bond's state (all bonds when none is named).",
        discussion: """
            The text is /proc/net/bonding/BOND's layout, line for line where the kernel has \
            the line, so scripts written for the kernel's bond read it. --verbose adds \
            bondd's own: the backend and how its engine waits, the failovers, each member's \
            monitor verdict, state and counters, the devices above the bond, the balancing \
            tables and the frames refused. --json has all of it.
            Examples:
              bondctl show bond0
              bondctl show bond0 --verbose
              bondctl show --json | jq '.[].active_member'
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond to show.", completion: Completions.bonds) var bond: String?
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(name: [.short, .long], help: "Add the engine's details to the /proc layout.") var verbose = false

    func run() throws {
        let statuses = socket.statusesOfRunningBonds(named: bond.map { [$0] } ?? [])
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data =
                statuses.count == 1 && (bond != nil || socket.socket != nil)
                ? try encoder.encode(statuses[0]) : try encoder.encode(statuses)
            print(String(decoding: data, as: UTF8.self))
        } else {
            // The /proc layout does not name its bond (the file name does): several
            // bonds get a heading each.
            let one = statuses.count == 1 && (bond != nil || socket.socket != nil)
            print(statuses.map { (one ? "" : "[\($0.name)]\n") + StatusText.render($0, verbose: verbose) }.joined(separator: "\n"), terminator: "")
        }
    }
}
