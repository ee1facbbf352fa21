import BondCore
import PacketIO

/// `bondctl show`, `stats`, `hash`: the bond as the engine sees it.
extension Engine {
    public func status() -> BondStatus {
        foldFastPathBytes()
        collectRingStatistics()
        let now = system.now()
        let o = bond.options
        let members = bond.members.enumerated().filter { !$0.element.isRemoved }.map { (i, m) -> MemberStatus in
            let p = ports[i]
            let active = o.mode.hasBackupMembers ? i == bond.activeIndex : m.link.carriesTraffic
            // Frames the XDP programs moved never passed through the engine's queues.
            let fast = fastPathCounters(member: i) ?? XDPBondProgram.MemberCounters()
            let sockets = p.$xsk
            // And what the forwarding threads moved on it (`workers=`).
            let threads = forwarding?.memberSockets(i) ?? []
            var s = MemberStatus(
                name: m.name, link: m.link.carriesTraffic ? "up" : "down", linkState: m.link.rawValue,
                state: m.adminDisabled ? "disabled" : active ? "active" : "backup", linkFailures: m.linkFailureCount,
                permanentMAC: m.permanentMAC.description, speed: m.speed,
                lastChangeMillisecondsAgo: now.milliseconds(since: m.lastLinkChange),
                txPackets: p.queue.packets + fast.txPackets + sockets.transmitted + threads.sum { $0.sent.load(ordering: .relaxed) },
                txBytes: p.queue.bytes + fast.txBytes + sockets.transmittedBytes + threads.sum { $0.sentBytes.load(ordering: .relaxed) },
                txDrops: p.queue.errors + sockets.transmitDrops + threads.sum { $0.sendErrors.load(ordering: .relaxed) },
                rxPackets: p.rxPackets + fast.rxPackets + threads.sum { $0.received.load(ordering: .relaxed) },
                rxBytes: p.rxBytes + fast.rxBytes + threads.sum { $0.receivedBytes.load(ordering: .relaxed) },
                rxDrops: p.rxDrops + fast.rxDropped + threads.sum { $0.refused.load(ordering: .relaxed) })
            s.rxMissed = p.socket.ringDrops + sockets.receiveMissed + threads.reduce(0) { $0 + $1.socket.ringDrops }
            s.prio = m.prio
            s.duplex = m.fullDuplex.map { $0 ? "full" : "half" }
            s.rxControl = p.rxControl
            s.mac = p.mac.description
            s.lastChangeMonotonicNanoseconds = m.lastLinkChange.nanoseconds
            s.verdict = bond.verdict(of: i, at: now)
            if let probe = bond.probe {
                let r = probe.records[i]
                s.targets = r.targetLastRx.enumerated().map { t, seen in
                    TargetStatus(target: probe.targetDescription(t), lastSeenMillisecondsAgo: seen.map { now.milliseconds(since: $0) })
                }
                s.lastReceiveMillisecondsAgo = now.milliseconds(since: r.lastRx)
                s.probesSent = r.probesSent
                s.repliesValidated = r.repliesValidated
            }
            return s
        }
        var status = BondStatus(
            name: name, mode: o.mode, modeDescription: o.mode.procDescription,
            activeMember: bond.activeIndex.map { bond.members[$0].name },
            carrier: carrierWanted ? "up" : "down", mac: bondMAC.description, mtu: mtu,
            miimon: o.miimon, updelay: o.updelay, downdelay: o.downdelay,
            peerNotifDelay: o.peerNotifDelay, numGratARP: o.numPeerNotif, primary: o.primary,
            primaryReselect: o.primaryReselect, packetsPerSlave: o.packetsPerSlave,
            xmitHashPolicy: o.xmitHashPolicy,
            allSlavesActive: o.allSlavesActive, lastFailoverReason: bond.lastFailoverReason,
            failovers: failovers, members: members, counters: countersWithDevice,
            buckets: tlbBuckets, vifBuckets: vifBuckets, vifs: vifEntries, clients: albClients)
        status.failOverMAC = o.failOverMAC
        status.options = o.kernelValues
        (status.backend, status.backendDetail, status.fastPath) = backendStatus
        status.bucketMoves = bucketMoves
        status.lastFailoverMonotonicNanoseconds = bond.lastFailoverAt?.nanoseconds
        status.lastFailoverMillisecondsAgo = bond.lastFailoverAt.map { now.milliseconds(since: $0) }
        mode.describe(into: &status)
        status.vlans = vlanStatus
        status.wakeups = moderation.status(coalesce: o.coalesce)
        if busyPoll.isOn {
            // Coalescing stands aside meanwhile: the turns are busy polling's.
            status.wakeups?.turns += busyPoll.turns
            status.wakeups?.busyPollMicroseconds = o.busyPoll
            status.wakeups?.busyPolledTurns = busyPoll.polledTurns
            status.wakeups?.busyPolledFrames = busyPoll.polledFrames
            if busyPoll.polls(at: now) { status.wakeups?.waiting = "busy-poll" }
        }
        // Asked on the engine's thread (`perform`), once its loop runs.
        if hasRun, let p = system.placement() {
            status.engineThread = EngineThreadStatus(id: Int(engineThread), cpus: CPUList(p.cpus).description, cpu: p.cpu)
        }
        status.awaitedMembers = awaited
        status.forwardingThreads = forwardingThreadStatus
        status.uppers = uppers.devices.map {
            UpperStatus(
                name: $0.name, mac: $0.mac.description, vlan: $0.vlan.map(Int.init),
                addresses: $0.ipv4.map(\.description) + $0.ipv6.map(\.description))
        }
        if o.probesLinks {
            status.arpMonitor = ARPMonitorStatus(
                interval: o.arpInterval, missedMax: o.arpMissedMax,
                validate: o.arpValidate, allTargets: o.arpAllTargets,
                arpTargets: o.arpTargets.map(\.description), nsTargets: o.nsTargets.map(\.description))
            status.arpMonitor?.waiting = bond.probe?.waiting
        }
        return status
    }

