import BondCore
import PacketIO
import Glibc
import SystemIO

/// `backend=`: the XDP fast path when it can be had, AF_PACKET otherwise. The engine's
/// logic is the same either way: the programs decide from a picture of the bond's
/// state that the engine rewrites on every change, and hand up what they do not decide.
extension Engine {
    /// Attaches the fast path for `backend=xdp`, and without a `backend=`: wherever its
    /// programs attach (natively where the driver has XDP, in tc elsewhere), tc
    /// programs included. If they cannot be attached the bond runs on AF_PACKET alone,
    /// and one log line says why.
    ///
    /// Measured on a veth testbed (tools/bench-latency, bench-cost, bench-tcp), xdp
    /// answers as fast as a kernel bridge and adds the least CPU per frame, and carries
    /// TCP as AF_PACKET does (in the same tc programs); AF_PACKET moves one flow of
    /// 64-byte frames faster there, by running its engine on a second core.
    ///
    /// On `backend=afpacket` and `afxdp` the tc programs carry TCP alone (`FastPath.Scope`);
    /// without them TCP goes through the engine too, and one log line says why.
    func startFastPath(kinds: [Int: String?]) {
        backendDetail = nil
        guard system.hasXDP else { return }
        let scope: FastPath.Scope = bond.options.backend == nil || bond.options.backend == .xdp ? .allFrames : .tcp
        tcpInTCUnavailable = nil
        if scope == .tcp && !(bond.options.tcpInKernel && modeLeavesTCPToTC) { return }
        var attempt: FastPath?
        do {
            let fp = try FastPath(engineIndex: device.engineIndex, hostIndex: hostIndex, scope: scope) {
                [name, logger] in logger.notice("\(name): \($0)")
            }
            attempt = fp
            if bond.options.backend == nil && !fp.carriesSuperFrames {
                // What the measurement behind the default does not cover.
                throw SystemError("without its tc programs, TCP would go through the engine", errno: EOPNOTSUPP)
            }
            for p in ports where p.isLive {
                try fp.attachMember(
                    slot: p.index, ifindex: p.interfaceIndex, kind: kinds[p.index] ?? nil, socket: p.socket)
            }
            for p in ports where p.isLive { detachOnRemoval(p, from: fp) }
            if fp.needsNAPIOnBondDevice {
                // Native redirects into a veth land in its peer's NAPI queue, which GRO turns on.
                try links.setGenericReceiveOffload(name: name, on: true)
            }
            fastPath = fp
            undo.push("XDP programs of \(name)") { [weak self] in
                self?.fastPath?.detachAll()
                self?.fastPath = nil
                for d in self?.vlanDevices ?? [] { d.onFastPath = false }
            }
            for d in vlanDevices { attachFastPath(to: d) }
            syncFastPath()
            if scope == .allFrames { logger.info("\(name): backend xdp (\(fp.describe(memberNames: liveMemberNames)))") }
        } catch {
            attempt?.detachAll()
            if scope == .tcp {
                tcpInTCUnavailable = "TCP through the engine: tc programs unavailable (\(error))"
                logger.notice("\(name): tc programs unavailable (\(error)); TCP moves through the engine too")
                return
            }
            backendDetail = "xdp unavailable: \(error)"
            logger.notice("\(name): XDP fast path unavailable (\(error)); frames move through AF_PACKET")
        }
    }

    /// On the engine's backends, whether tc carries this mode's TCP: not where the
    /// programs cannot decide, nor in balance-rr, whose turn the engine's counter and
    /// the programs' per-CPU ones could not share (each member in turn, and
    /// packets_per_slave, across all frames).
    var modeLeavesTCPToTC: Bool { mode.fastPathKind != .none && mode.fastPathKind != .roundRobin }

    /// The engine's backends' TCP is in tc now: the programs are on, the mode leaves it
    /// to them and no capture runs (a capture must see every frame).
    var tcpInTC: Bool { fastPath?.scope == .tcp && modeLeavesTCPToTC && taps.isEmpty }

    /// A member added at runtime gets the receive program; its undo takes it off again.
    func attachFastPath(to port: MemberPort, kind: String?) throws(EngineError) {
        guard let fp = fastPath else { return }
        do { try fp.attachMember(slot: port.index, ifindex: port.interfaceIndex, kind: kind, socket: port.socket) } catch {
            // Refused rather than left out: bondd_tc_tx would send TCP to a member
            // without the program that lets it out there.
            let what = fp.scope == .tcp ? "the tc programs that carry TCP" : "the XDP fast path"
            throw EngineError("cannot attach \(what) to \(port.name): \(error)")
        }
        detachOnRemoval(port, from: fp)
    }

    private func detachOnRemoval(_ port: MemberPort, from fp: FastPath) {
        let slot = port.index, ifindex = port.interfaceIndex
        port.undo.push("XDP on \(port.name)") { [weak fp] in fp?.detachMember(slot: slot, ifindex: ifindex) }
    }

