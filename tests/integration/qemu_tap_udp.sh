#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_tap_udp.sh - UDP datagrams from the guest namespace behind a real
# QEMU (see tests/qemu/lib.sh) to a host echo server and back, intact,
# sizes from 6 bytes to 30 KB (the link's MTU is 65520: no fragments).

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need
qt_need_modules udp

COUNT=50
XFER="$TOP/tests/qemu/xfer.py"

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"
qt_qemu_bridge "$sock" stream
qt_dhcp

ip netns exec "$QT_H" timeout 120 python3 "$XFER" udp-echo 127.0.0.1 5003 \
	"$COUNT" > "$T/echo.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 100 grep -q listening "$T/echo.out" || fail "$(cat "$T/echo.out")"
got=$(timeout 300 ip netns exec "$QT_G" python3 "$XFER" udp-ping "$QT_GW" \
      5003 "$COUNT" 2> "$T/ping.err") || fail "$(cat "$T/ping.err")"
expect_eq "datagrams echoed intact" "$got" "$COUNT"
kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
