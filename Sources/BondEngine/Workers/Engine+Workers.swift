import BondCore
import PacketIO
import SystemIO

/// `workers=N`: the engine's frames spread over N threads, its own and N-1 forwarding
/// threads, by a fanout group per device. The engine keeps everything but moving
/// frames: control frames, monitors, state, and the sockets' lifetimes; the threads
/// decide from the snapshot it publishes wherever the XDP programs' picture is written.
extension Engine {
    /// A thread's ring: half a member's (each thread takes a share of the frames), so
    /// that `workers` threads over a few members stay within a few hundred MiB of
    /// locked ring memory.
    static var forwardingRing: PacketRingConfiguration {
        var r = PacketRingConfiguration()
        r.slotCount = 2048
        return r
    }

    /// Gives each thread a socket on every member (and on the bond device once its
    /// engine end is up: `spreadBondDevice`). Threads start with the loop (`run`).
    func startForwardingThreads() throws(EngineError) {
        let count = bond.options.workers
        guard count > 1 else { return }
        do {
            let threads = try ForwardingThreads(
                count: count, bond: name, first: forwardingSnapshot(), bondDevice: device.socket, steeringCPUs: bond.options.steeringCPUs)
            forwarding = threads
            undo.push("forwarding threads of \(name)") { [weak self] in
                self?.forwarding?.close()
                self?.forwarding = nil
            }
            try threads.spread(allToEngine: !taps.isEmpty, taggedToEngine: !vlanDevices.isEmpty)
        } catch { throw EngineError("workers: cannot start the forwarding threads of \(name): \(error)") }
        for p in ports where p.isLive { try addForwardingSockets(for: p) }
        let by = bond.options.workersSteer == .cpu ? "by the CPU that received them" : "by flow"
        logger.info("\(name): \(count) forwarding threads (the engine's and \(count - 1) beside it), frames spread \(by)")
    }

    /// The frames the host sends on the bond device are spread too, once the engine
    /// end is up (its carrier); until then, or while that fails, the engine reads them
    /// all, and a failure is tried again every second (and said once).
    func spreadBondDevice(at now: Instant) {
        guard let threads = forwarding, !threads.spreadsBondDevice, carrierApplied == true, now >= threads.nextDeviceAttempt else { return }
        let engineIndex = device.engineIndex
        do {
            try threads.addDevice(engine: device.socket) { [system] () throws(SystemError) in
                try system.packetSocket(interfaceIndex: engineIndex, ring: Self.forwardingRing)
            }
        } catch {
            threads.nextDeviceAttempt = now.adding(milliseconds: 1000)
            guard !threads.deviceFailureSaid else { return }
            threads.deviceFailureSaid = true
            logger.error(
                "\(name): cannot spread the host's frames over the forwarding threads (the engine's thread takes them all meanwhile): \(error)")
        }
    }

    /// What the loop does for the threads on every turn: the monitor hears of their
    /// traffic; the bond device's group is made if it is still missing.
    func tendForwardingThreads(at now: Instant) {
        noteForwardedTraffic()
        spreadBondDevice(at: now)
    }

    /// Member `port`'s socket for each thread, filtered as the engine's is; its undo
    /// takes them back.
    func addForwardingSockets(for port: MemberPort) throws(EngineError) {
        guard let threads = forwarding else { return }
        let slot = port.index, ifindex = port.interfaceIndex
        let fast = fastPath
        do {
            try threads.addMember(
                slot: slot, engine: port.socket,
                open: { [system] () throws(SystemError) in try system.packetSocket(interfaceIndex: ifindex, ring: Self.forwardingRing) },
                prepare: { (s: PacketSocket) throws(SystemError) in try fast?.filterAlso(s, slot: slot) })
        } catch { throw EngineError("workers: cannot give each thread a ring on \(port.name): \(error)") }
        port.undo.push("forwarding sockets on \(port.name)") { [weak threads] in threads?.removeMember(slot: slot) }
    }

    /// What the threads decide from, as of now.
    func forwardingSnapshot() -> ForwardingSnapshot {
        let receiving = bond.members.indices.map { i in
            !bond.members[i].adminDisabled && !bond.members[i].isRemoved && i < ports.count && ports[i].isLive
        }
        return ForwardingSnapshot(
            options: bond.options, view: view, receiving: receiving,
            maximumFrame: mtu + FrameParser.ethernetHeaderLength, notesTraffic: probing,
            macPolicy: macPolicy, bondMAC: bondMAC, memberMACs: ports.filter(\.isLive).map(\.mac))
    }

    /// Publishes the bond's state to the threads, and keeps every frame the engine's
    /// while a capture runs (it must see them all) and tagged ones while it has VLAN
    /// devices (it alone serves them). Runs wherever the XDP programs' picture is.
    func syncForwardingThreads() {
        guard let threads = forwarding else { return }
        threads.publish(forwardingSnapshot())
        do { try threads.spread(allToEngine: !taps.isEmpty, taggedToEngine: !vlanDevices.isEmpty) } catch {
            logger.error("\(name): cannot change how frames are spread over the forwarding threads: \(error)")
        }
    }

    /// What the threads read on each member lately: signs of life for the ARP/NS
    /// monitor, as the engine's own frames are (`noteTraffic`).
    func noteForwardedTraffic() {
        guard probing, let threads = forwarding else { return }
        for p in ports where p.isLive {
            let last = threads.memberSockets(p.index).reduce(0) { max($0, $1.counters.lastReceive.load(ordering: .relaxed)) }
            guard last > forwardedTrafficSeen[p.index, default: 0] else { continue }
            forwardedTrafficSeen[p.index] = last
            pendingEvents += bond.received(.traffic, on: p.index, at: Instant(nanoseconds: last))
        }
        guard !pendingEvents.isEmpty else { return }
        let events = pendingEvents
        pendingEvents.removeAll(keepingCapacity: true)
        handle(events)
    }

    /// Each thread's frames, for `bondctl show`.
    var forwardingThreadStatus: [ForwardingThreadStatus]? {
        guard let threads = forwarding else { return nil }
        let frames = threads.framesByThread(engineFrames: framesRead)
        let ids = [engineThread] + threads.workers.map { $0.threadID.load(ordering: .relaxed) }
        return frames.indices.map { ForwardingThreadStatus(number: $0, id: Int(ids[$0]), frames: frames[$0]) }
    }
}

extension [WorkerSocket] {
    /// The sum of one counter over these sockets.
    func sum(_ counter: (SocketFlowCounters) -> Int) -> Int { reduce(0) { $0 + counter($1.counters) } }
}
