/* balance-tlb/alb hash buckets and per-VIF buckets (tlb, alb, slb): which member a
 * frame leaves on, from the maps the engine places. */
#ifndef BONDD_BUCKETS_H
#define BONDD_BUCKETS_H

#include "fast_path_maps.h"
#include "classify.h"
#include "hash.h"

static __always_inline int usable(struct bondd_xdp_config *cfg, __u32 slot)
{
	return slot < BONDD_MAX_MEMBERS && ((cfg->usable_mask >> slot) & 1);
}

static __always_inline void add_bytes(void *map, __u32 bucket, __u64 length)
{
	__u64 *v = bpf_map_lookup_elem(map, &bucket);
	if (v)
		*v += length;
}

/* The buckets whose bytes a frame adds to (BONDD_BUCKETS: none), counted by the
 * caller once the frame is on its way to its member (bill_buckets): a frame left to
 * the engine after all (no headroom for its tag) is counted there, by the engine, and
 * one dropped (its source MAC not written, its member gone) weighs on no member. */
struct bucket_bill {
	__u32 tlb;
	__u32 vif;
};

static __always_inline void no_bill(struct bucket_bill *b)
{
	b->tlb = BONDD_BUCKETS;
	b->vif = BONDD_BUCKETS;
}

static __always_inline void bill_buckets(struct bucket_bill *b, __u64 length)
{
	if (b->tlb < BONDD_BUCKETS)
		add_bytes(&bondd_tlb_bytes, b->tlb, length);
	if (b->vif < BONDD_BUCKETS)
		add_bytes(&bondd_vif_bytes, b->vif, length);
}

/* The member of a host-side source MAC's per-VIF bucket, per VLAN as the engine keys
 * them (MAC | VID << 48; `vlan` 0 untagged); -1: the engine learns the MAC or places
 * the bucket. Frames come here untagged, their VLAN device's VID beside them. */
static __always_inline int vif_member(struct ethhdr *eth, struct bondd_xdp_config *cfg, __u16 vlan, __u32 *slot,
				      struct bucket_bill *bill)
{
	__u64 key = mac_key(eth->h_source) | (__u64)vlan << 48;
	__u32 *b = bpf_map_lookup_elem(&bondd_vifs, &key);
	if (!b)
		return -1;
	__u32 bucket = *b & (BONDD_BUCKETS - 1);
	__u32 *m = bpf_map_lookup_elem(&bondd_vif_buckets, &bucket);
	if (!m || !usable(cfg, *m))
		return -1;
	bill->vif = bucket;
	*slot = *m;
	return 0;
}

/* balance-tlb and balance-alb, as the engine's TransmitLoadBalancingMode: bridged
 * guests per VIF; the bond's own unicast IP by hash bucket (or hash modulo members
 * without tlb_dynamic_lb); everything else on the active member. A frame that leaves
 * on another member than the active one carries that member's MAC as source.
 * Returns the member slot, TLB_PASS (the engine decides) or TLB_DROP (no member). */
#define TLB_PASS (-1)
#define TLB_DROP (-2)
static __always_inline long tlb_member(struct ethhdr *eth, void *end, struct bondd_xdp_config *cfg, __u16 vlan, __u32 n,
					__u64 *source, struct bucket_bill *bill)
{
	__u32 slot;
	if (!is_bond_mac(eth->h_source, cfg->bond_mac))
		return vif_member(eth, cfg, vlan, &slot, bill) ? TLB_PASS : (long)slot;
	__u32 chosen = cfg->active;
	int ip = eth->h_proto == bpf_htons(ETH_P_IP) || eth->h_proto == bpf_htons(ETH_P_IPV6);
	if (ip && !(eth->h_dest[0] & 1)) {
		__u32 h;
		if (flow_hash(eth, end, cfg->hash_policy, &h))
			return TLB_PASS;
		if (cfg->tlb_dynamic) {
			__u32 bucket = h & (BONDD_BUCKETS - 1);
			__u32 *m = bpf_map_lookup_elem(&bondd_tlb_buckets, &bucket);
			if (!m)
				return TLB_PASS;
			chosen = *m;
			if (!usable(cfg, chosen))
				return TLB_PASS;
			bill->tlb = bucket;
		} else {
			__u32 index = h % n;
			/* The verifier loses the bound across the division (see bondd_tx). */
			asm volatile("" : "+r"(index));
			index &= BONDD_MAX_MEMBERS - 1;
			chosen = cfg->usable[index];
		}
	}
	if (chosen >= BONDD_MAX_MEMBERS)
		return TLB_DROP;
	if (chosen != cfg->active) {
		/* 0: not known yet (an array entry is always there). Leaving with the bond's
		 * MAC would move it to that member's switch port. */
		__u64 *mac = bpf_map_lookup_elem(&bondd_member_macs, &chosen);
		if (!mac || !*mac)
			return TLB_PASS;
		*source = *mac;
	}
	return chosen;
}

/* The source MAC tlb_member chose, as the frame's bytes. */
static __always_inline void mac_bytes(__u64 v, __u8 out[6])
{
	out[0] = v >> 40;
	out[1] = v >> 32;
	out[2] = v >> 24;
	out[3] = v >> 16;
	out[4] = v >> 8;
	out[5] = v;
}

#endif
