import Glibc
import PacketIO
import Testing

/// AF_XDP sockets on shared memory, on real veth pairs (copy mode, as veth has no
/// zero-copy): frames steered in by `bondd_xsk`, moved between sockets by descriptor.
/// Needs root.
@Suite(.serialized) struct XDPSocketTests {
    /// A veth pair made for one test and deleted after it.
    final class VethPair {
        let links: LinkControl
        let inner: (name: String, index: Int32)
        let outer: (name: String, index: Int32)

        init(_ tag: String, mtu: Int? = nil) throws {
            links = try LinkControl()
            let base = "xk\(getpid() % 10000)\(tag)"
            try links.createVethPair(name: base + "i", peer: base + "o", mac: nil, mtu: mtu)
            let i = try #require(try links.link(named: base + "i")), o = try #require(try links.link(named: base + "o"))
            inner = (i.name, i.index)
            outer = (o.name, o.index)
            try links.change(index: i.index, LinkChange(up: true))
            try links.change(index: o.index, LinkChange(up: true))
        }

        deinit { try? links.deleteLink(index: inner.index) }
    }

    private func udpFrame(_ n: UInt8) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00]
        f += [0x45, 0, 0, 46, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
        f += [0x03, 0xE8, 0x00, 0x09, 0, 26, 0, 0, n] + [UInt8](repeating: 0, count: 17)
        return f
    }

    /// Polls `socket` until `count` of our UDP frames arrived or a second passed; the
    /// host's own frames (IPv6 router solicitations and the like) are given back.
    private func receive(_ socket: XDPSocket, count: Int) -> [XDPFrame] {
        var frames: [XDPFrame] = []
        for _ in 0..<100 where frames.count < count {
            socket.receive { f in
                let b = socket.memory.bytes(of: f)
                if f.length >= 43 && b[12] == 0x08 && b[13] == 0x00 { frames.append(f) } else { socket.memory.give(f.address) }
            }
            if frames.count < count { usleep(10_000) }
        }
        return frames
    }

    /// Frames `socket` (AF_PACKET, on the far end) received, by their marker byte.
    private func markers(_ socket: PacketSocket, count: Int) -> [UInt8] {
        var seen: [UInt8] = []
        for _ in 0..<100 where seen.count < count {
            _ = socket.receiveBlock { frames in
                while let f = frames.next() {
                    if f.bytes.count > 42 && f.bytes[12] == 0x08 { seen.append(f.bytes[42]) }
                }
            }
            if seen.count < count { usleep(10_000) }
        }
        return seen
    }

    @Test func framesArriveBySteeringAndLeaveByDescriptorOnAnotherInterface() throws {
        let a = try VethPair("a"), b = try VethPair("b")
        let program = try XDPSteeringProgram()
        let memory = try XDPSocketMemory(frameCount: 1024, frameSize: 2048, ringSize: 256)
        let free = memory.freeCount
        let sa = try XDPSocket(interface: a.inner.name, index: a.inner.index, memory: memory, copy: true)
        let sb = try XDPSocket(interface: b.inner.name, index: b.inner.index, memory: memory, copy: true)
        #expect(memory.freeCount == free - 2 * 256, "each socket's fill ring holds frames of the shared memory")
        try program.setSocket(slot: 0, ifindex: a.inner.index, fd: sa.fd)
        try program.setSocket(slot: 1, ifindex: b.inner.index, fd: sb.fd)
        try program.attach(to: a.inner.index, mode: .generic)
        try program.attach(to: b.inner.index, mode: .generic)

        let sender = try PacketSocket(interfaceIndex: a.outer.index)
        let sink = try PacketSocket(interfaceIndex: b.outer.index)
        for n in UInt8(1)...5 { try sender.send(udpFrame(n)) }
        let frames = receive(sa, count: 5)
        #expect(frames.count == 5)
        #expect(frames.map { memory.bytes(of: $0)[42] } == [1, 2, 3, 4, 5], "in order, whole")
        #expect(frames.allSatisfy { $0.length == 60 })

        // Out on b by descriptor: the far end of b sees them; their frames come back.
        sa.refill()
        for f in frames { sb.transmit(f) }
        sb.flush()
        #expect(markers(sink, count: 5) == [1, 2, 3, 4, 5])
        let before = memory.freeCount
        for _ in 0..<100 where memory.freeCount < before + 5 {
            sb.reclaim()
            usleep(10_000)
        }
        #expect(memory.freeCount == before + 5, "sent frames return to the free stack")
        #expect(sb.transmitted == 5 && sb.transmitDrops == 0)
        program.detach(from: a.inner.index)
        program.detach(from: b.inner.index)
    }

    /// A member removed at runtime closes its socket: the frames its fill ring held are
    /// the memory's again, or every removal would take a ring's worth for good.
    @Test func aClosedSocketGivesItsFramesBackToTheMemory() throws {
        let a = try VethPair("g"), b = try VethPair("h")
        let memory = try XDPSocketMemory(frameCount: 512, frameSize: 2048, ringSize: 128)
        let first = try XDPSocket(interface: a.inner.name, index: a.inner.index, memory: memory, copy: true)
        #expect(memory.freeCount == 512 - 128)
        do {
            let second = try XDPSocket(interface: b.inner.name, index: b.inner.index, memory: memory, copy: true, fillLimit: 64)
            #expect(memory.freeCount == 512 - 128 - 64)
            _ = second
        }
        #expect(memory.freeCount == 512 - 128, "the closed socket's 64 frames are back")
        _ = first
    }

    @Test func framesLargerThanTheMTUGoUpInstead() throws {
        let a = try VethPair("c", mtu: 1700)  // room for a frame longer than the bond's 1514
        let program = try XDPSteeringProgram()
        let memory = try XDPSocketMemory(frameCount: 512, frameSize: 2048, ringSize: 128)
        let s = try XDPSocket(interface: a.inner.name, index: a.inner.index, memory: memory, copy: true)
        try program.setSocket(slot: 0, ifindex: a.inner.index, fd: s.fd)
        try program.attach(to: a.inner.index, mode: .generic)
        let up = try PacketSocket(interfaceIndex: a.inner.index)
        let sender = try PacketSocket(interfaceIndex: a.outer.index)
        try program.configure(maximumFrame: 1514, tcpToTC: false)
        var big = udpFrame(9)
        big += [UInt8](repeating: 0, count: 1600 - big.count)
        try sender.send(big)
        try sender.send(udpFrame(7))
        #expect(receive(s, count: 1).map { memory.bytes(of: $0)[42] } == [7])
        #expect(markers(up, count: 2).contains(9), "the super-frame reached the packet socket")
        program.detach(from: a.inner.index)
    }
}
