"""Helpers the Python tools share (soak, frame-fuzz, bench-restart, bench-xdp-decision,
bench-cost, bench-workers): shell commands, a bond's status straight from its control
socket, the monotonic clock, a process's memory and descriptors, threads' CPU time,
the benches' namespace rig, and bench results for plotting (`Results`). The
shell scripts share tools/lib/common.sh."""
import csv
import datetime
import json
import os
import socket
import subprocess
import sys
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


def task_times():
    """CPU time of every thread on the machine, in ns, by thread id (schedstat)."""
    times = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    times[tid] = int(f.read().split()[0])
        except OSError:
            pass
    return times


def spent_since(before):
    """Seconds of CPU the machine's threads spent since `before` (task_times())."""
    return sum(ns - before.get(tid, 0) for tid, ns in task_times().items()) / 1e9


def threads_seconds(pid):
    """CPU time of every thread of `pid`, exact (/proc/PID/task/*/schedstat), in seconds."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def rx(ns, dev):
    return int(sh(f"ip netns exec {ns} cat /sys/class/net/{dev}/statistics/rx_packets").stdout)


def mac(ns, dev):
    return sh(f"ip netns exec {ns} cat /sys/class/net/{dev}/address").stdout.strip()


class Rig:
    """Host namespace with members m0, m1 whose peers p0, p1 sit in a sink namespace,
    and a veth pair b0/e0 in the host namespace for the bridge (bondd makes its own)."""

    def __init__(self, prefix):
        self.p = prefix
        self.h, self.s = f"{prefix}-h", f"{prefix}-s"
        self.down()
        sh(f"ip netns add {self.h}; ip netns add {self.s}")
        for i in (0, 1):
            sh(f"ip link add {prefix}m{i} netns {self.h} type veth peer name {prefix}p{i} netns {self.s}")
            sh(f"ip -n {self.h} link set {prefix}m{i} up; ip -n {self.s} link set {prefix}p{i} up")
        for ns in (self.h, self.s):
            sh(f"ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")

    def down(self):
        for ns in (f"{self.p}-h", f"{self.p}-s", f"{self.p}-a", f"{self.p}-b"):
            sh(f"ip netns del {ns}", check=False)


class Results:
    """--json and --csv as the shell benchmarks have them (tools/lib/common.sh: bench_init,
    bench_plan, progress, record, bench_finish): rows with times on stdout, the table
    and the progress lines on stderr."""

    def __init__(self, output):
        self.output, self.prog = output, os.path.basename(sys.argv[0])
        self.started, self.rows, self.done, self.total = time.time(), [], 0, 0
        self.out = sys.stdout
        if output != "table":
            # stdout holds the results alone: the table, and whatever a command prints, go to stderr.
            sys.stdout.flush()
            self.out = os.fdopen(os.dup(1), "w")
            os.dup2(2, 1)
            sys.stdout = sys.stderr

    def plan(self, n):
        self.total = n

    def progress(self, what):
        self.done += 1
        of = f"/{self.total}" if self.total else ""
        print(f"[{self.prog} {self.done}{of}, {time.time() - self.started:.0f} s] {what}", file=sys.stderr, flush=True)

    def record(self, **fields):
        """One row; a number given as the table prints it (a string) stays a number."""
        now = time.time()
        row = {"bench": self.prog,
               "time": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat(timespec="seconds"),
               "elapsed_s": round(now - self.started, 1)}
        for k, v in fields.items():
            for kind in (int, float) if isinstance(v, str) else ():
                try:
                    v = kind(v)
                    break
                except ValueError:
                    pass
            row[k] = v
        self.rows.append(row)

    def finish(self):
        if self.output == "json":
            print(json.dumps(self.rows, indent=2), file=self.out)
        elif self.output == "csv":
            keys = []
            for r in self.rows:
                keys += [k for k in r if k not in keys]
            w = csv.DictWriter(self.out, fieldnames=keys)
            w.writeheader()
            w.writerows(self.rows)
        self.out.flush()
