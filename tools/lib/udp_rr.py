#!/usr/bin/env python3
"""UDP request/response latency, one request in flight at a time (as netperf UDP_RR).

server ADDR PORT SECONDS     echoes every datagram back to its sender for SECONDS
client HOST PORT COUNT       sends COUNT requests, each after the previous answer; prints
                             "p50 P p90 P p99 P max M lost L" in microseconds
percentiles                  reads ping's output on stdin; prints the same line from its
                             "time=" fields (lost: requests without a reply)
"""
import re
import socket
import sys
import time


def summary(samples_us, lost):
    if not samples_us:
        return f"p50 - p90 - p99 - max - lost {lost}"
    s = sorted(samples_us)

    def pct(p):
        return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]

    return f"p50 {pct(50):.1f} p90 {pct(90):.1f} p99 {pct(99):.1f} max {s[-1]:.1f} lost {lost}"


def server(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        s.sendto(data, peer)


def client(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(1.0)
    samples, lost = [], 0
    # A few requests first: ARP and the caches are warm before anything is timed.
    for seq in range(-20, count):
        payload = seq.to_bytes(8, "big", signed=True)
        t0 = time.perf_counter_ns()
        s.send(payload)
        try:
            while s.recv(64) != payload:
                pass
        except socket.timeout:
            lost += seq >= 0
            continue
        if seq >= 0:
            samples.append((time.perf_counter_ns() - t0) / 1000)
    print(summary(samples, lost))


def percentiles():
    text = sys.stdin.read()
    samples = [float(m) * 1000 for m in re.findall(r"time=([0-9.]+) ms", text)]
    sent = re.search(r"(\d+) packets transmitted", text)
    lost = int(sent.group(1)) - len(samples) if sent else 0
    print(summary(samples, lost))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "percentiles":
        percentiles()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
