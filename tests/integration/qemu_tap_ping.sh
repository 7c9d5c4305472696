#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_tap_ping.sh - ICMP echo from the guest namespace behind a real QEMU
# (see tests/qemu/lib.sh) to the gateway, answered through the daemon's
# ping sockets by the host's loopback: small and large requests.

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need
qt_need_modules icmp

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"
qt_qemu_bridge "$sock" stream
qt_dhcp

for size in 56 1400 8000; do
	out=$(timeout 60 ip netns exec "$QT_G" busybox ping -c 3 -W 5 \
	      -s "$size" "$QT_GW" 2>&1) || fail "ping -s $size: $out"
	expect_match "ping -s $size" "$out" \
		"3 packets transmitted, 3 packets received"
done
kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
