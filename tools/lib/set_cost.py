#!/usr/bin/env python3
"""What a `bondctl set` costs as the bond's history grows.

set_cost.py SOCKET N   sends N set requests (downdelay alternating 0/100) straight to
                       the control socket and prints the median round trip, in ms, of
                       the first and the last 500, and their ratio.
"""
import json
import socket
import statistics
import sys
import time


def request(path, body):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall((json.dumps(body) + "\n").encode())
    reply = s.makefile().readline()
    s.close()
    return json.loads(reply)


def main(path, n):
    times = []
    for i in range(n):
        t = time.perf_counter()
        r = request(path, {"command": "set", "options": [f"downdelay={100 * (i % 2)}"]})
        times.append((time.perf_counter() - t) * 1000)
        if not r.get("ok"):
            sys.exit(f"set {i}: {r.get('error')}")
    first, last = statistics.median(times[:500]), statistics.median(times[-500:])
    print(f"sets {n}: first 500 median {first:.2f} ms, last 500 median {last:.2f} ms, ratio {last / first:.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    main(sys.argv[1], int(sys.argv[2]))
