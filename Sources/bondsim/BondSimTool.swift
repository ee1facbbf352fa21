import ArgumentParser
import BondCore

@main
struct BondSimTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bondsim",
        abstract: "Replay traffic through bondd's own bonding policies, offline, on a virtual clock.",
        discussion: """
            bondsim runs the daemon's policy code (the same modes, options and monitors) over \
            a capture or a synthetic workload, with failures scripted at given times, and \
            reports per-member load, imbalance, flows remapped, reordering, frames lost and \
            MAC moves. No root, no sockets.

            Examples:
              bondsim generate --flows 10000 --seed 7 -o flows.pcap
              bondsim replay flows.pcap --members eth0,eth1 mode=balance-xor \\
                    xmit_hash_policy=layer3+4
              bondsim replay flows.pcap --members eth0,eth1 mode=active-backup miimon=100 \\
                    --event 'down eth0 @2.5s' --plot run.svg
              bondsim compare balance-rr balance-tlb \\
                    'mode=balance-xor xmit_hash_policy=layer3+4' \\
                    --trace flows.pcap --members eth0,eth1
            """,
        version: BondVersion.string,
        subcommands: [Replay.self, Compare.self, Generate.self, Report.self])
}
