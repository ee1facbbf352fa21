import BondCore
import PacketIO

/// The loop: one thread waits on every socket and the link notifications, moves the
/// frames that are ready in batches, then runs what is due (monitors, the mode's timers).
extension Engine {
    enum Token {
        static let bondDevice: UInt64 = 1 << 32
        static let linkEvents: UInt64 = 2 << 32
        static let wakeup: UInt64 = 3 << 32
        /// Any AF_XDP socket: every socket's rings are looked at on every turn.
        static let sockets: UInt64 = 4 << 32
        /// Any VLAN device's socket: every one is looked at when one is ready.
        static let vlanDevice: UInt64 = 5 << 32
    }

    /// At most this many batches per socket per turn, on every backend: no socket starves
    /// the others, nor a flood the requests, timers and notifications the turn serves
    /// after the frames. A ring left with frames keeps its socket ready, so the next
    /// wait returns at once.
    static let socketBatchesPerTurn = 16

    /// Moves frames until `requestStop` or a fatal error.
    public func run() throws(EngineError) {
        hasRun = true
        // As `top -H` and /proc show the thread: the bond's name, not the process's.
        ThreadName.setCallingThread("bondd \(name)")
        engineThread = ThreadAffinity.callingThread
        if bond.options.engineCPUs != nil {
            do { try pinEngineThread(bond.options.engineCPUs) } catch { logger.error("\(name): \(error.message)") }
        }
        // Requests that arrive after the loop are refused rather than left waiting.
        defer { mailbox.close() }
        forwarding?.start { cpus(ofThread: $0, bond.options.engineCPUs) }
        // Before the requests still waiting run: none of them finds a thread moving frames.
        defer { forwarding?.stop() }
        // A polling tick is tens of µs: the default slack (50 µs) would stretch it.
        Poller.setTimerSlack(nanoseconds: 2_000)
        while !stopping {
            let polled = waitForWork()
            try turn()
            // Busy polling takes the place of coalescing when asked for; its window runs
            // from the end of the turn that moved the frame.
            if busyPoll.isOn {
                busyPoll.turnEnded(at: system.now(), frames: framesThisTurn, polled: polled)
            } else {
                moderation.turnEnded(at: view.now, frames: framesThisTurn)
            }
            framesRead &+= framesThisTurn
            framesThisTurn = 0
        }
    }

    /// Sleeps until a socket or notification is ready or the next deadline; or, while
    /// the load is polled, until the tick (a notification still ends it early); or,
    /// within `busy_poll` of the last frame, not at all.
    /// - Returns: whether it busy-polled.
    @discardableResult
    func waitForWork() -> Bool {
        var timeout: Int64?
        let now = system.now()
        if let deadline = nextDeadline {
            timeout = deadline <= now ? 0 : Int64(min(deadline.nanoseconds - now.nanoseconds, 60_000_000_000))
        }
        let polls = busyPoll.polls(at: now)
        if polls {
            timeout = 0
            poller.watchSockets(true)
        } else if !busyPoll.isOn, case .tick(let tick) = moderation.wait {
            timeout = min(timeout ?? .max, Int64(tick))
            poller.watchSockets(false)
        } else {
            poller.watchSockets(true)
        }
        if socketReady.count < ports.count { socketReady += Array(repeating: false, count: ports.count - socketReady.count) }
        poller.wait(nanoseconds: timeout) { token in
            switch token {
            case Token.bondDevice: deviceReady = true
            case Token.vlanDevice: vlanDeviceReady = true
            case Token.linkEvents: linkEventsReady = true
            case Token.wakeup: wakeupReady = true
            case Token.sockets: break
            default: socketReady[Int(token)] = true
            }
        }
        return polls
    }

    /// One turn of the loop: every frame waiting is moved, notifications read, what is
    /// due run, requests from other threads served. (Tests call it directly.)
    func turn() throws(EngineError) {
        // Transmit policies with time in them (flowlets) read the turn's time per frame.
        view.now = system.now()
        if socketReady.count < ports.count { socketReady += Array(repeating: false, count: ports.count - socketReady.count) }
        if !forwardFromHost(device) && deviceReady { _ = device.socket.clearError() }
        deviceReady = false
        for d in vlanDevices where !forwardFromHost(d) && vlanDeviceReady { _ = d.socket.clearError() }
        vlanDeviceReady = false
        for p in ports where !p.removed {
            if !forwardFromMember(p) && socketReady[p.index] { _ = p.socket.clearError() }
            socketReady[p.index] = false
        }
        if socketPath != nil { forwardSocketFrames() }
        // Only when there is something to read: a turn per burst of frames would
        // otherwise cost two failed syscalls each. (Tests turn the loop by hand.)
        if linkEventsReady || !hasRun {
            linkEventsReady = false
            readLinkEvents()
        }
        runTimers(at: system.now())
        for t in taps { t.publish() }
        syncFastPathBuckets()
        if wakeupReady || !hasRun {
            wakeupReady = false
            wakeup.drain()
        }
        mailbox.drain()
        if let fatal { throw fatal }
    }

    /// The earliest of the engine's deadlines: the bond's monitors, the carrier poll,
    /// the mode's timers and the end of a make-before-break window.
    var nextDeadline: Instant? {
        bond.nextDeadline.earliest(carrierPoll.next).earliest(mode.nextDeadline).earliest(draining?.until)
    }

    /// Everything due at `now`.
    func runTimers(at now: Instant) {
        if now >= nextAddressRead || uppersDirty { refreshUppers() }
        if now >= nextRingStatisticsRead { collectRingStatistics() }
        if carrierPoll.fire(at: now) { refreshCarriers() }
        if forwarding != nil { tendForwardingThreads(at: now) }
        if let d = mode.nextDeadline, now >= d {
            if mode.needsTransmitBytes(at: now) { foldFastPathBytes() }
            carryOut(mode.tick(at: now, members: view))
        }
        if fastPath != nil, let d = bond.nextDeadline, now >= d { feedFastPathTraffic() }
        handle(bond.tick(at: now))
        if let d = draining, now >= d.until {
            draining = nil
            rebuildView()
        }
    }
}
