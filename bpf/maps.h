/* The maps every program of bondd has: the configuration, interface -> slot, and
 * the TCP flows whose frames go up to the engine for a while. Each object that
 * includes this has its own instances. */
#ifndef BONDD_MAPS_H
#define BONDD_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bond_xdp.h"

/* Entries used in turn, one at a time (bondd_config_current; 0 until written). The
 * control plane writes the next whole, then points bondd_config_current at it, and
 * writes an entry left again only once an RCU grace period has ended since
 * (ConfigurationEntries.swift): an array entry is copied in place, so a frame decided
 * while its entry is written could otherwise see part of one configuration and part
 * of another. Four entries let three changes come within a grace period unwaited. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BONDD_CONFIG_ENTRIES);
	__type(key, __u32);
	__type(value, struct bondd_xdp_config);
} bondd_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bondd_config_current SEC(".maps");

/* Which entry is in use. */
static __always_inline __u32 current_config_index(void)
{
	__u32 zero = 0;
	__u32 *current = bpf_map_lookup_elem(&bondd_config_current, &zero);
	return current ? *current & (BONDD_CONFIG_ENTRIES - 1) : 0;
}

static __always_inline struct bondd_xdp_config *config_at(__u32 index)
{
	index &= BONDD_CONFIG_ENTRIES - 1;
	return bpf_map_lookup_elem(&bondd_config, &index);
}

static __always_inline struct bondd_xdp_config *current_config(void)
{
	return config_at(current_config_index());
}

/* Member ifindex -> member slot, for frames arriving on members (and, for the
 * AF_XDP backend, the bond device's engine end -> BONDD_DEVICE_SLOT, VLAN devices'
 * engine ends -> their slots from BONDD_VLAN_SLOT_BASE). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BONDD_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} bondd_slots SEC(".maps");

/* TCP flows that sent a super-frame (GSO, GRO) lately, with when: their frames all
 * go up to the engine for a while, so that a flow never takes two paths at once and
 * its segments stay in order. */
struct bondd_flow {
	__u32 source;                     /* IPv4 address, or the IPv6 address folded */
	__u32 destination;
	__u32 ports;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct bondd_flow);
	__type(value, __u64);
} bondd_offload_flows SEC(".maps");

#define BONDD_OFFLOAD_HOLD_NS 1000000000ull

#endif
