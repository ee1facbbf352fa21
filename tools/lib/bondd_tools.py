"""Helpers the Python tools share (soak, frame-fuzz, bench-restart): shell commands,
a bond's status straight from its control socket, the monotonic clock, and a
process's memory and descriptors. The shell scripts share tools/lib/common.sh."""
import json
import os
import socket
import subprocess
import time


def sh(cmd, check=True, timeout=60):
    """Runs `cmd` in a shell; a failure raises with its own error line."""
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr.strip() or r.stdout.strip()}")
    return r


def show(bond, socket_path=None, timeout=5):
    """The bond's status from its control socket (a bondctl per call would be slow)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(socket_path or f"/run/bondd/{bond}.sock")
        s.sendall(b'{"command":"show"}\n')
        reply = json.loads(s.makefile().readline())
    finally:
        s.close()
    return reply.get("status") or {}


def now_ms():
    """CLOCK_MONOTONIC in milliseconds, the clock bondd reports its times on."""
    return time.clock_gettime(time.CLOCK_MONOTONIC) * 1000


def usage_of(pid):
    """(RSS in KiB, open descriptors) of process `pid`."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))
