import BondCore
import PacketIO
import SystemIO

/// The engine's side of `workers=N`: N-1 forwarding threads beside its own, and per
/// device (the bond device, each member) a PACKET_FANOUT group whose index 0 is the
/// engine's socket and whose others are the threads'. The engine opens, filters and
/// closes every socket; a thread only reads and sends on those it was handed.
final class ForwardingThreads {
    let workers: [ForwardingWorker]
    let exchange: SnapshotExchange
    /// Made once: the engine's socket stays in it (a socket cannot leave its group).
    private var deviceGroup: PacketFanout?
    private var engineDeviceSocket: PacketSocket?
    private var deviceSockets: [WorkerSocket] = []
    /// By member slot: the group and each thread's socket, in thread order.
    private var memberGroups: [Int: (group: PacketFanout, engine: PacketSocket, sockets: [WorkerSocket])] = [:]
    /// What the groups' programs are to do (`spread`), and whether every group has it.
    private var allToEngine = false
    private var taggedToEngine = false
    private var programmed = true
    private let steeringCPUs: [Int]
    private(set) var running = false

    /// Threads counted with the engine's: `workers=3` is 2 threads beside it.
    var threadCount: Int { workers.count + 1 }

    /// `bondDevice`: the engine's socket on the bond device, which the threads send the
    /// host's frames on. `steeringCPUs`: thread i takes what CPU `steeringCPUs[i]`
    /// receives (`workers_steer=cpu`); empty: frames go by flow.
    init(count: Int, bond: String, first: ForwardingSnapshot, bondDevice: PacketSocket, steeringCPUs: [Int] = []) throws(SystemError) {
        self.steeringCPUs = steeringCPUs
        exchange = SnapshotExchange(first)
        var ws: [ForwardingWorker] = []
        for n in 1..<count {
            ws.append(try ForwardingWorker(number: n, bond: bond, exchange: exchange, deliveringOn: bondDevice))
        }
        workers = ws
    }

    /// The bond device's group is made: the frames the host sends are spread.
    var spreadsBondDevice: Bool { !deviceSockets.isEmpty }
    /// When to try making it again after a failure, and whether the failure was said.
    var nextDeviceAttempt = Instant.zero
    var deviceFailureSaid = false

    /// Puts the bond device's engine socket at the head of a new group and gives each
    /// thread a socket in it, from `open`. Until then the engine reads all the host
    /// sends. (Kernels before 6.13 let a socket join a group only while its device is up,
    /// which the engine end is from its first carrier on.) On failure the threads'
    /// sockets are closed again.
    func addDevice(engine: PacketSocket, open: () throws(SystemError) -> PacketSocket) throws(SystemError) {
        var sockets: [WorkerSocket] = []
        do {
            let group: PacketFanout
            if let g = deviceGroup { group = g } else { group = try PacketFanout(first: engine) }
            deviceGroup = group
            engineDeviceSocket = engine
            for _ in workers {
                let s = WorkerSocket(slot: nil, socket: try open())
                sockets.append(s)
                try group.join(s.socket)
            }
            try program(group, through: engine)
            for (w, s) in zip(workers, sockets) { try w.attach(s) }
            deviceSockets = sockets
        } catch {
            for w in workers { w.detachDevice() }
            for s in sockets { s.socket.close() }
            throw error
        }
    }

    /// The same for member `slot`: `prepare` readies each thread's socket before it
    /// joins (a socket filter, so that a frame tc takes is nobody else's). On failure
    /// the member's thread sockets are closed again.
    func addMember(
        slot: Int, engine: PacketSocket, open: () throws(SystemError) -> PacketSocket,
        prepare: (PacketSocket) throws(SystemError) -> Void
    ) throws(SystemError) {
        var sockets: [WorkerSocket] = []
        do {
            let group = try PacketFanout(first: engine)
            for _ in workers {
                let s = WorkerSocket(slot: slot, socket: try open())
                sockets.append(s)
                try prepare(s.socket)
                try group.join(s.socket)
            }
            try program(group, through: engine)
            for (w, s) in zip(workers, sockets) { try w.attach(s) }
            memberGroups[slot] = (group, engine, sockets)
        } catch {
            for w in workers { w.detach(slot: slot) }
            for s in sockets { s.socket.close() }
            throw error
        }
    }

    /// Takes member `slot`'s sockets back from the threads and closes them; frames still
    /// in their rings are lost with the member, as the engine's own are.
    func removeMember(slot: Int) {
        guard let m = memberGroups.removeValue(forKey: slot) else { return }
        for w in workers { w.detach(slot: slot) }
        for s in m.sockets { s.socket.close() }
    }

    /// Sends every frame to the engine (`allToEngine`: a capture runs, and sees only
    /// what the engine moves), or spreads them by flow again; tagged frames stay the
    /// engine's while it has VLAN devices, which only it serves.
    /// A group that refused keeps the program it had; the next call tries them all again.
    func spread(allToEngine: Bool, taggedToEngine: Bool) throws(SystemError) {
        guard allToEngine != self.allToEngine || taggedToEngine != self.taggedToEngine || !programmed else { return }
        self.allToEngine = allToEngine
        self.taggedToEngine = taggedToEngine
        programmed = false
        if let g = deviceGroup, let e = engineDeviceSocket { try program(g, through: e) }
        for m in memberGroups.values { try program(m.group, through: m.engine) }
        programmed = true
    }

    private func program(_ group: PacketFanout, through socket: PacketSocket) throws(SystemError) {
        try group.spread(
            through: socket, sockets: threadCount, taggedToEngine: taggedToEngine, allToEngine: allToEngine, cpus: steeringCPUs)
    }

    func publish(_ snapshot: ForwardingSnapshot) { exchange.publish(snapshot) }

    /// Starts each thread on the CPUs `placement` gives for its number (nil: anywhere).
    func start(_ placement: (Int) -> [Int]?) {
        guard !running else { return }
        running = true
        for w in workers { w.start(cpus: placement(w.number)) }
    }

    func stop() {
        guard running else { return }
        for w in workers { w.stop() }
        running = false
    }

    /// Stops the threads and closes their sockets (the engine's stay, with their groups
    /// gone once the last of the others closes).
    func close() {
        stop()
        for slot in Array(memberGroups.keys) { removeMember(slot: slot) }
        for s in deviceSockets { s.socket.close() }
        deviceSockets = []
    }

    // MARK: What they moved

    /// Reads every thread socket's ring drop counter (the engine is their only reader).
    func collectRingStatistics() {
        for s in deviceSockets { s.socket.collectStatistics() }
        for m in memberGroups.values { for s in m.sockets { s.socket.collectStatistics() } }
    }

    /// The threads' sockets on member `slot`.
    func memberSockets(_ slot: Int) -> [WorkerSocket] { memberGroups[slot]?.sockets ?? [] }
    var bondDeviceSockets: [WorkerSocket] { deviceSockets }

    /// Frames each thread read, the engine's first (`engineFrames`).
    func framesByThread(engineFrames: Int) -> [Int] {
        [engineFrames] + workers.map { $0.totals.frames.load(ordering: .relaxed) }
    }
}
