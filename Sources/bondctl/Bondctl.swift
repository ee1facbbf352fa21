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
              bondctl list                 one line per bond
              bondctl stats bond0 --watch  counters and rates, refreshed in place
              bondctl events               follow state changes of every bond
              bondctl set-active bond0 eth1
              bondctl hash bond0 src_ip=192.0.2.1 dst_ip=192.0.2.2 proto=tcp dport=80
              bondctl set bond0 miimon=50 primary=eth1
              bondctl add-member bond0 eth2
              bondctl add-vlan bond1 3 --name vlan3
              bondctl disable-member bond0 eth1
              bondctl migrate bond0 17 eth1
              bondctl capture bond0 eth1 -w eth1.pcap -c 100
              bondctl reload               apply a changed bondd --config file
              bondctl import /etc/network/interfaces   an ifenslave bond as bondd's
            """,
        version: BondVersion.string,
        subcommands: [
            Show.self, List.self, Stats.self, Events.self, SetActive.self, SetOptions.self, AddMember.self, RemoveMember.self,
            EnableMember.self, DisableMember.self, AddVLAN.self, RemoveVLAN.self, Migrate.self, Hash.self, Capture.self, Reload.self,
            Import.self,
        ])

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
