#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# busy_poll.sh - Polling before sleeping, with real request/response
# traffic (bench/reqrep, TCP, guest to remote): with busy_poll_us = 200
# waits for the remote's answer or the guest's next request find it while
# polling (busy_poll_hits, at least one for every four requests); once the traffic stops the daemon sleeps (under 50 ms
# of CPU in 2 s); a reload to busy_poll_us = 0 applies at once and no wait
# polls any more. With a single CPU online, polling never happens.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_up
"${CC:-cc}" -std=gnu11 -O2 -D_GNU_SOURCE -o "$T/reqrep" \
	"$TOP/bench/reqrep.c" || fail "cannot build bench/reqrep.c"
lab_passt "busy_poll_us = 200;" "config_net = true;"

ip netns exec "$LAB_REMOTE" "$T/reqrep" server "$LAB_REMOTE4" 7000 \
	> "$T/server.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 50 grep -q listening "$T/server.out" || fail "reqrep server"

# rr() - One second of requests and answers, each 64 bytes; the count
rr() {
	local out
	out=$(lab_guest "$T/reqrep" rr tcp "$LAB_REMOTE4" 7000 1) ||
		fail "reqrep: $out"
	echo "$out" | sed -n 's/^count \([0-9]*\) .*/\1/p'
}

# report() - SIGUSR1, then wait for the N-th set of lines
report() {
	stats_report "$LAB_PASST_PID" "$T/passt.log" core "$1"
}

# hits() and misses() - The core's counters in the N-th report
hits() {
	stats_get "$T/passt.log" core busy_poll_hits "$1"
}
misses() {
	stats_get "$T/passt.log" core busy_poll_misses "$1"
}

# ticks() - CPU time the daemon used so far, in clock ticks
ticks() {
	awk '{ print $14 + $15 }' "/proc/$LAB_PASST_PID/stat"
}

report 1
n=$(rr)
[ "${n:-0}" -ge 100 ] || fail "only ${n:-0} requests answered"
report 2
got=$(($(hits 2) - $(hits 1)))
if [ "$(nproc)" -ge 2 ]; then
	[ "$got" -ge $((n / 4)) ] ||
		fail "$got waits found their event while polling, $n requests"
else
	expect_eq "one CPU: waits found while polling" "$got" 0
fi
echo "busy_poll_us = 200: $n requests, $got waits found their event polling"

# Nothing to do: the daemon sleeps rather than polls
sleep 0.5
t0=$(ticks)
sleep 2
t1=$(ticks)
[ $((t1 - t0)) -le $(($(getconf CLK_TCK) / 20)) ] ||
	fail "idle, the daemon used $((t1 - t0)) ticks in 2 s"

# Off, by a reload: no wait polls
lab_conf "$T/passt.conf" "busy_poll_us = 0;" "config_net = true;"
kill -HUP "$LAB_PASST_PID"
wait_for 50 grep -q 'reload: busy_poll_us 0$' "$T/passt.log" ||
	fail "reload not applied: $(tail -3 "$T/passt.log")"
report 3
n=$(rr)
report 4
expect_eq "polled for answers, polling off" \
	"$(($(hits 4) + $(misses 4)))" "$(($(hits 3) + $(misses 3)))"
[ "${n:-0}" -ge 100 ] || fail "only ${n:-0} requests answered, polling off"
echo "busy_poll_us = 0 (reloaded): $n requests, no wait polled"
