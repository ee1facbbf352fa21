import BondCore
import PacketIO

/// VLAN devices on the AF_XDP backend: each engine end has its socket on the bond's
/// shared memory, so a frame crosses between a member and a VLAN device by its address,
/// its tag pushed or popped where it lies.
extension Engine {
    /// Opens `d`'s socket when the bond runs on AF_XDP; without one, its frames take
    /// the AF_PACKET socket (and one log line says why). Its removal closes it.
    func openSocket(for d: BondDevicePort) {
        guard let sp = socketPath, d.xsk == nil, !d.removed else { return }
        let used = Set(vlanDevices.compactMap(\.socketSlot))
        guard let slot = (0..<XDPSteeringProgram.maxVLANs).first(where: { !used.contains($0) }) else { return }
        let ifindex = d.engineIndex
        do {
            let x = try sp.openVLAN(slot: slot, name: BondDevice.engineEndName(for: d.name), ifindex: ifindex)
            try poller.add(x.fd, token: Token.sockets)
            d.xsk = x
            d.socketSlot = slot
        } catch {
            sp.program.detach(from: ifindex)
            sp.program.forget(ifindex: ifindex)
            logger.notice("\(name): no AF_XDP socket on \(d.name) (\(error)); its frames move through AF_PACKET")
            return
        }
        d.undo.push("AF_XDP on \(d.name)") { [weak sp, weak d, poller] in
            sp?.program.detach(from: ifindex)
            sp?.program.forget(ifindex: ifindex)
            if let x = d?.xsk { poller.remove(x.fd) }
            d?.xsk = nil
            d?.socketSlot = nil
        }
    }

    /// Frames the host sent on a VLAN device: tagged in place, then decided.
    func forwardSocketFrames(fromVLANDevice d: BondDevicePort, _ sp: SocketPath) {
        guard let x = d.xsk, let vid = d.vlan?.vid else { return }
        let memory = sp.memory
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = d.tap
        for _ in 0..<Self.socketBatchesPerTurn {
            let n = x.receive { f in
                if let tap { tap.record(UnsafeRawBufferPointer(memory.bytes(of: f)), wireLength: f.length, .sent) }
                d.rxPackets &+= 1
                d.rxBytes &+= f.length
                transmit(memory.pushingTag(vid, on: f), memory, maxFrame: maxFrame)
            }
            for p in ports where p.isLive { p.xsk?.flush() }
            framesThisTurn &+= n
            if n == 0 { break }
        }
        x.refill()
    }

    /// An admitted frame for a VLAN device, its tag already off.
    @inline(__always)
    func deliver(_ f: XDPFrame, to d: BondDevicePort, _ memory: XDPSocketMemory) {
        if let tap = d.tap { tap.record(UnsafeRawBufferPointer(memory.bytes(of: f)), wireLength: f.length, .received) }
        if let x = d.xsk {
            x.transmit(f)
            return
        }
        // Its socket could not be opened: a copy through its AF_PACKET socket.
        do { try d.socket.send(Array(memory.bytes(of: f))) } catch { counters.noMember &+= 1 }
        memory.give(f.address)
    }
}
