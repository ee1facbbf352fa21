// Linux kernel interfaces for PacketIO: the headers Swift cannot reach through Glibc,
// and the few operations that need C (ring memory ordering, struct field access
// through unions and flexible layouts).
#ifndef CLINUXNET_H
#define CLINUXNET_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/veth.h>
#include <linux/virtio_net.h>
#include <linux/sockios.h>
#include <linux/ethtool.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/prctl.h>

// MARK: TPACKET_V2 receive ring

/// A slot's status, read with acquire ordering so the frame in it is visible.
static inline uint32_t cln_slot_status(const void *slot) {
    const struct tpacket2_hdr *h = (const struct tpacket2_hdr *)slot;
    return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

/// Hands a slot back to the kernel; release ordering so our reads finish first.
static inline void cln_slot_release(void *slot) {
    struct tpacket2_hdr *h = (struct tpacket2_hdr *)slot;
    __atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/// The ring's drop counters (PACKET_STATISTICS). The kernel zeroes them as it hands
/// them over, so each call returns what happened since the last one.
/// - Returns: 0, or -errno.
static inline int cln_packet_statistics(int fd, uint32_t *drops) {
    struct tpacket_stats st;
    socklen_t len = sizeof(st);
    memset(&st, 0, sizeof(st));
    if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) return -errno;
    *drops = st.tp_drops;
    return 0;
}

/// epoll_wait with a timeout in nanoseconds (epoll_pwait2, Linux 5.11); where the
/// kernel lacks it, epoll_wait with the timeout rounded up to a millisecond.
int cln_epoll_wait_ns(int epfd, struct epoll_event *events, int capacity, long long timeout_ns);

/// The calling thread's timer slack (PR_SET_TIMERSLACK): how late the kernel may wake
/// it from a timed sleep. 50 µs by default, as long as a short polling tick.
/// - Returns: 0, or -errno.
int cln_set_timer_slack(unsigned long nanoseconds);

/// The fields of one ring slot's header the engine needs.
struct cln_frame_info {
    uint32_t status;
    uint32_t snaplen;
    uint32_t len;
    uint16_t mac;
    uint16_t vlan_tci;
    uint16_t vlan_tpid;
};

static inline struct cln_frame_info cln_frame_info(const void *slot) {
    const struct tpacket2_hdr *h = (const struct tpacket2_hdr *)slot;
    struct cln_frame_info i;
    i.status = h->tp_status;
    i.snaplen = h->tp_snaplen;
    i.len = h->tp_len;
    i.mac = h->tp_mac;
    i.vlan_tci = h->tp_vlan_tci;
    i.vlan_tpid = h->tp_vlan_tpid;
    return i;
}

/// Headroom in front of each received frame (PACKET_RESERVE): room to put back a VLAN
/// tag the device lifted out, and to push one more (a VLAN device's frame).
#define CLN_PACKET_RESERVE 8

/// Where the kernel puts a frame's MAC header in a slot (TPACKET_V2 with
/// PACKET_VNET_HDR and CLN_PACKET_RESERVE bytes of headroom).
static inline uint32_t cln_slot_mac_offset(void) {
    return TPACKET_ALIGN(TPACKET2_HDRLEN + 16) + CLN_PACKET_RESERVE + sizeof(struct virtio_net_hdr) - 14;
}

/// Writes a frame into an empty ring slot as the kernel does and hands the slot to
/// user space; a frame too big for the slot is cut to what fits and marked
/// TP_STATUS_COPY (its whole copy waits on the socket's queue), as the kernel does
/// with PACKET_COPY_THRESH. For in-memory rings (tests that run the engine without a
/// kernel). Returns whether the frame was cut.
int cln_slot_fill(void *slot, uint32_t slot_size, const uint8_t *frame, uint32_t length);

// MARK: batched send

/// struct mmsghdr, which glibc declares only under _GNU_SOURCE.
struct cln_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int cln_sendmmsg(int fd, struct cln_mmsghdr *messages, unsigned int count, int flags);

// MARK: ethtool

/// Link speed in Mbit/s and duplex (1 full) of `ifname`, or -1 when unknown.
static inline int cln_ethtool_speed(int fd, const char *ifname, int *duplex) {
    struct ethtool_cmd cmd;
    struct ifreq ifr;
    memset(&cmd, 0, sizeof(cmd));
    memset(&ifr, 0, sizeof(ifr));
    cmd.cmd = ETHTOOL_GSET;
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    ifr.ifr_data = (char *)&cmd;
    if (ioctl(fd, SIOCETHTOOL, &ifr) < 0) return -1;
    uint32_t speed = ethtool_cmd_speed(&cmd);
    if (duplex) *duplex = cmd.duplex;
    return speed == (uint32_t)SPEED_UNKNOWN ? -1 : (int)speed;
}

/// Turns generic receive offload of `ifname` on or off (ETHTOOL_SGRO); 0 or -errno.
static inline int cln_ethtool_set_gro(int fd, const char *ifname, int on) {
    struct ethtool_value value;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    value.cmd = ETHTOOL_SGRO;
    value.data = on ? 1 : 0;
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    ifr.ifr_data = (char *)&value;
    return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

// The CPUs thread `tid` (0: the caller) may run on, as a mask of `words` 64-bit words:
// the raw calls, glibc's wrappers needing _GNU_SOURCE. Get returns the bytes written.
static inline int cln_get_affinity(int tid, uint64_t *mask, int words) {
    long r = syscall(SYS_sched_getaffinity, tid, (size_t)words * 8, mask);
    return r < 0 ? -errno : (int)r;
}

static inline int cln_set_affinity(int tid, const uint64_t *mask, int words) {
    return syscall(SYS_sched_setaffinity, tid, (size_t)words * 8, mask) == 0 ? 0 : -errno;
}

// The calling thread's kernel id (gettid(2); glibc's needs _GNU_SOURCE).
static inline int cln_gettid(void) { return (int)syscall(SYS_gettid); }

// The CPU the calling thread runs on now (getcpu(2)), or -errno.
static inline int cln_current_cpu(void) {
    unsigned cpu = 0;
    return syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 ? (int)cpu : -errno;
}

// Names the calling thread (its comm: 15 bytes kept), as top -H and /proc show it.
static inline int cln_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) == 0 ? 0 : -errno;
}

#endif
