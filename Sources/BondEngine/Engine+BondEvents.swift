import BondCore
import PacketIO

/// What the bond's state machines concluded (`BondEvent`) and what the mode asks
/// (`ModeAction`), carried out on the members and the bond device.
extension Engine {
    func handle(_ events: [BondEvent]) {
        guard !events.isEmpty else { return }
        let handlingStarted = system.now()
        for event in events {
            switch event {
            case .link(let i, let t):
                // The ARP monitor's candidate rotation repeats every interval while no
                // member answers: only real ups and downs are worth the info level.
                let rotation = (t.from == .back && t.to == .down) || (t.from == .down && t.to == .back)
                logger.log(level: rotation ? .debug : .info, "\(name): \(ports[i].name): \(t.message)")
                if !rotation { journal.record(.link, member: ports[i].name, "\(t.from.rawValue) -> \(t.to.rawValue): \(t.message)") }
                rebuildView()
                carryOut(mode.linkChanged(member: i, t, members: view))
            case .activeChanged(let from, let to, let reason):
                if from != nil { failovers += 1 }
                draining = DrainingWindow.after(activeChange: from, to: to, bond: bond, at: handlingStarted)
                // The fast path takes the new active member before anything announces
                // it: a switch that re-learns from the announcement sends there at once.
                rebuildView()
                if let to {
                    logger.notice("\(name): making interface \(ports[to].name) the new active one (\(reason))")
                    if bondFollowsActive { takeMAC(of: ports[to]) } else { swapBondMAC(to: to) }
                } else {
                    logger.error("\(name): now running without any active interface! (\(reason))")
                }
                let names = (from.map { ports[$0].name } ?? "none", to.map { ports[$0].name } ?? "none")
                journal.record(.active, member: to.map { ports[$0].name }, "active member \(names.0) -> \(names.1) (\(reason))")
                if let from, to != nil { recordFailover(from: from, handlingStarted: handlingStarted) }
            case .carrier:
                // Set once every event is handled (below): the mode may withhold it.
                break
            case .notifyPeers(let i):
                notifyPeers(on: ports[i])
            case .probe(let i):
                sendProbes(on: ports[i])
            case .resendMulticastReports:
                if let i = bond.activeIndex ?? bond.usable.first { resendMulticastReports(on: ports[i]) }
            case .probeMonitor(let judging, let reason):
                let message =
                    judging
                    ? "ARP/NS monitor judges members from now (\(reason))"
                    : "ARP/NS monitor waits, judging no member: \(reason)"
                logger.info("\(name): \(message)")
                journal.record(.monitor, member: nil, message)
            }
        }
        rebuildView()
        applyCarrier()
    }

    func carryOut(_ actions: [ModeAction]) {
        for action in actions {
            switch action {
            case .announce(let moves): announce(moves)
            case .learningPackets: for p in ports where !p.removed { sendLearningPackets(on: p) }
            case .learningPacket(let of, let on):
                guard ports.indices.contains(on), ports[on].isLive else { continue }
                send(FrameBuilder.learningPacket(mac: ports[of].mac), on: ports[on], what: "learning packet")
            case .teachClient(let client): sendClientUpdate(client)
            case .send(let frame, let on):
                guard ports.indices.contains(on), ports[on].isLive else { continue }
                send(frame, on: ports[on], what: "control frame")
            case .forget(let keys): forgetFastPathVIFs(keys)
            case .notifyPeers(let i):
                guard ports.indices.contains(i), ports[i].isLive else { continue }
                notifyPeers(on: ports[i])
            case .record(let kind, let member, let message):
                let who = member.flatMap { ports.indices.contains($0) ? ports[$0].name : nil }
                logger.info("\(name): \(who.map { "\($0): " } ?? "")\(message)")
                journal.record(kind, member: who, message)
            case .membersChanged:
                rebuildView()
                applyCarrier()
            }
        }
    }
}
