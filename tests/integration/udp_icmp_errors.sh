#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_icmp_errors.sh - ICMP errors the host receives for the guest's
# datagrams reach the guest as the matching ICMP or ICMPv6 errors, quoting
# what the guest sent, so that its own sockets see them:
# - port unreachable from the remote host: a connected socket in the guest
#   gets "connection refused", IPv4 and IPv6;
# - fragmentation needed / packet too big from the router, whose link to
#   the remote has a 1300 bytes MTU: the guest's kernel learns that path
#   MTU (IP_MTU, IPV6_MTU of its connected socket).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
ip -n "$LAB_ROUTER" link set wan mtu 1300
ip -n "$LAB_REMOTE" link set eth0 mtu 1300
lab_passt "" "config_net = true;"

cat > "$T/refused.py" <<'PY'
# refused.py ADDR: send to a closed port, print what the socket says
import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.connect((sys.argv[1], 9))
s.settimeout(2)
for attempt in range(3):
    s.send(b'anyone?')
    try:
        s.recv(100)
        print('answered')
        break
    except ConnectionRefusedError:
        print('refused')
        break
    except socket.timeout:
        continue
else:
    print('nothing')
PY

cat > "$T/pmtu.py" <<'PY'
# pmtu.py ADDR: send 1400 bytes with DF, print the path MTU the kernel has
import socket, sys, time
v6 = ':' in sys.argv[1]
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, 23, 2)	# IPV6_MTU_DISCOVER: DO
else:
    s.setsockopt(socket.IPPROTO_IP, 10, 2)	# IP_MTU_DISCOVER: DO
s.connect((sys.argv[1], 9))
mtu = 0
for attempt in range(10):
    try:
        s.send(b'x' * 1400)
    except OSError:
        pass
    time.sleep(0.2)
    mtu = s.getsockopt(socket.IPPROTO_IPV6, 24) if v6 else \
        s.getsockopt(socket.IPPROTO_IP, 14)	# IPV6_MTU, IP_MTU
    if mtu < 1400:
        break
print(mtu)
PY

for dst in "$LAB_REMOTE4" "$LAB_REMOTE6"; do
	got=$(lab_guest python3 "$T/refused.py" "$dst" 2> "$T/err") ||
		fail "$(cat "$T/err")"
	expect_eq "closed port on $dst, as the guest's socket sees it" \
		"$got" refused
	echo "$dst port 9: the guest's socket got: connection refused"

	got=$(lab_guest python3 "$T/pmtu.py" "$dst" 2> "$T/err") ||
		fail "$(cat "$T/err")"
	expect_eq "path MTU to $dst, as the guest's kernel knows it" "$got" 1300
	echo "$dst: the guest's kernel learnt the path MTU: $got"
done

grep -q "ICMP type 3 code 3 to the guest" "$T/passt.log" ||
	fail "no port unreachable in the log"
grep -q "ICMPv6 type 2 code 0 to the guest" "$T/passt.log" ||
	fail "no packet too big in the log"
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
