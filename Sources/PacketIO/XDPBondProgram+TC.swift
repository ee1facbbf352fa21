import SystemIO

/// The fast path's tc programs (bpf/tc_path.h), which carry what generic XDP cannot:
/// TCP's super-frames, whole, in the kernel. They share the XDP programs' maps.
extension XDPBondProgram {
    /// Where a tc program of the fast path goes.
    public enum TCHook: Sendable {
        /// The bond device's host end, egress: frames the mode decides go to members.
        case bondDevice
        /// A member, ingress (super-frames to the bond device) and egress (lets the
        /// redirects out past the stack bypass).
        case member
        /// The bond device's engine end, egress (lets the redirects in).
        case engineEnd
    }

    /// Attaches the programs `hook` needs to `ifindex`; on failure nothing is left. A
    /// member and the engine end have the stack bypass's clsact qdisc already.
    public func attachTC(_ hook: TCHook, to ifindex: Int32) throws(SystemError) {
        do {
            switch hook {
            case .bondDevice: try object.attachFilter(program: tcTransmitProgram, to: ifindex, egress: true, makeHook: true)
            case .engineEnd: try object.attachFilter(program: tcOutProgram, to: ifindex, egress: true, makeHook: false)
            case .member:
                try object.attachFilter(program: tcReceiveProgram, to: ifindex, egress: false, makeHook: false)
                try object.attachFilter(program: tcOutProgram, to: ifindex, egress: true, makeHook: false)
            }
        } catch {
            object.detachFilters(from: ifindex)
            throw error
        }
    }

    /// Takes the tc programs off `ifindex`.
    public func detachTC(from ifindex: Int32) { object.detachFilters(from: ifindex) }

    /// On a member's engine socket: turns away the super-frames `bondd_tc_rx` takes, so
    /// that each frame has one owner (packet sockets see a frame before tc ingress).
    public func filterSuperFrames(on socket: PacketSocket) throws(SystemError) {
        try socket.filter(with: superFrameFilter)
    }

    /// The interfaces a tc program of ours is on.
    public var tcInterfaces: [Int32] { Array(Set(object.filters.map(\.ifindex))) }
}
