import ArgumentParser
import BondControl
import BondCore
import Foundation

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move a hash bucket (or a per-VIF bucket) to another member.",
        discussion: """
            As Open vSwitch's bond/migrate: the bucket's traffic leaves on MEMBER from now \
            on, until the next rebalance places it again. balance-tlb and balance-alb have \
            256 hash buckets; with --vif, or in balance-slb, the bucket is a per-VIF one and \
            its guests' MACs are announced on the new member. `bondctl show` lists buckets \
            and `bondctl hash` says which bucket a frame takes.
            Example: bondctl migrate bond0 17 eth1
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond.", completion: Completions.bonds) var bond: String
    @Argument(help: "The bucket (0-255).") var bucket: Int
    @Argument(help: "The member to move it to.", completion: Completions.members) var member: String
    @Flag(help: "A per-VIF bucket (bridged guests' source MACs).") var vif = false

    func run() {
        _ = socket.change(ControlRequest(command: .migrate, member: member, bucket: bucket, vif: vif), at: socket.path(for: bond))
        print("\(bond): \(vif ? "VIF " : "")bucket \(bucket) now leaves on \(member)")
    }
}
