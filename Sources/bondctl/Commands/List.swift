import ArgumentParser
import BondControl
import BondCore
import Foundation

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One line per running bond: mode, carrier, active member, members.",
        discussion: """
            Members disabled by hand are marked (disabled), members whose link is down (down). \
            A control socket nobody answers on (a bondd that was killed) is named on stderr \
            and skipped. --json prints every bond's whole status, as show --json does.
            Examples:
              bondctl list
              bondctl list bond0 bond1 --json
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "Only these bonds (default: every running bond).", completion: Completions.bonds) var bonds: [String] = []
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let statuses = socket.statusesOfRunningBonds(named: bonds)
        if json {
            // The one schema of show, list and stats: a script reads them alike.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(statuses), as: UTF8.self))
            return
        }
        let rows = statuses.map { s -> [String] in
            let members = s.members.map { m in
                m.state == "disabled" ? "\(m.name)(disabled)" : m.link == "up" ? m.name : "\(m.name)(down)"
            }
            return [s.name, s.mode.kernelName, "carrier \(s.carrier)", "active \(s.activeMember ?? "-")", members.joined(separator: ",")]
        }
        let widths = (0..<5).map { i in rows.map { $0[i].count }.max() ?? 0 }
        for r in rows {
            print(r.enumerated().map { i, c in i == 4 ? c : c + String(repeating: " ", count: widths[i] - c.count) }.joined(separator: "  "))
        }
    }
}
