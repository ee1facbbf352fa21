import BondCore
import Synchronization

/// What forwarding threads decide from: the options and the member view as the engine
/// had them at its last change, as the XDP programs read the engine's maps. Immutable:
/// a change publishes a new one.
final class ForwardingSnapshot: Sendable {
    let options: BondOptions
    let view: MemberView
    /// By slot: the member delivers what it receives (live, not disabled by hand).
    let receiving: [Bool]
    /// The longest frame that is not a super-frame (the MTU with its header).
    let maximumFrame: Int
    /// The ARP/NS monitor runs: threads note when each member last received.
    let notesTraffic: Bool
    /// Which MAC each member carries, and the bond's, for frames addressed to a
    /// member's own (`MACPolicy.readdressesToBond`).
    let macPolicy: MACPolicy
    let bondMAC: MACAddress
    let memberMACs: [MACAddress]

    init(
        options: BondOptions, view: MemberView, receiving: [Bool], maximumFrame: Int, notesTraffic: Bool,
        macPolicy: MACPolicy, bondMAC: MACAddress, memberMACs: [MACAddress]
    ) {
        self.options = options
        self.view = view
        self.receiving = receiving
        self.maximumFrame = maximumFrame
        self.notesTraffic = notesTraffic
        self.macPolicy = macPolicy
        self.bondMAC = bondMAC
        self.memberMACs = memberMACs
    }
}

/// Where the engine leaves the latest snapshot for its forwarding threads. A thread
/// looks at the generation once per turn, one atomic load, and takes the lock only
/// when it changed: on the engine's state changes, never per frame.
final class SnapshotExchange: Sendable {
    private let current: Mutex<ForwardingSnapshot>
    private let published = Atomic<Int>(0)

    init(_ first: ForwardingSnapshot) { current = Mutex(first) }

    func publish(_ snapshot: ForwardingSnapshot) {
        current.withLock { $0 = snapshot }
        published.add(1, ordering: .releasing)
    }

    /// How many snapshots were published: a thread holding an older count reads again.
    var generation: Int { published.load(ordering: .acquiring) }

    func latest() -> (generation: Int, snapshot: ForwardingSnapshot) {
        let g = generation
        return (g, current.withLock { $0 })
    }
}
