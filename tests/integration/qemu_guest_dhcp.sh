#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_guest_dhcp.sh - A real Linux guest, booted in QEMU (TCG) with its
# virtio-net NIC on -netdev stream to the qemu_stream socket, gets its
# address, route and MTU by DHCP and resolves the gateway by ARP. The
# guest is built from Debian packages by tests/qemu/guest.py (cached).

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need

python3 "$TOP/tests/qemu/guest.py" build > /dev/null 2> "$T/build.err" ||
	fail "can't build the guest: $(cat "$T/build.err")"

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"

cat > "$T/guest.sh" <<'GUEST'
ifc=$1
cat > /tmp/dhcp.sh <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	ifconfig "$interface" ${mtu:+mtu $mtu} "$ip" netmask "$subnet"
	ip route add default via "$router" dev "$interface"
	echo "LEASE ip=$ip subnet=$subnet router=$router dns=$dns mtu=$mtu"
	;;
esac
exit 0
SCRIPT
chmod 755 /tmp/dhcp.sh
udhcpc -i "$ifc" -f -q -n -t 10 -T 2 -s /tmp/dhcp.sh || exit 1
echo "ADDR $(ip -4 -o addr show dev "$ifc" | awk '{ print $4 }')"
echo "ROUTE $(ip -4 route show default)"
echo "MTU $(cat /sys/class/net/"$ifc"/mtu)"
arping -c 1 -w 5 -I "$ifc" 10.77.0.1 | grep -o 'reply from [^]]*]' |
	sed 's/^/ARP /'
GUEST

rc=0
timeout 300 python3 "$TOP/tests/qemu/guest.py" run "$sock" "$T/guest.sh" \
	--timeout 240 > "$T/console" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "guest status $rc: $(tail -30 "$T/console"); log: $(tail "$T/log")"

line() { grep -a "^$1 " "$T/console" | tr -d '\r' | head -1; }
expect_eq "lease" "$(line LEASE)" \
	"LEASE ip=$QT_GUEST_IP subnet=255.255.255.0 router=$QT_GW dns=$QT_GW mtu=$QT_MTU"
expect_eq "address" "$(line ADDR)" "ADDR $QT_GUEST_IP/24"
expect_match "route" "$(line ROUTE)" "^ROUTE default via $QT_GW dev eth0"
expect_eq "MTU" "$(line MTU)" "MTU $QT_MTU"
expect_eq "ARP" "$(line ARP)" "ARP reply from $QT_GW [02:70:61:73:73:74]"

# The guest powered off: the daemon saw it go and still listens
wait_for 50 grep -q "connection closed" "$T/log" || fail "$(tail "$T/log")"
kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
[ -S "$sock" ] || fail "socket gone"