    /// The bond's state as the programs read it; written whenever it changes.
    func syncFastPath() {
        syncForwardingThreads()
        guard let fp = fastPath else { return }
        let o = bond.options
        var mode: XDPBondProgram.Mode =
            switch self.mode.fastPathKind {
            case .none: .none
            case .activeBackup: .activeBackup
            case .roundRobin: .roundRobin
            case .xor, .aggregation: .xor
            case .broadcast: .broadcast
            case .transmitLoadBalancing: .transmitLoadBalancing
            case .adaptiveLoadBalancing: .adaptiveLoadBalancing
            case .sourceLoadBalancing: .sourceLoadBalancing
            }
        // A capture must see every frame, and sees only what reaches the engine.
        if !taps.isEmpty || (fp.scope == .tcp && !modeLeavesTCPToTC) { mode = .none }
        defer { if fp.scope == .tcp { syncSocketPath() } }
        var c = XDPBondProgram.Configuration(
            mode: mode, active: view.active, usable: view.usable, allMembersActive: o.allSlavesActive,
            packetsPerMember: o.packetsPerSlave, hashPolicy: o.xmitHashPolicy.rawValue)
        c.receiving = Set(bond.members.indices.filter { !bond.members[$0].adminDisabled && !bond.members[$0].isRemoved })
        if self.mode.fastPathKind == .aggregation { c.receiving = Set(view.usable) }
        c.draining = view.draining
        c.ownMACs = macPolicy == .ownMACs
        c.bondMAC = bondMAC.bytes
        c.tlbDynamic = o.tlbDynamicLB
        c.maximumFrame = mtu + FrameParser.ethernetHeaderLength
        c.stampReceive = probing
        c.superFramesInTC = fp.carriesSuperFrames
        c.tcMembers = fp.tcMembers
        c.tcReceivers = fp.tcReceivers
        c.tcTakesTCPOnly = fp.scope == .tcp
        do {
            for p in ports where p.isLive && fp.memberMACs[p.index] != p.mac.rawValue {
                try fp.program.setMemberMAC(slot: p.index, mac: p.mac.rawValue)
                fp.memberMACs[p.index] = p.mac.rawValue
            }
            try fp.update(c)
        } catch { logger.error("\(name): cannot update the XDP fast path: \(error)") }
        syncFastPathBuckets()
    }

    /// tlb hash buckets, per-VIF buckets and learned MACs, as the engine placed them
    /// since the last turn of the loop (the programs hand up what is not placed yet).
    func syncFastPathBuckets() {
        guard let fp = fastPath else { return }
        do {
            if let t = self.mode.bucketTable {
                for (i, b) in t.buckets.enumerated() where b.member != fp.hashBucketMembers[i] {
                    try fp.program.setHashBucket(i, member: b.member)
                    fp.hashBucketMembers[i] = b.member
                }
            }
            if let v = self.mode.vifTable {
                for (i, b) in v.buckets.enumerated() where b.member != fp.vifBucketMembers[i] {
                    try fp.program.setVIFBucket(i, member: b.member)
                    fp.vifBucketMembers[i] = b.member
                }
                if v.macCount != fp.vifKeys.count {
                    for (key, entry) in v.entries where !fp.vifKeys.contains(key) {
                        try fp.program.addVIF(key: key, bucket: entry.bucket)
                        fp.vifKeys.insert(key)
                    }
                }
            }
        } catch { logger.error("\(name): cannot update the XDP fast path's buckets: \(error)") }
    }

    /// Bytes the programs sent per bucket, added to the engine's tables: rebalancing
    /// and `bondctl show` see all traffic, whichever path it took.
    func foldFastPathBytes() {
        guard let fp = fastPath else { return }
        if let t = self.mode.bucketTable {
            for (b, n) in fp.program.takeHashBucketBytes().enumerated() where n > 0 { t.addTransmitted(bucket: b, bytes: n) }
        }
        if let v = self.mode.vifTable {
            for (b, n) in fp.program.takeVIFBucketBytes().enumerated() where n > 0 { v.addTransmitted(bucket: b, bytes: n) }
        }
    }

    /// Under the ARP/NS monitor every frame a member receives is a sign of life; those
    /// the fast path took never reached the engine, so their time is read from the
    /// programs' counters before each monitor round.
    func feedFastPathTraffic() {
        guard let fp = fastPath, probing else { return }
        var events: [BondEvent] = []
        for p in ports where p.isLive {
            let last = fp.program.memberCounters(slot: p.index).lastReceive
            if last > fp.lastReceiveSeen[p.index] ?? 0 {
                fp.lastReceiveSeen[p.index] = last
                events += bond.received(.traffic, on: p.index, at: Instant(nanoseconds: last))
            }
        }
        handle(events)
    }

    /// What the fast path moved for member `i`, to add to the engine's own counters.
    func fastPathCounters(member i: Int) -> XDPBondProgram.MemberCounters? {
        fastPath?.program.memberCounters(slot: i)
    }

    var backendStatus: (name: String, detail: String?, counters: FastPathCounters?) {
        let counters = fastPath.map { fp in
            let c = fp.program.counters()
            return FastPathCounters(redirected: Int(c.redirected), passed: Int(c.passed), dropped: Int(c.dropped))
        }
        // The engine's backends say what tc carries for them after their own detail.
        let tc = fastPath.flatMap { tcpInTC ? $0.describe(memberNames: liveMemberNames) : nil } ?? tcpInTCUnavailable
        func detail(_ own: String?) -> String? {
            let parts = [own, tc].compactMap { $0 }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
        if let sp = socketPath { return ("afxdp", detail(sp.describe(memberNames: liveMemberNames)), counters) }
        guard let fp = fastPath, fp.scope == .allFrames else { return ("afpacket", detail(backendDetail), counters) }
        return ("xdp", fp.describe(memberNames: liveMemberNames), counters)
    }

    /// MACs the mode's per-VIF table forgot: the programs' map forgets them too.
    func forgetFastPathVIFs(_ keys: [UInt64]) {
        guard let fp = fastPath else { return }
        for key in keys where fp.vifKeys.remove(key) != nil { fp.program.removeVIF(key: key) }
    }
}
