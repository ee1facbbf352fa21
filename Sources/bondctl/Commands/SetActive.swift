import ArgumentParser
import BondControl
import BondCore
import Foundation

struct SetActive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-active",
        abstract: "Make MEMBER the active member (active-backup).")

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The member to make active.", completion: Completions.members) var member: String

    func run() throws {
        let s = socket.request(ControlRequest(command: .setActive, member: member), at: socket.path(for: bond))
        print("\(bond): active member is now \(s.activeMember ?? "none")")
    }
}
