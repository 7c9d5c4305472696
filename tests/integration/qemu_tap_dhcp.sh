#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_tap_dhcp.sh - A real QEMU as the qemu_stream client: its hub bridges
# a tap device in a guest namespace to the daemon's socket (no VM, see
# tests/qemu/lib.sh), and the Linux stack there gets its address, route and
# MTU by DHCP (busybox udhcpc) and resolves the gateway by ARP. Then QEMU
# goes away and comes back in the older style (-netdev socket with a
# descriptor connected beforehand): the daemon, still listening, serves the
# new client from a clean state.

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"

# QEMU 7.2 and later: -netdev stream
qt_qemu_bridge "$sock" stream
wait_for 50 grep -q "guest connected" "$T/log" ||
	fail "QEMU didn't connect: $(cat "$T/qemu.out"); $(cat "$T/log")"
qt_dhcp
qt_arp

# QEMU leaves: the daemon resets the guest's state and keeps listening
qt_qemu_stop
wait_for 50 grep -q "connection closed (closed by the guest)" "$T/log" ||
	fail "disconnect not seen: $(tail -5 "$T/log")"
kill -0 "$QT_PID" || fail "daemon exited when QEMU did: $(tail "$T/log")"

# Older QEMU: -netdev socket,fd=N on a descriptor connected beforehand
qt_qemu_bridge "$sock" fd
qt_dhcp
qt_arp
expect_eq "guests connected" "$(grep -c "guest connected" "$T/log")" 2

qt_qemu_stop
kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
! grep -q "protocol error" "$T/log" || fail "$(cat "$T/log")"
