#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_flows.sh - The flow table fills up (max_flows = 48): connections
# beyond it are refused cleanly, the ones already open keep working, a
# transfer running meanwhile completes with sha256 intact, and once the
# crowd is gone new connections are taken again.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

fl_start "max_flows = 48; udp = { flow_timeout = 2; };"
fl_transfer_start a up 4

# 100 connections at once, held for two seconds, each echoing
lab_guest python3 "$T/fl.py" hold "$LAB_REMOTE4" $FL_ECHO 100 2 \
	> "$T/hold.out" || fail "hold: $(cat "$T/hold.out")"
read -r _ open _ refused _ error < "$T/hold.out"
echo "100 connections: $open open, $refused refused, $error failed otherwise"
[ "$open" -ge 20 ] && [ "$open" -lt 48 ] ||
	fail "open connections: $open, expected 20 to 47"
expect_eq "refused or failed" "$((refused + error))" "$((100 - open))"
expect_eq "open ones still echoing" "$(tail -1 "$T/hold.out")" "ok $open"
fl_alive

fl_transfer_check a
# The table empties as connections close: new ones work again
wait_for 100 sh -c "ip netns exec $LAB_GUEST python3 $T/fl.py ping \
	$LAB_REMOTE4 $FL_ECHO | grep -qx 'tcp ok udp ok'" ||
	fail "no new connection after the table emptied"
