import CLibBPF
import SystemIO

/// The fast path's tc programs (bpf/tc_path.h), which carry what generic XDP cannot
/// carry well: TCP's super-frames, whole, in the kernel, and everything a member
/// without `bondd_rx` receives. They share the XDP programs' maps.
extension XDPBondProgram {
    /// Where a tc program of the fast path goes.
    public enum TCHook: Sendable {
        /// The bond device's host end, egress: frames the mode decides go to members.
        case bondDevice
        /// A member, ingress (what it receives that tc decides) and egress (lets the
        /// redirects out past the stack bypass).
        case member
        /// The engine end of the bond device or of a VLAN device, egress (lets the
        /// redirects in).
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

    /// Whether `ifindex` runs an XDP program (anyone's): a member decided in tc alone
    /// would see its frames only after that program had done with them.
    public static func hasXDPProgram(_ ifindex: Int32) -> Bool { bondd_xdp_attached(ifindex) != 0 }

    /// Takes the tc programs off `ifindex`.
    public func detachTC(from ifindex: Int32) { object.detachFilters(from: ifindex) }

    /// On a member's engine socket: turns away the frames `bondd_tc_rx` takes, so that
    /// each frame has one owner (packet sockets see a frame before tc ingress).
    public func filterMemberSocket(_ socket: PacketSocket) throws(SystemError) {
        try socket.filter(with: memberFilter)
    }

    /// A program of the tc path, for `runTC`.
    public enum TCProgram: Sendable { case transmit, receive, out, memberFilter }

    /// The tag (skb->cb[0], with the target's ifindex in cb[1]) a tc redirect puts on a
    /// frame, which `bondd_tc_out` lets out.
    public static let tcTag = BONDD_TC_TAG

    /// What a test run of a tc program gets and leaves: the skb's mark and control
    /// block, and the frame.
    public struct TCRun: Sendable {
        /// TC_ACT_*, or the length the socket filter keeps.
        public var verdict: Int32
        public var mark: UInt32
        /// skb->cb[0...4].
        public var cb: [UInt32]
        public var frame: [UInt8]
        /// A redirect's tag: cb[0], and the target's ifindex in cb[1].
        public var tag: (UInt32, UInt32) { (cb[0], cb[1]) }
    }

    /// Runs a tc program or the socket filter once on `frame` (BPF_PROG_TEST_RUN), as
    /// if it arrived on `ifindex` with `mark` and the control block `cb` (skb->cb[0...],
    /// zeros after), a GSO frame of `gsoSize` if not 0: its return value (TC_ACT_*, or
    /// the length the socket filter keeps). For tests.
    public func runTC(
        _ p: TCProgram, frame: [UInt8], ifindex: Int32 = 1, gsoSize: Int = 0, mark: UInt32 = 0, cb: [UInt32] = []
    ) throws(SystemError) -> Int32 {
        try runTCSeeingSKB(p, frame: frame, ifindex: ifindex, gsoSize: gsoSize, mark: mark, cb: cb).verdict
    }

    /// `runTC`, with the mark and control block the program left on the skb.
    public func runTCSeeingSKB(
        _ p: TCProgram, frame: [UInt8], ifindex: Int32 = 1, gsoSize: Int = 0, mark: UInt32 = 0, cb: [UInt32] = []
    ) throws(SystemError) -> TCRun {
        let fd =
            switch p {
            case .transmit: tcTransmitProgram
            case .receive: tcReceiveProgram
            case .out: tcOutProgram
            case .memberFilter: memberFilter
            }
        // A packet socket's filter sees the frame from its link-layer header (packet_rcv
        // pushes it back); the test run takes one off first, so the frame goes in
        // behind a stand-in: a copy of its own, from which the run sets skb->protocol
        // as the receive path does.
        let frame = p == .memberFilter ? Array(frame.prefix(14)) + frame : frame
        var out = [UInt8](repeating: 0, count: frame.count + 256)
        let r = out.withUnsafeMutableBytes { o in
            let c = cb + [UInt32](repeating: 0, count: max(0, 5 - cb.count))
            var run = bondd_skb_run(
                ifindex: UInt32(ifindex), gso_size: UInt32(gsoSize), mark: mark, cb: (c[0], c[1], c[2], c[3], c[4]), retval: 0,
                out: o.baseAddress, out_size: UInt32(o.count))
            let r = frame.withUnsafeBytes { bondd_skb_test_run(fd, $0.baseAddress, UInt32($0.count), &run) }
            return (r, run)
        }
        guard r.0 == 0 else { throw SystemError("BPF_PROG_TEST_RUN", errno: -r.0) }
        let run = r.1
        return TCRun(
            verdict: Int32(bitPattern: run.retval), mark: run.mark, cb: [run.cb.0, run.cb.1, run.cb.2, run.cb.3, run.cb.4],
            frame: Array(out.prefix(Int(min(run.out_size, UInt32(out.count))))))
    }

    /// The kernel's ids of the tc programs, by name: for tests that read what the kernel
    /// made of them (`bpftool prog dump xlated id N`).
    public var tcProgramIDs: [(name: String, id: UInt32)] {
        [("bondd_tc_tx", tcTransmitProgram), ("bondd_tc_rx", tcReceiveProgram), ("bondd_tc_out", tcOutProgram)].compactMap {
            name, fd in
            var info = bpf_prog_info()
            var length = UInt32(MemoryLayout<bpf_prog_info>.size)
            guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return nil }
            return (name, info.id)
        }
    }

    /// The interfaces a tc program of ours is on.
    public var tcInterfaces: [Int32] { Array(Set(object.filters.map(\.ifindex))) }
}
