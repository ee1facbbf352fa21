// An access port of a VLAN-aware switch, for testbeds on kernels without bridge VLAN
// filtering: on the switch's port towards an untagged client, frames from the client
// get tag VID (ingress), and only frames of VID leave towards it, untagged (egress).
// tools/testbed compiles it once per VID (-DVID=N) and attaches it with tc.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef VID
#error "compile with -DVID=N"
#endif

SEC("tc/ingress")
int access_ingress(struct __sk_buff *skb)
{
	if (skb->vlan_present)
		return TC_ACT_SHOT; /* an access port takes untagged frames only */
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), VID) != 0)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc/egress")
int access_egress(struct __sk_buff *skb)
{
	if (skb->vlan_present) {
		if ((skb->vlan_tci & 0x0fff) != VID || skb->vlan_proto != bpf_htons(ETH_P_8021Q))
			return TC_ACT_SHOT;
	} else {
		/* A tag still in the frame's bytes. */
		void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
		struct ethhdr *eth = data;
		if ((void *)(eth + 1) + 4 > end || eth->h_proto != bpf_htons(ETH_P_8021Q))
			return TC_ACT_SHOT;
		__be16 tci = *(__be16 *)(eth + 1);
		if ((bpf_ntohs(tci) & 0x0fff) != VID)
			return TC_ACT_SHOT;
	}
	return bpf_skb_vlan_pop(skb) == 0 ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
