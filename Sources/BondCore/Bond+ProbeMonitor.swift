/// The ARP/NS monitor's rounds: every arp_interval the bond inspects what each member
/// sent and heard, commits the verdicts, and says where to probe next.
extension Bond {
    /// Modes with an active member (active-backup, and here also tlb, alb and slb):
    /// bond_ab_arp_inspect, bond_ab_arp_commit and bond_ab_arp_probe.
    mutating func activeBackupProbeRound(at now: Instant, into events: inout [BondEvent]) {
        guard let p = probe, p.waiting == nil else { return }
        var proposals: [(member: Int, verdict: LinkState, why: String)] = []
        for i in members.indices where members[i].usableCarrier {
            let verdict = members[i].probeVerdict ?? .down
            let r = p.records[i]
            let isActive = i == activeIndex
            let lastRx = p.lastRx(of: i, active: isActive || i == p.candidate)
            if verdict != .up {
                if p.within(lastRx, 1, of: now) {
                    proposals.append((i, .up, "probe answered"))
                } else if verdict == .back {
                    proposals.append((i, .down, "candidate did not answer"))
                }
                continue
            }
            if p.within(r.lastLinkUp, 2, of: now) { continue }
            if !isActive && p.candidate == nil && !p.within(lastRx, p.missedMax + 1, of: now) {
                proposals.append((i, .down, "nothing heard for \(now.milliseconds(since: lastRx)) ms"))
            }
            if isActive && !p.within(r.lastTx, p.missedMax, of: now) {
                proposals.append((i, .down, "no probe sent for \(now.milliseconds(since: r.lastTx)) ms"))
            } else if isActive && !p.within(lastRx, p.missedMax, of: now) {
                proposals.append((i, .down, "no answer for \(now.milliseconds(since: lastRx)) ms"))
            }
        }
        var failover = false
        for (i, verdict, why) in proposals {
            let before = members[i].link
            probe!.records[i].reason = why
            switch verdict {
            case .up:
                members[i].probeVerdict = .up
                probe!.records[i].lastLinkUp = now
                probe!.candidate = nil
                if let a = activeIndex {
                    if i == primaryIndex || members[i].prio > members[a].prio { failover = true }
                } else {
                    failover = true
                }
                note(i, from: before, "link status definitely up (\(why))", at: now, into: &events)
            default:
                members[i].probeVerdict = .down
                if before == .up { members[i].linkFailureCount += 1 }
                if i == activeIndex {
                    probe!.candidate = nil
                    probe!.rotationStart = (i + 1) % members.count
                    failover = true
                }
                note(
                    i, from: before, before == .back ? "probe candidate did not answer" : "link status definitely down (\(why))", at: now,
                    into: &events)
            }
        }
        if failover {
            let reason =
                proposals.first { $0.verdict != .up && $0.member == activeIndex }
                .map { "ARP monitor: \(members[$0.member].name) \($0.why)" }
                ?? "ARP monitor: a member came up"
            reselect(at: now, reason: reason, into: &events)
        }
        if !proposals.isEmpty { refresh(into: &events) }
        if let a = activeIndex {
            events.append(.probe(member: a))
            return
        }
        rotateCandidate(at: now, into: &events)
    }

    /// No member is active: probe the next member with carrier after the current
    /// candidate, as bond_ab_arp_probe does, until one answers.
    private mutating func rotateCandidate(at now: Instant, into events: inout [BondEvent]) {
        let n = members.count
        guard n > 0 else { return }
        let start = probe!.candidate.map { $0 + 1 } ?? probe!.rotationStart
        var next: Int?
        for k in 0..<n {
            let i = (start + k) % n
            if members[i].usableCarrier { next = i; break }
        }
        guard let c = next else { return }
        let before = members[c].link
        members[c].probeVerdict = .back
        probe!.records[c].lastLinkUp = now
        probe!.records[c].reason = "probe candidate: no member is active"
        probe!.candidate = c
        if before != .back {
            note(c, from: before, "probing as candidate, no member is active", at: now, into: &events)
            refresh(into: &events)
        }
        events.append(.probe(member: c))
    }

    /// balance-rr, balance-xor, broadcast: bond_loadbalance_arp_mon. Every member with
    /// carrier is probed, and each is judged by what it sent and heard itself.
    mutating func loadBalanceProbeRound(at now: Instant, into events: inout [BondEvent]) {
        guard let p = probe, p.waiting == nil else { return }
        var changed = false
        for i in members.indices where members[i].usableCarrier {
            let r = p.records[i]
            let before = members[i].link
            if members[i].probeVerdict != .up {
                if p.within(r.lastTx, 1, of: now) && p.within(r.lastRx, 1, of: now) {
                    members[i].probeVerdict = .up
                    probe!.records[i].lastLinkUp = now
                    probe!.records[i].reason = "probe answered"
                    note(i, from: before, "interface is now up", at: now, into: &events)
                    changed = true
                }
            } else if !p.within(r.lastTx, p.missedMax, of: now) || !p.within(r.lastRx, p.missedMax, of: now) {
                members[i].probeVerdict = .down
                members[i].linkFailureCount += 1
                probe!.records[i].reason =
                    p.within(r.lastTx, p.missedMax, of: now)
                    ? "nothing heard for \(now.milliseconds(since: r.lastRx)) ms"
                    : "no probe sent for \(now.milliseconds(since: r.lastTx)) ms"
                note(i, from: before, "interface is now down (\(probe!.records[i].reason))", at: now, into: &events)
                changed = true
            }
            events.append(.probe(member: i))
        }
        if changed {
            if activeIndex.map({ members[$0].link != .up }) ?? true {
                reselect(at: now, reason: "ARP monitor", into: &events)
            }
            refresh(into: &events)
        }
    }

    /// Logs a member's move as the bond sees it (carrier and verdict together).
    /// Better than the kernel, which waits for its next round: a probe candidate whose
    /// answer arrives while no member is active takes over at once. Only evidence that
    /// would bring it up in the next round counts, so nothing is taken on less proof.
    mutating func promoteAnsweringCandidate(_ i: Int, at now: Instant) -> [BondEvent] {
        guard let p = probe, options.mode.usesActiveMember, activeIndex == nil, p.candidate == i,
            members[i].usableCarrier, members[i].probeVerdict != .up,
            p.within(p.lastRx(of: i, active: true), 1, of: now)
        else { return [] }
        var events: [BondEvent] = []
        let before = members[i].link
        members[i].probeVerdict = .up
        probe!.records[i].lastLinkUp = now
        probe!.records[i].reason = "probe answered"
        probe!.candidate = nil
        note(i, from: before, "link status definitely up (probe answered)", at: now, into: &events)
        reselect(at: now, reason: "ARP monitor: \(members[i].name) answered a probe", into: &events)
        refresh(into: &events)
        return events
    }

    private mutating func note(_ i: Int, from before: LinkState, _ message: String, at now: Instant, into events: inout [BondEvent]) {
        let after = members[i].link
        guard after != before else { return }
        members[i].lastLinkChange = now
        events.append(.link(member: i, LinkTransition(from: before, to: after, message: message)))
    }
}
