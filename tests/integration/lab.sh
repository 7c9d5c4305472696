#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lab.sh - A small network of namespaces for end-to-end tests (sourced
# after lib.sh, never run)
#
#   remote  eth0 192.0.2.2/24 2001:db8:2::2/64
#     |        (veth)
#   router  wan 192.0.2.1/24 2001:db8:2::1/64, forwarding
#           lan 203.0.113.1/24 2001:db8:1::1/64 fe80::1/64
#     |        (veth)
#   host    uplink 203.0.113.10/24 2001:db8:1::10/64,
#           default via 203.0.113.1 and fe80::1; the daemon runs here
#   guest   empty: the tap backend attaches its interface here
#
# Remote and router make the upstream; both subnets are directly connected
# to the router, which is all the routing back the host's address needs.
# The daemon takes its defaults (address, prefix, gateways, MTU) from the
# host namespace, and a resolv.conf of the lab's: 'ip netns exec' binds
# /etc/netns/HOST/resolv.conf over /etc/resolv.conf. Nothing leaves the
# machine: every address lives in a namespace made here, named after this
# test's PID, registered in $NETNS for lib.sh's cleanup.
#
# lab_up                    make the namespaces, links, addresses, routes
# lab_host CMD... (lab_guest, lab_router, lab_remote)   run in a namespace
# lab_passt [TOP [TAP]]     start the daemon in the host namespace for the
#                           guest, tap backend, default sandbox; TOP: more
#                           top-level settings, TAP: more tap settings
# lab_dhcp4                 busybox udhcpc in the guest (udhcpc.script),
#                           what it was given in $T/dhcp4.env
# lab_module_built NAME     whether a protocol module is more than a
#                           placeholder
# lab_down                  remove all of it (also done at exit)

# run.sh runs every *.sh: say what this one is, rather than pass for a test
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "SKIP: lab.sh holds helpers sourced by tests; it is not a test"
	exit 77
fi

LAB="pt$$"
LAB_ROUTER="$LAB-router"
LAB_REMOTE="$LAB-remote"
LAB_HOST="$LAB-host"
LAB_GUEST="$LAB-guest"

LAB_IF=tap0				# the guest's interface
LAB_OUR_MAC=02:70:61:73:73:74		# the daemon's MAC, towards the guest
LAB_HOST4=203.0.113.10
LAB_PREFIX4=24
LAB_GW4=203.0.113.1
LAB_REMOTE4=192.0.2.2
LAB_HOST6=2001:db8:1::10
LAB_PREFIX6=64
LAB_NET6=2001:db8:1:			# the host's /64, as a string prefix
LAB_GW6=fe80::1
LAB_REMOTE6=2001:db8:2::2
LAB_DNS_LOOP=127.0.0.53			# the host's resolver, on its loopback
LAB_DNS6=2001:db8:2::53
LAB_SEARCH=lab.example

LAB_PASST_PID=""

# lab_exit() - Cleanup at exit: lib.sh's, then the resolv.conf directory;
# on failure, show the end of the daemon's log
lab_exit() {
	local rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -s "$T/passt.log" ]; then
		echo "--- end of the daemon's log:" >&2
		tail -20 "$T/passt.log" >&2
	fi
	cleanup
	lab_etc_clean
}
trap lab_exit EXIT

# lab_etc_clean() - Remove the host namespace's resolv.conf
lab_etc_clean() {
	rm -rf "/etc/netns/$LAB_HOST"
}

# lab_need() - Install what the lab uses if a command is missing, or skip
# $@: commands
lab_need() {
	local c missing=""
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -z "$missing" ] && return 0
	sh "$TOP/scripts/deps.sh" >&2 || true
	for c in $missing; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

lab_host() { ip netns exec "$LAB_HOST" "$@"; }
lab_guest() { ip netns exec "$LAB_GUEST" "$@"; }
lab_router() { ip netns exec "$LAB_ROUTER" "$@"; }
lab_remote() { ip netns exec "$LAB_REMOTE" "$@"; }

# lab_ns_add() - Make one namespace, loopback up, reno if the kernel has it
# $1: name
lab_ns_add() {
	ip netns add "$1"
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up
	# Later benchmarks compare throughput: same congestion control for all
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_congestion_control=reno \
		>/dev/null 2>&1 || true
}

