// The raw limit for the benchmarks: every frame redirected to one interface, with no
// decision at all (what xdp-bench redirect measures). OUT_IFINDEX is given at compile
// time by tools/bench-backends.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int raw_redirect(struct xdp_md *ctx)
{
	return bpf_redirect(OUT_IFINDEX, 0);
}

char LICENSE[] SEC("license") = "GPL";
