#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_outbound.sh - outbound_address for TCP, IPv4 and IPv6: the remote host
# sees the guest's connections come from the configured address (a second
# address on the host's uplink); connections to the host's loopback through
# the gateway are not bound to it.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built tcp || skip "the tcp module is a placeholder"
lab_need python3
lab_up

OUT4=203.0.113.12
OUT6=2001:db8:1::12
ip -n "$LAB_HOST" addr add "$OUT4/$LAB_PREFIX4" dev uplink
ip -n "$LAB_HOST" addr add "$OUT6/$LAB_PREFIX6" dev uplink nodad
lab_passt "ipv4 = { address = \"$LAB_HOST4\"; outbound_address = \"$OUT4\"; };
ipv6 = { address = \"$LAB_HOST6\"; outbound_address = \"$OUT6\"; };" \
	"config_net = true;"

cat > "$T/whoami.py" <<'PY'
# whoami.py ADDR...: tell each TCP client on port 7778 its source address
import select, socket
import sys
socks = []
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, 7778))
    s.listen(8)
    socks.append(s)
print('listening', flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        c, a = s.accept()
        c.sendall(a[0].encode())
        c.close()
PY

cat > "$T/ask.py" <<'PY'
# ask.py ADDR: print the source address the whoami server saw
import socket, sys
ai = socket.getaddrinfo(sys.argv[1], 7778, type=socket.SOCK_STREAM)[0]
c = socket.socket(ai[0], socket.SOCK_STREAM)
c.settimeout(5)
c.connect(ai[4])            # with its scope, for a link-local address
print(c.recv(100).decode())
PY

# Not lab_*(): $! must be the process itself, for the cleanup
ip netns exec "$LAB_REMOTE" python3 "$T/whoami.py" "$LAB_REMOTE4" \
	"$LAB_REMOTE6" > "$T/remote.log" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$LAB_HOST" python3 "$T/whoami.py" 127.0.0.1 ::1 \
	> "$T/host.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/remote.log" || fail "$(cat "$T/remote.log")"
wait_for 50 grep -q listening "$T/host.log" || fail "$(cat "$T/host.log")"

# ask() - Connect from the guest, check the source the server saw
# $1: address to connect to, $2: source expected
ask() {
	local got

	got=$(lab_guest python3 "$T/ask.py" "$1" 2> "$T/ask.err") ||
		fail "TCP to $1: $(cat "$T/ask.err")"
	expect_eq "source of a TCP connection to $1" "$got" "$2"
}

ask "$LAB_REMOTE4" "$OUT4"
ask "$LAB_REMOTE6" "$OUT6"
# The gateway stands for the host's loopback: never bound there
ask "$LAB_GW4" 127.0.0.1
ask "$LAB_GW6%$LAB_IF" ::1
