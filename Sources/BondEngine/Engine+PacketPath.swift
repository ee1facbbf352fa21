import BondCore
import PacketIO

/// `backend=afpacket`, and what every backend shares per frame: the transmit decision's
/// rewrite (`prepare`) and the receive admission (`admit`).
extension Engine {
    /// Frames the host sent on the bond device, or on a VLAN device (tagged in place
    /// with its VID first, so that the mode sees them as a trunk carries them): the
    /// mode picks the member.
    @discardableResult
    func forwardFromHost(_ d: BondDevicePort) -> Bool {
        guard !d.removed else { return false }
        // A VLAN device's MTU is at most the bond's; the parser allows the tag's 4 bytes.
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let vid = d.vlan?.vid
        let tap = d.tap
        let batches = d.socket.receiveBlocks(limit: Self.socketBatchesPerTurn) { frames in
            framesThisTurn &+= frames.count
            while let frame = frames.next() {
                if let tap { tap.record(frame, .sent) }
                d.rxPackets &+= 1
                d.rxBytes &+= frame.wireLength
                if frame.isCut { counters.count(.truncated); continue }
                transmit(vid.map { frame.pushingTag($0) } ?? frame, maxFrame: maxFrame)
            }
            for p in ports where !p.queue.isEmpty { p.queue.flush() }
        }
        return batches > 0
    }

    /// A frame the host sent (on the bond or, tagged by now, on a VLAN device): the
    /// mode picks the member.
    @inline(__always)
    func transmit(_ frame: ReceivedFrame, maxFrame: Int) {
        let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
        switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
        case .failure(let e):
            counters.count(e.defect)
        case .success(let parsed):
            let target = mode.transmitTarget(for: parsed, members: view)
            prepare(MutableFrameBytes(frame.bytes), for: target, parsed: parsed)
            switch target {
            case .member(let i), .memberWithOwnSource(let i), .memberAnnouncingOwnMAC(let i): ports[i].transmit(frame)
            case .allMembers: for i in view.usable { ports[i].transmit(frame) }
            case .drop: counters.noMember &+= 1
            }
        }
    }

    /// Hands an admitted frame to the host: a frame tagged (802.1Q) for one of the
    /// bond's VLAN devices goes to it untagged; any other to the bond device as it is
    /// (a trunk, for a bridge over the bond).
    @inline(__always)
    func deliver(_ frame: ReceivedFrame, _ parsed: ParsedFrame) {
        if let vid = parsed.customerVLAN, !vlanDevices.isEmpty, let d = vlanDevice(vid) {
            d.deliver(frame.poppingTag())
        } else {
            device.deliver(frame)
        }
    }

    /// Sends what `deliver` queued for the host.
    @inline(__always)
    func flushDelivered() {
        if !device.queue.isEmpty { device.queue.flush() }
        for d in vlanDevices where !d.queue.isEmpty { d.queue.flush() }
    }

    /// Frames a member received: the mode decides whether the bond accepts them.
    @discardableResult
    func forwardFromMember(_ port: MemberPort) -> Bool {
        // A member disabled by hand delivers nothing, as Open vSwitch's disabled members.
        let enabled = !bond.members[port.index].adminDisabled
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = port.tap
        let batches = port.socket.receiveBlocks(limit: Self.socketBatchesPerTurn) { frames in
            framesThisTurn &+= frames.count
            while let frame = frames.next() {
                if let tap { tap.record(frame, .received) }
                if frame.isCut { counters.count(.truncated); port.rxDrops &+= 1; continue }
                let bytes = FrameBytes(UnsafeRawBufferPointer(frame.bytes))
                switch FrameParser.parse(bytes, maxLength: frame.isSegmentationOffload ? .max : maxFrame) {
                case .failure(let e):
                    counters.count(e.defect)
                    port.rxDrops &+= 1
                case .success(let parsed):
                    switch admit(parsed, MutableFrameBytes(frame.bytes), on: port, enabled: enabled) {
                    case .deliver:
                        port.rxPackets &+= 1
                        port.rxBytes &+= frame.wireLength
                        deliver(frame, parsed)
                    case .drop: port.rxDrops &+= 1
                    case .consumed: port.rxControl &+= 1
                    }
                }
            }
            flushDelivered()
        }
        let any = batches > 0
        if any && probing { noteTraffic(on: port) }
        return any
    }

    /// What a transmit decision asks of the frame before it leaves, whichever backend
    /// carries it: the member's own MAC as source, and in balance-alb's ARP replies.
    @inline(__always)
    func prepare(_ bytes: MutableFrameBytes, for target: TransmitTarget, parsed: ParsedFrame) {
        switch target {
        case .memberWithOwnSource(let i): bytes.setMAC(6, ports[i].mac)
        case .memberAnnouncingOwnMAC(let i): FrameRewriter.announce(ports[i].mac, in: bytes, parsed: parsed)
        case .member, .allMembers, .drop: break
        }
    }

    /// Frames arrived on `port`: a sign of life for the ARP/NS monitor; what it
    /// concludes (and what probe replies concluded meanwhile) is acted on now.
    func noteTraffic(on port: MemberPort) {
        pendingEvents += bond.received(.traffic, on: port.index, at: system.now())
        guard !pendingEvents.isEmpty else { return }
        let events = pendingEvents
        pendingEvents.removeAll(keepingCapacity: true)
        handle(events)
    }

    /// What becomes of a frame a member received.
    enum Admission {
        /// Delivered to the host on the bond device.
        case deliver
        /// Not the bond's (on a backup, reflected, a member disabled): counted as a drop.
        case drop
        /// The mode's own control frame, taken by the mode.
        case consumed
    }

    /// A frame member `port` received, whichever backend it came through: shown to the
    /// ARP/NS monitor, then taken by the mode if it is its control frame, else admitted
    /// or not by the mode; an admitted frame for a member's own MAC is readdressed to
    /// the bond.
    @inline(__always)
    func admit(_ parsed: ParsedFrame, _ bytes: MutableFrameBytes, on port: MemberPort, enabled: Bool) -> Admission {
        if probing, parsed.neighborDiscovery != nil || parsed.etherType == EtherType.arp {
            observeProbeReply(parsed, on: port)
        }
        if let control = controlEtherType, parsed.etherType == control {
            // A disabled member's partner still speaks (LACP keeps its state).
            carryOut(mode.receiveControl(parsed, bytes: bytes.readOnly, on: port.index, members: view, at: system.now()))
            return .consumed
        }
        guard enabled && mode.admits(parsed, on: port.index, members: view) else { return .drop }
        if macPolicy.readdressesToBond(parsed.destination, bondMAC: bondMAC, isMemberMAC: { d in ports.contains { $0.mac == d } }) {
            bytes.setMAC(0, bondMAC)
        }
        return .deliver
    }
}
