#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# icmp_ping.sh - With ping sockets allowed in the host namespace
# (net.ipv4.ping_group_range), ping and ping -6 from the guest namespace
# reach the remote host beyond the router, and the gateway (the host
# itself). A pinger of our own in the guest then checks each reply: the
# identifier and sequence number it sent, its data intact; and a listener
# on the remote host checks that the requests arrived with that identifier
# and those sequence numbers too.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built icmp || skip "the icmp module is a placeholder"
lab_need python3
lab_up
# Per network namespace; the daemon runs as nobody after its sandbox
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_passt "" "config_net = true;"

# $1: -4 or -6, $2: destination
busybox_ping() {
	local out

	out=$(lab_guest busybox ping "$1" -c 3 -W 3 "$2" 2>&1) ||
		fail "ping $1 $2: $out"
	expect_match "ping $1 $2" "$out" \
		"3 packets transmitted, 3 packets received"
	echo "ping $1 $2: 3 of 3 replies"
}

busybox_ping -4 "$LAB_REMOTE4"
busybox_ping -6 "$LAB_REMOTE6"
busybox_ping -4 "$LAB_GW4"

cat > "$T/listen.py" <<'EOF'
# listen.py OUT: record "VERSION ID SEQ" of every echo request arriving
import select, socket, struct, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print('listening', flush=True)
with open(sys.argv[1], 'w') as out:
    while True:
        for s in select.select([s4, s6], [], [])[0]:
            d = s.recv(65535)
            if s is s4:
                d = d[(d[0] & 15) * 4:]
            if len(d) >= 8 and d[0] == (8 if s is s4 else 128):
                out.write('%d %d %d\n' % ((4 if s is s4 else 6,) +
                                          struct.unpack('!HH', d[4:8])))
                out.flush()
EOF

cat > "$T/pinger.py" <<'EOF'
# pinger.py ADDR ID COUNT: raw echo requests with identifier ID, sequence
# numbers 1 to COUNT; print how many replies matched exactly
import os, socket, struct, sys, time
addr, ident, count = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3])
v6 = ':' in addr
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                  socket.SOCK_RAW,
                  socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
s.settimeout(0.5)

def csum(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

ok = 0
for seq in range(1, count + 1):
    data = os.urandom(48)
    msg = struct.pack('!BBHHH', 128 if v6 else 8, 0, 0, ident, seq) + data
    if not v6:      # the kernel sums ICMPv6 on raw sockets, not ICMP
        msg = msg[:2] + struct.pack('!H', csum(msg)) + msg[4:]
    s.sendto(msg, (addr, 0))
    end = time.time() + 3
    while time.time() < end:
        try:
            r = s.recv(65535)
        except socket.timeout:
            continue
        if not v6:
            r = r[(r[0] & 15) * 4:]
        if len(r) < 8 or r[0] != (129 if v6 else 0):
            continue
        rid, rseq = struct.unpack('!HH', r[4:8])
        if rid != ident:
            continue
        if rseq == seq and r[8:] == data and (v6 or csum(r) == 0):
            ok += 1
            break
        print('reply id %#x seq %d, data %s' % (rid, rseq, r[8:] == data),
              file=sys.stderr)
print(ok)
EOF

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_REMOTE" python3 "$T/listen.py" "$T/remote.seen" > "$T/listen.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/listen.log" || fail "$(cat "$T/listen.log")"

for dst in "$LAB_REMOTE4" "$LAB_REMOTE6"; do
	got=$(lab_guest python3 "$T/pinger.py" "$dst" 0x5a5a 5 \
	      2> "$T/pinger.err") || fail "pinger: $(cat "$T/pinger.err")"
	expect_eq "replies to $dst with our identifier, sequence, data" \
		"$got" 5
	echo "$dst: 5 of 5 replies with identifier 0x5a5a and sequence 1-5"
done

v=4
for dst in "$LAB_REMOTE4" "$LAB_REMOTE6"; do
	expect_eq "requests the remote got from the guest's pinger over IPv$v" \
		"$(grep "^$v $((0x5a5a)) " "$T/remote.seen" | cut -d' ' -f3 |
		   tr '\n' ' ')" "1 2 3 4 5 "
	v=6
done

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
grep -q "ping_group_range" "$T/passt.log" &&
	fail "warned about ping_group_range although it allows us"
true
