#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_forward.sh - Inbound UDP forwarding: a rule sends host port 5555 to
# guest port 6666. A server in the guest answers each datagram with the
# address and port it saw it from. Clients with connected sockets (which
# only accept answers from where they sent) reach it from the host's
# loopback (seen as the gateway), from the host's own address (seen as the
# gateway too: the guest has the same one), and from the remote host (seen
# as itself), over IPv4 and IPv6.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
RULE='{ proto = "udp"; from = "host"; ports = "5555:6666"; }'
lab_passt "forward = ( $RULE );" "config_net = true;"

cat > "$T/whoami.py" <<'EOF'
# whoami.py PORT: answer each datagram with "ADDRESS PORT" of its sender
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', int(sys.argv[1])))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    peer = a[0][7:] if a[0].startswith('::ffff:') else a[0].split('%')[0]
    s.sendto(('%s %d %s' % (peer, a[1], d.decode())).encode(), a)
EOF

cat > "$T/ask.py" <<'EOF'
# ask.py ADDR PORT: send a datagram from a connected socket, print the
# answer as "SEEN-ADDRESS SEEN-PORT-IS-OURS PAYLOAD"
import socket, sys
addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.connect((addr, port))
s.settimeout(2)
for attempt in range(3):
    s.send(b'hello')
    try:
        peer, pport, data = s.recv(100).decode().split()
        break
    except socket.timeout:
        continue
else:
    sys.exit('no answer from %s port %d' % (addr, port))
print(peer, int(pport) == s.getsockname()[1], data)
EOF

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_GUEST" python3 "$T/whoami.py" 6666 > "$T/whoami.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/whoami.log" ||
	fail "guest server: $(cat "$T/whoami.log")"

# $1: where the client runs, $2: address it sends to, $3: what the guest
# should see the datagram come from
ask() {
	local got

	got=$("$1" python3 "$T/ask.py" "$2" 5555 2> "$T/ask.err") ||
		fail "$1 to $2: $(cat "$T/ask.err")"
	expect_eq "$1 to $2 port 5555: seen from, port kept, payload" \
		"$got" "$3 True hello"
	echo "$1 to $2: the guest saw $3, answer received"
}

ask lab_host 127.0.0.1 "$LAB_GW4"
ask lab_host "$LAB_HOST4" "$LAB_GW4"
ask lab_remote "$LAB_HOST4" "$LAB_REMOTE4"
ask lab_host ::1 "$LAB_GW6"
ask lab_host "$LAB_HOST6" "$LAB_GW6"
ask lab_remote "$LAB_HOST6" "$LAB_REMOTE6"

# Twice from the same socket: one flow, no matter how many datagrams
lab_host python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(('127.0.0.1', 5555))
s.settimeout(2)
for i in range(20):
    s.send(b'n%d' % i)
    assert s.recv(100).split()[2] == b'n%d' % i
" || fail "20 datagrams from one socket"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
