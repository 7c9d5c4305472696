#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_nofile.sh - The daemon runs out of file descriptors (RLIMIT_NOFILE
# lowered to 64 before it starts): connections it can't open a socket for
# fail cleanly for the guest, the ones it has keep working, a transfer
# running meanwhile completes with sha256 intact, and once descriptors are
# free again new connections work.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

cat > "$T/passt-nofile" <<WRAP
#!/bin/sh
ulimit -n 64 && exec "$PASST" "\$@"
WRAP
chmod 755 "$T/passt-nofile"
PASST="$T/passt-nofile" fl_start "udp = { flow_timeout = 2; };"
expect_eq "the daemon's limit" \
	"$(awk '/^Max open files/ { print $4 }' "/proc/$LAB_PASST_PID/limits")" 64
base=$(fl_fds)
echo "descriptors at rest: $base of 64"
fl_transfer_start a up 4

lab_guest python3 "$T/fl.py" hold "$LAB_REMOTE4" $FL_ECHO 100 2 \
	> "$T/hold.out" || fail "hold: $(cat "$T/hold.out")"
read -r _ open _ refused _ error < "$T/hold.out"
echo "100 connections: $open open, $refused refused, $error failed otherwise"
[ "$open" -ge 10 ] && [ "$open" -le $((64 - base)) ] ||
	fail "open connections: $open, expected 10 to $((64 - base))"
expect_eq "open ones still echoing" "$(tail -1 "$T/hold.out")" "ok $open"
fl_alive

fl_transfer_check a
wait_for 100 sh -c "ip netns exec $LAB_GUEST python3 $T/fl.py ping \
	$LAB_REMOTE4 $FL_ECHO | grep -qx 'tcp ok udp ok'" ||
	fail "no new connection once descriptors were free"
