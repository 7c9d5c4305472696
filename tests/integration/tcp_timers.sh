#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_timers.sh - Shortened keepalive and inactivity settings: an idle
# connection gets keepalives that the guest answers, and, idle for good,
# is reset on both sides between one and two intervals later

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"

command -v tcpdump > /dev/null || skip "no tcpdump"
tl_lab "keepalive_interval = 1; inactivity_timeout = 3;"

ip netns exec $TL_G tcpdump -l -n -i tap0 "tcp port 5400" > "$T/dump" \
	2> /dev/null &
PIDS="$! $PIDS"
sleep 1
tl_bg $TL_R "$T/srv" wait-srv 0.0.0.0 5400 20
out=$(tl_run $TL_G wait $TL_R4 5400 20)
wait_for 50 test "$(wc -l < "$T/srv")" -ge 2

# Inactivity: reset on both sides, 3 to 6 s (plus a timer tick) after
expect_match "guest after inactivity" "$out" '^reset [3-7]\.'
expect_match "remote after inactivity" "$(tail -1 "$T/srv")" '^reset [3-7]\.'

# Keepalives: ACKs without data towards the guest while idle (one more
# ACKs its "hello"), each answered by the guest (one more ends the
# handshake)
sleep 0.5
ka=$(grep -c "$TL_R4.5400 > $TL_G4.[0-9]*: Flags \[\.\], ack .* length 0" \
	"$T/dump" || true)
ans=$(grep -c "$TL_G4.[0-9]* > $TL_R4.5400: Flags \[\.\], ack .* length 0" \
	"$T/dump" || true)
[ "$ka" -ge 3 ] || fail "keepalives seen: $((ka - 1)); $(cat "$T/dump")"
[ "$ans" -ge "$ka" ] || fail "keepalives answered: $((ans - 1)) of $((ka - 1))"
echo "keepalives: $((ka - 1)), answered: $((ans - 1))"
tl_alive
