#!/usr/bin/env python3
"""Paced UDP sender and counting receiver for failover measurements.

send HOST PORT PPS SECONDS [SPORT]
                             sends sequence-numbered datagrams at PPS for SECONDS
                             (from source port SPORT: one flow a bond hashes alike)
recv ADDR PORT SECONDS       counts them; prints "received N max_gap G" (G in frames)
"""
import socket
import struct
import sys
import time


def send(host, port, pps, seconds, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", sport))
    interval = 1.0 / pps
    total = int(pps * seconds)
    start = time.perf_counter()
    for seq in range(total):
        target = start + seq * interval
        while True:
            now = time.perf_counter()
            if now >= target:
                break
            if target - now > 0.002:
                time.sleep(target - now - 0.001)
        try:
            s.sendto(struct.pack("!Q", seq) + b"\0" * 10, (host, port))
        except OSError:
            pass  # no route for a moment counts as loss
    print(f"sent {total}")


def recv(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, port))
    s.settimeout(0.2)
    deadline = time.monotonic() + seconds
    seen = 0
    last = -1
    max_gap = 0
    while time.monotonic() < deadline:
        try:
            data = s.recv(64)
        except socket.timeout:
            continue
        seq = struct.unpack("!Q", data[:8])[0]
        seen += 1
        if seq > last:
            max_gap = max(max_gap, seq - last - 1)
            last = seq
    print(f"received {seen} max_gap {max_gap}")


if __name__ == "__main__":
    if len(sys.argv) in (6, 7) and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]) if len(sys.argv) == 7 else 0)
    elif len(sys.argv) == 5 and sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
