import BondCore
import PacketIO

/// `backend=afxdp`: the engine decides every frame as on AF_PACKET, but frames come
/// and go through AF_XDP sockets on shared memory, by descriptor, in batches.
extension Engine {
    /// Opens the sockets and attaches the steering program. If that fails the bond runs
    /// on AF_PACKET alone, and one log line says why.
    func startSocketPath(kinds: [Int: String?]) {
        guard system.hasXDP, bond.options.backend == .afxdp else { return }
        var attempt: SocketPath?
        do {
            let sp = try SocketPath(
                engineName: BondDevice.engineEndName(for: name), engineIndex: device.engineIndex,
                maximumFrame: mtu + FrameParser.ethernetHeaderLength, tcpToTC: tcpInTC,
                attachMode: bond.options.xdpMode)
            attempt = sp
            for p in ports where p.isLive {
                p.xsk = try sp.openMember(slot: p.index, name: p.name, ifindex: p.interfaceIndex, kind: kinds[p.index] ?? nil)
                p.completesChecksums = (kinds[p.index] ?? nil) == "veth"
                try poller.add(p.xsk!.fd, token: Token.sockets)
            }
            device.xsk = sp.device
            try poller.add(sp.device.fd, token: Token.sockets)
            socketPath = sp
            for d in vlanDevices { openSocket(for: d) }
            for p in ports where p.isLive { closeSocketOnRemoval(p, path: sp) }
            undo.push("AF_XDP sockets of \(name)") { [weak self] in self?.stopSocketPath() }
            syncSocketPath()
            logger.info("\(name): backend afxdp (\(sp.describe(memberNames: liveMemberNames)))")
        } catch {
            closeSockets()
            attempt?.detachAll()
            backendDetail = "afxdp unavailable: \(error)"
            logger.notice("\(name): AF_XDP backend unavailable (\(error)); frames move through AF_PACKET")
        }
    }

    private func stopSocketPath() {
        closeSockets()
        socketPath?.detachAll()
        socketPath = nil
    }

    private func closeSockets() {
        for p in ports {
            if let x = p.xsk { poller.remove(x.fd) }
            p.xsk = nil
        }
        for d in [device!] + vlanDevices {
            if let x = d.xsk { poller.remove(x.fd) }
            d.xsk = nil
            d.socketSlot = nil
        }
    }

    /// A member added at runtime gets its socket; its undo closes it again.
    func openSocket(for port: MemberPort, kind: String?) throws(EngineError) {
        guard let sp = socketPath else { return }
        do {
            port.xsk = try sp.openMember(slot: port.index, name: port.name, ifindex: port.interfaceIndex, kind: kind)
            port.completesChecksums = kind == "veth"
            try poller.add(port.xsk!.fd, token: Token.sockets)
        } catch {
            port.xsk = nil
            sp.closeMember(slot: port.index, ifindex: port.interfaceIndex)
            throw EngineError("cannot open an AF_XDP socket on \(port.name): \(error)")
        }
        closeSocketOnRemoval(port, path: sp)
    }

    private func closeSocketOnRemoval(_ port: MemberPort, path: SocketPath) {
        let slot = port.index, ifindex = port.interfaceIndex
        port.undo.push("AF_XDP on \(port.name)") { [weak path, weak port, poller] in
            path?.closeMember(slot: slot, ifindex: ifindex)
            if let x = port?.xsk { poller.remove(x.fd) }
            port?.xsk = nil
        }
    }

    /// The steering program's setting: frames longer than the MTU, or than a socket
    /// frame holds (jumbo MTUs), go up to the AF_PACKET sockets, and so do members'
    /// TCP frames while tc carries TCP (`tcpInTC`).
    func syncSocketPath() {
        guard let sp = socketPath else { return }
        // The program allows 8 bytes more for tags: a tagged frame fits a socket frame too.
        let maximumFrame = min(mtu + FrameParser.ethernetHeaderLength, sp.memory.largestFrame - 8)
        do { try sp.program.configure(maximumFrame: maximumFrame, tcpToTC: tcpInTC) } catch {
            logger.error("\(name): cannot update the AF_XDP steering: \(error)")
        }
    }

    /// One turn: frames from the bond device to members, from members to the bond
    /// device, sent frames reclaimed, fill rings topped up.
    func forwardSocketFrames() {
        guard let sp = socketPath else { return }
        forwardSocketFramesFromBondDevice(sp)
        for d in vlanDevices where d.xsk != nil { forwardSocketFrames(fromVLANDevice: d, sp) }
        for p in ports where p.isLive && p.xsk != nil { forwardSocketFrames(from: p, sp) }
        for p in ports where p.isLive { p.xsk?.reclaim() }
        sp.device.reclaim()
        for d in vlanDevices { d.xsk?.reclaim() }
    }

