/// Options changed while the bond runs (`bondctl set`): delays, monitors, selection
/// and notification settings take effect at once, as the kernel's option setters do.
extension Bond {
    /// Applies `new` (already checked with `checkRuntimeChange`). Members whose link
    /// verdict changes with the monitor report it; the active member is chosen again
    /// when selection settings changed or it is no longer up.
    public mutating func reconfigure(_ new: BondOptions, at now: Instant) -> [BondEvent] {
        let old = options
        let before = members.map(\.link)
        options = new
        for i in members.indices {
            members[i].prio = new.prio[members[i].name] ?? 0
            members[i].monitor.updelay = new.updelay
            members[i].monitor.downdelay = new.downdelay
        }
        let hadMonitor = old.miimon > 0 || old.probesLinks
        let hasMonitor = new.miimon > 0 || new.probesLinks
        if !hasMonitor {
            // As at start: without link monitoring every member counts as up for good.
            for i in members.indices { members[i].monitor = CarrierMonitor(carrier: true) }
        } else if !hadMonitor {
            // The engine reports real carriers right after; until then keep them up.
            for i in members.indices {
                members[i].monitor = CarrierMonitor(carrier: true, updelay: new.updelay, downdelay: new.downdelay)
            }
        }
        var startEvents: [BondEvent] = []
        if new.probesLinks {
            if !old.probesLinks || old.probeSettingsDiffer(from: new) {
                // A new monitor: current verdicts stand, and every member gets the grace
                // of a fresh enslave before the new settings judge it.
                let keep = old.probesLinks
                let own = (probe?.ownIPv4 ?? [], probe?.ownIPv6 ?? [])
                probe = ProbeMonitor(options: new, carriers: members.map(\.usableCarrier), at: now)
                for i in members.indices {
                    if !keep || members[i].probeVerdict == .back {
                        members[i].probeVerdict = members[i].monitor.carrier ? .up : .down
                    }
                    probe!.records[i].reason = "monitor reconfigured"
                }
                (probe!.ownIPv4, probe!.ownIPv6) = own
                startEvents = applyProbeSource(at: now)
            }
        } else if probe != nil {
            probe = nil
            for i in members.indices { members[i].probeVerdict = nil }
        }
        var events = startEvents
        for i in members.indices where !members[i].isRemoved && members[i].link != before[i] {
            members[i].lastLinkChange = now
            events.append(.link(member: i, LinkTransition(from: before[i], to: members[i].link, message: "link monitor reconfigured")))
        }
        let selection = ["primary", "primary_reselect", "prio"]
        let changed = old.changedOptions(to: new)
        // A member within its downdelay (FAIL) is still the active one, as in the kernel.
        let activeLost = activeIndex.map { !members[$0].link.carriesTraffic } ?? true
        if options.mode.keepsCurrentMember {
            if changed.contains(where: selection.contains) || activeLost {
                reselect(at: now, reason: "options changed (\(changed.joined(separator: ", ")))", into: &events)
            }
        } else if activeLost {
            reselect(at: now, reason: "options changed", into: &events)
        }
        refresh(into: &events)
        return events
    }
}
