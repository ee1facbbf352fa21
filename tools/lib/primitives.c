// What this machine charges for the two kernel primitives an engine in user space adds
// to a frame's path, for tools/bench-primitives:
//
//   primitives wakeup CPU-A CPU-B ROUNDS GAP-US
//       A thread on CPU-A wakes a thread on CPU-B (an eventfd) and waits to be woken
//       back, ROUNDS times, GAP-US µs apart (so that, as between pings, both may go
//       idle). Prints the round trip's percentiles in µs:
//       "p50 X p90 X p99 X max X".
//   primitives send IFNAME sendmmsg|ring FRAMES SIZE
//       Sends FRAMES frames of SIZE bytes on IFNAME from an AF_PACKET socket set up as
//       bondd's (PACKET_VNET_HDR, TPACKET_V2, PACKET_QDISC_BYPASS), in batches of 32:
//       by sendmmsg, as bondd does, or through a PACKET_TX_RING and one send() per
//       batch. Prints "ns_per_frame N": the thread's CPU time per frame, which
//       includes the kernel's work on the frame in the sending thread (on a veth, the
//       peer's receive).
//
// Built by tools/bench-primitives with cc -O2 -pthread.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// Sends refused this many times in a run (a device that drops everything) end it.
enum { GIVE_UP = 1000000 };
enum { BATCH = 32, RING_FRAMES = 256, RING_FRAME_SIZE = 2048, RING_BLOCK_SIZE = 1 << 16 };

static void die(const char *what) {
    if (errno) perror(what);
    else fprintf(stderr, "primitives: %s\n", what);
    exit(1);
}

static uint64_t clock_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

// --- wakeup ---------------------------------------------------------------------------

static int to_b, to_a;
static int b_cpu;

static void *answerer(void *unused) {
    (void)unused;
    pin(b_cpu);
    uint64_t v;
    for (;;) {
        if (read(to_b, &v, sizeof v) != sizeof v) die("read");
        if (v > 1) return NULL;  // the end
        v = 1;
        if (write(to_a, &v, sizeof v) != sizeof v) die("write");
    }
}

static int compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int wakeup(int a_cpu, int rounds, long gap_us) {
    to_b = eventfd(0, EFD_CLOEXEC);
    to_a = eventfd(0, EFD_CLOEXEC);
    if (to_b < 0 || to_a < 0) die("eventfd");
    pthread_t b;
    if (pthread_create(&b, NULL, answerer, NULL) != 0) die("pthread_create");
    pin(a_cpu);
    uint64_t *times = calloc((size_t)rounds, sizeof *times);
    if (!times) die("calloc");
    struct timespec gap = {gap_us / 1000000, (gap_us % 1000000) * 1000};
    uint64_t v;
    // A few untimed rounds: the threads placed, their stacks touched.
    for (int i = -20; i < rounds; i++) {
        nanosleep(&gap, NULL);
        uint64_t start = clock_ns(CLOCK_MONOTONIC);
        v = 1;
        if (write(to_b, &v, sizeof v) != sizeof v) die("write");
        if (read(to_a, &v, sizeof v) != sizeof v) die("read");
        if (i >= 0) times[i] = clock_ns(CLOCK_MONOTONIC) - start;
    }
    v = 2;
    if (write(to_b, &v, sizeof v) != sizeof v) die("write");
    pthread_join(b, NULL);
    qsort(times, (size_t)rounds, sizeof *times, compare);
#define AT(q) (times[(size_t)((rounds - 1) * (q))] / 1000.0)
    printf("p50 %.1f p90 %.1f p99 %.1f max %.1f\n", AT(0.5), AT(0.9), AT(0.99), AT(1.0));
    return 0;
}

// --- send -----------------------------------------------------------------------------

