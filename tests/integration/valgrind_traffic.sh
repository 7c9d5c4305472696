#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# valgrind_traffic.sh - The daemon under valgrind's memcheck through one
# scenario of the lab: DHCP, a TCP transfer each way over IPv4 and IPv6
# (sha256 checked), TCP and UDP echoes, pings, connection churn, then
# SIGTERM. memcheck must report no error (invalid reads or writes, uses of
# uninitialised values, bad frees) and no definite leak at exit.
#
# The sandbox is off here (sandbox = { enable = false; }), and only here:
# valgrind runs the daemon on a synthetic CPU inside its own process,
# making system calls of its own (memory for translations, signal
# handling, reading the daemon's debug information and its own files
# under /usr/lib/valgrind, and /proc) that no seccomp filter composed for
# the daemon allows, and that an empty root would make fail. Every other
# integration test runs with the sandbox on.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

# valgrind and AddressSanitizer exclude each other: a SANITIZE=1 build is
# checked by ASan itself, and this test runs on the plain build
if ldd "$PASST" 2>/dev/null | grep -q libasan ||
   grep -q -a __asan_init "$PASST" 2>/dev/null; then
	skip "the daemon is built with AddressSanitizer: valgrind checks the plain build"
fi
. "$(dirname "$0")/fault_lib.sh"

lab_need valgrind
if nm "$PASST" 2>/dev/null | grep -q __asan_init; then
	skip "an AddressSanitizer build can't run under valgrind"
fi

fl_prepare 4
# The tap backend runs its namespace helper with clone() flags valgrind
# can't emulate: the guest is on qemu_stream, through a tap interface in
# the guest's namespace bridged to the socket, as QEMU's NIC would be
cat > "$T/passt.conf" <<EOF
backend = "qemu_stream";
modules = [ "tcp", "udp", "icmp", "dhcp", "ndp" ];
log = { level = "debug"; };
sandbox = { enable = false; };
qemu_stream = { socket = "$T/passt.socket"; };
udp = { flow_timeout = 2; };
icmp = { flow_timeout = 2; };
EOF
# TCP drops acknowledged bytes with recv(NULL, n, MSG_TRUNC), which Linux
# allows for TCP sockets (no copy at all), but memcheck checks the buffer
cat > "$T/vg.supp" <<EOF
{
   recv-msg-trunc-no-buffer
   Memcheck:Param
   socketcall.recvfrom(buf)
   ...
   fun:tcp_data_discard
}
EOF
ip netns exec "$LAB_HOST" valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
	--suppressions="$T/vg.supp" \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file="$T/vg.log" "$PASST" -f -c "$T/passt.conf" \
	> "$T/passt.log" 2>&1 &
LAB_PASST_PID=$!
PIDS="$LAB_PASST_PID $PIDS"
wait_for 600 grep -q "^ready" "$T/passt.log" ||
	fail "not ready under valgrind: $(tail -5 "$T/passt.log")"
fl_bg "$LAB_GUEST" "$T/bridge.out" tapbridge "$T/passt.socket" "$LAB_IF"
wait_for 100 grep -q bridged "$T/bridge.out" ||
	fail "tap bridge: $(cat "$T/bridge.out")"

lab_dhcp4
fl_servers
for r in "$LAB_REMOTE4" "$LAB_REMOTE6"; do
	fl_transfer_start up up 0 "$r"
	fl_transfer_check up 300
	fl_transfer_start dn down 0 "$r"
	fl_transfer_check dn 300
	fl_ping "$r"
done
lab_guest busybox ping -c 2 -W 5 "$LAB_REMOTE4" > /dev/null ||
	fail "ping $LAB_REMOTE4"
lab_guest busybox ping6 -c 2 -W 5 "$LAB_REMOTE6" > /dev/null ||
	fail "ping6 $LAB_REMOTE6"
lab_guest python3 "$T/fl.py" hold "$LAB_REMOTE4" $FL_ECHO 20 0 \
	> "$T/hold.out"
expect_eq "churn: 20 connections" "$(tr '\n' ' ' < "$T/hold.out")" \
	"open 20 refused 0 error 0 ok 20 "
fl_alive

kill -TERM "$LAB_PASST_PID"
rc=0
wait "$LAB_PASST_PID" || rc=$?
LAB_PASST_PID=""
grep -q "ERROR SUMMARY: 0 errors" "$T/vg.log" ||
	fail "memcheck: $(tail -40 "$T/vg.log")"
expect_eq "exit status under valgrind" "$rc" 0
grep "ERROR SUMMARY" "$T/vg.log" | sed 's/^==[0-9]*== //'
