#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_lib.sh - Namespaces and helpers shared by the tcp_*.sh tests (sourced)
#
# Three namespaces, real kernel stacks at both ends:
#   remote  192.0.2.2/24, 2001:db8:1::2/64: the far host, servers and clients
#   host    192.0.2.1/24, 2001:db8:1::1/64, default route via remote: the
#           daemon runs here, with the tap backend
#   guest   tap0, 10.9.0.2/24 via 10.9.0.1, 2001:db8:9::2/64 via fe80::1,
#           configured by the tap backend (config_net)
# A TCP rule forwards host port 7000 to guest port 7001.
#
# To be replaced by tests/integration/lab.sh once that exists; run on its
# own, this file skips.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "SKIP: helpers for the tcp_*.sh tests, not a test"
	exit 77
fi

TL_G4=10.9.0.2
TL_GW4=10.9.0.1
TL_G6=2001:db8:9::2
TL_R4=192.0.2.2
TL_R6=2001:db8:1::2
TL_H4=192.0.2.1
TL_H6=2001:db8:1::1

# tl_lab() - Make the namespaces, start the daemon
# $1: extra settings for the tcp group, e.g. "keepalive_interval = 1;"
tl_lab() {
	local n
	need_root
	command -v ip >/dev/null || skip "no iproute2"
	command -v python3 >/dev/null || skip "no python3"
	[ -x "$PASST" ] || skip "no daemon built at $PASST"
	[ -f "$BUILD/modules/tap.so" ] || skip "no tap backend built"

	TL_G=tcpg$$ TL_H=tcph$$ TL_R=tcpr$$
	for n in $TL_G $TL_H $TL_R; do
		ip netns add $n || skip "cannot create network namespaces"
		NETNS="$NETNS $n"
		ip -n $n link set lo up
	done
	ip -n $TL_H link add veth0 type veth peer name veth0 netns $TL_R
	ip -n $TL_H addr add $TL_H4/24 dev veth0
	ip -n $TL_H addr add $TL_H6/64 dev veth0 nodad
	ip -n $TL_R addr add $TL_R4/24 dev veth0
	ip -n $TL_R addr add $TL_R6/64 dev veth0 nodad
	ip -n $TL_H link set veth0 up
	ip -n $TL_R link set veth0 up
	ip -n $TL_H route add default via $TL_R4
	ip -n $TL_H -6 route add default via $TL_R6

	cat > "$T/passt.conf" <<EOF
backend = "tap";
modules = [ "tcp", "dhcp", "ndp" ];
log = { level = "debug"; };
tap = { netns = "/run/netns/$TL_G"; ifname = "tap0"; config_net = true; };
ipv4 = { address = "$TL_G4"; prefix_len = 24; gateway = "$TL_GW4"; };
ipv6 = { address = "$TL_G6"; prefix_len = 64; gateway = "fe80::1"; };
forward = ( { proto = "tcp"; from = "host"; ports = "7000:7001"; } );
tcp = { ${1:-} };
EOF
	ip netns exec $TL_H "$PASST" -f -c "$T/passt.conf" > "$T/log" 2>&1 &
	TL_PID=$!
	PIDS="$TL_PID $PIDS"
	wait_for 100 grep -q "^ready" "$T/log" ||
		fail "daemon not ready: $(tail -5 "$T/log")"
	wait_for 50 ip -n $TL_G route get $TL_R4 > /dev/null ||
		fail "guest has no route"
	tl_tools
}

# tl_tools() - Write the Python helpers to $T/tl.py
tl_tools() {
	cat > "$T/tl.py" <<'EOF'
import hashlib, os, selectors, socket, struct, sys, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def listen(a, p):
    s = socket.socket(fam(a))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, int(p)))
    s.listen(1024)
    print('listening', flush=True)
    return s

def sink(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            return h.hexdigest(), n
        h.update(b)
        n += len(b)

def send(c, path):
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)

def connect(a, p):
    c = socket.socket(fam(a))
    c.settimeout(120)
    c.connect((a, int(p)))
    return c

cmd, a, p = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = time.time()
if cmd == 'recv-srv':            # sha256 and length of what comes in
    c, _ = listen(a, p).accept()
    d, n = sink(c)
    print(d, n, flush=True)
elif cmd == 'send-srv':          # file to whoever connects
    c, _ = listen(a, p).accept()
    send(c, sys.argv[4])
    c.close()
elif cmd == 'send':
    c = connect(a, p)
    send(c, sys.argv[4])
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print('%.1f Mbit/s' % (os.path.getsize(sys.argv[4]) * 8 /
                           (time.time() - t0) / 1e6), flush=True)
