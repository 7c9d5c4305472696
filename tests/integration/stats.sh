#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# stats.sh - SIGUSR1 counters after known traffic, sandbox on: 5 pings
# (IPv4, 56 bytes of data) and 7 UDP datagrams of 100 bytes echoed by the
# remote host add exactly their frames and bytes, each way, to the icmp
# and udp lines, and to their own counters (requests and replies, host
# datagrams and bytes, flows by kind); one line for the core, then one per
# module, the same names in the same order at each report; one TCP
# connection (300000 bytes up, 200000 down) adds exactly its bytes to
# tcp's counters, and leaves no connection behind.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built icmp || skip "the icmp module is a placeholder"
lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_passt "" "config_net = true;"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$LAB_PASST_PID/status" ||
	fail "daemon $LAB_PASST_PID runs without its seccomp filter"

PINGS=5
DGRAMS=7
PLEN=100

# report() - SIGUSR1, then wait for the N-th set of lines (udp's is last)
# $1: which report this is
report() {
	stats_report "$LAB_PASST_PID" "$T/passt.log" udp "$1"
}

# stat() - A counter of a module in a report
# $1: module (or core), $2: counter, $3: which report
stat() {
	stats_get "$T/passt.log" "$@"
}

# delta() - How much a counter grew from report 1 to report 2
# $1: module, $2: counter
delta() {
	local a b
	a=$(stat "$1" "$2" 1)
	b=$(stat "$1" "$2" "$LAST")
	[ -n "$a" ] && [ -n "$b" ] || fail "$1: no counter $2"
	echo $((b - a))
}

report 1

# Known traffic: pings, then datagrams echoed, one socket in the guest
out=$(lab_guest busybox ping -4 -c $PINGS -i 0.2 -W 3 "$LAB_REMOTE4" 2>&1) ||
	fail "ping: $out"
expect_match "ping" "$out" \
	"$PINGS packets transmitted, $PINGS packets received"

cat > "$T/echo.py" <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 7777))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
EOF
ip netns exec "$LAB_REMOTE" python3 "$T/echo.py" > "$T/echo.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 50 grep -q listening "$T/echo.out" || fail "echo server"

cat > "$T/client.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
n, size, got = int(sys.argv[3]), int(sys.argv[4]), 0
for i in range(n):
    d = bytes([i]) * size
    s.sendto(d, (sys.argv[1], int(sys.argv[2])))
    got += s.recvfrom(65535)[0] == d
print(got)
EOF
expect_eq "datagrams echoed" \
	"$(lab_guest python3 "$T/client.py" "$LAB_REMOTE4" 7777 $DGRAMS $PLEN)" \
	$DGRAMS

# One TCP connection: TUP bytes up, TDOWN bytes back, closed by both
TUP=300000
TDOWN=200000
cat > "$T/tcpsrv.py" <<'EOF'
import socket, sys
up, down = int(sys.argv[1]), int(sys.argv[2])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('0.0.0.0', 7778))
l.listen()
print('listening', flush=True)
c, _ = l.accept()
n = 0
while n < up:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
c.sendall(b'y' * down)
c.close()
EOF
ip netns exec "$LAB_REMOTE" python3 "$T/tcpsrv.py" $TUP $TDOWN > "$T/tcpsrv.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 50 grep -q listening "$T/tcpsrv.out" || fail "tcp server"
cat > "$T/tcpcli.py" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b'x' * int(sys.argv[3]))
got = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    got += len(d)
s.close()
print(got)
EOF
expect_eq "tcp bytes back" \
	"$(lab_guest python3 "$T/tcpcli.py" "$LAB_REMOTE4" 7778 $TUP)" $TDOWN

# tcp_gone() - Whether the daemon has let go of every TCP connection
tcp_gone() {
	kill -USR1 "$LAB_PASST_PID"
	sleep 0.1
	grep "stats: tcp: " "$T/passt.log" | tail -1 | grep -q " flows=0 "
}
wait_for 50 tcp_gone || fail "a TCP connection is left"

LAST=$(($(grep -c 'stats: udp: ' "$T/passt.log") + 1))	# tcp_gone() asked too
report "$LAST"