    private var albClients: [ClientStatus]? {
        guard let t = mode.clientTable else { return nil }
        return t.clients.map {
            ClientStatus(
                ip: $0.clientIP.description, mac: $0.clientMAC == .zero ? nil : $0.clientMAC.description,
                ourIP: $0.ourIP.description, member: ports[$0.member].name, vlan: $0.vlan.map(Int.init))
        }
    }

    private var tlbBuckets: [BucketStatus]? {
        mode.bucketTable?.buckets.enumerated().compactMap { i, b in
            b.member.map { BucketStatus(bucket: i, member: ports[$0].name, txBytes: b.txBytes, loadHistory: b.loadHistory) }
        }
    }

    private var bucketMoves: Int? {
        let tables = [mode.bucketTable?.moves, mode.vifTable?.moves].compactMap { $0 }
        return tables.isEmpty ? nil : tables.reduce(0, +)
    }

    private var vifBuckets: [BucketStatus]? {
        guard let t = mode.vifTable else { return nil }
        return t.buckets.enumerated().compactMap { i, b in
            b.member.map { BucketStatus(bucket: i, member: ports[$0].name, txBytes: b.txBytes) }
        }
    }

    private var vifEntries: [VIFStatus]? {
        guard let t = mode.vifTable else { return nil }
        return t.entries.sorted { $0.key < $1.key }.map { key, entry in
            let vlan = key >> 48
            return VIFStatus(
                mac: MACAddress(rawValue: key & 0xFFFF_FFFF_FFFF).description, vlan: vlan == 0 ? nil : Int(vlan),
                bucket: entry.bucket, member: t.buckets[entry.bucket].member.map { ports[$0].name })
        }
    }

    /// `bondctl hash`: where a described frame would go, without sending anything.
    public func explain(_ description: [String]) throws(OptionError) -> (HashExplanation, String?) {
        // Without src=, a frame the host sends (tlb and alb place those by hash, and
        // others' frames by VIF).
        let bytes = try FrameDescription.build(description, source: bondMAC)
        let parsed = bytes.withUnsafeBytes { FrameParser.parse(FrameBytes($0)) }
        guard case .success(let frame) = parsed else { throw OptionError("the described frame does not parse") }
        let e = mode.explain(frame, members: view)
        return (e, e.member.map { ports[$0].name })
    }

    private var countersWithDevice: BondCounters {
        var c = counters
        // Frames for the host that its AF_PACKET socket, or its AF_XDP socket's full TX
        // ring, refused.
        c.deliveryDrops = device.queue.errors + device.$xsk.transmitDrops
        let devices = [device!] + vlanDevices
        c.deviceMissed = devices.reduce(0) { $0 + $1.socket.ringDrops + $1.$xsk.receiveMissed }
        c.invalidDescriptors = devices.reduce(0) { $0 + $1.$xsk.invalidDescriptors }
        c.invalidDescriptors += ports.reduce(0) { $0 + $1.$xsk.invalidDescriptors }
        if let threads = forwarding {
            c.deviceMissed += threads.bondDeviceSockets.reduce(0) { $0 + $1.socket.ringDrops }
            for w in threads.workers {
                c.deliveryDrops += w.totals.deliveryErrors.load(ordering: .relaxed)
                c.runt += w.totals.runt.load(ordering: .relaxed)
                c.truncated += w.totals.truncated.load(ordering: .relaxed)
                c.oversize += w.totals.oversize.load(ordering: .relaxed)
                c.noMember += w.totals.noMember.load(ordering: .relaxed)
            }
        }
        return c
    }

}
