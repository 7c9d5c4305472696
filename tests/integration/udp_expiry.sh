#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_expiry.sh - With udp.flow_timeout = 3, a flow the guest opened to the
# remote host holds a host socket bound to the guest's source port; after
# more than 3 idle seconds (at most 2 more: whole seconds, a sweep each
# second) the socket is closed:
# gone from the host namespace's socket table, and the port free to bind.
# A flow that keeps talking stays.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3 ss
lab_up
lab_passt "udp = { flow_timeout = 3; };" "config_net = true;"

SPORT=40123
KEEP=40124

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_REMOTE" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$LAB_REMOTE4', 7777))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
" > "$T/echo.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/echo.log" || fail "$(cat "$T/echo.log")"

# $1: guest source port: one datagram to the remote, and its echo
ping_once() {
	lab_guest python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('', $1))
s.settimeout(2)
s.sendto(b'x', ('$LAB_REMOTE4', 7777))
assert s.recvfrom(10)[0] == b'x'
" || fail "no echo for guest port $1"
}

# $1: port: the daemon's sockets in the host namespace bound to it
host_socks() {
	lab_host ss -Hunap "sport = :$1" | grep -c '"passt"' || true
}

# $1: port: whether a new socket can bind it on the host's address
port_free() {
	lab_host python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$LAB_HOST4', $1))
" 2>/dev/null
}

ping_once $SPORT
start=$(date +%s.%N)
ping_once $KEEP
expect_eq "host sockets on the guest's port while the flow lives" \
	"$(host_socks $SPORT)" 1
port_free $SPORT && fail "port $SPORT is free while its flow lives"

# Keep one flow busy while the other one idles
for _ in $(seq 10); do
	sleep 0.7
	ping_once $KEEP
	[ "$(host_socks $SPORT)" = 0 ] && break
done
wait_for 30 sh -c "[ \$(ip netns exec $LAB_HOST ss -Hunap 'sport = :$SPORT' \
	| grep -c passt) = 0 ]" || fail "socket still open after 3 s idle"
gone=$(date +%s.%N)

expect_eq "host sockets on the guest's port after expiry" \
	"$(host_socks $SPORT)" 0
port_free $SPORT || fail "port $SPORT not free after expiry"
expect_eq "the busy flow's socket" "$(host_socks $KEEP)" 1
grep -q "idle for more than 3 s, closed" "$T/passt.log" ||
	fail "no expiry line in the log"
idle=$(awk "BEGIN { printf \"%.1f\", $gone - $start }")
awk "BEGIN { exit !($idle >= 2.9) }" || fail "closed after $idle s only"
echo "idle flow closed (and seen closed) $idle s after its last datagram;" \
	"the busy one kept"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
