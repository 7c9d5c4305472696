#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_guest_tcp.sh - A real Linux guest, booted in QEMU (TCG) with its
# virtio-net NIC on -netdev stream to the qemu_stream socket, gets its
# address by DHCP, then fetches 16 MiB from a host server and sends 16 MiB
# of its own over TCP (busybox nc): sha256 equal at both ends. The guest
# is built from Debian packages by tests/qemu/guest.py (cached).

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need
qt_need_modules tcp

MIB=16
XFER="$TOP/tests/qemu/xfer.py"
python3 "$TOP/tests/qemu/guest.py" build > /dev/null 2> "$T/build.err" ||
	fail "can't build the guest: $(cat "$T/build.err")"

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"

python3 "$XFER" mkfile "$T/blob" "$MIB"
sum=$(python3 "$XFER" sum "$T/blob")
ip netns exec "$QT_H" python3 "$XFER" tcp-source 127.0.0.1 5002 "$T/blob" \
	> "$T/source.out" 2>&1 &
PIDS="$! $PIDS"
ip netns exec "$QT_H" python3 "$XFER" tcp-sink 127.0.0.1 5001 "$T/up.sum" \
	$((MIB << 20)) > "$T/sink.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 100 grep -q listening "$T/source.out" || fail "$(cat "$T/source.out")"
wait_for 100 grep -q listening "$T/sink.out" || fail "$(cat "$T/sink.out")"

cat > "$T/guest.sh" <<GUEST
ifc=\$1
cat > /tmp/dhcp.sh <<'SCRIPT'
#!/bin/sh
case "\$1" in
bound|renew)
	ifconfig "\$interface" \${mtu:+mtu \$mtu} "\$ip" netmask "\$subnet"
	ip route add default via "\$router" dev "\$interface"
	echo "LEASE ip=\$ip mtu=\$mtu"
	;;
esac
exit 0
SCRIPT
chmod 755 /tmp/dhcp.sh
udhcpc -i "\$ifc" -f -q -n -t 10 -T 2 -s /tmp/dhcp.sh || exit 1

timeout 180 nc $QT_GW 5002 > /tmp/down || exit 2
echo "DOWN \$(sha256sum < /tmp/down | cut -d' ' -f1) \$(wc -c < /tmp/down)"
rm /tmp/down

dd if=/dev/urandom of=/tmp/up bs=1M count=$MIB 2> /dev/null
echo "UP \$(sha256sum < /tmp/up | cut -d' ' -f1) \$(wc -c < /tmp/up)"
timeout 180 nc $QT_GW 5001 < /tmp/up > /dev/null || exit 3
GUEST

rc=0
timeout 600 python3 "$TOP/tests/qemu/guest.py" run "$sock" "$T/guest.sh" \
	--timeout 500 > "$T/console" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "guest status $rc: $(tail -30 "$T/console"); log: $(tail "$T/log")"

line() { grep -a "^$1 " "$T/console" | tr -d '\r' | head -1; }
expect_eq "lease" "$(line LEASE)" "LEASE ip=$QT_GUEST_IP mtu=$QT_MTU"
expect_eq "host to guest: sha256 and length" "$(line DOWN)" "DOWN $sum"
wait_for 100 test -s "$T/up.sum" || fail "no sum from the sink"
expect_eq "guest to host: sha256 and length" "UP $(cat "$T/up.sum")" \
	"$(line UP)"
kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
