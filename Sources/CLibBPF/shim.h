#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <linux/types.h>

// The layouts the XDP programs and the Swift side share: one definition, in bpf/.
#include "../../bpf/bond_xdp.h"

// libbpf's option structs must be declared with DECLARE_LIBBPF_OPTS so that their
// size field and padding are exactly what the library checks; Swift cannot
// guarantee zeroed padding, so these wrappers build them in C.

static inline int bondd_tc_hook_create(int ifindex) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    return bpf_tc_hook_create(&hook);
}

static inline int bondd_tc_hook_destroy(int ifindex) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                        .attach_point = (enum bpf_tc_attach_point)(BPF_TC_INGRESS | BPF_TC_EGRESS));
    return bpf_tc_hook_destroy(&hook);
}

static inline int bondd_tc_attach(int ifindex, int egress, int prog_fd, __u32 handle, __u32 priority) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                        .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = handle, .priority = priority);
    return bpf_tc_attach(&hook, &opts);
}

static inline int bondd_tc_detach(int ifindex, int egress, __u32 handle, __u32 priority) {
    DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
                        .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
    return bpf_tc_detach(&hook, &opts);
}

// Runs an XDP program once on `data` (BPF_PROG_TEST_RUN), as if it arrived on
// `ingress_ifindex`; returns 0 and the program's verdict in `retval`, or -errno. The
// frame as the program left it is copied to `out` (`out_size` bytes at most) and its
// length stored in `out_length`.
static inline int bondd_xdp_test_run(int prog_fd, const void *data, __u32 size, __u32 ingress_ifindex, __u32 *retval,
                                     void *out, __u32 out_size, __u32 *out_length) {
    struct xdp_md ctx = { .data_end = size, .ingress_ifindex = ingress_ifindex };
    DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size,
                        .data_out = out, .data_size_out = out_size,
                        .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1);
    int r = bpf_prog_test_run_opts(prog_fd, &opts);
    *retval = opts.retval;
    *out_length = opts.data_size_out;
    return r;
}

// An array of maps with one slot, of array maps like `inner_fd`: replacing its entry
// makes the kernel wait out an RCU grace period (GracePeriods.swift). Returns the
// map's descriptor or -errno.
static inline int bondd_map_of_maps_create(int inner_fd) {
    DECLARE_LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = (__u32)inner_fd);
    return bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "bondd_grace", 4, 4, 1, &opts);
}

// Whether an interface runs any XDP program, in any mode (with programs in two modes
// at once, the single prog_id is 0).
static inline int bondd_xdp_attached(int ifindex) {
    DECLARE_LIBBPF_OPTS(bpf_xdp_query_opts, opts);
    if (bpf_xdp_query(ifindex, 0, &opts) != 0) return 0;
    return opts.prog_id || opts.drv_prog_id || opts.skb_prog_id || opts.hw_prog_id;
}

// What a tc program or socket filter is run on once (BPF_PROG_TEST_RUN), and what it
// left: the skb's ifindex, mark and control block (cb: the tag of a redirect, the socket
// filter's word); a GSO frame of `gso_size` when not 0; the frame
// as the program left it in `out` (`out_size` bytes at most; then its length).
struct bondd_skb_run {
    __u32 ifindex, gso_size, mark;
    __u32 cb[5];
    __u32 retval;
    void *out;
    __u32 out_size;
};

// Runs the program on `data` from `run` and writes back what it returned and left in
// the skb; returns 0 or -errno.
static inline int bondd_skb_test_run(int prog_fd, const void *data, __u32 size, struct bondd_skb_run *run) {
    struct __sk_buff ctx = { .ifindex = run->ifindex, .mark = run->mark, .gso_size = run->gso_size,
                             .gso_segs = run->gso_size ? 2 : 0 };
    for (int i = 0; i < 5; i++) ctx.cb[i] = run->cb[i];
    struct __sk_buff out = ctx;
    DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = size,
                        .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .ctx_out = &out, .ctx_size_out = sizeof out,
                        .data_out = run->out, .data_size_out = run->out_size, .repeat = 1);
    int r = bpf_prog_test_run_opts(prog_fd, &opts);
    run->out_size = opts.data_size_out;
    run->retval = opts.retval;
    run->mark = out.mark;
    for (int i = 0; i < 5; i++) run->cb[i] = out.cb[i];
    return r;
}

// libbpf's messages, formatted here (Swift cannot take a va_list) and handed to one
// sink, so that they reach bondd's log with its levels instead of raw stderr.
typedef void (*bondd_libbpf_sink)(int level, const char *line);

// A function-local static: a header's file-scope static is not emitted for Swift.
static inline bondd_libbpf_sink *bondd_libbpf_sink_slot(void) {
    static bondd_libbpf_sink sink;
    return &sink;
}

static inline int bondd_libbpf_print(enum libbpf_print_level level, const char *format, va_list args) {
    char line[1024];
    vsnprintf(line, sizeof line, format, args);
    bondd_libbpf_sink sink = *bondd_libbpf_sink_slot();
    if (sink) sink((int)level, line);
    return 0;
}

static inline void bondd_libbpf_route(bondd_libbpf_sink sink) {
    *bondd_libbpf_sink_slot() = sink;
    libbpf_set_print(bondd_libbpf_print);
}
