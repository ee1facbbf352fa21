/* Shared between the XDP programs and the Swift control plane that fills the maps:
 * Swift reads these definitions themselves (CLibBPF's shim includes this header), so
 * a layout has one source. Kept to the types both sides have (linux/types.h). */
#ifndef BONDD_BOND_XDP_H
#define BONDD_BOND_XDP_H

#include <linux/types.h>

#define BONDD_MAX_MEMBERS 32 /* a power of two: indices are masked with it */
#define BONDD_CONFIG_ENTRIES 4 /* bondd_config's (maps.h); a power of two */
_Static_assert((BONDD_CONFIG_ENTRIES & (BONDD_CONFIG_ENTRIES - 1)) == 0, "indices are masked with it");

/* Modes the fast path decides itself; everything else goes up to the engine. */
enum bondd_xdp_mode {
	BONDD_XDP_MODE_NONE = 0,          /* pass every frame up (the engine decides) */
	BONDD_XDP_MODE_ROUND_ROBIN = 1,
	BONDD_XDP_MODE_ACTIVE_BACKUP = 2,
	BONDD_XDP_MODE_XOR = 3,
	BONDD_XDP_MODE_BROADCAST = 4,
	BONDD_XDP_MODE_TLB = 5,           /* balance-tlb: hash buckets, guests per VIF */
	BONDD_XDP_MODE_ALB = 6,           /* balance-alb: as tlb; ARP goes up */
	BONDD_XDP_MODE_SLB = 7,           /* balance-slb: every source MAC per VIF */
};

#define BONDD_BUCKETS 256             /* tlb hash buckets and per-VIF buckets */
#define BONDD_DEVICE_SLOT BONDD_MAX_MEMBERS /* the bond device's AF_XDP socket */
#define BONDD_MAX_VLANS 64            /* VLAN devices per bond (VLANSpec.maxCount) */
#define BONDD_VLAN_SLOT_BASE (BONDD_DEVICE_SLOT + 1) /* VLAN devices' AF_XDP sockets */
#define BONDD_MAX_SLOTS (BONDD_VLAN_SLOT_BASE + BONDD_MAX_VLANS)

/* skb->cb[0] of a frame a tc program redirected out of a member or the bond device's
 * engine end, with the target's ifindex in cb[1]: the stack bypass's drop filter there
 * lets it through. Not skb->mark, which is the host's: the kernel's bond hands a frame
 * to its slave with its mark (SO_MARK, a firewall's), which a member's qdisc or
 * filters may shape by. tc's cb survives a redirect to another device's egress. */
#define BONDD_TC_TAG 0xB0DD7C00u

/* xmit_hash_policy values (the kernel's) that the fast path computes; frames of
 * other policies go up. */
enum bondd_xdp_hash {
	BONDD_XDP_HASH_LAYER2 = 0,
	BONDD_XDP_HASH_LAYER34 = 1,
	BONDD_XDP_HASH_LAYER23 = 2,
};

/* Written whole by the control plane on every state change (entries used in turn:
 * maps.h). */
struct bondd_xdp_config {
	__u32 mode;
	__u32 active;                     /* member slot, or BONDD_NO_MEMBER */
	__u32 usable_count;
	__u32 all_members_active;         /* all_slaves_active: backups deliver too */
	__u32 packets_per_member;         /* balance-rr; 0: random */
	__u32 hash_policy;                /* balance-xor */
	__u32 receiving;                  /* bit per slot: its frames may reach the bond */
	__u32 draining;                   /* slot whose unicast is still taken, or BONDD_NO_MEMBER */
	__u32 own_macs;                   /* members carry MACs of their own: rewrite to the bond's */
	__u32 usable_mask;                /* bit per slot: may transmit */
	__u32 tlb_dynamic;                /* tlb_dynamic_lb: buckets, else hash modulo members */
	__u32 max_frame;                  /* MTU + Ethernet header: longer frames go to tc or up */
	__u32 stamp_receive;              /* the ARP/NS monitor runs: note when members receive */
	__u32 super_frames_in_tc;         /* the tc programs carry super-frames (tc_path.h) */
	__u32 tc_members;                 /* bit per slot: bondd_tc_rx and the socket filter are on it */
	__u32 tc_receivers;               /* bit per slot (of tc_members): no XDP program; tc decides all it receives */
	__u32 tc_tcp_only;                /* the engine decides the rest: tc carries TCP alone (afpacket, afxdp) */
	__u32 generation;                 /* one more at each write: tells an entry rewritten since it was read */
	__u8 bond_mac[6];
	__u8 padding[2];
	__u32 usable[BONDD_MAX_MEMBERS];  /* member slots that may transmit, in order */
};

#define BONDD_NO_MEMBER 0xFFFFFFFFu

/* Per-CPU counters of what the fast path did. */
struct bondd_xdp_counters {
	__u64 redirected;
	__u64 passed;
	__u64 dropped;
};

/* Per member slot and CPU: what the fast path moved for it. */
/* What the fast path moved for one VLAN device: rx delivered to it, tx sent from it. */
struct bondd_xdp_vlan_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 tx_packets;
	__u64 tx_bytes;
};

struct bondd_xdp_member_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 rx_dropped;
	__u64 tx_packets;
	__u64 tx_bytes;
	__u64 last_rx_ns;                 /* CLOCK_MONOTONIC of the last frame received */
};

#endif
