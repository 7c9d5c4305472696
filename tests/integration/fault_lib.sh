#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_lib.sh - Helpers for the fault injection tests, fault_*.sh, and the
# soak test (sourced after lib.sh and lab.sh, never run)
#
# The lab of lab.sh, with the daemon on the tap backend and a guest that
# took a DHCP lease; fl.py (written to $T) makes the traffic:
#
#   fl.py sink PORT              TCP server: each connection is read to its
#                                end, then "SHA256 LENGTH" is printed
#   fl.py source PORT FILE RATE  TCP server: each connection gets FILE
#   fl.py send ADDR PORT FILE RATE   client: sends FILE, RATE MiB/s (0: no
#                                limit), then waits for the peer to close
#   fl.py recv ADDR PORT         client: reads to the end, "SHA256 LENGTH"
#   fl.py echo PORT              TCP and UDP echo server, IPv4 and IPv6
#   fl.py hold ADDR PORT N SECS  client: N connections at once, each checked
#                                with an echo; prints "open K refused R
#                                error E", holds them SECS, then "ok K" if
#                                all of them still echo, and closes them
#   fl.py rst PORT               TCP server: reads a little, then resets
#   fl.py ping ADDR PORT         client: one TCP echo and one UDP echo,
#                                "tcp ok|ERROR udp ok|ERROR"
#   fl.py expect-end ADDR PORT SECS  client: connect, send, read: how it
#                                ended ("eof", an exception's name) and when
#   fl.py udp-end ADDR PORT SECS client: a datagram, then what came back
#                                (an exception's name, "timeout", "data")
#   fl.py tapbridge SOCKET IF    what QEMU does with -netdev stream: a tap
#                                interface IF here, its frames relayed to
#                                and from the qemu_stream SOCKET
#
# fl_start: lab, daemon (with more top-level settings in $1), lease, the
# remote's servers (fl_prepare, lab_passt, lab_dhcp4, fl_servers); fl_alive;
# fl_fds (descriptors the daemon has open); fl_ping; fl_transfer_start /
# fl_transfer_check: a throttled transfer between guest and remote in the
# background, checked by sha256 at the end.

# run.sh runs every *.sh but *_lib.sh; on its own, this file is no test
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "SKIP: fault_lib.sh holds helpers sourced by tests; it is not a test"
	exit 77
fi

FL_SINK=7100		# remote: sink
FL_SOURCE=7101		# remote: source of $T/blob
FL_ECHO=7102		# remote: echo, TCP and UDP
FL_RST=7103		# remote: resets
FL_SERVERS=""		# PIDs of the remote's servers
FL_UP_OK=0		# uploads checked intact so far

# fl_tools() - Write fl.py
fl_tools() {
	cat > "$T/fl.py" <<'EOF'
import hashlib, os, socket, struct, sys, threading, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def server(port, handler, udp_echo=False):
    ls = []
    for a in ('0.0.0.0', '::'):
        s = socket.socket(fam(a))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if ':' in a:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((a, port))
        s.listen(1024)
        ls.append(s)
        if udp_echo:
            u = socket.socket(fam(a), socket.SOCK_DGRAM)
            if ':' in a:
                u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            u.bind((a, port))
            threading.Thread(target=udp_loop, args=(u,), daemon=True).start()
    for s in ls:
        threading.Thread(target=accept_loop, args=(s, handler),
                         daemon=True).start()
    print('listening', flush=True)
    while True:
        time.sleep(3600)

def accept_loop(s, handler):
    while True:
        c, _ = s.accept()
        threading.Thread(target=guard, args=(handler, c), daemon=True).start()

def guard(handler, c):
    try:
        handler(c)
    except OSError:
        pass
    finally:
        c.close()

def udp_loop(u):
    while True:
        b, a = u.recvfrom(65536)
        u.sendto(b, a)

def sink(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    print(h.hexdigest(), n, flush=True)

def send_file(c, path, rate):
    t0, sent = time.time(), 0
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            c.sendall(b)
            sent += len(b)
            if rate > 0:
                ahead = sent / (rate * 1048576.0) - (time.time() - t0)
                if ahead > 0:
                    time.sleep(ahead)

def echo(c):
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)

def rst(c):
    c.recv(1000)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))

def connect(a, p, timeout=60):
    c = socket.socket(fam(a))
    c.settimeout(timeout)
    c.connect((a, int(p)))
    return c

def echo_ok(c):
    d = os.urandom(100)
    c.sendall(d)
    got = b''
    while len(got) < len(d):
        b = c.recv(100)
        if not b:
            return False
        got += b
    return got == d

cmd = sys.argv[1]
if cmd == 'sink':
    server(int(sys.argv[2]), sink)
