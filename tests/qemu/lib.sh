#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - Helpers for the QEMU tests (sourced after tests/integration/lib.sh)
#
# The bridge: no VM is needed to put a real QEMU in front of the
# qemu_stream backend. QEMU, started in a "guest" network namespace with no
# machine at all (-M none), joins a tap device there and the daemon's socket
# through one of its hubs, so frames go
#
#   Linux stack in the guest namespace <-> tap0 <-> QEMU hub
#	<-> QEMU -netdev stream (or -netdev socket, fd=) <-> passt
#
# and the daemon itself runs in a "host" namespace of its own, where the
# gateway address reaches 127.0.0.1 (map_host_loopback), so servers for
# the guest listen there and no traffic leaves the namespaces.
#
# Addresses: the guest gets 10.77.0.2/24, gateway and nameserver 10.77.0.1.

QEMU_BIN=${QEMU_BIN:-qemu-system-x86_64}
QT_GUEST_IP=10.77.0.2
QT_GW=10.77.0.1
QT_MTU=65520

# qt_need() - Skip unless root, QEMU, python3 and busybox are here
qt_need() {
	need_root
	command -v "$QEMU_BIN" > /dev/null ||
		skip "needs $QEMU_BIN (apt-get install qemu-system-x86)"
	command -v python3 > /dev/null || skip "needs python3"
	command -v busybox > /dev/null || skip "needs busybox"
	[ -f "$BUILD/modules/qemu_stream.so" ] || skip "qemu_stream not built"
}

# qt_module_ready() - Whether a protocol module is built and does its job
# $1: module name
#
# A placeholder module says "not built yet" in its summary: that string is
# in the shared object, whatever --list-modules prints.
qt_module_ready() {
	local so="$BUILD/modules/$1.so"

	[ -f "$so" ] || return 1
	"$PASST" --list-modules 2>/dev/null | grep -q "^$1	" || return 1
	! "$PASST" --list-modules 2>/dev/null | grep "^$1	" |
		grep -q "not built yet" || return 1
	! grep -qa "not built yet" "$so"
}

# qt_need_modules() - Skip, naming them, unless these modules are ready
# $@: module names
qt_need_modules() {
	local m missing=""

	for m in "$@"; do
		qt_module_ready "$m" || missing="$missing $m"
	done
	[ -z "$missing" ] ||
		skip "module(s)${missing}: not built yet (see passt --list-modules)"
}

# qt_netns() - Make the host and guest namespaces: $QT_H, $QT_G
qt_netns() {
	QT_H=qth$$
	QT_G=qtg$$
	ip netns add "$QT_H"
	NETNS="$NETNS $QT_H"
	ip netns add "$QT_G"
	NETNS="$NETNS $QT_G"
	ip -n "$QT_H" link set lo up
	ip -n "$QT_G" link set lo up
	# Ping sockets for the unprivileged daemon (icmp module)
	ip netns exec "$QT_H" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
}

# qt_daemon() - Write the configuration and start the daemon in $QT_H
# $1: socket path
#
# Sets QT_PID. Protocol modules that exist are loaded (placeholders too:
# they load and do nothing).
qt_daemon() {
	local m mods='"dhcp"'

	for m in tcp udp icmp; do
		[ -f "$BUILD/modules/$m.so" ] && mods="$mods, \"$m\""
	done
	cat > "$T/passt.conf" <<CONF
backend = "qemu_stream";
modules = [ $mods ];
pidfile = "$T/passt.pid";
ipv4 = { address = "$QT_GUEST_IP"; prefix_len = 24; gateway = "$QT_GW";
	 dns = [ "$QT_GW" ]; };
ipv6 = { enable = false; };
search = [ ];
qemu_stream = { socket = "$1"; };
CONF
	ip netns exec "$QT_H" "$PASST" -c "$T/passt.conf" -l "$T/log" \
		${QT_DEBUG:+-d} 2> "$T/stderr" ||
		fail "passt exited with $?: $(cat "$T/stderr")"
	QT_PID=$(cat "$T/passt.pid")
	PIDS="$PIDS $QT_PID"
}