static int packet_socket(const char *ifname, int ring, char **map) {
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) die("socket");
    int one = 1, version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) != 0) die("PACKET_VNET_HDR");
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) die("PACKET_VERSION");
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) die("PACKET_QDISC_BYPASS");
    if (ring) {
        struct tpacket_req r = {
            .tp_block_size = RING_BLOCK_SIZE,
            .tp_frame_size = RING_FRAME_SIZE,
            .tp_block_nr = RING_FRAMES * RING_FRAME_SIZE / RING_BLOCK_SIZE,
            .tp_frame_nr = RING_FRAMES,
        };
        if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &r, sizeof r) != 0) die("PACKET_TX_RING");
        *map = mmap(NULL, (size_t)r.tp_block_size * r.tp_block_nr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (*map == MAP_FAILED) die("mmap");
    }
    struct sockaddr_ll address = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname)};
    if (address.sll_ifindex == 0) die(ifname);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) die("bind");
    return fd;
}

static int send_frames(const char *ifname, int ring, long frames, int size) {
    char *map = NULL;
    int fd = packet_socket(ifname, ring, &map);
    // A virtio-net header (no offload), then a frame to a unicast MAC nobody has, of
    // an experimental EtherType: the peer drops it early, as it would any frame not its.
    unsigned char message[RING_FRAME_SIZE] = {0};
    size_t header = sizeof(struct virtio_net_hdr);
    memcpy(message + header, "\x02\x00\x00\x00\x00\x09\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
    size_t length = header + (size_t)size;
    long sent = 0, busy = 0;
    unsigned next = 0;
    uint64_t start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    if (!ring) {
        struct mmsghdr messages[BATCH];
        struct iovec parts[BATCH];
        memset(messages, 0, sizeof messages);
        for (int i = 0; i < BATCH; i++) {
            parts[i] = (struct iovec){message, length};
            messages[i].msg_hdr.msg_iov = &parts[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        while (sent < frames) {
            int n = sendmmsg(fd, messages, BATCH, MSG_DONTWAIT);
            if (n > 0) sent += n;
            else if ((errno == EAGAIN || errno == ENOBUFS) && ++busy < GIVE_UP) continue;
            else die("sendmmsg");
        }
    } else {
        // The frame is copied into the slot, as an engine would copy it from its
        // receive ring: the kernel then sends from the slot without copying it again.
        size_t at = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
        while (sent < frames) {
            int k = 0;
            for (; k < BATCH; k++) {
                struct tpacket2_hdr *slot = (void *)(map + (size_t)((next + k) % RING_FRAMES) * RING_FRAME_SIZE);
                if (__atomic_load_n(&slot->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) break;
                memcpy((char *)slot + at, message, length);
                slot->tp_len = (unsigned)length;
                __atomic_store_n(&slot->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
            }
            next = (next + (unsigned)k) % RING_FRAMES;
            if (k == 0 && ++busy >= GIVE_UP) {
                errno = 0;
                die("the transmit ring stays full");
            }
            if (send(fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS) die("send");
            sent += k;
        }
    }
    uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - start;
    printf("ns_per_frame %.0f busy %ld\n", (double)cpu / (double)sent, busy);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "wakeup") == 0) {
        b_cpu = atoi(argv[3]);
        return wakeup(atoi(argv[2]), atoi(argv[4]), atol(argv[5]));
    }
    if (argc == 6 && strcmp(argv[1], "send") == 0 && (strcmp(argv[3], "sendmmsg") == 0 || strcmp(argv[3], "ring") == 0)) {
        int size = atoi(argv[5]);
        if (size < 14 || size > RING_FRAME_SIZE - 128) {
            fprintf(stderr, "primitives: SIZE must be 14-%d\n", RING_FRAME_SIZE - 128);
            return 2;
        }
        return send_frames(argv[2], strcmp(argv[3], "ring") == 0, atol(argv[4]), size);
    }
    fprintf(stderr,
            "usage: primitives wakeup CPU-A CPU-B ROUNDS GAP-US\n"
            "       primitives send IFNAME sendmmsg|ring FRAMES SIZE\n");
    return 2;
}