elif cmd == 'source':
    path, rate = sys.argv[3], float(sys.argv[4])
    server(int(sys.argv[2]), lambda c: send_file(c, path, rate))
elif cmd == 'echo':
    server(int(sys.argv[2]), echo, udp_echo=True)
elif cmd == 'rst':
    server(int(sys.argv[2]), rst)
elif cmd == 'send':
    c = connect(sys.argv[2], sys.argv[3])
    send_file(c, sys.argv[4], float(sys.argv[5]))
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print('sent', flush=True)
elif cmd == 'recv':
    c = connect(sys.argv[2], sys.argv[3])
    sink(c)
elif cmd == 'hold':
    a, p, n, secs = sys.argv[2], sys.argv[3], int(sys.argv[4]), \
        float(sys.argv[5])
    ok, refused, err = [], 0, 0
    for i in range(n):
        try:
            c = connect(a, p, 10)
            if echo_ok(c):
                ok.append(c)
            else:
                err += 1
                c.close()
        except ConnectionRefusedError:
            refused += 1
        except (OSError, socket.timeout):
            err += 1
    print('open %d refused %d error %d' % (len(ok), refused, err),
          flush=True)
    time.sleep(secs)
    good = 0
    for c in ok:
        try:
            good += echo_ok(c)
        except OSError:
            pass
        c.close()
    print('ok %d' % good, flush=True)
elif cmd == 'expect-end':         # how a connection to a bad place ends
    t0 = time.time()
    try:
        c = connect(sys.argv[2], sys.argv[3], float(sys.argv[4]))
        c.sendall(b'x' * 100)
        c.settimeout(float(sys.argv[4]))
        r = 'eof' if not c.recv(100) else 'data'
    except (OSError, socket.timeout) as e:
        r = type(e).__name__
    print('%s %.1f' % (r, time.time() - t0), flush=True)
elif cmd == 'udp-end':            # a datagram to a bad place: what comes back
    a, p = sys.argv[2], int(sys.argv[3])
    u = socket.socket(fam(a), socket.SOCK_DGRAM)
    u.settimeout(float(sys.argv[4]))
    u.connect((a, p))
    try:
        u.send(b'x')
        u.recv(100)
        r = 'data'
    except (OSError, socket.timeout) as e:
        r = type(e).__name__
    print(r, flush=True)
elif cmd == 'tapbridge':          # a NIC on the qemu_stream socket
    import fcntl, select
    path, ifname = sys.argv[2], sys.argv[3]
    tun = os.open('/dev/net/tun', os.O_RDWR)
    # TUNSETIFF, IFF_TAP | IFF_NO_PI
    fcntl.ioctl(tun, 0x400454ca, struct.pack('16sH', ifname.encode(),
                                             0x0002 | 0x1000))
    os.system('ip link set %s up' % ifname)
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    print('bridged', flush=True)
    buf = bytearray()
    while True:
        r, _, _ = select.select([tun, s], [], [])
        if tun in r:
            f = os.read(tun, 65536)
            s.sendall(struct.pack('!I', len(f)) + f)
        if s in r:
            b = s.recv(1 << 20)
            if not b:
                break
            buf += b
            off = 0
            while len(buf) - off >= 4:
                n = struct.unpack_from('!I', buf, off)[0]
                if len(buf) - off - 4 < n:
                    break
                os.write(tun, bytes(buf[off + 4:off + 4 + n]))
                off += 4 + n
            del buf[:off]
elif cmd == 'ping':
    a, p = sys.argv[2], int(sys.argv[3])
    res = []
    try:
        c = connect(a, p, 5)
        res.append('tcp ok' if echo_ok(c) else 'tcp ERROR')
        c.close()
    except (OSError, socket.timeout) as e:
        res.append('tcp ' + type(e).__name__)
    u = socket.socket(fam(a), socket.SOCK_DGRAM)
    u.settimeout(5)
    try:
        u.sendto(b'ping', (a, p))
        res.append('udp ok' if u.recvfrom(100)[0] == b'ping' else 'udp ERROR')
    except (OSError, socket.timeout) as e:
        res.append('udp ' + type(e).__name__)
    print(' '.join(res), flush=True)
EOF
}

# fl_bg() - Run fl.py in a namespace in the background
# $1: namespace ($LAB_GUEST...), $2: output file, $3...: fl.py arguments
# Result: PID in $FL_PID (python's own: 'ip netns exec' execs it; a shell
# function in the background would fork a shell first), also in $PIDS
fl_bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" python3 "$T/fl.py" "$@" > "$out" 2>&1 &
	FL_PID=$!
	PIDS="$FL_PID $PIDS"
}

