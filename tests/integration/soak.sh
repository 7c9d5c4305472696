#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# soak.sh - Mixed traffic for a while, then the daemon must be as it was:
# rounds of TCP transfers both ways over IPv4 and IPv6 (sha256 checked),
# TCP and UDP echoes, pings over both IP versions, and connection churn
# (30 connections opened, checked and closed at once), for SOAK_SECONDS
# (default 60; CI runs longer). After a warm-up of three rounds, and again
# at the end, once datagram flows have expired, the daemon's memory and
# open descriptors are measured. Descriptors must be equal. Memory: the
# size of its data segment and anonymous mappings (VmData: grows with any
# malloc() or mmap() that stays) must be equal, and resident memory
# (VmRSS) within SOAK_RSS_SLACK_KB (default 2048) of the warm-up's: the
# buffers allocated at start-up are touched a little further whenever a
# busier loop turn than any before fills more of them, which is no leak.
# Neither is compared for an AddressSanitizer build, whose quarantine
# keeps freed memory on purpose. Zero crashes: the daemon runs throughout
# and logs no assertion.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

SECS=${SOAK_SECONDS:-60}
SLACK=${SOAK_RSS_SLACK_KB:-2048}
EXPIRE=3		# flow_timeout of udp and icmp, seconds

fl_start "udp = { flow_timeout = 2; }; icmp = { flow_timeout = 2; };" 4

# soak_round() - One round of every kind of traffic, checked
soak_round() {
	local v r
	for v in 4 6; do
		r=$LAB_REMOTE4
		[ $v = 4 ] || r=$LAB_REMOTE6
		fl_transfer_start up$v up 0 "$r"
		fl_transfer_start dn$v down 0 "$r"
	done
	for v in 4 6; do
		fl_transfer_check up$v 60
		fl_transfer_check dn$v 60
	done
	fl_ping "$LAB_REMOTE4"
	fl_ping "$LAB_REMOTE6"
	lab_guest busybox ping -c 3 -i 0.2 -W 2 "$LAB_REMOTE4" > /dev/null ||
		fail "ping $LAB_REMOTE4"
	lab_guest busybox ping6 -c 3 -i 0.2 -W 2 "$LAB_REMOTE6" > /dev/null ||
		fail "ping6 $LAB_REMOTE6"
	lab_guest python3 "$T/fl.py" hold "$LAB_REMOTE4" $FL_ECHO 30 0 \
		> "$T/hold.out"
	expect_eq "churn: 30 connections" "$(tr '\n' ' ' < "$T/hold.out")" \
		"open 30 refused 0 error 0 ok 30 "
	fl_alive
}

# soak_mem() - Memory of the daemon, kB
# $1: VmRSS or VmData
soak_mem() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$LAB_PASST_PID/status"
}

# soak_settle() - Wait for datagram and ping flows to expire
soak_settle() {
	sleep $((EXPIRE + 1))
	# A turn of the loop after expiry: another ping's flow is new
	fl_alive
}

for _ in 1 2 3; do
	soak_round
done
soak_settle
rss0=$(soak_mem VmRSS)
data0=$(soak_mem VmData)
fds0=$(fl_fds)

start=$(date +%s)
rounds=0
while [ $(($(date +%s) - start)) -lt "$SECS" ]; do
	soak_round
	rounds=$((rounds + 1))
done
soak_settle
# Expiry runs on the module's timer: give it a few more turns
wait_for 50 sh -c "[ \$(ls /proc/$LAB_PASST_PID/fd | wc -l) -le $fds0 ]" ||
	true
rss1=$(soak_mem VmRSS)
data1=$(soak_mem VmData)
fds1=$(fl_fds)

echo "$rounds rounds in ${SECS}s: $((rounds * 4)) transfers of 4 MiB," \
	"$((rounds * 2)) TCP and UDP echoes, $((rounds * 6)) pings," \
	"$((rounds * 30)) connections of churn"
echo "after warm-up: data ${data0} kB, RSS ${rss0} kB, $fds0 descriptors;" \
	"at the end: data ${data1} kB, RSS ${rss1} kB, $fds1 descriptors"

expect_eq "open descriptors, end vs warm-up" "$fds1" "$fds0"
if nm -D "$PASST" 2>/dev/null | grep -q __asan_init ||
   nm "$PASST" 2>/dev/null | grep -q __asan_init; then
	echo "AddressSanitizer build: memory not compared"
else
	expect_eq "data segment and anonymous mappings, kB" "$data1" "$data0"
	[ "$rss1" -le $((rss0 + SLACK)) ] ||
		fail "resident memory grew from $rss0 to $rss1 kB"
fi
! grep -Eq "ASSERTION|AddressSanitizer|runtime error" "$T/passt.log" ||
	fail "$(grep -E "ASSERTION|AddressSanitizer|runtime error" "$T/passt.log")"
[ "$rounds" -ge 1 ] || fail "no round completed in ${SECS}s"
