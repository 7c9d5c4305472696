#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# udp_malformed.sh - Hand-made frames from the guest namespace, written to
# its tap interface with a packet socket: UDP datagrams with a length past
# the IP payload or below the header's, cut short, with bad checksums (and
# none, over IPv6), to port 0, and IP headers that lie. None of them
# reaches the remote server; the daemon keeps running, and well-formed
# datagrams sent afterwards, IPv4 and IPv6, get there, one each.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
lab_passt "" "config_net = true;"

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_REMOTE" python3 -c "
import select, socket
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.bind(('$LAB_REMOTE4', 7777))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.bind(('$LAB_REMOTE6', 7777))
print('listening', flush=True)
while True:
    for s in select.select([s4, s6], [], [])[0]:
        print(s.recv(65535).decode(errors='replace'), flush=True)
" > "$T/server.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/server.log" || fail "$(cat "$T/server.log")"

cat > "$T/inject.py" <<'PY'
# inject.py IF OUR_MAC SRC4 DST4 SRC6 DST6 good|bad: write frames to IF
import socket, struct, sys
ifname, our_mac, src4, dst4, src6, dst6, which = sys.argv[1:8]
mac = open('/sys/class/net/%s/address' % ifname).read().strip()
eth = lambda t: bytes.fromhex(our_mac.replace(':', '')) + \
    bytes.fromhex(mac.replace(':', '')) + struct.pack('!H', t)

def csum(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff

def udp4(payload, ulen=None, sum_fix=0, dport=7777, tot=None, ipsum_fix=0,
         cut=0):
    s, d = socket.inet_aton(src4), socket.inet_aton(dst4)
    ulen = 8 + len(payload) if ulen is None else ulen
    uh = struct.pack('!HHHH', 40000, dport, ulen, 0) + payload
    c = csum(s + d + struct.pack('!BBH', 0, 17, len(uh)) + uh) or 0xffff
    uh = uh[:6] + struct.pack('!H', c ^ sum_fix) + uh[8:]
    tot = 20 + len(uh) if tot is None else tot
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, 0, 0x4000, 64, 17, 0,
                     s, d)
    ip = ip[:10] + struct.pack('!H', csum(ip) ^ ipsum_fix) + ip[12:]
    f = eth(0x0800) + ip + uh
    return f[:len(f) - cut]

def udp6(payload, ulen=None, sum_fix=0, zero=False, plen=None):
    s, d = socket.inet_pton(socket.AF_INET6, src6), \
        socket.inet_pton(socket.AF_INET6, dst6)
    ulen = 8 + len(payload) if ulen is None else ulen
    uh = struct.pack('!HHHH', 40000, 7777, ulen, 0) + payload
    c = csum(s + d + struct.pack('!IxxxB', len(uh), 17) + uh) or 0xffff
    c = 0 if zero else c ^ sum_fix
    uh = uh[:6] + struct.pack('!H', c) + uh[8:]
    plen = len(uh) if plen is None else plen
    ip = struct.pack('!IHBB16s16s', 0x60000000, plen, 17, 64, s, d)
    return eth(0x86dd) + ip + uh

if which == 'bad':
    frames = [
        udp4(b'bad-ulen-long', ulen=8 + 13 + 1),
        udp4(b'bad-ulen-short', ulen=7),
        udp4(b'bad-ulen-zero', ulen=0),
        udp4(b'bad-csum4', sum_fix=0x0101),
        udp4(b'bad-port0', dport=0),
        udp4(b'bad-cut', cut=12),			# frame shorter than IP
        udp4(b'bad-tot', tot=20 + 4),			# 4 bytes of UDP
        udp4(b'bad-ipsum', ipsum_fix=0x1111),
        udp4(b'', ulen=8)[:14 + 20 + 5],		# header cut short
        udp6(b'bad-ulen6-long', ulen=8 + 14 + 1),
        udp6(b'bad-ulen6-short', ulen=4),
        udp6(b'bad-csum6', sum_fix=0x8000),
        udp6(b'bad-nocsum6', zero=True),
        udp6(b'bad-plen6', plen=100),			# past the frame
        udp6(b'', plen=3)[:14 + 40 + 3],		# 3 bytes of UDP
    ]
else:
    frames = [udp4(b'good-4'), udp6(b'good-6')]

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
for f in frames:
    s.send(f)
print(len(frames))
PY

inject() {
	lab_guest python3 "$T/inject.py" "$LAB_IF" "$LAB_OUR_MAC" \
		"$LAB_HOST4" "$LAB_REMOTE4" "$LAB_HOST6" "$LAB_REMOTE6" "$1" \
		2> "$T/inject.err" || fail "inject: $(cat "$T/inject.err")"
}

# The guest must know the remote's next hop first, or the kernel would
# hold frames: a well-formed datagram each way does that
lab_guest python3 -c "
import socket
for a in ('$LAB_REMOTE4', '$LAB_REMOTE6'):
    socket.socket(socket.AF_INET6 if ':' in a else socket.AF_INET,
                  socket.SOCK_DGRAM).sendto(b'warm-up', (a, 7777))
"
wait_for 30 sh -c "[ \$(grep -c warm-up '$T/server.log') = 2 ]" ||
	fail "warm-up datagrams: $(cat "$T/server.log")"

n=$(inject bad)
sleep 1
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
inject good > /dev/null
wait_for 30 grep -q good-6 "$T/server.log" || fail "no good datagram"
sleep 0.5

expect_eq "what the server got, after warm-up" \
	"$(grep -v -e listening -e warm-up "$T/server.log" | tr '\n' ' ')" \
	"good-4 good-6 "
echo "$n malformed frames dropped, 2 well-formed ones delivered after them"
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
