import Glibc
import PacketIO
import Testing

/// The fanout group's program (`workers=`), run by the kernel on real frames: a veth
/// pair, a group of two sockets on one end, frames sent from the other, and which
/// socket each frame reached. Needs root.
@Suite(.serialized) struct PacketFanoutTests {
    /// A veth pair made for one test and deleted after it.
    final class VethPair {
        let links: LinkControl
        let inner: Int32
        let outer: Int32

        init(_ tag: String) throws {
            links = try LinkControl()
            let base = "fo\(getpid() % 10000)\(tag)"
            try links.createVethPair(name: base + "i", peer: base + "o", mac: nil, mtu: nil)
            let i = try #require(try links.link(named: base + "i")), o = try #require(try links.link(named: base + "o"))
            inner = i.index
            outer = o.index
            try links.change(index: i.index, LinkChange(up: true))
            try links.change(index: o.index, LinkChange(up: true))
        }

        deinit { try? links.deleteLink(index: inner) }
    }

    /// A group of two sockets on `inner`, spreading by flow.
    struct Group {
        let sockets: [PacketSocket]

        init(on index: Int32, cpus: [Int] = []) throws {
            let engine = try PacketSocket(interfaceIndex: index), thread = try PacketSocket(interfaceIndex: index)
            let group = try PacketFanout(first: engine)
            try group.join(thread)
            try group.spread(through: engine, sockets: 2, taggedToEngine: true, allToEngine: false, cpus: cpus)
            sockets = [engine, thread]
        }

        /// Which socket (0, 1) took each of our frames, by its marker, until `count`
        /// arrived or a second passed. The host's own frames are left out.
        func arrivals(count: Int) -> [Marker: Int] {
            var seen: [Marker: Int] = [:]
            for _ in 0..<100 where seen.count < count {
                for (i, socket) in sockets.enumerated() {
                    _ = socket.receiveBlock { frames in
                        while let f = frames.next() {
                            if let m = Marker(frame: f.bytes) { seen[m] = i }
                        }
                    }
                }
                if seen.count < count { usleep(10_000) }
            }
            return seen
        }
    }

    /// Which frame of a test this is, carried after its headers.
    struct Marker: Hashable {
        var flow: UInt8
        var variant: UInt8

        init(flow: UInt8, variant: UInt8) {
            self.flow = flow
            self.variant = variant
        }

        init?(frame b: some Collection<UInt8>) {
            let b = Array(b)
            var at = 14
            if b.count > 13 && b[12] == 0x08 && b[13] == 0x00 {
                at += Int(b[14] & 0xf) * 4 + 8
            } else if b.count > 13 && b[12] == 0x08 && b[13] == 0x06 {
                at += 28
            } else {
                return nil
            }
            guard b.count >= at + 4, b[at] == 0xB0, b[at + 1] == 0x4D else { return nil }
            flow = b[at + 2]
            variant = b[at + 3]
        }

        var bytes: [UInt8] { [0xB0, 0x4D, flow, variant] }
    }

