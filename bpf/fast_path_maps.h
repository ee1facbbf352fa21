/* The XDP fast path's own maps (bondd_tx, bondd_rx): members and the bond device for
 * redirects, MACs, hash and per-VIF buckets with their byte counts, and counters. */
#ifndef BONDD_FAST_PATH_MAPS_H
#define BONDD_FAST_PATH_MAPS_H

#include "maps.h"

/* Member slot -> member ifindex, for redirects to members. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_members SEC(".maps");

/* The usable members only: broadcast mode sends to every entry. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_broadcast SEC(".maps");

/* Key 0: the engine's end of the bond device, for redirects to the host. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_device SEC(".maps");

/* Member slot -> ifindex, and BONDD_DEVICE_SLOT -> the bond device's engine end,
 * for the tc programs' redirects (a devmap serves XDP's only); 0: none. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_DEVICE_SLOT + 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_ifindexes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_rr_counter SEC(".maps");

/* Member slot -> the MAC it carries (low 6 bytes), for frames that leave on a member
 * with its own MAC as source (tlb, alb). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_member_macs SEC(".maps");

/* A member's own MAC -> its slot: frames peers address to it are the bond's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u64);
	__type(value, __u32);
} bondd_mac_slots SEC(".maps");

/* tlb hash bucket -> member slot (BONDD_NO_MEMBER: unplaced, the engine places it),
 * and the bytes each bucket sent, which the engine folds into its load figures. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_tlb_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_tlb_bytes SEC(".maps");

/* Host-side source MACs (MAC | VLAN << 48) -> per-VIF bucket, bucket -> member slot,
 * and bytes per bucket. A MAC not in the table goes up for the engine to learn. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} bondd_vifs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_vif_buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} bondd_vif_bytes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bondd_xdp_counters);
} bondd_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BONDD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, struct bondd_xdp_member_stats);
} bondd_member_stats SEC(".maps");

/* What a program (XDP or tc) did with a frame. */
enum bondd_outcome { BONDD_REDIRECTED, BONDD_PASSED, BONDD_DROPPED };

static __always_inline void count_outcome(enum bondd_outcome outcome)
{
	__u32 zero = 0;
	struct bondd_xdp_counters *c = bpf_map_lookup_elem(&bondd_counters, &zero);
	if (!c)
		return;
	if (outcome == BONDD_REDIRECTED)
		c->redirected++;
	else if (outcome == BONDD_PASSED)
		c->passed++;
	else
		c->dropped++;
}

/* Counts an XDP verdict, and returns it. */
static __always_inline int count(int action)
{
	count_outcome(action == XDP_REDIRECT ? BONDD_REDIRECTED : action == XDP_PASS ? BONDD_PASSED : BONDD_DROPPED);
	return action;
}

static __always_inline struct bondd_xdp_member_stats *member_stats(__u32 slot)
{
	return bpf_map_lookup_elem(&bondd_member_stats, &slot);
}

#endif
