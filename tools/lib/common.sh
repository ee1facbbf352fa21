# Shell helpers shared by the bench scripts: counters, statistics, binaries, waiting
# for a bond. Source it after PROG, TOOLS and REPO are set:  . "$TOOLS/lib/common.sh"
# (Python tools share tools/lib/bondd_tools.py.)

# require_root WHY: stop with one line unless root.
require_root() { [[ $(id -u) == 0 ]] || { echo "$PROG: must run as root${1:+ ($1)}" >&2; exit 2; }; }

# release_binaries: BIN is BONDD_BIN_DIR, or a release build of bondd and bondctl.
release_binaries() {
	if [[ -n ${BONDD_BIN_DIR:-} ]]; then BIN=$BONDD_BIN_DIR; return; fi
	(cd "$REPO" && swift build -c release --product bondd >/dev/null && swift build -c release --product bondctl >/dev/null)
	BIN=$(cd "$REPO" && swift build -c release --show-bin-path)
}

# rx NS DEV: packets DEV received so far.
rx() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

# median [FORMAT]: the median of the numbers on stdin (FORMAT: printf's, e.g. %.1f);
# prints nothing for no input.
median() {
	sort -n | awk -v fmt="${1:-}" '{a[NR]=$1} END {
		if (!NR) exit
		m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2
		if (fmt == "") print m; else printf fmt, m
	}'
}

# range: "lowest-highest" of the numbers on stdin, one decimal.
range() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {if (NR) printf "%.1f-%.1f", lo, hi}'; }

# ratio A B: A/B with two decimals.
ratio() { awk "BEGIN{printf \"%.2f\", $1/$2}"; }

now_ms() { date +%s%3N; }

# wait_for_bond NS SOCKET: until bondd answers on SOCKET (5 s at most).
wait_for_bond() {
	for _ in $(seq 100); do ip netns exec "$1" "$BIN/bondctl" --socket "$2" show >/dev/null 2>&1 && return 0; sleep 0.05; done
	return 1
}

# blast NS DEV NS:DEV...: trafgen with $WORK/frame.cfg on DEV in NS for
# SECONDS_PER_RUN, pinned to CPU 0; frames per second counted by the receivers given as
# NS:DEV; the median of REPEAT runs. Each core's idle share during the runs (medians)
# is left in $WORK/idle as "IDLE0 IDLE1 ..." (percent): a figure with the generator's
# core (0) at 0% while another has room is bound by the generator.
blast() {
	local i
	: >"$WORK/idle.runs"
	for i in $(seq "$REPEAT"); do blast_once "$@"; done | median
	python3 -c '
import statistics, sys
runs = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(f"{statistics.median(c):.0f}" for c in zip(*runs)) if runs else "")' "$WORK/idle.runs" >"$WORK/idle"
}
blast_once() {
	local ns=$1 dev=$2; shift 2
	local before=0 after=0 c
	for c in "$@"; do before=$((before + $(rx "${c%%:*}" "${c##*:}"))); done
	local stat_before
	stat_before=$(grep '^cpu[0-9]' /proc/stat)
	ip netns exec "$ns" timeout "$SECONDS_PER_RUN" taskset -c 0 trafgen -o "$dev" -i "$WORK/frame.cfg" -P 1 --no-sock-mem -q >/dev/null 2>&1 || true
	python3 -c '
import sys
def parse(text):
    return [list(map(int, l.split()[1:])) for l in text.splitlines()]
a, b = parse(sys.argv[1]), parse(open("/proc/stat").read().split("\nintr")[0].split("\n", 1)[1])
print(" ".join(f"{100 * ((y[3] + y[4]) - (x[3] + x[4])) / max(1, sum(y[:8]) - sum(x[:8])):.1f}" for x, y in zip(a, b)))' "$stat_before" >>"$WORK/idle.runs"
	sleep 0.2
	for c in "$@"; do after=$((after + $(rx "${c%%:*}" "${c##*:}"))); done
	echo $(((after - before) / SECONDS_PER_RUN))
}

# --- Results for plotting: every bench script speaks --json and --csv ---------------
#
# bench_init "$@"   at the top, after sourcing this file: takes --json/--csv out of the
#                   arguments (the rest are left in BENCH_ARGS for the script's own
#                   parsing: set -- "${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}"), and with
#                   either, sends the script's tables to stderr so stdout holds the
#                   results alone.
# bench_plan N      how many measurements the run makes, for the progress line.
# progress WHAT     before each measurement: "[PROG 3/12, 41 s] WHAT" on stderr.
# record K=V ...    one result: a row with the time (ISO 8601 and seconds since the
#                   start), the script's name and the fields (numbers stay numbers).
# bench_finish      at the end of a run that completed: prints the rows as a JSON
#                   array or as CSV (a column per field seen) on stdout.
bench_init() {
	OUTPUT=table
	BENCH_ARGS=()
	local a
	for a in "$@"; do
		case $a in
		--json) OUTPUT=json ;;
		--csv) OUTPUT=csv ;;
		*) BENCH_ARGS+=("$a") ;;
		esac
	done
	BENCH_STARTED=$(date +%s.%N)
	# Made by the first record, so that --help and refused arguments leave nothing behind.
	BENCH_ROWS=
	BENCH_DONE=0
	BENCH_TOTAL=0
	if [[ $OUTPUT != table ]]; then exec 3>&1 1>&2; else exec 3>&1; fi
}

bench_plan() { BENCH_TOTAL=$1; }

progress() {
	BENCH_DONE=$((BENCH_DONE + 1))
	local of=""
	((BENCH_TOTAL > 0)) && of="/$BENCH_TOTAL"
	printf '[%s %d%s, %s s] %s\n' "$PROG" "$BENCH_DONE" "$of" "$(awk -v a="$(date +%s.%N)" -v b="$BENCH_STARTED" 'BEGIN { printf "%.0f", a - b }')" "$*" >&2
}

record() {
	[[ -n $BENCH_ROWS ]] || BENCH_ROWS=$(mktemp)
	python3 - "$BENCH_ROWS" "$PROG" "$BENCH_STARTED" "$@" <<'PY'
import json, sys, time, datetime
path, prog, started, fields = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]
now = time.time()
row = {"bench": prog, "time": datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat(timespec="seconds"),
       "elapsed_s": round(now - started, 1)}
for f in fields:
    k, _, v = f.partition("=")
    try:
        row[k] = int(v)
    except ValueError:
        try:
            row[k] = float(v)
        except ValueError:
            row[k] = v
with open(path, "a") as out:
    out.write(json.dumps(row) + "\n")
PY
}

bench_finish() {
	if [[ $OUTPUT != table ]]; then
		python3 - "${BENCH_ROWS:-/dev/null}" "$OUTPUT" >&3 <<'PY'
import csv, json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if sys.argv[2] == "json":
    print(json.dumps(rows, indent=2))
else:
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    w = csv.DictWriter(sys.stdout, fieldnames=keys)
    w.writeheader()
    w.writerows(rows)
PY
	fi
	[[ -z ${BENCH_ROWS:-} ]] || rm -f "$BENCH_ROWS"
}
