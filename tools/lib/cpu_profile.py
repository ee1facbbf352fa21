"""Where a process's threads spend their CPU, from perf's cpu-clock samples (this
machine has no hardware counters, but the software clock samples every thread's
kernel and user stacks): bench-cost --profile. Each sample is put in one category by
the first of these its call stack holds:

  onward   softirq work run in the thread: the frames' path after it sent them (the
           veth's receive, the host's stack or the peer's, done at once in the send)
  send     the send system calls themselves (sendmmsg, sendto, sendmsg)
  wait     waiting for frames: epoll, poll, sleeping, and the switches in and out
  kernel   any other kernel work (other system calls, interrupts, faults)
  user     the process's own code and its libraries
"""
import collections
import os
import subprocess

CATEGORIES = ("user", "send", "onward", "wait", "kernel")

ONWARD = {"net_rx_action", "process_backlog", "__napi_poll"}
SEND = {"__sys_sendmmsg", "__sys_sendto", "__sys_sendmsg", "xsk_sendmsg", "packet_sendmsg",
        "__x64_sys_sendmmsg", "__x64_sys_sendto", "__x64_sys_sendmsg"}
WAIT = {"__x64_sys_epoll_pwait2", "__x64_sys_epoll_pwait", "__x64_sys_epoll_wait", "__x64_sys_ppoll",
        "__x64_sys_poll", "__x64_sys_nanosleep", "__x64_sys_clock_nanosleep", "schedule",
        "finish_task_switch.isra.0", "finish_task_switch"}


def available():
    """Whether perf can sample here (installed, and allowed to)."""
    try:
        r = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", "/dev/null", "--", "true"],
                           capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def start(pid, seconds, path):
    """Starts sampling every thread of `pid` for `seconds` into `path`; finish() it."""
    if os.path.exists(path):
        os.remove(path)  # never a previous row's samples
    return subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-p", str(pid), "-o", path, "--",
                             "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(perf, seconds):
    """Waits for a start()ed perf; raises with perf's own words if it failed."""
    try:
        _, err = perf.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        perf.kill()
        raise RuntimeError("perf record did not finish")
    if perf.returncode != 0:
        raise RuntimeError(f"perf record failed: {err.strip().splitlines()[-1] if err.strip() else perf.returncode}")


def category(stack):
    """The category of one sample, from its frames (leaf first: (symbol, is_kernel))."""
    symbols = {s for s, _ in stack}
    if symbols & ONWARD:
        return "onward"
    if symbols & SEND:
        return "send"
    if symbols & WAIT:
        return "wait"
    if stack and stack[0][1]:
        return "kernel"
    return "user"


def breakdown(path):
    """(fraction of the samples per category, samples) of a perf.data file."""
    r = subprocess.run(["perf", "script", "-i", path, "-F", "ip,sym,dso"], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"perf script failed: {r.stderr.strip()}")
    out = r.stdout
    counts, stack = collections.Counter(), []
    for line in out.splitlines() + [""]:
        words = line.split()
        if not words:
            if stack:
                counts[category(stack)] += 1
            stack = []
            continue
        # "ffffffff8123 symbol+0x1f ([kernel.kallsyms])": the address, then the symbol.
        symbol = words[1].split("+")[0] if len(words) > 1 else "?"
        stack.append((symbol, "kernel.kallsyms" in line or words[0].startswith("ffffffff")))
    total = sum(counts.values())
    return ({c: counts[c] / total for c in CATEGORIES} if total else {c: 0.0 for c in CATEGORIES}), total
