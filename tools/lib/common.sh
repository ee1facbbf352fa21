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
# SECONDS_PER_RUN; frames per second counted by the receivers given as NS:DEV; the
# median of REPEAT runs.
blast() {
	local i
	for i in $(seq "$REPEAT"); do blast_once "$@"; done | median
}
blast_once() {
	local ns=$1 dev=$2; shift 2
	local before=0 after=0 c
	for c in "$@"; do before=$((before + $(rx "${c%%:*}" "${c##*:}"))); done
	ip netns exec "$ns" timeout "$SECONDS_PER_RUN" trafgen -o "$dev" -i "$WORK/frame.cfg" -P 1 --no-sock-mem -q >/dev/null 2>&1 || true
	sleep 0.2
	for c in "$@"; do after=$((after + $(rx "${c%%:*}" "${c##*:}"))); done
	echo $(((after - before) / SECONDS_PER_RUN))
}
