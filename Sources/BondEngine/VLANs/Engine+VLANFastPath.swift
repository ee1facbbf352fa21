import BondCore
import PacketIO

/// VLAN devices on the XDP fast path: the programs tag and untag their frames in the
/// kernel (bpf/vlan.h); what they pass up reaches the engine's sockets as before.
extension Engine {
    /// Attaches the fast path to `d` when the bond runs on it; without, its frames take
    /// the engine's sockets (and one log line says why). Its removal detaches it.
    func attachFastPath(to d: BondDevicePort) {
        // The engine's backends leave VLAN devices' frames to the engine, TCP too.
        guard let fp = fastPath, fp.scope == .allFrames, let vid = d.vlan?.vid, !d.removed, !d.onFastPath else { return }
        let engineIndex = d.engineIndex
        do { try fp.attachVLAN(vid: vid, engineIndex: engineIndex) } catch {
            logger.notice("\(name): no XDP fast path on \(d.name) (\(error)); its frames move through the engine")
            return
        }
        d.onFastPath = true
        // Native redirects into a veth land in its peer's NAPI queue, which GRO turns on.
        if fp.needsNAPIOnBondDevice { try? links.setGenericReceiveOffload(name: d.name, on: true) }
        d.undo.push("XDP on \(d.name)") { [weak fp, weak d] in
            fp?.detachVLAN(vid: vid, engineIndex: engineIndex)
            d?.onFastPath = false
        }
    }
}
