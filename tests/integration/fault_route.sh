#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_route.sh - The host's default routes disappear, then come back. A
# transfer to the router (on the host's own link, needing no default
# route) completes meanwhile with sha256 intact; one to the remote stalls
# and resumes, also intact; new connections to the remote fail cleanly
# while there is no route, and work again once there is.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

fl_start
# A second address of the router's on the host's link: the gateway's own
# address is the host's loopback to the guest (map_host_loopback)
NEAR=203.0.113.2
lab_router ip addr add "$NEAR/$LAB_PREFIX4" dev lan
fl_bg "$LAB_ROUTER" "$T/rsink.out" sink $FL_SINK
wait_for 100 grep -q listening "$T/rsink.out" || fail "router's sink"

fl_transfer_start near up 4 "$NEAR"
fl_transfer_start far up 4
# Both connections established on the host's side before the fault
wait_for 100 sh -c "[ \$(ip netns exec $LAB_HOST ss -Htn state established \
	'( dport = :$FL_SINK )' | wc -l) -ge 2 ]" ||
	fail "transfers not under way: $(cat "$T/near.out" "$T/far.out")"


lab_host ip route del default
lab_host ip -6 route del default
out=$(lab_guest python3 "$T/fl.py" expect-end "$LAB_REMOTE4" $FL_ECHO 10)
expect_match "TCP with no route" "$out" \
	"^(ConnectionRefusedError|ConnectionResetError|OSError|TimeoutError|timeout) [0-9.]+$"
out=$(lab_guest python3 "$T/fl.py" udp-end "$LAB_REMOTE4" $FL_ECHO 3)
expect_match "UDP with no route" "$out" "^(OSError|TimeoutError|timeout|ConnectionRefusedError)$"
sleep 1
fl_alive

lab_host ip route add default via "$LAB_GW4" dev uplink
lab_host ip -6 route add default via "$LAB_GW6" dev uplink

# The router's sink got its copy: the 'near' transfer never needed a route
wait_for 200 sh -c "! kill -0 $FL_T_near" || fail "transfer to the router hangs"
expect_eq "transfer to the router" "$(cat "$T/near.out")" "sent"
expect_eq "what the router got" "$(cat "$T/rsink.out" | tail -1)" "$FL_SUM"

fl_transfer_check far
fl_alive
fl_ping
