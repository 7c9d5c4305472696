#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dns_v4.sh - The host's resolver listens on its loopback (127.0.0.53, from
# the lab's resolv.conf). The guest's DHCP client is handed the gateway as
# its nameserver; a query sent there from the guest namespace reaches the
# resolver in the host namespace, and the answer comes back from the
# address the guest asked (a connected socket accepts nothing else).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_module_built dhcp || skip "the dhcp module is a placeholder"
lab_need python3
lab_up

cat > "$T/resolver.py" <<'PY'
# resolver.py ADDR...: answer A queries with 192.0.2.99, AAAA queries with
# 2001:db8::99, on port 53 of each address; log each query's name
import select, socket, struct, sys
socks = []
for a in sys.argv[1:]:
    s = socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET,
                      socket.SOCK_DGRAM)
    s.bind((a, 53))
    socks.append(s)
print('listening', flush=True)
while True:
    for s in select.select(socks, [], [])[0]:
        q, peer = s.recvfrom(512)
        if len(q) < 17:
            continue
        i = 12
        labels = []
        while i < len(q) and q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode())
            i += q[i] + 1
        qtype = struct.unpack('!H', q[i + 1:i + 3])[0]
        print('query', '.'.join(labels), qtype, flush=True)
        rr = b''
        if qtype == 1:
            rr = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 60, 4) + \
                socket.inet_pton(socket.AF_INET, '192.0.2.99')
        elif qtype == 28:
            rr = b'\xc0\x0c' + struct.pack('!HHIH', 28, 1, 60, 16) + \
                socket.inet_pton(socket.AF_INET6, '2001:db8::99')
        hdr = struct.pack('!HHHHHH', struct.unpack('!H', q[:2])[0], 0x8180,
                          1, 1 if rr else 0, 0, 0)
        s.sendto(hdr + q[12:i + 5] + rr, peer)
PY

cat > "$T/query.py" <<'PY'
# query.py SERVER NAME TYPE: ask SERVER (port 53) from a connected socket,
# print the address in the answer
import os, socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
qtype = {'A': 1, 'AAAA': 28}[sys.argv[3]]
qid = struct.unpack('!H', os.urandom(2))[0]
q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
for label in name.split('.'):
    q += bytes([len(label)]) + label.encode()
q += b'\0' + struct.pack('!HH', qtype, 1)
s = socket.socket(socket.AF_INET6 if ':' in server else socket.AF_INET,
                  socket.SOCK_DGRAM)
s.connect((server, 53))
s.settimeout(3)
for attempt in range(3):
    s.send(q)
    try:
        r = s.recv(512)
        break
    except socket.timeout:
        continue
else:
    sys.exit('no answer from ' + server)
rid, flags, qd, an = struct.unpack('!HHHH', r[:8])
if rid != qid or an != 1:
    sys.exit('bad answer: id %d/%d, %d records' % (rid, qid, an))
rtype, rclass, ttl, rdlen = struct.unpack('!HHIH', r[len(q) + 2:len(q) + 12])
print(socket.inet_ntop(socket.AF_INET if rtype == 1 else socket.AF_INET6,
                       r[len(q) + 12:len(q) + 12 + rdlen]))
PY

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_HOST" python3 "$T/resolver.py" "$LAB_DNS_LOOP" > "$T/resolver.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/resolver.log" ||
	fail "resolver: $(cat "$T/resolver.log")"

lab_passt
lab_dhcp4
dns=$(lab_env "$T/dhcp4.env" dns)
expect_eq "nameserver handed out by DHCP" "$dns" "$LAB_GW4"

got=$(lab_guest python3 "$T/query.py" "$dns" "www.$LAB_SEARCH" A \
      2> "$T/query.err") || fail "query: $(cat "$T/query.err")"
expect_eq "A record through $dns" "$got" 192.0.2.99
expect_match "the host's resolver got it" "$(cat "$T/resolver.log")" \
	"query www\\.$LAB_SEARCH 1"
echo "guest asked $dns for www.$LAB_SEARCH: $got, from the resolver at" \
	"$LAB_DNS_LOOP in the host namespace"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
