#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_remote.sh - The far end fails: a remote server resets connections,
# a network is unreachable (the router answers with ICMP), another drops
# everything (no answer at all), a remote port is closed. Each failure
# reaches the guest as the matching failure, in bounded time; the daemon
# stays up and a transfer running meanwhile completes with sha256 intact.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

fl_start
fl_transfer_start a up 4

# Reset by the remote after its first read
out=$(lab_guest python3 "$T/fl.py" expect-end "$LAB_REMOTE4" $FL_RST 10)
expect_match "reset by the remote" "$out" "^ConnectionResetError [0-9.]+$"

# Unreachable: the router says so
lab_router ip route add unreachable 198.51.100.0/25
lab_router ip -6 route add unreachable 2001:db8:dead::/64
for a in 198.51.100.1 2001:db8:dead::1; do
	out=$(lab_guest python3 "$T/fl.py" expect-end $a 80 10)
	expect_match "TCP to unreachable $a" "$out" \
		"^(ConnectionRefusedError|ConnectionResetError|OSError|TimeoutError|timeout) [0-9.]+$"
	t=${out#* }
	[ "${t%.*}" -lt 10 ] || fail "TCP to unreachable $a took ${t}s"
done

# Silence: everything dropped, the guest's own timeout ends it
lab_router ip route add blackhole 198.51.100.128/25
out=$(lab_guest python3 "$T/fl.py" expect-end 198.51.100.129 80 3)
expect_match "TCP to a black hole" "$out" "^(TimeoutError|timeout) [0-9.]+$"

# A closed port at the remote: refused, for TCP and UDP
out=$(lab_guest python3 "$T/fl.py" expect-end "$LAB_REMOTE4" 9 10)
expect_match "TCP to a closed port" "$out" "^ConnectionRefusedError [0-9.]+$"
out=$(lab_guest python3 "$T/fl.py" udp-end "$LAB_REMOTE4" 9 5)
expect_eq "UDP to a closed port" "$out" "ConnectionRefusedError"

fl_alive
fl_transfer_check a
fl_ping
fl_ping "$LAB_REMOTE6"