# lab_up() - Make the lab: namespaces, links, addresses, routes, resolv.conf
lab_up() {
	need_root
	lab_need ip busybox
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"

	for n in "$LAB_ROUTER" "$LAB_REMOTE" "$LAB_HOST" "$LAB_GUEST"; do
		lab_ns_add "$n"
	done

	ip -n "$LAB_ROUTER" link add wan type veth peer name eth0 \
		netns "$LAB_REMOTE"
	ip -n "$LAB_ROUTER" link add lan type veth peer name uplink \
		netns "$LAB_HOST"

	lab_router sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	lab_router sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null
	ip -n "$LAB_ROUTER" addr add 192.0.2.1/24 dev wan
	ip -n "$LAB_ROUTER" addr add 2001:db8:2::1/64 dev wan nodad
	ip -n "$LAB_ROUTER" addr add "$LAB_GW4/$LAB_PREFIX4" dev lan
	ip -n "$LAB_ROUTER" addr add 2001:db8:1::1/64 dev lan nodad
	ip -n "$LAB_ROUTER" addr add "$LAB_GW6/64" dev lan nodad
	ip -n "$LAB_ROUTER" link set wan up
	ip -n "$LAB_ROUTER" link set lan up

	ip -n "$LAB_REMOTE" addr add "$LAB_REMOTE4/24" dev eth0
	ip -n "$LAB_REMOTE" addr add "$LAB_REMOTE6/64" dev eth0 nodad
	ip -n "$LAB_REMOTE" link set eth0 up
	ip -n "$LAB_REMOTE" route add default via 192.0.2.1
	ip -n "$LAB_REMOTE" -6 route add default via 2001:db8:2::1

	ip -n "$LAB_HOST" addr add "$LAB_HOST4/$LAB_PREFIX4" dev uplink
	ip -n "$LAB_HOST" addr add "$LAB_HOST6/$LAB_PREFIX6" dev uplink nodad
	ip -n "$LAB_HOST" link set uplink up
	ip -n "$LAB_HOST" route add default via "$LAB_GW4" dev uplink
	ip -n "$LAB_HOST" -6 route add default via "$LAB_GW6" dev uplink

	mkdir -p "/etc/netns/$LAB_HOST"
	printf 'nameserver %s\nnameserver %s\nsearch %s\n' \
		"$LAB_DNS_LOOP" "$LAB_DNS6" "$LAB_SEARCH" \
		> "/etc/netns/$LAB_HOST/resolv.conf"
}

# lab_down() - Stop the daemon, remove namespaces and resolv.conf
lab_down() {
	local n
	if [ -n "$LAB_PASST_PID" ]; then
		kill "$LAB_PASST_PID" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$LAB_PASST_PID" 2>/dev/null || break
			sleep 0.1
		done
		LAB_PASST_PID=""
	fi
	for n in "$LAB_GUEST" "$LAB_HOST" "$LAB_REMOTE" "$LAB_ROUTER"; do
		ip netns del "$n" 2>/dev/null || true
	done
	lab_etc_clean
}

# lab_conf() - Write the daemon's configuration for the lab
# $1: file, $2: more top-level settings, $3: more tap settings
lab_conf() {
	cat > "$1" <<EOF
# Generated by tests/integration/lab.sh
backend = "tap";
pidfile = "$T/passt.pid";
log = { level = "debug"; };
${LAB_MODULES:+modules = [ $(printf '"%s", ' $LAB_MODULES | sed 's/, $//') ];}
tap = { netns = "/run/netns/$LAB_GUEST"; ifname = "$LAB_IF"; ${3:-} };
${2:-}
EOF
}

# lab_passt() - Start the daemon in the host namespace, wait until ready
# $1: more top-level settings (optional), $2: more tap settings (optional)
lab_passt() {
	lab_conf "$T/passt.conf" "${1:-}" "${2:-}"
	rm -f "$T/passt.pid"
	# It daemonises once the tap is attached: the PID file is there then
	lab_host "$PASST" -c "$T/passt.conf" -l "$T/passt.log" \
		2> "$T/passt.stderr" ||
		fail "passt exited with $?: $(cat "$T/passt.stderr")"
	[ -s "$T/passt.pid" ] || fail "passt returned without a PID file"
	LAB_PASST_PID=$(cat "$T/passt.pid")
	PIDS="$PIDS $LAB_PASST_PID"
	kill -0 "$LAB_PASST_PID" 2>/dev/null ||
		fail "passt $LAB_PASST_PID isn't running: $(cat "$T/passt.log")"
	lab_guest ip link show "$LAB_IF" >/dev/null ||
		fail "no $LAB_IF in the guest namespace"
}

# lab_dhcp4() - Run busybox udhcpc in the guest until it has a lease
# Result: $T/dhcp4.env, lines of KEY=VALUE (see udhcpc.script)
lab_dhcp4() {
	install -m 755 "$TOP/tests/integration/udhcpc.script" \
		"$T/udhcpc.script"
	rm -f "$T/dhcp4.env"
	# -q: exit once bound (keeping the lease: no -R); -n: fail rather
	# than retry forever; -O: ask for what isn't asked for by default
	UDHCPC_OUT="$T/dhcp4.env" lab_guest busybox udhcpc -i "$LAB_IF" \
		-f -q -n -t 5 -T 1 -A 1 -O mtu -O search -O domain \
		-s "$T/udhcpc.script" > "$T/udhcpc.out" 2>&1 ||
		fail "udhcpc got no lease: $(cat "$T/udhcpc.out")"
	[ -s "$T/dhcp4.env" ] ||
		fail "udhcpc.script wrote nothing: $(cat "$T/udhcpc.out")"
}

# lab_env() - Value of a key in a KEY=VALUE file
# $1: file, $2: key
lab_env() {
	sed -n "s/^$2=//p" "$1" | head -1
}

# lab_module_built() - Whether a module is more than a placeholder
# $1: module name
lab_module_built() {
	[ -f "$BUILD/modules/$1.so" ] || return 1
	! "$PASST" --list-modules 2>/dev/null |
		grep -E "^$1[[:space:]]" | grep -q "not built yet" &&
	! grep -aq "not built yet" "$BUILD/modules/$1.so"
}
