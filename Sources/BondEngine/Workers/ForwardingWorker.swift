import BondCore
import Dispatch
import Foundation
import PacketIO
import Synchronization
import SystemIO

/// A forwarding thread beside the engine's (`workers=`): it reads the rings the bond's
/// fanout groups give it, one per device, and moves their frames as the engine would,
/// deciding from the engine's latest `ForwardingSnapshot` with a mode of its own. It
/// never sees a control frame (the groups send those to the engine), holds no bond
/// state, and takes no lock per frame. Frames for the host leave through a send queue
/// of its own on the engine's socket of the bond device, which it only sends on.
final class ForwardingWorker: @unchecked Sendable {
    /// 1 for the first thread beside the engine's (which is 0).
    let number: Int
    let totals = WorkerTotals()
    /// The thread's kernel id once it runs (0 before), which `engine_cpus` pins.
    let threadID = Atomic<Int32>(0)
    private let label: String
    private let exchange: SnapshotExchange
    private let poller: Poller
    private let wakeup: WakeupEvent
    private let mailbox = Mailbox()
    private let exited = DispatchSemaphore(value: 0)
    /// On the engine's side: the thread runs, so changes go through its mailbox.
    private var running = false

    // The thread's own state.
    private var generation = -1
    private var snapshot: ForwardingSnapshot
    private var mode: AnyBondingMode
    private var device: WorkerSocket?
    /// To the host: sendmmsg on the engine's bond device socket (it outlives the thread).
    private let delivery: TransmitQueue
    private var members: [WorkerSocket?] = []
    private var memberReady: [Bool] = []
    private var deviceReady = false
    private var wakeupReady = false
    private var stopping = false
    private var runt = 0, truncated = 0, oversize = 0, noMember = 0, frames = 0
    /// A ring still held frames when the turn left it: the next turn does not sleep.
    private(set) var behind = false

    /// At most this many batches per ring and turn: every ring, and the mailbox (the
    /// engine waits on it), gets its turn under any load.
    let batchesPerTurn: Int

    static let deviceToken: UInt64 = 1 << 32
    static let wakeupToken: UInt64 = 2 << 32

    init(
        number: Int, bond: String, exchange: SnapshotExchange, deliveringOn bondDevice: PacketSocket, batchesPerTurn: Int = 16
    ) throws(SystemError) {
        self.number = number
        self.batchesPerTurn = batchesPerTurn
        delivery = TransmitQueue(socket: bondDevice)
        label = "bondd \(bond)/\(number)"
        self.exchange = exchange
        poller = try Poller()
        wakeup = try WakeupEvent()
        try poller.add(wakeup.fd, token: Self.wakeupToken, control: true)
        (generation, snapshot) = exchange.latest()
        mode = AnyBondingMode(options: snapshot.options, members: snapshot.receiving.count)
    }

    // MARK: From the engine's thread

    /// Starts the thread, on `cpus` if given.
    func start(cpus: [Int]?) {
        running = true
        let thread = Thread { [self] in run(cpus: cpus) }
        thread.name = label
        thread.start()
    }

    /// Ends the thread after its current turn; the frames it read are sent first.
    func stop() {
        guard running else { return }
        mailbox.post { [self] in stopping = true }
        wakeup.signal()
        exited.wait()
        running = false
    }

