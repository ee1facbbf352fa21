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
#include <linux/filter.h>
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

// ---- PACKET_FANOUT: one receive ring per forwarding thread (workers=) ----

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif

// The group's own hook replaces each socket's, so the group must skip our own sends
// itself (PACKET_IGNORE_OUTGOING on a socket no longer applies once it joins).
#define CLN_FANOUT_TYPE (PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_IGNORE_OUTGOING)

// Starts a group with `fd` as its first socket, index 0, under an id the kernel picks
// (unique in the namespace); returns the id, or -errno.
static inline int cln_fanout_create(int fd) {
    int arg = CLN_FANOUT_TYPE << 16 | PACKET_FANOUT_FLAG_UNIQUEID << 16;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0) return -errno;
    socklen_t len = sizeof arg;
    if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0) return -errno;
    return arg & 0xffff;
}

// Adds `fd` (bound to the same device) to group `id`, at the next index.
static inline int cln_fanout_join(int fd, uint16_t id) {
    int arg = CLN_FANOUT_TYPE << 16 | id;
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0 ? 0 : -errno;
}

// Which socket of the group takes a frame: index 0 (the engine's) for what only the
// engine handles, else by flow (a hash modulo `sockets`, so that a flow keeps its order)
// or by the CPU that received it (`cpus`: socket i takes what CPU cpus[i] received, as
// PACKET_FANOUT_CPU, so each thread reads what its own core's softirq, its NIC queue's
// under RSS, took in; a frame of any other CPU goes by flow).
// Offsets are from the link and network headers (SKF_LL_OFF, SKF_NET_OFF), which hold
// wherever the skb's data points when the group demuxes it; a load past the frame's
// end returns 0, the engine.
//   every frame to 0:        `all_to_engine` (a capture runs, and sees the engine's only)
//   to 0:                    ARP, slow protocols (LACP), IGMP, ICMPv6 and IPv6 hop-by-hop
//                            (neighbour discovery, MLD): the monitors and modes read them
//   to 0 if `tagged_to_engine`: 802.1Q/802.1ad frames (the engine's VLAN devices)
//   by flow:                 IPv4/IPv6 addresses, with TCP/UDP ports (after any IPv4
//                            options) unless a fragment, whose later parts have none;
//                            anything else by its MAC addresses
// Fills `out` (CLN_FANOUT_PROGRAM_MAX instructions); returns how many it wrote.
#define CLN_FANOUT_CPUS_MAX 16
#define CLN_FANOUT_PROGRAM_MAX 94  // 62 + 2 * CLN_FANOUT_CPUS_MAX
static inline int cln_fanout_program(struct sock_filter *out, uint32_t sockets, int tagged_to_engine, int all_to_engine,
                                     const uint32_t *cpus, uint32_t cpu_count) {
    if (all_to_engine || sockets < 2) {
        out[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
        return 1;
    }
    if (cpu_count > CLN_FANOUT_CPUS_MAX) cpu_count = CLN_FANOUT_CPUS_MAX;
    // `ja +0` goes on to the next instruction: the tagged cases either end at the
    // engine or carry on as untagged.
    struct sock_filter tagged = tagged_to_engine ? (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0)
                                                 : (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
    struct sock_filter p[] = {
        /*  0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT),
        /*  1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),              // untagged: 3
        /*  2 */ tagged,
        /*  3 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL),
        /*  4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 11, 0),        // IPv4: 16
        /*  5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 26, 0),        // IPv6: 32
        /*  6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0806, 49, 0),        // ARP: engine
        /*  7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8809, 48, 0),        // LACP: engine
        /*  8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 1, 0),         // tag in the frame: 10
        /*  9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x88a8, 0, 1),         // else the MACs: 11
        /* 10 */ tagged,
        /* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_LL_OFF + 2),        // MACs: destination's last 4 bytes
        /* 12 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
        /* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_LL_OFF + 8),        // source's last 4 bytes
        /* 14 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        /* 15 */ BPF_JUMP(BPF_JMP | BPF_JA, 34, 0, 0),                     // fold: 50
        /* 16 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 9),       // IPv4 protocol
        /* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 38, 0),            // IGMP: engine
        /* 18 */ BPF_STMT(BPF_ST, 1),
        /* 19 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12),      // source
        /* 20 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
        /* 21 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 16),      // destination
        /* 22 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        /* 23 */ BPF_STMT(BPF_ST, 0),
        /* 24 */ BPF_STMT(BPF_LD | BPF_H | BPF_ABS, SKF_NET_OFF + 6),       // more fragments, offset
        /* 25 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 23, 0),      // a fragment: 49
        /* 26 */ BPF_STMT(BPF_LD | BPF_MEM, 1),
        /* 27 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0),             // TCP: 29
        /* 28 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 20),           // UDP: 29, else 49
        /* 29 */ BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, SKF_NET_OFF + 0),      // X = the IPv4 header's length (IHL * 4)
        /* 30 */ BPF_STMT(BPF_LD | BPF_W | BPF_IND, SKF_NET_OFF + 0),       // both ports, after any options
        /* 31 */ BPF_JUMP(BPF_JMP | BPF_JA, 13, 0, 0),                     // mix: 45
        /* 32 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 6),       // IPv6 next header
        /* 33 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 22, 0),           // ICMPv6: engine
        /* 34 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 21, 0),            // hop-by-hop (MLD): engine
        /* 35 */ BPF_STMT(BPF_ST, 1),
        /* 36 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 20),      // source's last word
        /* 37 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
        /* 38 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 36),      // destination's last word
        /* 39 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        /* 40 */ BPF_STMT(BPF_ST, 0),
        /* 41 */ BPF_STMT(BPF_LD | BPF_MEM, 1),
        /* 42 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 1, 0),             // TCP: 44
        /* 43 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 5),            // UDP: 44, else 49
        /* 44 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 40),      // both ports
        /* 45 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),                          // mix: ports ^ addresses
        /* 46 */ BPF_STMT(BPF_LD | BPF_MEM, 0),
        /* 47 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        /* 48 */ BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),                      // fold: 50
        /* 49 */ BPF_STMT(BPF_LD | BPF_MEM, 0),                            // addresses alone
        /* 50 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),                          // fold: h ^= h >> 16
        /* 51 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
        /* 52 */ BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        /* 53 */ BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1),         // mix: every bit moves the middle ones
        /* 54 */ BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16),
        /* 55 */ BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),                      // the hash in A: 57
        /* 56 */ BPF_STMT(BPF_RET | BPF_K, 0),                             // the engine
    };
    memcpy(out, p, sizeof p);
    int n = (int)(sizeof p / sizeof p[0]);
    if (cpu_count > 0) {
        // X = the hash; A = the CPU; socket i for cpus[i] (its RET below the fallback).
        out[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TAX, 0);
        out[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_CPU);
        for (uint32_t i = 0; i < cpu_count; i++) {
            // Past the rest of the comparisons (cpu_count - 1 - i), the fallback's 3,
            // and the RETs before socket i's.
            uint8_t to_ret = (uint8_t)((cpu_count - 1 - i) + 3 + i);
            out[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cpus[i], to_ret, 0);
        }
        out[n++] = (struct sock_filter)BPF_STMT(BPF_MISC | BPF_TXA, 0);  // another CPU: by flow
    }
    out[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, sockets);
    out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
    for (uint32_t i = 0; i < cpu_count; i++) out[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, i % sockets);
    return n;
}

// Sets the group's program (through any of its sockets).
static inline int cln_fanout_set_program(int fd, struct sock_filter *program, int count) {
    struct sock_fprog prog = {.len = (unsigned short)count, .filter = program};
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof prog) == 0 ? 0 : -errno;
}

#endif