    private let ethernet: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]

    /// An IPv4 frame from 192.0.2.`source` to 192.0.2.200: `options` bytes of IP
    /// options, `fragment` its flags and offset word, UDP from `port` to 9.
    private func ipv4(
        _ marker: Marker, source: UInt8 = 1, port: UInt16 = 1000, protocol proto: UInt8 = 17,
        options: [UInt8] = [], fragment: UInt16 = 0
    ) -> [UInt8] {
        let ihl = 5 + options.count / 4
        let payload: [UInt8] = [UInt8(port >> 8), UInt8(port & 0xff), 0, 9, 0, 12, 0, 0] + marker.bytes + [UInt8](repeating: 0, count: 18)
        let total = ihl * 4 + payload.count
        var f = ethernet + [0x08, 0x00]
        f += [0x40 | UInt8(ihl), 0, UInt8(total >> 8), UInt8(total & 0xff), 0, 7, UInt8(fragment >> 8), UInt8(fragment & 0xff)]
        f += [64, proto, 0, 0, 192, 0, 2, source, 192, 0, 2, 200] + options + payload
        return f
    }

    private func arp(_ marker: Marker, sender: UInt8) -> [UInt8] {
        var f = [UInt8](repeating: 0xff, count: 6) + ethernet[6...] + [0x08, 0x06]
        f += [0, 1, 0x08, 0x00, 6, 4, 0, 1] + ethernet[6...] + [192, 0, 2, sender]
        f += [0, 0, 0, 0, 0, 0, 192, 0, 2, 200] + marker.bytes + [UInt8](repeating: 0, count: 14)
        return f
    }

    /// The ports are after the IPv4 header whatever its length: a flow with IP options
    /// takes the thread it takes without them, and flows that differ only in their
    /// ports spread over both sockets with options as without.
    @Test func portsAreReadAfterIPv4Options() throws {
        let pair = try VethPair("a")
        let group = try Group(on: pair.inner)
        let sender = try PacketSocket(interfaceIndex: pair.outer)
        let routerAlert: [UInt8] = [0x94, 0x04, 0, 0]
        for flow in UInt8(0)..<32 {
            let port = 1000 + UInt16(flow) * 7
            try sender.send(ipv4(Marker(flow: flow, variant: 0), port: port))
            try sender.send(ipv4(Marker(flow: flow, variant: 1), port: port, options: routerAlert))
            try sender.send(ipv4(Marker(flow: flow, variant: 2), port: port, protocol: 6, options: routerAlert + [1, 1, 1, 0]))
        }
        let seen = group.arrivals(count: 96)
        #expect(seen.count == 96, "every frame reached one socket of the group")
        for flow in UInt8(0)..<32 {
            let plain = seen[Marker(flow: flow, variant: 0)]
            #expect(seen[Marker(flow: flow, variant: 1)] == plain, "flow \(flow): its frame with options took the other thread")
        }
        for variant in UInt8(0)..<3 {
            let sockets = Set((0..<32).compactMap { seen[Marker(flow: $0, variant: variant)] })
            #expect(sockets == [0, 1], "variant \(variant): 32 flows by port all took \(sockets)")
        }
    }

    /// A fragmented datagram's parts (the first with ports, the rest without) take one
    /// thread, hashed by addresses alone; ARP always goes to the engine's socket.
    @Test func fragmentsStayTogetherAndARPGoesToTheEngine() throws {
        let pair = try VethPair("b")
        let group = try Group(on: pair.inner)
        let sender = try PacketSocket(interfaceIndex: pair.outer)
        for flow in UInt8(0)..<32 {
            let source = 10 + flow
            try sender.send(ipv4(Marker(flow: flow, variant: 0), source: source, port: 2000 + UInt16(flow), fragment: 0x2000))
            try sender.send(ipv4(Marker(flow: flow, variant: 1), source: source, port: 3000 + UInt16(flow), fragment: 0x2000 | 185))
            try sender.send(ipv4(Marker(flow: flow, variant: 2), source: source, port: 4000, fragment: 370))
            try sender.send(arp(Marker(flow: flow, variant: 3), sender: source))
        }
        let seen = group.arrivals(count: 128)
        #expect(seen.count == 128, "every frame reached one socket of the group")
        for flow in UInt8(0)..<32 {
            let first = seen[Marker(flow: flow, variant: 0)]
            #expect(
                seen[Marker(flow: flow, variant: 1)] == first && seen[Marker(flow: flow, variant: 2)] == first, "flow \(flow): its fragments split")
            #expect(seen[Marker(flow: flow, variant: 3)] == 0, "ARP from .\(10 + flow) went to a forwarding thread")
        }
        let sockets = Set((0..<32).compactMap { seen[Marker(flow: $0, variant: 0)] })
        #expect(sockets == [0, 1], "32 sources all took \(sockets)")
    }

    /// By CPU (`workers_steer=cpu`): each socket takes what its CPU received (a veth
    /// receives on the sender's CPU, as a NIC queue on its IRQ's), whatever the flow;
    /// ARP still goes to the engine's. Socket 0 is given the second CPU, so that a
    /// program that sent everything to 0 would fail.
    @Test func byCPUEachSocketTakesWhatItsCPUReceived() throws {
        let usable = try ThreadAffinity.ofProcess()
        try #require(usable.count >= 2, "needs two CPUs")
        let (first, second) = (usable[0], usable[1])
        let pair = try VethPair("c")
        let group = try Group(on: pair.inner, cpus: [second, first])
        let sender = try PacketSocket(interfaceIndex: pair.outer)
        defer { try? ThreadAffinity.set(thread: 0, to: usable) }
        for (variant, cpu) in [(UInt8(0), first), (UInt8(1), second)] {
            try ThreadAffinity.set(thread: 0, to: [cpu])
            for flow in UInt8(0)..<16 {
                try sender.send(ipv4(Marker(flow: flow, variant: variant), port: 1000 + UInt16(flow)))
                try sender.send(arp(Marker(flow: flow, variant: variant + 2), sender: flow))
            }
        }
        let seen = group.arrivals(count: 64)
        #expect(seen.count == 64, "every frame reached one socket of the group")
        for flow in UInt8(0)..<16 {
            #expect(seen[Marker(flow: flow, variant: 0)] == 1, "flow \(flow) received on CPU \(first): socket 1 has that CPU")
            #expect(seen[Marker(flow: flow, variant: 1)] == 0, "flow \(flow) received on CPU \(second): socket 0 has that CPU")
            #expect(seen[Marker(flow: flow, variant: 2)] == 0 && seen[Marker(flow: flow, variant: 3)] == 0, "ARP goes to the engine")
        }
    }
}