    /// Hands the thread a socket to read (the bond device's, or a member's).
    func attach(_ s: WorkerSocket) throws(SystemError) {
        let failure: SystemError? = perform { [self] () -> SystemError? in
            // Unwatched, its ring would be read only when another woke the thread.
            do throws(SystemError) {
                try poller.add(s.socket.fd, token: s.slot.map(UInt64.init) ?? Self.deviceToken)
            } catch { return error }
            if let slot = s.slot {
                if members.count <= slot {
                    members += Array(repeating: nil, count: slot + 1 - members.count)
                    memberReady += Array(repeating: false, count: slot + 1 - memberReady.count)
                }
                members[slot] = s
            } else {
                device = s
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Takes back the bond device's socket (a group that could not be made whole).
    func detachDevice() {
        perform { [self] in
            guard let s = device else { return }
            poller.remove(s.socket.fd)
            device = nil
        }
    }

    /// Takes back a member's socket: after this returns the thread no longer reads or
    /// sends on it, and the engine may close it.
    func detach(slot: Int) {
        perform { [self] in
            guard slot < members.count, let s = members[slot] else { return }
            s.flushAndPublish()
            poller.remove(s.socket.fd)
            members[slot] = nil
        }
    }

    /// Runs `work` on the thread and waits for it (a turn is bounded: `batchesPerTurn`);
    /// runs it at once while none runs.
    private func perform<T>(_ work: @escaping () -> T) -> T {
        guard running else { return work() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: T?
        mailbox.post {
            result = work()
            done.signal()
        }
        wakeup.signal()
        done.wait()
        return result!
    }

    // MARK: The thread

    private func run(cpus: [Int]?) {
        ThreadName.setCallingThread(label)
        threadID.store(ThreadAffinity.callingThread, ordering: .relaxed)
        if let cpus { try? ThreadAffinity.set(thread: 0, to: cpus) }
        while !stopping {
            poller.wait(nanoseconds: behind ? 0 : nil) { token in
                switch token {
                case Self.deviceToken: deviceReady = true
                case Self.wakeupToken: wakeupReady = true
                default: if Int(token) < memberReady.count { memberReady[Int(token)] = true }
                }
            }
            turn()
        }
        for case let m? in members { m.flushAndPublish() }
        device?.flushAndPublish()
        deliver()
        exited.signal()
    }

    /// One turn: the latest snapshot taken if there is one, every ring read, requests
    /// served. (Tests turn a worker that runs no thread by hand.)
    func turn() {
        behind = false
        if exchange.generation != generation {
            (generation, snapshot) = exchange.latest()
            mode = AnyBondingMode(options: snapshot.options, members: snapshot.receiving.count)
        }
        if let d = device {
            if !forwardFromHost(d) && deviceReady { _ = d.socket.clearError() }
        }
        deviceReady = false
        for case let m? in members {
            let slot = m.slot!
            if !forwardFromMember(m, slot: slot) && memberReady[slot] { _ = m.socket.clearError() }
            memberReady[slot] = false
        }
        publishTotals()
        if wakeupReady {
            wakeupReady = false
            wakeup.drain()
        }
        mailbox.drain()
    }

    /// Sends what is queued for the host.
    @inline(__always)
    private func deliver() {
        if !delivery.isEmpty { delivery.flush() }
    }

    private func publishTotals() {
        totals.runt.store(runt, ordering: .relaxed)
        totals.truncated.store(truncated, ordering: .relaxed)
        totals.oversize.store(oversize, ordering: .relaxed)
        totals.noMember.store(noMember, ordering: .relaxed)
        totals.frames.store(frames, ordering: .relaxed)
        totals.delivered.store(delivery.packets, ordering: .relaxed)
        totals.deliveredBytes.store(delivery.bytes, ordering: .relaxed)
        totals.deliveryErrors.store(delivery.errors, ordering: .relaxed)
    }

    @inline(__always)
    private func count(_ defect: FrameDefect) {
        switch defect {
        case .runt: runt &+= 1
        case .truncated: truncated &+= 1
        case .oversize: oversize &+= 1
        }
    }

    /// Frames the host sent on the bond device: the mode picks the member.
    private func forwardFromHost(_ d: WorkerSocket) -> Bool {
        // Read once per call, not per frame (each read of the class's arrays retains them).
        let view = snapshot.view
        let maxFrame = snapshot.maximumFrame
        let batches = d.socket.receiveBlocks(limit: batchesPerTurn) { batch in
            frames &+= batch.count
            while let frame = batch.next() {
                d.received &+= 1
                d.receivedBytes &+= frame.wireLength
                if frame.isCut { truncated &+= 1; continue }
                let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
                switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
                case .failure(let e): count(e.defect)
                case .success(let parsed):
                    switch mode.transmitTarget(for: parsed, members: view) {
                    case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i):
                        if i < members.count, let m = members[i] { m.queue.append(frame) } else { noMember &+= 1 }
                    case .allMembers:
                        for i in view.usable {
                            if i < members.count, let m = members[i] { m.queue.append(frame) } else { noMember &+= 1 }
                        }
                    case .drop: noMember &+= 1
                    }
                }
            }
            for case let m? in members { m.flushAndPublish() }
        }
        let any = batches > 0
        if batches == batchesPerTurn { behind = true }
        if any { d.flushAndPublish() }
        return any
    }

    /// Frames a member received: the mode decides whether the bond accepts them.
    private func forwardFromMember(_ m: WorkerSocket, slot: Int) -> Bool {
        let s = snapshot
        let view = s.view
        let maxFrame = s.maximumFrame
        let receiving = slot < s.receiving.count && s.receiving[slot]
        let control = mode.controlEtherType
        let batches = m.socket.receiveBlocks(limit: batchesPerTurn) { batch in
            frames &+= batch.count
            while let frame = batch.next() {
                if frame.isCut { truncated &+= 1; m.refused &+= 1; continue }
                let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
                switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
                case .failure(let e):
                    count(e.defect)
                    m.refused &+= 1
                case .success(let parsed):
                    // The group sends control frames to the engine; one here is refused
                    // rather than handed to the host.
                    guard receiving, parsed.etherType != control, mode.admits(parsed, on: slot, members: view) else {
                        m.refused &+= 1
                        continue
                    }
                    if s.macPolicy.readdressesToBond(parsed.destination, bondMAC: s.bondMAC, isMemberMAC: s.memberMACs.contains) {
                        MutableFrameBytes(frame.bytes).setMAC(0, s.bondMAC)
                    }
                    m.received &+= 1
                    m.receivedBytes &+= frame.wireLength
                    delivery.append(frame)
                }
            }
            deliver()
        }
        let any = batches > 0
        if batches == batchesPerTurn { behind = true }
        if any {
            if s.notesTraffic { m.counters.lastReceive.store(MonotonicClock.now().nanoseconds, ordering: .relaxed) }
            m.flushAndPublish()
        }
        return any
    }
}
