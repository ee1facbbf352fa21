/* What the bond takes of the frames its members receive, for bondd_rx (XDP) and
 * bondd_tc_rx (tc, super-frames) alike. */
#ifndef BONDD_ADMISSION_H
#define BONDD_ADMISSION_H

#include "fast_path_maps.h"
#include "classify.h"

/* Whether the bond takes a frame member `slot` received (untagged, or for the VLAN
 * device `vlan`): members disabled by hand, the mode's rules for backups and for
 * multicast, and our own frames flooded back by the switch (tlb, alb, slb). */
static __always_inline int admits(struct bondd_xdp_config *cfg, __u32 slot, struct ethhdr *eth, __u16 vlan)
{
	int unicast = !(eth->h_dest[0] & 1);
	int active = slot == cfg->active;
	if (!((cfg->receiving >> slot) & 1))
		return 0;
	switch (cfg->mode) {
	case BONDD_XDP_MODE_ACTIVE_BACKUP:
		if (!(active || cfg->all_members_active || (slot == cfg->draining && unicast)))
			return 0;
		break;
	case BONDD_XDP_MODE_TLB:
		if (!active && (!unicast || is_bond_mac(eth->h_dest, cfg->bond_mac)) && !cfg->all_members_active)
			return 0;
		break;
	case BONDD_XDP_MODE_ALB:
		if (!unicast && !active && !cfg->all_members_active)
			return 0;
		break;
	case BONDD_XDP_MODE_SLB:
		if (!unicast && !active)
			return 0;
		break;
	}
	if (cfg->mode >= BONDD_XDP_MODE_TLB) {
		__u64 key = mac_key(eth->h_source) | (__u64)vlan << 48;
		if (bpf_map_lookup_elem(&bondd_vifs, &key))
			return 0;
	}
	return 1;
}

/* Peers taught a member's own MAC address frames to it: the bond device takes only its
 * own, so such a frame must get the bond's MAC as destination. Whether it must; the
 * caller writes it (XDP directly, tc with a helper: see choose_member). */
static __always_inline int needs_bond_mac(struct bondd_xdp_config *cfg, struct ethhdr *eth)
{
	if (!cfg->own_macs || (eth->h_dest[0] & 1) || is_bond_mac(eth->h_dest, cfg->bond_mac))
		return 0;
	__u64 key = mac_key(eth->h_dest);
	return bpf_map_lookup_elem(&bondd_mac_slots, &key) != NULL;
}

#endif
