#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_splice.sh - UDP from = "guest" rules, tap backend, sandbox on: a
# guest client sending to its own 127.0.0.1 / ::1 reaches an echo server
# on the host's loopback at the rule's target port, and gets each answer
# back from the address and port it sent to:
# - 200 datagrams of sizes up to 65000 bytes, from two client sockets per
#   family at once, each answer checked byte for byte against its request
# - SIGUSR1: one spliced flow per client socket, and exactly the datagrams
#   counted both ways
# - a reload that removes the rule ends those flows and unbinds the port:
#   the guest's next datagram there is refused (ICMP port unreachable)

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_need python3
lab_module_built udp || skip "udp module not built"
[ -f "$BUILD/modules/tap.so" ] || skip "no tap backend built"
lab_up

RULES='forward = ( { proto = "udp"; from = "guest"; ports = "5300:6300"; } );'
lab_passt "modules = [ \"udp\" ]; $RULES" 'config_net = true;'

# The host's echo server, on its loopback (the lab's host namespace, where
# the daemon runs), both families
cat > "$T/echo.py" <<'EOF'
import select, socket
socks = []
for fam, a in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((a, 6300))
    socks.append(s)
print('listening', flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        d, peer = s.recvfrom(65535)
        s.sendto(d, peer)
EOF
ip netns exec "$LAB_HOST" python3 "$T/echo.py" > "$T/echo.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 50 grep -q listening "$T/echo.out" || fail "echo server"

# The guest's clients: $1 address, $2 datagrams per socket; prints how
# many answers matched, from the right address and port
cat > "$T/client.py" <<'EOF'
import os, socket, sys
addr, n = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(2)]
good = 0
for i in range(n):
    for k, s in enumerate(socks):
        size = (i * 7919 + k * 104729) % 65000 + 1
        msg = os.urandom(size)
        s.settimeout(5)
        s.sendto(msg, (addr, 5300))
        got, peer = s.recvfrom(65535)
        if got == msg and peer[0] == addr and peer[1] == 5300:
            good += 1
print(good)
EOF

for a in 127.0.0.1 ::1; do
	got=$(lab_guest python3 "$T/client.py" "$a" 100) ||
		fail "client to $a: $got"
	expect_eq "answers through $a:5300" "$got" 200
done
echo "guest loopback port 5300 to host loopback 6300: 2 x 200 datagrams echoed"

stats_report "$LAB_PASST_PID" "$T/passt.log" udp 1
expect_eq "spliced flows" "$(stats_get "$T/passt.log" udp flows_splice 1)" 4
expect_eq "datagrams spliced" \
	"$(stats_get "$T/passt.log" udp datagrams_spliced 1)" 800
expect_eq "datagrams to the guest's link" \
	"$(stats_get "$T/passt.log" udp frames_to_guest 1)" 0

# Reload without the rule: the flows end, the port is closed
lab_conf "$T/passt.conf" 'modules = [ "udp" ];' 'config_net = true;'
kill -HUP "$LAB_PASST_PID"
wait_for 50 grep -q 'reload: forward rule 0 removed' "$T/passt.log" ||
	fail "reload: $(tail -3 "$T/passt.log")"
stats_report "$LAB_PASST_PID" "$T/passt.log" udp 2
expect_eq "spliced flows after the reload" \
	"$(stats_get "$T/passt.log" udp flows_splice 2)" 0
out=$(lab_guest python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("127.0.0.1", 5300))
s.send(b"x")
try:
    s.recv(10)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
')
expect_eq "guest port 5300 after the reload" "$out" refused
kill -0 "$LAB_PASST_PID" || fail "daemon died: $(tail -5 "$T/passt.log")"
echo "rule removed by a reload: flows gone, port 5300 refused"
