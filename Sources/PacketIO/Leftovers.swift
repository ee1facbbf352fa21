import CLibBPF
import Glibc

/// What a bondd that died without restoring (SIGKILL, a crash) may have left attached
/// to an interface: our XDP programs and our tc filters. Only ours are removed,
/// recognised by program name and by filter handle; anything else is left alone.
public enum Leftovers {
    /// Detaches every XDP program named `bondd_*` from `ifindex` (generic or native).
    /// - Returns: the names of the programs detached.
    public static func detachXDPPrograms(from ifindex: Int32) -> [String] {
        var detached: [String] = []
        for flag in [XDPBondProgram.genericMode, XDPBondProgram.driverMode] {
            var id: UInt32 = 0
            guard bpf_xdp_query_id(ifindex, Int32(flag), &id) == 0, id != 0 else { continue }
            let fd = bpf_prog_get_fd_by_id(id)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var info = bpf_prog_info()
            var length = UInt32(MemoryLayout<bpf_prog_info>.size)
            guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { continue }
            let name = withUnsafeBytes(of: info.name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("bondd_") else { continue }
            if bpf_xdp_detach(ifindex, flag, nil) == 0 { detached.append(name) }
        }
        return detached
    }

    /// Removes our tc filters from `ifindex`: the stack bypass's drop filters and the
    /// XDP backend's tc programs (one handle, two priorities). The clsact qdisc goes too
    /// when it was ours (`destroyHook`) and nothing else is on it (an administrator's
    /// filters stay, `TCHook`). Returns whether anything of ours was there.
    @discardableResult
    public static func removeStackBypass(from ifindex: Int32, destroyHook: Bool) -> Bool {
        var removed = false
        for priority in [LoadedBPFObject.tcPriority, StackBypass.priority] {
            for egress: Int32 in [0, 1] where bondd_tc_detach(ifindex, egress, StackBypass.handle, priority) == 0 {
                removed = true
            }
        }
        if destroyHook && removed { TCHook.removeIfEmpty(ifindex) }
        return removed
    }
}
