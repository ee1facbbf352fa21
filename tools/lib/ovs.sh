# Open vSwitch instances of their own in a namespace, with the user-space datapath
# (no kernel module): every socket, pid file, database and log under one directory,
# so the instances of several testbeds never meet. Used by tools/lacp-partner and
# tools/bench-lacp.  Source it:  . "$TOOLS/lib/ovs.sh"

# ovs_start NS DIR: ovsdb-server and ovs-vswitchd in NS, state in DIR.
ovs_start() {
	local ns=$1 d=$2
	command -v ovs-vswitchd >/dev/null || { echo "${PROG:-ovs}: ovs-vswitchd is missing (apt-get install openvswitch-switch)" >&2; return 1; }
	mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ip netns exec "$ns" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
		--unixctl="$d/ovsdb-server.ctl" --log-file="$d/ovsdb-server.log" -vconsole:off --detach --no-chdir \
		>>"$d/console.log" 2>&1
	ovs_vsctl "$d" --no-wait init -- set Open_vSwitch . other_config:dpdk-init=false
	ip netns exec "$ns" ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" --unixctl="$d/ovs-vswitchd.ctl" \
		--log-file="$d/ovs-vswitchd.log" -vconsole:off --disable-system --disable-system-route --detach --no-chdir \
		>>"$d/console.log" 2>&1
}

# ovs_vsctl DIR ARGS... / ovs_appctl DIR ARGS...: by absolute socket path (a relative
# name would be looked up in /var/run/openvswitch).
ovs_vsctl() { local d=$1; shift; ovs-vsctl --db="unix:$d/db.sock" --timeout=10 "$@"; }
ovs_appctl() { local d=$1; shift; ovs-appctl --timeout=10 -t "$d/ovs-vswitchd.ctl" "$@"; }

# ovs_lacp_bond DIR BRIDGE LACP TIME FALLBACK IF...: a netdev bridge with bond lag0
# over the interfaces, bond_mode=balance-tcp.
ovs_lacp_bond() {
	local d=$1 br=$2 lacp=$3 time=$4 fallback=$5
	shift 5
	ovs_vsctl "$d" add-br "$br" -- set bridge "$br" datapath_type=netdev \
		-- add-bond "$br" lag0 "$@" lacp="$lacp" bond_mode=balance-tcp \
		other_config:lacp-time="$time" other_config:lacp-fallback-ab="$fallback"
}

# ovs_negotiated DIR MEMBERS: lacp/show says negotiated, with MEMBERS current and attached.
ovs_negotiated() {
	local out
	out=$(ovs_appctl "$1" lacp/show lag0 2>/dev/null) || return 1
	[[ $out == *negotiated* ]] && (($(grep -c ': current attached$' <<<"$out") == $2))
}

# ovs_stop DIR: both daemons end (exit --cleanup removes their tap devices).
ovs_stop() {
	local d=$1 f pid
	[[ -S $d/ovs-vswitchd.ctl ]] && ovs-appctl --timeout=5 -t "$d/ovs-vswitchd.ctl" exit --cleanup &>/dev/null || true
	[[ -S $d/ovsdb-server.ctl ]] && ovs-appctl --timeout=5 -t "$d/ovsdb-server.ctl" exit &>/dev/null || true
	for f in "$d/ovs-vswitchd.pid" "$d/ovsdb-server.pid"; do
		[[ -f $f ]] || continue
		pid=$(cat "$f")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	done
}