# fl_start() - Lab, daemon, DHCP lease, the remote's servers
# $1: more top-level settings for the daemon (optional)
# $2: blob size in MiB (default 16): $T/blob, its "SHA256 LENGTH" in $FL_SUM
# FL_SOURCE_RATE: MiB/s the remote's source sends at (default: no limit)
fl_start() {
	fl_prepare "${2:-16}"
	lab_passt "${1:-}"
	lab_dhcp4
	fl_servers
}

# fl_prepare() - Lab up, ping sockets allowed, fl.py and $T/blob written
# $1: blob size in MiB
fl_prepare() {
	lab_need python3
	lab_up
	lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	fl_tools
	head -c $(($1 << 20)) /dev/urandom > "$T/blob"
	FL_SUM="$(sha256sum "$T/blob" | cut -d' ' -f1) $(stat -c %s "$T/blob")"
}

# fl_servers() - Start the remote's servers: sink, source, echo, rst
fl_servers() {
	fl_bg "$LAB_REMOTE" "$T/sink.out" sink $FL_SINK
	FL_SERVERS="$FL_PID"
	fl_bg "$LAB_REMOTE" "$T/source.out" source $FL_SOURCE "$T/blob" \
		"${FL_SOURCE_RATE:-0}"
	FL_SERVERS="$FL_SERVERS $FL_PID"
	fl_bg "$LAB_REMOTE" "$T/echo.out" echo $FL_ECHO
	FL_SERVERS="$FL_SERVERS $FL_PID"
	fl_bg "$LAB_REMOTE" "$T/rst.out" rst $FL_RST
	FL_SERVERS="$FL_SERVERS $FL_PID"
	for f in sink source echo rst; do
		wait_for 100 grep -q listening "$T/$f.out" ||
			fail "remote $f server: $(cat "$T/$f.out")"
	done
}

# fl_kill() - SIGKILL a background helper, quietly
# $1: PID
fl_kill() {
	{ kill -9 "$1" && wait "$1"; } 2>/dev/null || true
}

# fl_alive() - Fail unless the daemon still runs
fl_alive() {
	kill -0 "$LAB_PASST_PID" 2>/dev/null ||
		fail "the daemon died: $(tail -5 "$T/passt.log")"
}

# fl_fds() - Number of descriptors the daemon has open
fl_fds() {
	ls "/proc/$LAB_PASST_PID/fd" | wc -l
}

# fl_ping() - One TCP and one UDP echo through the daemon, or fail
# $1: remote address (default: the remote's IPv4 one)
fl_ping() {
	local out
	out=$(timeout 20 ip netns exec "$LAB_GUEST" python3 "$T/fl.py" ping \
		"${1:-$LAB_REMOTE4}" $FL_ECHO)
	expect_eq "echo through the daemon to ${1:-$LAB_REMOTE4}" "$out" \
		"tcp ok udp ok"
}

# fl_transfer_start() - A throttled transfer in the background
# $1: name, $2: "up" (guest to remote's sink) or "down" (remote's source
# to guest), $3: rate in MiB/s (0: no limit), $4: remote address (optional)
fl_transfer_start() {
	local name=$1 dir=$2 rate=$3 r=${4:-$LAB_REMOTE4}
	if [ "$dir" = up ]; then
		fl_bg "$LAB_GUEST" "$T/$name.out" send "$r" $FL_SINK "$T/blob" \
			"$rate"
	else
		fl_bg "$LAB_GUEST" "$T/$name.out" recv "$r" $FL_SOURCE
	fi
	eval "FL_T_$name=$FL_PID"
	eval "FL_T_${name}_dir=$dir"
}

# fl_transfer_check() - Wait for a transfer, fail unless it is intact
# $1: name, $2: seconds to wait (default 120)
fl_transfer_check() {
	local name=$1 pid dir
	eval "pid=\$FL_T_$name"
	eval "dir=\$FL_T_${name}_dir"
	wait_for $((${2:-120} * 10)) sh -c "! kill -0 $pid" ||
		fail "transfer $name still running: $(cat "$T/$name.out")"
	if [ "$dir" = down ]; then
		expect_eq "transfer $name (remote to guest)" \
			"$(cat "$T/$name.out")" "$FL_SUM"
	else
		expect_eq "transfer $name (guest to remote)" \
			"$(cat "$T/$name.out")" "sent"
		# The sink prints a line per connection as it ends: each upload
		# checked so far must have left one intact copy
		FL_UP_OK=$((FL_UP_OK + 1))
		[ "$(grep -cx "$FL_SUM" "$T/sink.out")" -ge "$FL_UP_OK" ] ||
			fail "transfer $name: $FL_UP_OK intact uploads expected, the remote got: $(cat "$T/sink.out")"
	fi
}
