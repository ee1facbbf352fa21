#!/usr/bin/env python3
"""Times one failover of a running bondd.

failover_timer.py BONDCTL SOCKET TIMEOUT COMMAND...

Reads the active member, runs COMMAND (which breaks its path), waits for another
member to become active, and prints
    detect_ms D failover_ms F command_ms C
D: from the moment COMMAND returned (the path is broken by then) to the old active
member's down transition; F: to the change of active member; C: how long COMMAND ran.
All on CLOCK_MONOTONIC, which bondd reports in `show --json`. A reaction inside
COMMAND's own exit (carrier events arrive in microseconds) counts as 0. Exits 1 on
no failover.
"""
import json
import subprocess
import sys
import time


def status(bondctl, sock):
    out = subprocess.run([bondctl, "--socket", sock, "show", "--json"], capture_output=True, text=True, check=True).stdout
    s = json.loads(out)
    return s[0] if isinstance(s, list) else s


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    bondctl, sock, timeout, command = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
    before = status(bondctl, sock)
    active = before.get("active_member")
    if active is None:
        print("no active member", file=sys.stderr)
        sys.exit(1)
    t0 = time.monotonic_ns()
    subprocess.run(command, check=True)
    t1 = time.monotonic_ns()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = status(bondctl, sock)
        if s.get("active_member") not in (None, active):
            old = next(m for m in s["members"] if m["name"] == active)
            down = old["last_change_monotonic_ns"]
            failover = s["last_failover_monotonic_ns"]
            d, f = max(0, down - t1) / 1e6, max(0, failover - t1) / 1e6
            print(f"detect_ms {d:.2f} failover_ms {f:.2f} command_ms {(t1 - t0) / 1e6:.2f}")
            return
        time.sleep(0.01)
    print(f"no failover from {active} within {timeout} s", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
