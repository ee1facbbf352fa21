/* Shared between the XDP programs and the Swift control plane that fills the maps:
 * keep the layouts in step with PacketIO/XDPBondMaps.swift. */
#ifndef BONDD_BOND_XDP_H
#define BONDD_BOND_XDP_H

#define BONDD_MAX_MEMBERS 32 /* a power of two: indices are masked with it */

/* Modes the fast path decides itself; everything else goes up to the engine. */
enum bondd_xdp_mode {
	BONDD_XDP_MODE_NONE = 0,          /* pass every frame up (the engine decides) */
	BONDD_XDP_MODE_ROUND_ROBIN = 1,
	BONDD_XDP_MODE_ACTIVE_BACKUP = 2,
	BONDD_XDP_MODE_XOR_LAYER2 = 3,
};

/* One entry, swapped whole by the control plane on every state change. */
struct bondd_xdp_config {
	__u32 mode;
	__u32 active;                     /* member slot, or BONDD_NO_MEMBER */
	__u32 usable_count;
	__u32 all_members_active;         /* all_slaves_active: backups deliver too */
	__u32 packets_per_member;         /* balance-rr; 0: random */
	__u32 usable[BONDD_MAX_MEMBERS];  /* member slots that may transmit, in order */
};

#define BONDD_NO_MEMBER 0xFFFFFFFFu

/* Per-CPU counters of what the fast path did. */
struct bondd_xdp_counters {
	__u64 redirected;
	__u64 passed;
	__u64 dropped;
};

#endif
