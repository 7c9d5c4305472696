#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_outbound.sh - outbound_address, IPv4 and IPv6: the host has a second
# address on its uplink, configured as the outbound address. The remote
# host sees the guest's UDP datagrams and echo requests come from it; the
# answers still reach the guest. Towards the host's loopback (through the
# gateway) sockets are not bound to it: the host sees them from loopback.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up

OUT4=203.0.113.11
OUT6=2001:db8:1::11
ip -n "$LAB_HOST" addr add "$OUT4/$LAB_PREFIX4" dev uplink
ip -n "$LAB_HOST" addr add "$OUT6/$LAB_PREFIX6" dev uplink nodad
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_passt "ipv4 = { address = \"$LAB_HOST4\"; outbound_address = \"$OUT4\"; };
ipv6 = { address = \"$LAB_HOST6\"; outbound_address = \"$OUT6\"; };" \
	"config_net = true;"

cat > "$T/whoami.py" <<'PY'
# whoami.py ADDR...: answer each datagram to port 7777 with its source
import select, socket, sys
socks = []
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((a, 7777))
    socks.append(s)
print('listening', flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        d, a = s.recvfrom(100)
        s.sendto(a[0].encode(), a)
PY

cat > "$T/ask.py" <<'PY'
# ask.py ADDR: print what the whoami server at ADDR saw us as
import socket, sys
ai = socket.getaddrinfo(sys.argv[1], 7777, type=socket.SOCK_DGRAM)[0]
s = socket.socket(ai[0], socket.SOCK_DGRAM)
s.connect(ai[4])            # with its scope, for a link-local address
s.settimeout(2)
for attempt in range(3):
    s.send(b'?')
    try:
        print(s.recv(100).decode())
        break
    except socket.timeout:
        continue
else:
    sys.exit('no answer from ' + sys.argv[1])
PY

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_REMOTE" python3 "$T/whoami.py" "$LAB_REMOTE4" "$LAB_REMOTE6" \
	> "$T/remote.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$LAB_HOST" python3 "$T/whoami.py" 127.0.0.1 ::1 > "$T/host.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/remote.log" || fail "$(cat "$T/remote.log")"
wait_for 50 grep -q listening "$T/host.log" || fail "$(cat "$T/host.log")"

# $1: address to ask, $2: source expected
ask() {
	local got

	got=$(lab_guest python3 "$T/ask.py" "$1" 2> "$T/ask.err") ||
		fail "$(cat "$T/ask.err")"
	expect_eq "source seen by $1" "$got" "$2"
	echo "UDP to $1: seen from $got"
}

ask "$LAB_REMOTE4" "$OUT4"
ask "$LAB_REMOTE6" "$OUT6"
ask "$LAB_GW4" 127.0.0.1
ask "$LAB_GW6%$LAB_IF" ::1

if lab_module_built icmp; then
	ip netns exec "$LAB_REMOTE" python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print('listening', flush=True)
seen = set()
import select
while len(seen) < 2:
    for x in select.select([s, s6], [], [])[0]:
        d, a = x.recvfrom(65535)
        if (x is s and d[(d[0] & 15) * 4] == 8) or (x is s6 and d[0] == 128):
            seen.add(a[0])
            print(a[0], flush=True)
" > "$T/icmp.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 50 grep -q listening "$T/icmp.log" ||
		fail "$(cat "$T/icmp.log")"
	lab_guest busybox ping -c 1 -W 3 "$LAB_REMOTE4" > /dev/null ||
		fail "ping $LAB_REMOTE4"
	lab_guest busybox ping -6 -c 1 -W 3 "$LAB_REMOTE6" > /dev/null ||
		fail "ping -6 $LAB_REMOTE6"
	wait_for 30 sh -c "[ \$(grep -c . '$T/icmp.log') -ge 3 ]" ||
		fail "echo requests seen: $(cat "$T/icmp.log")"
	expect_eq "sources of echo requests at the remote" \
		"$(sed 1d "$T/icmp.log" | sort | tr '\n' ' ')" \
		"$(printf '%s\n' "$OUT4" "$OUT6" | sort | tr '\n' ' ')"
	echo "echo requests seen from $OUT4 and $OUT6"
fi

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
