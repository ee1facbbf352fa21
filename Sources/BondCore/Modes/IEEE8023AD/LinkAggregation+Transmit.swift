/// The transmit machine (802.1AX 5.4.16, ad_tx_machine): an LACPDU when one is needed,
/// at most three a second per port, built from the port's current values.
extension LinkAggregation {
    mutating func transmitMachine(_ p: Int) {
        // The port is changed where it is stored, not through a copy: a copy would hold
        // a second reference to the PDU buffer and make writing it allocate.
        guard ports[p] != nil else { return }
        if ports[p]!.transmitTimer > 0 {
            ports[p]!.transmitTimer -= 1
            guard ports[p]!.transmitTimer == 0 else { return }
        }
        // The timer stays run out until a PDU goes: one is sent the tick it is needed
        // when none went in the last three.
        // 802.1AX: nothing goes while the periodic machine is off (both sides passive),
        // so two passive ends never speak; the kernel's ntt would send one PDU anyway.
        let periodic = ports[p]!.periodicState
        guard ports[p]!.ntt && ports[p]!.lacpEnabled && ports[p]!.enabled && periodic != .none && periodic != .begin else { return }
        let pdu = lacpdu(for: ports[p]!)
        let source = ports[p]!.mac
        // In place: the engine let go of the last one when it sent it.
        pdu.write(into: &ports[p]!.pduBuffer, source: source)
        outbox.append((p, ports[p]!.pduBuffer))
        ports[p]!.counters.lacpduTx += 1
        ports[p]!.ntt = false
        ports[p]!.transmitTimer = LACPTiming.transmitIntervalTicks
    }

    /// The last LACPDU of a port leaving (bond_3ad_unbind_slave): not in sync, not
    /// collecting or distributing, not aggregating, so the partner stops at once
    /// rather than after its timeout.
    mutating func farewell(_ p: Int) {
        // A port that may not speak (both ends passive) says nothing now either.
        guard let port = ports[p], port.enabled, port.lacpEnabled, port.periodicState != .none, port.periodicState != .begin else { return }
        var pdu = lacpdu(for: port)
        pdu.actor.state.subtract([.synchronization, .collecting, .distributing, .aggregation])
        outbox.append((p, pdu.frame(source: port.mac)))
        ports[p]!.counters.lacpduTx += 1
    }

    /// __update_lacpdu_from_port: our actor values and what we know of the partner.
    func lacpdu(for port: LACPPort) -> LACPDU {
        let actor = LACPPortInfo(
            systemPriority: settings.systemPriority, system: system, key: port.actorKey,
            portPriority: port.priority, port: port.number, state: port.actorState)
        return LACPDU(actor: actor, partner: port.partner)
    }
}
