import ArgumentParser
import BondControl
import BondCore
import Foundation

/// The arguments every member command takes.
struct MemberArguments: ParsableArguments {
    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The member interface.", completion: Completions.memberCommand) var member: String

    func send(_ command: ControlCommand) -> BondStatus {
        socket.change(ControlRequest(command: command, member: member), at: socket.path(for: bond))
    }
}

struct AddMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-member",
        abstract: "Add an interface to a running bond.",
        discussion: """
            The interface is taken over as at start: it gets the bond's MTU (and MAC, as the \
            mode wants), joins link monitoring, and may become active (no active member, \
            the primary, a higher prio). Other members keep carrying traffic meanwhile.
            Example: bondctl add-member bond0 eth2
            """)
    @OptionGroup var args: MemberArguments
    func run() {
        let s = args.send(.addMember)
        let m = s.members.first { $0.name == args.member }
        print("\(args.bond): \(args.member) added (link \(m?.link ?? "unknown"), \(m?.state ?? "unknown"))")
    }
}

struct RemoveMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-member",
        abstract: "Remove an interface from a running bond and give it back as it was.",
        discussion: """
            If it was the active member, another takes over first. Its MAC, MTU and flags \
            are restored. The last member cannot be removed: stop the bond instead.
            Example: bondctl remove-member bond0 eth2
            """)
    @OptionGroup var args: MemberArguments
    func run() {
        let s = args.send(.removeMember)
        print("\(args.bond): \(args.member) removed; active member \(s.activeMember ?? "none")")
    }
}

struct EnableMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enable-member",
        abstract: "Let a member disabled by hand carry traffic again.",
        discussion: "Example: bondctl enable-member bond0 eth1")
    @OptionGroup var args: MemberArguments
    func run() {
        let s = args.send(.enableMember)
        let m = s.members.first { $0.name == args.member }
        print("\(args.bond): \(args.member) enabled (link \(m?.link ?? "unknown"))")
    }
}

struct DisableMember: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable-member",
        abstract: "Stop a member from sending or delivering anything, whatever its link.",
        discussion: """
            As Open vSwitch's bond/disable-member: the member stays in the bond, its link is \
            still watched, and enable-member brings it back. Disabling the active member \
            fails over; disabling the last usable one takes the bond's carrier down.
            Example: bondctl disable-member bond0 eth1
            """)
    @OptionGroup var args: MemberArguments
    func run() {
        let s = args.send(.disableMember)
        print("\(args.bond): \(args.member) disabled; active member \(s.activeMember ?? "none")")
    }
}
