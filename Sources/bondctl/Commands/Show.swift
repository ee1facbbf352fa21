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
            print(statuses.map { (one ? "" : "[\($0.name)]\n") + StatusText.render($0) }.joined(separator: "\n"), terminator: "")
        }
    }
}
