import CLibBPF
import Glibc
import SystemIO

/// Keeps the host's own network stack off an interface the engine owns.
///
/// A member carries the bond's MAC, so without this the kernel would also take the
/// frames it receives (answer ARP for the bond's address on the member itself, deliver
/// TCP twice) and send its own (IPv6 router solicitations) around the engine. A tc
/// program that drops everything, on ingress and egress, does it: packet sockets see a
/// frame before tc ingress, and our transmissions bypass the qdisc layer where tc
/// egress runs. (This kernel has no gact/matchall; a two-instruction BPF program is
/// the portable drop.)
public final class StackBypass {
    public let interfaceIndex: Int32
    private let program: Int32
    /// Whether the clsact qdisc was created here (and so is removed with the filters when
    /// nothing else is on it).
    public let createdHook: Bool
    private var attached = true
    static let handle: UInt32 = 0xB0DD
    /// After the XDP backend's tc programs (priority 1), which let their own redirects
    /// out and take super-frames in before this drops everything else.
    static let priority: UInt32 = 2

    public init(interfaceIndex: Int32) throws(SystemError) {
        self.interfaceIndex = interfaceIndex
        // r0 = TC_ACT_SHOT; exit
        var instructions = [bpf_insn(), bpf_insn()]
        instructions[0].code = UInt8(BPF_ALU64 | BPF_MOV | BPF_K)
        instructions[0].imm = 2
        instructions[1].code = UInt8(BPF_JMP | BPF_EXIT)
        let fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "bondd_drop", "GPL", &instructions, 2, nil)
        if fd < 0 { throw SystemError("bpf_prog_load(tc drop)", errno: -fd) }
        program = fd
        do { createdHook = try TCHook.make(on: interfaceIndex) } catch {
            close(fd)
            throw error
        }
        for egress: Int32 in [0, 1] {
            let r = bondd_tc_attach(interfaceIndex, egress, fd, Self.handle, Self.priority)
            if r < 0 {
                let e = SystemError("tc attach on ifindex \(interfaceIndex)", errno: -r)
                remove()
                throw e
            }
        }
    }

    deinit { remove() }

    /// Detaches the drop programs (and the clsact qdisc if we created it and nothing
    /// else is on it: `TCHook`).
    public func remove() {
        guard attached else { return }
        attached = false
        for egress: Int32 in [0, 1] { _ = bondd_tc_detach(interfaceIndex, egress, Self.handle, Self.priority) }
        if createdHook { TCHook.removeIfEmpty(interfaceIndex) }
        close(program)
    }
}
