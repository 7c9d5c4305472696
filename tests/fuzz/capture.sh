#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# capture.sh - Record real guest traffic in the lab and turn it into the
# seed corpora of the fuzz harnesses (tests/fuzz/corpus/), as root
#
# Usage: BUILD=build bash tests/fuzz/capture.sh [OUT_DIR]
#
# The daemon runs with the tap backend in tests/integration/lab.sh's
# namespaces, capturing (pcap = FILE) while the guest does what guests do:
# DHCPv4 and DHCPv6, SLAAC (router and neighbour solicitations), TCP and
# UDP to an echo server on the remote's port 7 over IPv4 and IPv6, a DNS
# query, pings both ways of IP, and a connection and a datagram from the
# host to forwarded ports. tests/fuzz/seeds.py then cuts the capture into
# seeds per harness (default OUT_DIR: tests/fuzz/corpus). Nothing is sent
# outside the lab's namespaces. Maintainers run it when the traffic the
# tests make changes; the result is committed.

. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/lab.sh"

OUT=${1:-$TOP/tests/fuzz/corpus}
lab_need tcpdump python3
lab_up
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_passt "pcap = \"$T/cap.pcap\";
forward = ( { proto = \"tcp\"; from = \"host\"; ports = \"8080:80\"; },
	    { proto = \"udp\"; from = \"host\"; ports = \"5353:80\"; } );"
lab_dhcp4

cat > "$T/echo.py" <<'EOF'
import socket, sys, threading
def tcp(s):
    while True:
        c, _ = s.accept()
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.close()
def udp(s):
    while True:
        b, a = s.recvfrom(65536)
        s.sendto(b, a)
port = int(sys.argv[1])
for t, f in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
    s = socket.socket(socket.AF_INET6, t)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(('::', port))
    if t == socket.SOCK_STREAM:
        s.listen(8)
    threading.Thread(target=f, args=(s,), daemon=True).start()
print('listening', flush=True)
threading.Event().wait(60)
EOF
cat > "$T/client.py" <<'EOF'
import os, socket, struct, sys
for a in sys.argv[1:]:
    f = socket.AF_INET6 if ':' in a else socket.AF_INET
    c = socket.create_connection((a, 7), timeout=5)
    d = os.urandom(3000)
    c.sendall(d)
    c.shutdown(socket.SHUT_WR)
    got = b''
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    assert got == d, a
    c.close()
    u = socket.socket(f, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(b'datagram to ' + a.encode(), (a, 7))
    u.recvfrom(100)
    u.close()
EOF
cat > "$T/dns.py" <<'EOF'
import socket, struct, sys
q = struct.pack('!HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0)
q += b'\x07example\x03com\x00' + struct.pack('!HH', 1, 1)
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(q, (sys.argv[1], 53))
try:
    s.recvfrom(512)
except socket.timeout:
    pass
EOF
cat > "$T/server.py" <<'EOF'
import socket, threading
def tcp(s):
    c, _ = s.accept()
    c.sendall(c.recv(100))
    c.close()
def udp(s):
    b, a = s.recvfrom(100)
    s.sendto(b, a)
ts = []
for t, f in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
    s = socket.socket(socket.AF_INET6, t)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(('::', 80))
    if t == socket.SOCK_STREAM:
        s.listen(1)
    th = threading.Thread(target=f, args=(s,), daemon=True)
    th.start()
    ts.append(th)
print('listening', flush=True)
for th in ts:
    th.join(10)
EOF

lab_remote python3 "$T/echo.py" 7 > "$T/echo.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/echo.out" || fail "echo server didn't start"

# SLAAC: wait for a global address, then DHCPv6 if busybox has a client
wait_for 100 sh -c "ip netns exec $LAB_GUEST ip -6 -o addr show \
	scope global | grep -q inet6" || fail "no SLAAC address"
lab_guest busybox udhcpc6 -i "$LAB_IF" -q -n -t 2 -T 1 -s /bin/true \
	> /dev/null 2>&1 || true

lab_guest python3 "$T/client.py" "$LAB_REMOTE4" "$LAB_REMOTE6" ||
	fail "echo over TCP and UDP failed"
dns4=$(lab_env "$T/dhcp4.env" dns | cut -d' ' -f1)
lab_guest python3 "$T/dns.py" "${dns4:-$LAB_GW4}"
lab_guest busybox ping -c 2 -W 2 "$LAB_REMOTE4" > /dev/null ||
	fail "no echo reply over IPv4"
lab_guest busybox ping6 -c 2 -W 2 "$LAB_REMOTE6" > /dev/null ||
	fail "no echo reply over IPv6"

lab_guest python3 "$T/server.py" > "$T/server.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/server.out" || fail "guest server"
lab_host python3 -c '
import socket
c = socket.create_connection(("127.0.0.1", 8080), timeout=5)
c.sendall(b"hello from the host")
c.recv(100)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b"datagram from the host", ("127.0.0.1", 5353))
u.recvfrom(100)' || fail "host to guest through the forwarded ports"

lab_down
mkdir -p "$OUT"
python3 "$TOP/tests/fuzz/seeds.py" pcap "$T/cap.pcap" "$OUT"
