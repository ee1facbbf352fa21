import ArgumentParser
import BondControl
import BondCore
import Foundation

struct AddVLAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-vlan",
        abstract: "Make a VLAN device on a running bond.",
        discussion: """
            The device (BOND.VID unless --name says) has the bond's MAC and MTU and carrier \
            while the bond has; the host uses it as any VLAN device: addresses, bridge \
            port. Frames the host sends on it leave the members tagged with VID; frames \
            tagged with VID reach it untagged. The same as adding VID to the vlans option.
            Example: bondctl add-vlan bond1 3 --name vlan3
            """)
    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The VLAN id (1-4094).") var vid: Int
    @Option(help: "The device's name (default: BOND.VID).") var name: String?

    func validate() throws {
        guard (1...4094).contains(vid) else { throw ValidationError("invalid VLAN id \(vid) (1-4094)") }
    }

    func run() {
        let s = socket.change(ControlRequest(command: .addVLAN, vlan: vid, name: name), at: socket.path(for: bond))
        let v = s.vlans?.first { $0.vid == vid }
        print("\(bond): VLAN \(vid) on \(v?.name ?? name ?? "\(bond).\(vid)") added (carrier \(v?.carrier ?? "unknown"))")
    }
}

struct RemoveVLAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-vlan",
        abstract: "Remove a VLAN device from a running bond.",
        discussion: """
            The device goes with the addresses and bridge port the host gave it, as with \
            ip link del of a kernel VLAN device; frames tagged with its VID reach the bond \
            device, still tagged, from then on.
            Example: bondctl remove-vlan bond1 3    (or: bondctl remove-vlan bond1 vlan3)
            """)
    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The VLAN id, or the VLAN device's name.") var vlan: String

    func run() {
        let vid = Int(vlan)
        let request = ControlRequest(command: .removeVLAN, vlan: vid, name: vid == nil ? vlan : nil)
        _ = socket.change(request, at: socket.path(for: bond))
        print("\(bond): VLAN \(vlan) removed")
    }
}
