#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_echo.sh - The guest namespace, behind the tap backend with the default
# sandbox, sends 1000 datagrams over IPv4 and 1000 over IPv6, sizes from 1
# byte to the largest payload the link's MTU (65520) carries, to an echo
# server on the remote host beyond the router: every one comes back intact,
# counted by the client, and the server counts 1000 distinct ones received.
# The remote sees the guest's own source port (kept by the host socket).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
lab_passt "" "config_net = true;"

COUNT=1000
MTU=65520

cat > "$T/echo.py" <<'EOF'
# echo.py ADDR PORT COUNTFILE: echo every datagram; write how many distinct
# payloads, and the source ports seen, to COUNTFILE after each one
import os, socket, sys
addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind((addr, port))
print('listening', flush=True)
seen, ports = set(), set()
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
    seen.add(d)
    ports.add(a[1])
    with open(out + '.tmp', 'w') as f:
        f.write('%d %s\n' % (len(seen), ','.join(map(str, sorted(ports)))))
    os.replace(out + '.tmp', out)
EOF

cat > "$T/client.py" <<'EOF'
# client.py ADDR PORT COUNT MAXLEN SPORT: send COUNT datagrams of 1 to
# MAXLEN bytes from port SPORT, each until its echo comes back (3 tries);
# print how many came back intact
import hashlib, socket, sys
addr, port, count, maxlen, sport = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(('', sport))
s.connect((addr, port))
s.settimeout(2)
ok = 0
for i in range(count):
    size = 1 + (i * (maxlen - 1)) // (count - 1)
    seed = hashlib.sha256(i.to_bytes(4, 'big')).digest()
    data = (seed * (size // 32 + 1))[:size]
    for attempt in range(3):
        s.send(data)
        try:
            while s.recv(65535) != data:
                pass
            ok += 1
            break
        except socket.timeout:
            print('datagram %d (%d bytes): no echo, try %d' %
                  (i, size, attempt + 1), file=sys.stderr)
print(ok)
EOF

# One run per IP version: $1 server address, $2 largest payload, $3 port
echo_run() {
	local out="$T/count.$3"

	# Not lab_*(): $! must be the process itself, for the cleanup

	ip netns exec "$LAB_REMOTE" python3 "$T/echo.py" "$1" 7777 "$out" \
		> "$T/echo.$3.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 50 grep -q listening "$T/echo.$3.log" ||
		fail "echo server: $(cat "$T/echo.$3.log")"

	got=$(lab_guest timeout 300 python3 "$T/client.py" "$1" 7777 \
	      "$COUNT" "$2" "$3" 2> "$T/client.$3.err") ||
		fail "client: $(cat "$T/client.$3.err")"
	expect_eq "datagrams to $1 echoed intact" "$got" "$COUNT"
	expect_eq "distinct datagrams the server got, and source port" \
		"$(cat "$out")" "$COUNT $3"
	echo "$1: $got of $COUNT datagrams, 1 to $2 bytes, back intact"
}

echo_run "$LAB_REMOTE4" $((MTU - 28)) 40001
echo_run "$LAB_REMOTE6" $((MTU - 48)) 40002

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
