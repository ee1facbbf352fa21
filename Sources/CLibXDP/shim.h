#include <xdp/xsk.h>
#include <linux/if_xdp.h>
#include <sys/socket.h>
#include <errno.h>

// libxdp's configuration structs carry a union and must be zeroed where unused; these
// wrappers build them in C. Every socket binds queue 0 with need_wakeup, and loads no
// program of libxdp's own: bondd steers frames into its sockets with its own program.

static inline int bondd_xsk_umem_create(struct xsk_umem **umem, void *area, __u64 size,
                                        struct xsk_ring_prod *fill, struct xsk_ring_cons *comp,
                                        __u32 frame_size, __u32 ring_size) {
    struct xsk_umem_config config = {
        .fill_size = ring_size, .comp_size = ring_size, .frame_size = frame_size,
        .frame_headroom = 0, .flags = 0,
    };
    return xsk_umem__create(umem, area, size, fill, comp, &config);
}

// `copy`: force copy mode (XDP_COPY); otherwise the kernel picks zero-copy where the
// driver has it.
static inline int bondd_xsk_socket_create(struct xsk_socket **xsk, const char *ifname, struct xsk_umem *umem,
                                          struct xsk_ring_cons *rx, struct xsk_ring_prod *tx,
                                          struct xsk_ring_prod *fill, struct xsk_ring_cons *comp,
                                          __u32 ring_size, int copy) {
    struct xsk_socket_config config = {
        .rx_size = ring_size, .tx_size = ring_size,
        .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD, .xdp_flags = 0,
        .bind_flags = XDP_USE_NEED_WAKEUP | (copy ? XDP_COPY : 0),
    };
    return xsk_socket__create_shared(xsk, ifname, 0, umem, rx, tx, fill, comp, &config);
}

// Wakes the kernel to receive into the fill ring (needed when it asks, need_wakeup).
static inline void bondd_xsk_wake_receive(int fd) {
    recvfrom(fd, 0, 0, MSG_DONTWAIT, 0, 0);
}

// Kicks the kernel to send what the TX ring holds (needed when it asks, need_wakeup).
// - Returns: 1 when frames are left in the ring (EAGAIN: in copy mode one call sends at
//   most the kernel's TX budget, 32 frames by default), 0 when done or the device is
//   busy or down, -errno otherwise.
static inline int bondd_xsk_kick(int fd) {
    if (sendto(fd, 0, 0, MSG_DONTWAIT, 0, 0) >= 0) return 0;
    if (errno == EAGAIN) return 1;
    return (errno == EBUSY || errno == ENOBUFS || errno == ENETDOWN) ? 0 : -errno;
}

// The socket's own counters (XDP_STATISTICS), cumulative for its lifetime. Kernels
// before 5.9 fill only the first three fields, with a full RX ring counted in
// rx_dropped; the rest stay 0.
// - Returns: 0, or -errno.
static inline int bondd_xsk_statistics(int fd, struct xdp_statistics *out) {
    socklen_t len = sizeof(*out);
    __builtin_memset(out, 0, sizeof(*out));
    if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, out, &len) < 0) return -errno;
    return 0;
}