elif cmd == 'recv':
    d, n = sink(connect(a, p))
    print(d, n, '%.1f Mbit/s' % (n * 8 / (time.time() - t0) / 1e6),
          flush=True)
elif cmd == 'echo-srv':          # echo N connections at once
    sel, s = selectors.DefaultSelector(), listen(a, p)
    done, n = 0, int(sys.argv[4])
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, None)
    while done < n:
        for k, ev in sel.select(30):
            if k.data is None:
                c, _ = s.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, 1)
                continue
            c = k.fileobj
            try:
                b = c.recv(65536)
            except BlockingIOError:
                continue
            if not b:
                sel.unregister(c)
                c.shutdown(socket.SHUT_WR)
                c.close()
                done += 1
                continue
            c.setblocking(True)
            c.sendall(b)
            c.setblocking(False)
    print('done', done, flush=True)
elif cmd == 'echo-many':         # N connections, SIZE bytes each, echoed
    n, size = int(sys.argv[4]), int(sys.argv[5])
    socks = [connect(a, p) for i in range(n)]
    data = [os.urandom(size) for i in range(n)]
    for c, d in zip(socks, data):
        c.sendall(d)
        c.shutdown(socket.SHUT_WR)
    ok = 0
    for c, d in zip(socks, data):
        got = b''
        while True:
            b = c.recv(65536)
            if not b:
                break
            got += b
        ok += got == d
        c.close()
    print('ok', ok, flush=True)
elif cmd == 'refused':           # how long a refused connect() takes
    try:
        connect(a, p)
        print('connected')
    except ConnectionRefusedError:
        print('refused %.3f' % (time.time() - t0))
    except Exception as e:
        print(type(e).__name__)
elif cmd == 'halfclose-srv':     # read to EOF, then send a file
    c, _ = listen(a, p).accept()
    d, n = sink(c)
    send(c, sys.argv[4])
    c.close()
    print('got', n, flush=True)
elif cmd == 'halfclose':         # send, FIN, then read to EOF
    c = connect(a, p)
    c.sendall(b'q' * 1000)
    c.shutdown(socket.SHUT_WR)
    d, n = sink(c)
    print(d, n, flush=True)
elif cmd == 'rst-srv':           # accept, read a little, reset
    c, _ = listen(a, p).accept()
    c.recv(10)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    c.close()
    print('reset', flush=True)
elif cmd == 'rst':               # connect, send, reset
    c = connect(a, p)
    c.sendall(b'hi')
    time.sleep(0.3)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    c.close()
elif cmd == 'wait-srv':          # accept, then report how the peer ends
    c, _ = listen(a, p).accept()
    c.settimeout(float(sys.argv[4]))
    t1 = time.time()
    try:
        while c.recv(100):
            pass
        print('eof %.1f' % (time.time() - t1), flush=True)
    except ConnectionResetError:
        print('reset %.1f' % (time.time() - t1), flush=True)
    except socket.timeout:
        print('timeout', flush=True)
elif cmd == 'wait':              # connect, say hello, wait for the end
    c = connect(a, p)
    c.sendall(b'hello')
    c.settimeout(float(sys.argv[4]))
    t1 = time.time()
    try:
        while c.recv(100):
            pass
        print('eof %.1f' % (time.time() - t1), flush=True)
    except ConnectionResetError:
        print('reset %.1f' % (time.time() - t1), flush=True)
    except socket.timeout:
        print('timeout', flush=True)
EOF
}

# tl_bg() - Run a helper in a namespace in the background, output to a file
# $1: namespace, $2: output file, $3...: tl.py arguments
tl_bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" python3 "$T/tl.py" "$@" > "$out" 2>&1 &
	PIDS="$! $PIDS"
	wait_for 100 grep -q listening "$out" || fail "server: $(cat "$out")"
}

# tl_run() - Run a helper in a namespace, in the foreground
# $1: namespace, $2...: tl.py arguments
tl_run() {
	local ns=$1
	shift
	timeout 300 ip netns exec "$ns" python3 "$T/tl.py" "$@"
}

# tl_sum() - sha256 and length of a file, as tl.py prints them
# $1: file
tl_sum() {
	echo "$(sha256sum "$1" | cut -d' ' -f1) $(stat -c %s "$1")"
}

# tl_alive() - Fail if the daemon died (a missed system call, a crash)
tl_alive() {
	kill -0 "$TL_PID" 2>/dev/null || fail "daemon died: $(tail -5 "$T/log")"
}
