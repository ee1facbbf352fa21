import CLibBPF
import CLinuxNet
import Glibc
import SystemIO

/// The clsact qdisc our tc filters hang from. bondd makes it where an interface has
/// none, and removes it only when it made it and no filter is left on it: the
/// administrator may have put filters of their own beside ours since (policing on the
/// bond device, say), and removing the qdisc would take those with it.
enum TCHook {
    /// Makes the clsact qdisc on `ifindex`. Returns whether it was made here (false: it
    /// was there already).
    static func make(on ifindex: Int32) throws(SystemError) -> Bool {
        let r = bondd_tc_hook_create(ifindex)
        if r < 0 && r != -EEXIST { throw SystemError("tc clsact on ifindex \(ifindex)", errno: -r) }
        return r == 0
    }

    /// Removes the clsact qdisc of `ifindex` if nothing is left on either side of it.
    /// A qdisc whose filters cannot be listed is kept: keeping an empty one costs a
    /// branch per frame, removing one that is not empty costs the administrator's
    /// configuration.
    /// - Returns: whether it was removed.
    @discardableResult
    static func removeIfEmpty(_ ifindex: Int32) -> Bool {
        guard let n = try? filterCount(on: ifindex), n == 0 else { return false }
        return bondd_tc_hook_destroy(ifindex) == 0
    }

    /// The filters on the clsact qdisc of `ifindex`, ingress and egress (every
    /// priority's entry and each filter under it, as `tc filter show` lists them).
    static func filterCount(on ifindex: Int32) throws(SystemError) -> Int {
        let socket = try NetlinkSocket()
        var count = 0
        for side in [ingressParent, egressParent] {
            var r = NetlinkRequest(type: Int32(RTM_GETTFILTER), flags: NLM_F_DUMP)
            var message = tcmsg()
            message.tcm_family = UInt8(AF_UNSPEC)
            message.tcm_ifindex = ifindex
            message.tcm_parent = side
            r.append(fixed: message)
            let replies = try socket.transact(r, what: "list tc filters on ifindex \(ifindex)")
            count += replies.filter { Int32($0.type) == RTM_NEWTFILTER }.count
        }
        return count
    }

    /// TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS) and (…, TC_H_MIN_EGRESS).
    static let ingressParent: UInt32 = 0xFFFF_FFF2
    static let egressParent: UInt32 = 0xFFFF_FFF3
}
