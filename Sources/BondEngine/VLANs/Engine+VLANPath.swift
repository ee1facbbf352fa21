import BondCore
import PacketIO

/// Frames the host sends on a VLAN device (`backend=afpacket`, and every backend's
/// frames that the fast path leaves to the engine): tagged in place, then sent as the
/// mode decides, so hashes, VIF buckets and ALB see the tag as they do on a trunk.
extension Engine {
    @discardableResult
    func forwardFromVLANDevice(_ d: BondDevicePort) -> Bool {
        guard let vid = d.vlan?.vid, !d.removed else { return false }
        var any = false
        // The VLAN device's MTU is at most the bond's; the parser allows the tag's 4 bytes.
        let maxFrame = mtu + FrameParser.ethernetHeaderLength
        let tap = d.tap
        while d.socket.receiveBlock({ frames in
            while let frame = frames.next() {
                if let tap { tap.record(frame, .sent) }
                d.rxPackets &+= 1
                d.rxBytes &+= frame.wireLength
                if frame.isCut { counters.count(.truncated); continue }
                transmit(frame.pushingTag(vid), maxFrame: maxFrame)
            }
            for p in ports where !p.queue.isEmpty { p.queue.flush() }
        }) { any = true }
        return any
    }
}
