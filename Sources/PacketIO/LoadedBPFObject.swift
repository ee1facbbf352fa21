import CLibBPF
import Glibc
import SystemIO

/// One of bpf/'s objects, opened and loaded with libbpf: its programs and maps by name,
/// and the interfaces its programs are attached to, detached again when released.
final class LoadedBPFObject {
    let name: String
    private let object: OpaquePointer
    private(set) var attached: [(ifindex: Int32, flags: UInt32)] = []
    /// tc filters of ours, and whether the clsact qdisc under each was made here.
    private(set) var filters: [(ifindex: Int32, egress: Bool, createdHook: Bool)] = []
    /// Our tc filters' handle and priority: before the stack bypass's drop filter, which
    /// shares the handle (`Leftovers` removes both).
    static let tcHandle = StackBypass.handle, tcPriority: UInt32 = 1

    /// linux/if_link.h's XDP_FLAGS_UPDATE_IF_NOEXIST, _SKB_MODE, _DRV_MODE.
    static let onlyIfNone: UInt32 = 1 << 0, genericMode: UInt32 = 1 << 1, driverMode: UInt32 = 1 << 2

    init(_ embedded: BPFObject) throws(SystemError) {
        name = embedded.name
        let bytes = embedded.bytes
        let opened = bytes.withUnsafeBytes { bpf_object__open_mem($0.baseAddress, $0.count, nil) }
        guard let opened, libbpf_get_error(UnsafeRawPointer(opened)) == 0 else {
            throw SystemError("bpf_object__open_mem(\(embedded.name))", errno: EINVAL)
        }
        let loaded = bpf_object__load(opened)
        guard loaded == 0 else {
            bpf_object__close(opened)
            throw SystemError("bpf_object__load(\(embedded.name))", errno: -loaded)
        }
        object = opened
    }

    deinit {
        for a in attached { _ = bpf_xdp_detach(a.ifindex, a.flags, nil) }
        for f in filters { Self.removeFilter(f) }
        bpf_object__close(object)
    }

    /// A program's descriptor; a missing one is an error of the build, said with its name.
    func program(_ name: String) throws(SystemError) -> Int32 {
        guard let p = bpf_object__find_program_by_name(object, name), bpf_program__fd(p) >= 0 else {
            throw SystemError("\(self.name): no program \(name)", errno: ENOENT)
        }
        return bpf_program__fd(p)
    }

    func map(_ name: String) throws(SystemError) -> Int32 {
        let fd = bpf_object__find_map_fd_by_name(object, name)
        guard fd >= 0 else { throw SystemError("\(self.name): no map \(name)", errno: ENOENT) }
        return fd
    }

    /// Attaches `program` to an interface; refuses one that already has an XDP program.
    func attach(program: Int32, to ifindex: Int32, native: Bool) throws(SystemError) {
        let flag = native ? Self.driverMode : Self.genericMode
        let r = bpf_xdp_attach(ifindex, program, flag | Self.onlyIfNone, nil)
        guard r == 0 else { throw SystemError("XDP attach (\(native ? "native" : "generic")) on ifindex \(ifindex)", errno: -r) }
        attached.append((ifindex, flag))
    }

    func detach(from ifindex: Int32) {
        for a in attached where a.ifindex == ifindex { _ = bpf_xdp_detach(a.ifindex, a.flags, nil) }
        attached.removeAll { $0.ifindex == ifindex }
    }

    /// Attaches `program` as a tc filter (direct action) on an interface's ingress or
    /// egress. With `makeHook`, makes the clsact qdisc if there is none; without, it
    /// must be there (the stack bypass's): asking the kernel to make one that exists
    /// has libbpf log the refusal as a warning.
    func attachFilter(program: Int32, to ifindex: Int32, egress: Bool, makeHook: Bool) throws(SystemError) {
        let created = makeHook ? try TCHook.make(on: ifindex) : false
        let r = bondd_tc_attach(ifindex, egress ? 1 : 0, program, Self.tcHandle, Self.tcPriority)
        guard r == 0 else {
            if created { TCHook.removeIfEmpty(ifindex) }
            throw SystemError("tc attach (\(egress ? "egress" : "ingress")) on ifindex \(ifindex)", errno: -r)
        }
        filters.append((ifindex, egress, created))
    }

    /// Takes our tc filters off an interface (and the clsact qdisc, if it was made here
    /// and nothing else is on it: `TCHook`).
    func detachFilters(from ifindex: Int32) {
        for f in filters where f.ifindex == ifindex { Self.removeFilter(f) }
        filters.removeAll { $0.ifindex == ifindex }
    }

    private static func removeFilter(_ f: (ifindex: Int32, egress: Bool, createdHook: Bool)) {
        _ = bondd_tc_detach(f.ifindex, f.egress ? 1 : 0, tcHandle, tcPriority)
        if f.createdHook { TCHook.removeIfEmpty(f.ifindex) }
    }

    func update(_ map: Int32, key: UInt32, value: UInt32) throws(SystemError) {
        var k = key, v = value
        let r = bpf_map_update_elem(map, &k, &v, UInt64(BPF_ANY))
        guard r == 0 else { throw SystemError("\(name): map update", errno: -r) }
    }
}