    private func forwardSocketFramesFromBondDevice(_ sp: SocketPath) {
        let memory = sp.memory
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = device.tap
        for _ in 0..<Self.socketBatchesPerTurn {
            let n = sp.device.receive { f in
                let bytes = memory.bytes(of: f)
                if let tap { tap.record(UnsafeRawBufferPointer(bytes), wireLength: f.length, .sent) }
                device.rxPackets &+= 1
                device.rxBytes &+= f.length
                transmit(f, memory, maxFrame: maxFrame)
            }
            for p in ports where p.isLive { p.xsk?.flush() }
            framesThisTurn &+= n
            if n == 0 { break }
        }
        sp.device.refill()
    }

    /// A frame the host sent (on the bond or, tagged by now, on a VLAN device), in the
    /// sockets' memory: the mode picks the member.
    @inline(__always)
    func transmit(_ f: XDPFrame, _ memory: XDPSocketMemory, maxFrame: Int) {
        let bytes = memory.bytes(of: f)
        switch FrameParser.parse(FrameBytes(UnsafeRawBufferPointer(bytes)), maxLength: maxFrame) {
        case .failure(let e):
            counters.count(e.defect)
            memory.give(f.address)
        case .success(let parsed):
            // The host left checksums to the device, as to a NIC: the bond is it.
            TransportChecksum.complete(MutableFrameBytes(bytes), parsed: parsed)
            let target = mode.transmitTarget(for: parsed, members: view)
            prepare(MutableFrameBytes(bytes), for: target, parsed: parsed)
            switch target {
            case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i):
                send(f, on: ports[i], memory)
            case .allMembers:
                broadcast(f, memory)
            case .drop:
                counters.noMember &+= 1
                memory.give(f.address)
            }
        }
    }

    @inline(__always)
    private func send(_ f: XDPFrame, on port: MemberPort, _ memory: XDPSocketMemory) {
        guard let x = port.xsk else { memory.give(f.address); return }
        if let tap = port.tap { tap.record(UnsafeRawBufferPointer(memory.bytes(of: f)), wireLength: f.length, .sent) }
        x.transmit(f)
    }

    /// One frame to every usable member: a copy each, the original to the last (a
    /// frame's address may sit in one TX ring only, or it would come back twice).
    private func broadcast(_ f: XDPFrame, _ memory: XDPSocketMemory) {
        guard let last = view.usable.last else { memory.give(f.address); return }
        for i in view.usable.dropLast() {
            guard let copy = memory.copy(f) else { counters.noMember &+= 1; continue }
            send(copy, on: ports[i], memory)
        }
        send(f, on: ports[last], memory)
    }

    private func forwardSocketFrames(from port: MemberPort, _ sp: SocketPath) {
        guard let xsk = port.xsk else { return }
        let memory = sp.memory
        let enabled = !bond.members[port.index].adminDisabled
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = port.tap, deviceTap = device.tap
        var any = false
        for _ in 0..<Self.socketBatchesPerTurn {
            let n = xsk.receive { f in
                let bytes = memory.bytes(of: f)
                if let tap { tap.record(UnsafeRawBufferPointer(bytes), wireLength: f.length, .received) }
                switch FrameParser.parse(FrameBytes(UnsafeRawBufferPointer(bytes)), maxLength: maxFrame) {
                case .failure(let e):
                    counters.count(e.defect)
                    port.rxDrops &+= 1
                    memory.give(f.address)
                case .success(let parsed):
                    switch admit(parsed, MutableFrameBytes(bytes), on: port, enabled: enabled) {
                    case .deliver:
                        // A veth peer is a local stack that leaves checksums owed; a
                        // frame off a wire carries its own, corrupt or not, untouched.
                        if port.completesChecksums { TransportChecksum.complete(MutableFrameBytes(bytes), parsed: parsed) }
                        port.rxPackets &+= 1
                        port.rxBytes &+= f.length
                        if let vid = parsed.customerVLAN, !vlanDevices.isEmpty, let d = vlanDevice(vid) {
                            deliver(memory.poppingTag(from: f), to: d, memory)
                        } else {
                            if let deviceTap { deviceTap.record(UnsafeRawBufferPointer(bytes), wireLength: f.length, .received) }
                            sp.device.transmit(f)
                        }
                    case .drop:
                        port.rxDrops &+= 1
                        memory.give(f.address)
                    case .consumed:
                        port.rxControl &+= 1
                        memory.give(f.address)
                    }
                }
            }
            sp.device.flush()
            for d in vlanDevices { d.xsk?.flush() }
            framesThisTurn &+= n
            if n == 0 { break }
            any = true
        }
        xsk.refill()
        if any && probing { noteTraffic(on: port) }
    }
}
