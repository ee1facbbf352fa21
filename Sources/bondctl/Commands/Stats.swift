import ArgumentParser
import BondControl
import BondCore
import Foundation
import SystemIO

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-member and per-bond counters; with --watch, rates refreshed in place.",
        discussion: """
            Counters are frames and bytes each member received for the bond (RX) and sent \
            for it (TX), and drops on each side. With --watch the table is redrawn every \
            --interval seconds with packet and bit rates since the previous refresh, until \
            Ctrl-C (or --count refreshes). Without a bond, every running bond is shown. \
            On a terminal narrower than the whole table (80 columns), a compact one: rates \
            when watching, byte totals in units otherwise, each member's drops in one \
            column; a watch taller than the terminal is cut to it, saying how much.
            Examples:
              bondctl stats bond0
              bondctl stats --watch
              bondctl stats bond0 --watch --interval 0.5 --count 10
              bondctl stats bond0 --json
            """)

    @OptionGroup var socket: SocketOption
    @Argument(help: "The bond (default: every running bond).", completion: Completions.bonds) var bond: String?
    @Flag(help: "Refresh in place with rates.") var watch = false
    @Option(help: "Seconds between refreshes with --watch.") var interval: Double = 1
    @Option(help: "With --watch: stop after this many tables.") var count: Int?
    @Flag(help: "Print JSON (with --watch: one object per line and refresh).") var json = false

    func validate() throws {
        guard interval >= 0.1 && interval <= 3600 else { throw ValidationError("--interval: between 0.1 and 3600 seconds") }
        if let count, count < 1 { throw ValidationError("--count: at least 1") }
        if count != nil && !watch { throw ValidationError("--count goes with --watch") }
    }

    func run() {
        func snapshot() -> [BondStatus] { socket.statusesOfRunningBonds(named: bond.map { [$0] } ?? []) }
        var previous = snapshot()
        if !watch {
            output(previous, previous: nil, seconds: 0)
            return
        }
        let inPlace = isatty(1) == 1 && !json
        var refreshes = 1
        var last = Date()
        if inPlace { print("\u{1B}[H\u{1B}[2J", terminator: "") }
        output(previous, previous: nil, seconds: 0)
        while count.map({ refreshes < $0 }) ?? true {
            Thread.sleep(forTimeInterval: interval)
            let now = snapshot()
            let elapsed = Date().timeIntervalSince(last)
            last = Date()
            if inPlace { print("\u{1B}[H\u{1B}[2J", terminator: "") } else if !json { print("") }
            output(now, previous: previous, seconds: elapsed)
            previous = now
            refreshes += 1
        }
    }

    private func output(_ statuses: [BondStatus], previous: [BondStatus]?, seconds: Double) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let records = statuses.map { s in
                StatsRecord(s, previous: previous?.first { $0.name == s.name }, seconds: seconds)
            }
            if let data = try? encoder.encode(records) { print(String(decoding: data, as: UTF8.self)) }
            fflush(nil)  // every output stream: stdout is shared mutable state to Swift 6
            return
        }
        // A terminal gets the table that fits its width; a pipe, the whole table.
        let terminal = Terminal.size()
        let text = statuses.map { s in
            StatsText.render(
                s, previous: watch ? (previous?.first { $0.name == s.name } ?? s) : nil, seconds: seconds, width: terminal?.columns)
        }.joined(separator: "\n")
        print(watch && terminal != nil ? StatsText.fitting(text, rows: terminal!.rows) : text, terminator: "")
        fflush(nil)  // every output stream: stdout is shared mutable state to Swift 6
    }
}

/// `stats --json`: counters per member, and rates once there is a previous snapshot, with
/// the keys `show --json` uses for the same values.
struct StatsRecord: Encodable {
    struct Member: Encodable {
        var name: String, state: String, link: String
        var rxPackets: Int, rxBytes: Int, rxDrops: Int, rxMissed: Int, txPackets: Int, txBytes: Int, txDrops: Int
        var rates: StatsText.Rates?
        enum CodingKeys: String, CodingKey {
            case name, state, link, rates
            case rxPackets = "rx_packets", rxBytes = "rx_bytes", rxDrops = "rx_drops", rxMissed = "rx_missed"
            case txPackets = "tx_packets", txBytes = "tx_bytes", txDrops = "tx_drops"
        }

        /// Every key present, `rates` null until there is a previous snapshot.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name); try c.encode(state, forKey: .state); try c.encode(link, forKey: .link)
            try c.encode(rates, forKey: .rates)
            try c.encode(rxPackets, forKey: .rxPackets); try c.encode(rxBytes, forKey: .rxBytes); try c.encode(rxDrops, forKey: .rxDrops)
            try c.encode(rxMissed, forKey: .rxMissed)
            try c.encode(txPackets, forKey: .txPackets); try c.encode(txBytes, forKey: .txBytes); try c.encode(txDrops, forKey: .txDrops)
        }
    }
    var version = BondStatus.schemaVersion
    var name: String
    var members: [Member]
    var counters: BondCounters

    init(_ s: BondStatus, previous: BondStatus?, seconds: Double) {
        name = s.name
        counters = s.counters
        members = s.members.map { m in
            Member(
                name: m.name, state: m.state, link: m.link, rxPackets: m.rxPackets, rxBytes: m.rxBytes, rxDrops: m.rxDrops,
                rxMissed: m.rxMissed, txPackets: m.txPackets, txBytes: m.txBytes, txDrops: m.txDrops,
                rates: StatsText.rates(m, since: previous?.members.first { $0.name == m.name }, seconds: seconds))
        }
    }
}