# Ethernet, IPv4 and ICMP headers (14 + 20 + 8) around busybox's 56 bytes
ping_frame=$((14 + 20 + 8 + 56))
udp_frame=$((14 + 20 + 8 + PLEN))

expect_eq "icmp frames from the guest" \
	"$(delta icmp frames_from_guest)" $PINGS
expect_eq "icmp bytes from the guest" \
	"$(delta icmp bytes_from_guest)" $((PINGS * ping_frame))
expect_eq "icmp frames to the guest" "$(delta icmp frames_to_guest)" $PINGS
expect_eq "icmp bytes to the guest" \
	"$(delta icmp bytes_to_guest)" $((PINGS * ping_frame))
expect_eq "icmp requests to the host" \
	"$(delta icmp requests_to_host)" $PINGS
expect_eq "icmp replies from the host" \
	"$(delta icmp replies_from_host)" $PINGS
expect_eq "icmp flows" "$(stat icmp flows "$LAST")" 1
expect_eq "icmp echo flows, IPv4" "$(stat icmp flows_echo4 "$LAST")" 1
expect_eq "icmp drops" "$(delta icmp drop_malformed) $(
	)$(delta icmp drop_send) $(delta icmp drop_no_flow)" "0 0 0"

expect_eq "udp frames from the guest" \
	"$(delta udp frames_from_guest)" $DGRAMS
expect_eq "udp bytes from the guest" \
	"$(delta udp bytes_from_guest)" $((DGRAMS * udp_frame))
expect_eq "udp frames to the guest" "$(delta udp frames_to_guest)" $DGRAMS
expect_eq "udp bytes to the guest" \
	"$(delta udp bytes_to_guest)" $((DGRAMS * udp_frame))
expect_eq "udp datagrams to the host" \
	"$(delta udp datagrams_to_host)" $DGRAMS
expect_eq "udp bytes to the host" \
	"$(delta udp bytes_to_host)" $((DGRAMS * PLEN))
expect_eq "udp datagrams from the host" \
	"$(delta udp datagrams_from_host)" $DGRAMS
expect_eq "udp bytes from the host" \
	"$(delta udp bytes_from_host)" $((DGRAMS * PLEN))
expect_eq "udp flows" "$(stat udp flows "$LAST")" 1
expect_eq "udp outbound flows" "$(stat udp flows_out "$LAST")" 1
expect_eq "udp drops" "$(delta udp drop_malformed) $(
	)$(delta udp drop_send) $(delta udp drop_too_big)" "0 0 0"

# The same counters, in the same order, at each report; the core first
for m in core tap tcp udp icmp dhcp ndp; do
	names1=$(grep "stats: $m: " "$T/passt.log" | sed -n 1p |
		 sed 's/.*stats: [a-z_]*: //; s/=[0-9]*//g')
	names2=$(grep "stats: $m: " "$T/passt.log" | sed -n 2p |
		 sed 's/.*stats: [a-z_]*: //; s/=[0-9]*//g')
	[ -n "$names1" ] || fail "no line for $m"
	expect_eq "$m: the same counters twice" "$names2" "$names1"
done
expect_eq "first line of a report" \
	"$(grep 'stats: ' "$T/passt.log" | head -1 | sed 's/.*stats: //; s/:.*//')" \
	core
expect_eq "tcp bytes to the host" "$(delta tcp bytes_to_host)" $TUP
expect_eq "tcp bytes from the host" "$(delta tcp bytes_from_host)" $TDOWN
expect_eq "tcp connections left" "$(stat tcp flows_established "$LAST") $(
	)$(stat tcp flows_connecting "$LAST") $(stat tcp flows "$LAST")" "0 0 0"
expect_eq "tcp drops" "$(delta tcp drop_bad_checksum) $(
	)$(delta tcp drop_bad_header) $(delta tcp drop_table_full)" "0 0 0"
kill -0 "$LAB_PASST_PID" || fail "daemon died: $(tail -5 "$T/passt.log")"
echo "icmp: $PINGS pings, udp: $DGRAMS datagrams, tcp: $TUP bytes up and $TDOWN down: counted exactly"
