#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# icmp_malformed.sh - Hand-made echo requests from the guest namespace,
# written to its tap interface with a packet socket: bad checksums (and an
# ICMPv6 one summed without its pseudo-header), cut short below the 8 bytes
# of an echo header, a non-zero code, lengths that lie. None reaches the
# remote host; the daemon keeps running, and well-formed requests sent
# afterwards, IPv4 and IPv6, get there and are answered.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built icmp || skip "the icmp module is a placeholder"
lab_need python3
lab_up
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
lab_passt "" "config_net = true;"

# Not lab_*(): $! must be the process itself, for the cleanup

ip netns exec "$LAB_REMOTE" python3 -c "
import select, socket, struct
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
print('listening', flush=True)
while True:
    for s in select.select([s4, s6], [], [])[0]:
        d = s.recv(65535)
        if s is s4:
            d = d[(d[0] & 15) * 4:]
        if len(d) >= 8 and d[0] in (8, 128):
            print(d[0], '%#x' % struct.unpack('!H', d[4:6]), d[8:].decode(
                errors='replace'), flush=True)
" > "$T/remote.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 grep -q listening "$T/remote.log" || fail "$(cat "$T/remote.log")"

cat > "$T/inject.py" <<'PY'
# inject.py IF OUR_MAC SRC4 DST4 SRC6 DST6 good|bad: write frames to IF,
# and with 'good' wait for the replies
import socket, struct, sys, time
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

def echo4(data, ident, code=0, sum_fix=0, tot_fix=0, keep=None):
    msg = struct.pack('!BBHHH', 8, code, 0, ident, 1) + data
    msg = msg[:2] + struct.pack('!H', csum(msg) ^ sum_fix) + msg[4:]
    if keep is not None:
        msg = msg[:keep]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(msg) + tot_fix, 0,
                     0, 64, 1, 0, socket.inet_aton(src4),
                     socket.inet_aton(dst4))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return eth(0x0800) + ip + msg

def echo6(data, ident, code=0, sum_fix=0, pseudo=True, keep=None):
    s, d = socket.inet_pton(socket.AF_INET6, src6), \
        socket.inet_pton(socket.AF_INET6, dst6)
    msg = struct.pack('!BBHHH', 128, code, 0, ident, 1) + data
    ph = s + d + struct.pack('!IxxxB', len(msg), 58) if pseudo else b''
    msg = msg[:2] + struct.pack('!H', csum(ph + msg) ^ sum_fix) + msg[4:]
    if keep is not None:
        msg = msg[:keep]
    ip = struct.pack('!IHBB16s16s', 0x60000000, len(msg), 58, 64, s, d)
    return eth(0x86dd) + ip + msg

bad = 0xbad0
if which == 'bad':
    frames = [
        echo4(b'bad-csum', bad, sum_fix=0x0100),
        echo4(b'bad-code', bad, code=1),
        echo4(b'', bad, keep=6),
        echo4(b'bad-tot', bad, tot_fix=8),
        echo6(b'bad-csum6', bad, sum_fix=0x0001),
        echo6(b'bad-nopseudo6', bad, pseudo=False),
        echo6(b'bad-code6', bad, code=3),
        echo6(b'', bad, keep=7),
    ]
else:
    frames = [echo4(b'good-4', 0x600d), echo6(b'good-6', 0x600d)]

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
if which == 'good':
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    r.bind((ifname, 0))
    r.settimeout(0.2)
for f in frames:
    s.send(f)
if which == 'good':
    replies, end = set(), time.time() + 5
    while len(replies) < 2 and time.time() < end:
        try:
            f = r.recv(65535)
        except socket.timeout:
            continue
        t = struct.unpack('!H', f[12:14])[0]
        l4 = f[34:] if t == 0x0800 else f[54:]
        if t in (0x0800, 0x86dd) and len(l4) >= 8 and \
           l4[0] == (0 if t == 0x0800 else 129) and \
           struct.unpack('!H', l4[4:6])[0] == 0x600d:
            replies.add(l4[8:].decode())
    print(' '.join(sorted(replies)))
else:
    print(len(frames))
PY

inject() {
	lab_guest python3 "$T/inject.py" "$LAB_IF" "$LAB_OUR_MAC" \
		"$LAB_HOST4" "$LAB_REMOTE4" "$LAB_HOST6" "$LAB_REMOTE6" "$1" \
		2> "$T/inject.err" || fail "inject: $(cat "$T/inject.err")"
}

n=$(inject bad)
sleep 1
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
got=$(inject good)
expect_eq "replies to the well-formed requests" "$got" "good-4 good-6"
sleep 0.3
expect_eq "echo requests the remote got" \
	"$(grep -v listening "$T/remote.log" | sort | tr '\n' ' ')" \
	"128 0x600d good-6 8 0x600d good-4 "
echo "$n malformed echo requests dropped, 2 well-formed ones answered"
kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
