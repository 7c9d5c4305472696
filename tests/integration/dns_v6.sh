#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dns_v6.sh - DNS forwarding over IPv6, set up with udp.dns_forward and
# udp.dns_host: queries to the host's IPv6 nameserver (2001:db8:2::53, from
# the lab's resolv.conf, which no namespace has) go to a resolver on the
# host namespace's ::1 instead. The guest's DHCPv6 client (ISC dhclient)
# is handed that nameserver; a query sent there from the guest namespace
# is answered by the resolver on the host, from the address the guest
# asked (a connected socket accepts nothing else).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_module_built dhcp || skip "the dhcp module is a placeholder"
lab_need python3 dhclient
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

ip netns exec "$LAB_HOST" python3 "$T/resolver.py" ::1 > "$T/resolver.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/resolver.log" ||
	fail "resolver: $(cat "$T/resolver.log")"

lab_passt "udp = { dns_forward = [ \"$LAB_DNS6\" ]; dns_host = [ \"::1\" ]; };"

# The client speaks from its link-local address: wait until DAD is done
wait_for 50 sh -c "ip netns exec $LAB_GUEST ip -6 addr show dev $LAB_IF \
	scope link | grep -q inet6 && ! ip netns exec $LAB_GUEST \
	ip -6 addr show dev $LAB_IF tentative | grep -q inet6" ||
	fail "no usable link-local address on $LAB_IF"

echo "request dhcp6.name-servers, dhcp6.domain-search;" > "$T/dhclient6.conf"
cat > "$T/dhclient6.script" <<SCRIPT
#!/bin/sh
case "\$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
	ip -6 addr replace "\$new_ip6_address/\$new_ip6_prefixlen" \
		dev "\$interface" nodad
	echo "dns=\$new_dhcp6_name_servers" > "$T/dhcp6.env.tmp"
	mv "$T/dhcp6.env.tmp" "$T/dhcp6.env"
	;;
esac
exit 0
SCRIPT
chmod 755 "$T/dhclient6.script"
ip netns exec "$LAB_GUEST" dhclient -6 -d -1 -v -cf "$T/dhclient6.conf" \
	-sf "$T/dhclient6.script" -lf "$T/dhclient6.leases" \
	-pf "$T/dhclient6.pid" "$LAB_IF" > "$T/dhclient.out" 2>&1 &
PIDS="$PIDS $!"
wait_for 200 test -s "$T/dhcp6.env" ||
	fail "dhclient -6 got no lease: $(cat "$T/dhclient.out")"
dns=$(lab_env "$T/dhcp6.env" dns)
expect_eq "nameserver handed out by DHCPv6" "$dns" "$LAB_DNS6"

got=$(lab_guest python3 "$T/query.py" "$dns" "www.$LAB_SEARCH" AAAA \
      2> "$T/query.err") || fail "query: $(cat "$T/query.err")"
expect_eq "AAAA record through $dns" "$got" 2001:db8::99
expect_match "the host's resolver got it" "$(cat "$T/resolver.log")" \
	"query www\\.$LAB_SEARCH 28"
echo "guest asked $dns for www.$LAB_SEARCH: $got, from the resolver at" \
	"::1 in the host namespace"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