# qt_qemu_bridge() - Start QEMU joining tap0 in $QT_G to the socket
# $1: socket path
# $2: "stream" (-netdev stream, QEMU 7.2+) or "fd" (-netdev socket,fd=,
#     the descriptor connected beforehand, as for older QEMU)
#
# Sets QT_QEMU (its PID) and waits for tap0.
qt_qemu_bridge() {
	local sock=$1 mode=$2 net

	if [ "$mode" = stream ]; then
		net="stream,id=s,server=off,addr.type=unix,addr.path=${sock//,/,,}"
		ip netns exec "$QT_G" "$QEMU_BIN" -M none -nodefaults \
			-display none -monitor none -serial none \
			-netdev tap,id=t,ifname=tap0,script=no,downscript=no \
			-netdev "$net" \
			-netdev hubport,id=h1,hubid=0,netdev=t \
			-netdev hubport,id=h2,hubid=0,netdev=s \
			< /dev/null > "$T/qemu.out" 2>&1 &
	else
		# Connect fd 5, then become QEMU, as a wrapper for QEMU < 7.2
		ip netns exec "$QT_G" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
os.dup2(s.fileno(), 5)
os.execvp(sys.argv[2], sys.argv[2:])' "$sock" "$QEMU_BIN" -M none -nodefaults \
			-display none -monitor none -serial none \
			-netdev tap,id=t,ifname=tap0,script=no,downscript=no \
			-netdev socket,id=s,fd=5 \
			-netdev hubport,id=h1,hubid=0,netdev=t \
			-netdev hubport,id=h2,hubid=0,netdev=s \
			< /dev/null > "$T/qemu.out" 2>&1 &
	fi
	QT_QEMU=$!
	PIDS="$QT_QEMU $PIDS"
	wait_for 100 ip -n "$QT_G" link show tap0 > /dev/null ||
		fail "no tap0 from QEMU: $(cat "$T/qemu.out")"
	ip -n "$QT_G" link set tap0 up
}

# qt_qemu_stop() - Stop the QEMU of qt_qemu_bridge(), wait for tap0 to go
qt_qemu_stop() {
	kill "$QT_QEMU"
	wait_for 50 sh -c "! kill -0 $QT_QEMU" || kill -9 "$QT_QEMU"
	PIDS=${PIDS/$QT_QEMU/}
	wait_for 50 sh -c "! ip -n $QT_G link show tap0 2>/dev/null" ||
		fail "tap0 still there after QEMU exited"
}

# qt_dhcp() - Run busybox udhcpc on tap0 in $QT_G, check the lease
#
# The script given to udhcpc applies address, route and MTU in the
# namespace only (the distribution's script would rewrite the host's
# /etc/resolv.conf) and records the lease in $T/lease.
qt_dhcp() {
	local addr route mtu

	cat > "$T/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	busybox ifconfig "$interface" ${mtu:+mtu $mtu} "$ip" netmask "$subnet"
	busybox ip -4 route add default via "$router" dev "$interface"
	echo "ip=$ip subnet=$subnet router=$router dns=$dns mtu=$mtu" \
		> "$LEASE_FILE"
	;;
deconfig)
	busybox ip -4 addr flush dev "$interface"
	;;
esac
exit 0
SCRIPT
	chmod 755 "$T/udhcpc.sh"
	rm -f "$T/lease"
	LEASE_FILE="$T/lease" timeout 60 ip netns exec "$QT_G" \
		busybox udhcpc -i tap0 -f -q -n -t 10 -T 2 -s "$T/udhcpc.sh" \
		> "$T/udhcpc.out" 2>&1 ||
		fail "udhcpc: $(cat "$T/udhcpc.out"); log: $(tail -20 "$T/log")"
	expect_eq "lease" "$(cat "$T/lease")" \
		"ip=$QT_GUEST_IP subnet=255.255.255.0 router=$QT_GW dns=$QT_GW mtu=$QT_MTU"

	addr=$(ip -n "$QT_G" -4 -o addr show dev tap0 | awk '{ print $4 }')
	expect_eq "guest address" "$addr" "$QT_GUEST_IP/24"
	route=$(ip -n "$QT_G" -4 route show default)
	expect_match "guest default route" "$route" "^default via $QT_GW dev tap0"
	mtu=$(ip -n "$QT_G" -o link show dev tap0 |
	      sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	expect_eq "guest MTU" "$mtu" "$QT_MTU"
}

# qt_arp() - The gateway's MAC, as ARP resolves it from the guest
qt_arp() {
	local out

	out=$(timeout 20 ip netns exec "$QT_G" busybox arping -c 1 -w 5 \
	      -I tap0 "$QT_GW" 2>&1) || fail "arping: $out"
	expect_match "ARP reply" "$out" "reply from $QT_GW \[02:70:61:73:73:74\]"
}
