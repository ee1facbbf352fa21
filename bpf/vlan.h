/* The bond's VLAN devices in the fast path: bondd_rx takes the tag off a frame for
 * one and redirects it to that device's engine end; bondd_tx, on that engine end, puts
 * the tag on what the host sent there once the mode has chosen the member. Tags are
 * pushed and popped in place (bpf_xdp_adjust_head): the MACs slide by 4 bytes. */
#ifndef BONDD_VLAN_H
#define BONDD_VLAN_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bond_xdp.h"

/* VID -> the engine end of its VLAN device, for redirects. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} bondd_vlan_devices SEC(".maps");

/* VID -> its device's engine end (ifindex) while the bond has one, 0 otherwise: XDP
 * reads presence here (a devmap is not read by programs), tc redirects here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} bondd_vlans SEC(".maps");

/* A VLAN device's engine end (ifindex) -> its VID: bondd_tx tags what arrives there. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_VLANS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_vlan_of SEC(".maps");

/* Per VID, what the programs moved for its device (bondctl show adds the engine's). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct bondd_xdp_vlan_stats);
} bondd_vlan_stats SEC(".maps");

static __always_inline void count_vlan(__u32 vid, __u64 length, int received)
{
	struct bondd_xdp_vlan_stats *s = bpf_map_lookup_elem(&bondd_vlan_stats, &vid);
	if (!s)
		return;
	if (received) {
		s->rx_packets++;
		s->rx_bytes += length;
	} else {
		s->tx_packets++;
		s->tx_bytes += length;
	}
}

/* The 802.1Q tag's TCI of a frame for one of the bond's VLAN devices; 0 otherwise. */
static __always_inline __u16 tag_for_a_device(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) + 4 > end || eth->h_proto != bpf_htons(ETH_P_8021Q))
		return 0;
	__u16 tci = bpf_ntohs(*(__be16 *)(eth + 1));
	__u32 vid = tci & 0x0fff;
	__u32 *present = bpf_map_lookup_elem(&bondd_vlans, &vid);
	return vid && present && *present ? tci : 0;
}

/* Puts an 802.1Q tag with `tci` between the MACs and the type; 0 on success. Every
 * pointer into the frame is stale afterwards. */
static __always_inline int push_tag(struct xdp_md *ctx, __u16 tci)
{
	if (bpf_xdp_adjust_head(ctx, -4))
		return -1;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 18 > end)
		return -1;
	__u8 macs[12];
	__builtin_memcpy(macs, data + 4, 12);
	__builtin_memcpy(data, macs, 12);
	*(__be16 *)(data + 12) = bpf_htons(ETH_P_8021Q);
	*(__be16 *)(data + 14) = bpf_htons(tci);
	return 0;
}

/* Takes the outermost tag off; 0 on success (pointers are stale afterwards). */
static __always_inline int pop_tag(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	if (data + 18 > end)
		return -1;
	__u8 macs[12];
	__builtin_memcpy(macs, data, 12);
	__builtin_memcpy(data + 4, macs, 12);
	return bpf_xdp_adjust_head(ctx, 4);
}

#endif
