#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_splice.sh - The splice path between the guest namespace's loopback and
# the host's, tap backend, sandbox on:
# - from = "guest": a server on the host's loopback, the guest connecting
#   to its own 127.0.0.1 / ::1, 200 MiB each way, sha256 and length equal
# - from = "host", from the host's loopback: spliced to the guest's
#   loopback (the guest sees 127.0.0.1 / ::1, not the gateway), 200 MiB
#   each way
# - half-close passed through; a refused connection on the far side resets
#   the near one promptly, both ways
# - the socket helper runs as nobody in the guest's namespace, and exits
#   with the daemon
# - a command's namespace (passt -- COMMAND): its first connect() to a
#   from = "guest" port, made at once, reaches the host
#
# SPLICE_MIB sets the size (default 200).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

MIB=${SPLICE_MIB:-200}
lab_up
lab_need python3
lab_module_built tcp || skip "tcp module not built"
[ -f "$BUILD/modules/tap.so" ] || skip "no tap backend built"

# Guest ports 3000-3002 reach the host's loopback; host ports 4000-4002
# reach the guest's 4100-4102
lab_passt 'modules = [ "tcp" ];
forward = (
	{ proto = "tcp"; from = "guest"; ports = "3000-3002"; },
	{ proto = "tcp"; from = "host"; ports = "4000-4002:4100-4102"; }
);' 'config_net = true;'

cat > "$T/sp.py" <<'EOF'
import hashlib, socket, struct, sys, time

def fam(a):
    return socket.AF_INET6 if ':' in a else socket.AF_INET

def listen(a, p):
    s = socket.socket(fam(a))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, int(p)))
    s.listen(16)
    print('listening', flush=True)
    return s

def connect(a, p):
    c = socket.socket(fam(a))
    c.settimeout(120)
    c.connect((a, int(p)))
    return c

def sink(c):
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            return '%s %d' % (h.hexdigest(), n)
        h.update(b)
        n += len(b)

def send(c, path):
    with open(path, 'rb') as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            c.sendall(b)

def ending(c, t):                # how the peer ends a connection
    c.settimeout(t)
    t0 = time.time()
    try:
        while c.recv(100):
            pass
        return 'eof %.1f' % (time.time() - t0)
    except ConnectionResetError:
        return 'reset %.1f' % (time.time() - t0)
    except socket.timeout:
        return 'timeout'

cmd, a, p = sys.argv[1], sys.argv[2], sys.argv[3]
if cmd == 'recv-srv':            # sha256 and length of what comes in
    c, peer = listen(a, p).accept()
    print('peer', peer[0], flush=True)
    print(sink(c), flush=True)
elif cmd == 'send-srv':          # a file to whoever connects, then close
    c, peer = listen(a, p).accept()
    print('peer', peer[0], flush=True)
    send(c, sys.argv[4])
    c.close()
elif cmd == 'send':              # a file, FIN, wait for the server's close
    t0 = time.time()
    c = connect(a, p)
    send(c, sys.argv[4])
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print('%.0f Mbit/s' % (int(sys.argv[5]) * 8 / (time.time() - t0) / 1e6))
elif cmd == 'recv':
    t0 = time.time()
    r = sink(connect(a, p))
    print(r, '%.0f Mbit/s' % (int(r.split()[1]) * 8 /
                              (time.time() - t0) / 1e6))
elif cmd == 'halfclose-srv':     # read to EOF, then send a file
    c, _ = listen(a, p).accept()
    r = sink(c)
    send(c, sys.argv[4])
    c.close()
    print('got', r.split()[1], flush=True)
elif cmd == 'halfclose':         # send, FIN, then read to EOF
    c = connect(a, p)
    c.sendall(b'q' * 1000)
    c.shutdown(socket.SHUT_WR)
    print(sink(c), flush=True)
elif cmd == 'refused':           # connect (accepted nearby), see the end
    try:
        c = connect(a, p)
    except ConnectionRefusedError:
        print('refused')
        sys.exit(0)
    except ConnectionResetError:  # before connect() returned
        print('reset 0.0')
        sys.exit(0)
    print(ending(c, float(sys.argv[4])))
EOF

# sp_bg() - Run sp.py in a namespace in the background until it listens
# $1: namespace, $2: output file, $3...: sp.py arguments
sp_bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" python3 "$T/sp.py" "$@" > "$out" 2>&1 &
	PIDS="$! $PIDS"
	wait_for 100 grep -q listening "$out" || fail "server: $(cat "$out")"
}

# sp_run() - Run sp.py in a namespace, in the foreground
# $1: namespace, $2...: sp.py arguments
sp_run() {
	local ns=$1
	shift
	timeout 300 ip netns exec "$ns" python3 "$T/sp.py" "$@"
}

# sp_alive() - Fail if the daemon died (a missed system call, a crash)
sp_alive() {
	kill -0 "$LAB_PASST_PID" 2>/dev/null ||
		fail "daemon died: $(tail -5 "$T/passt.log")"
}

# The helper: nobody, in the guest's namespace, not the daemon's child
guest_ns=$(lab_guest readlink /proc/self/ns/net)
helper=$(pgrep -x passt-sock | while read -r p; do
	[ "$(readlink "/proc/$p/ns/net")" = "$guest_ns" ] && echo "$p"
	done || true)
[ -n "$helper" ] || fail "no socket helper in the guest's namespace"
expect_eq "socket helpers" "$(echo "$helper" | wc -w)" 1
[ "$(ps -o ppid= -p "$helper" | tr -d ' ')" != "$LAB_PASST_PID" ] ||
	fail "the socket helper is the daemon's child"
expect_eq "socket helper's user" "$(ps -o user= -p "$helper")" nobody
expect_eq "socket helper's seccomp mode" \
	"$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/"$helper"/status)" 2

head -c $((MIB << 20)) /dev/urandom > "$T/blob"
size=$(stat -c %s "$T/blob")
sum="$(sha256sum "$T/blob" | cut -d' ' -f1) $size"

for lo in 127.0.0.1 ::1; do
	# Guest to host loopback, through the guest's own loopback
	sp_bg "$LAB_HOST" "$T/up" recv-srv "$lo" 3000
	rate=$(sp_run "$LAB_GUEST" send "$lo" 3000 "$T/blob" "$size") ||
		fail "$lo: guest to host"
	wait_for 100 test "$(wc -l < "$T/up")" -ge 3
	expect_eq "$lo: guest to host, what arrived" "$(tail -1 "$T/up")" \
		"$sum"
	expect_eq "$lo: guest to host, peer" "$(sed -n 2p "$T/up")" \
		"peer $lo"
	echo "$lo from = guest, guest -> host: $rate"

	sp_bg "$LAB_HOST" "$T/dn" send-srv "$lo" 3001 "$T/blob"
	out=$(sp_run "$LAB_GUEST" recv "$lo" 3001) || fail "$lo: host to guest"
	expect_eq "$lo: host to guest, what arrived" "${out% * *}" "$sum"
	echo "$lo from = guest, host -> guest: $(echo "$out" | cut -d' ' -f3-)"

	# Host loopback to the guest's loopback, through a from = host rule
	sp_bg "$LAB_GUEST" "$T/in" recv-srv "$lo" 4100
	rate=$(sp_run "$LAB_HOST" send "$lo" 4000 "$T/blob" "$size") ||
		fail "$lo: inbound"
	wait_for 100 test "$(wc -l < "$T/in")" -ge 3
	expect_eq "$lo: inbound, what arrived" "$(tail -1 "$T/in")" "$sum"
	expect_eq "$lo: inbound, peer the guest sees" "$(sed -n 2p "$T/in")" \
		"peer $lo"
	echo "$lo from = host (loopback), host -> guest: $rate"

	sp_bg "$LAB_GUEST" "$T/out" send-srv "$lo" 4101 "$T/blob"
	out=$(sp_run "$LAB_HOST" recv "$lo" 4001) ||
		fail "$lo: inbound download"
	expect_eq "$lo: inbound download, what arrived" "${out% * *}" "$sum"
	echo "$lo from = host (loopback), guest -> host:" \
		"$(echo "$out" | cut -d' ' -f3-)"
	sp_alive
done

# Half-close: the guest sends and shuts down, then reads 1 MiB; and the
# same from the host's side
head -c $((1 << 20)) /dev/urandom > "$T/mib"
msum="$(sha256sum "$T/mib" | cut -d' ' -f1) $((1 << 20))"
sp_bg "$LAB_HOST" "$T/hc" halfclose-srv 127.0.0.1 3002 "$T/mib"
out=$(sp_run "$LAB_GUEST" halfclose 127.0.0.1 3002) || fail "half-close"
expect_eq "1 MiB after the guest's FIN" "$out" "$msum"
wait_for 50 grep -q "^got" "$T/hc"
expect_eq "what the host got before EOF" "$(tail -1 "$T/hc")" "got 1000"

sp_bg "$LAB_GUEST" "$T/hc2" halfclose-srv ::1 4102 "$T/mib"
out=$(sp_run "$LAB_HOST" halfclose ::1 4002) || fail "inbound half-close"
expect_eq "1 MiB after the host's FIN" "$out" "$msum"
wait_for 50 grep -q "^got" "$T/hc2"
expect_eq "what the guest got before EOF" "$(tail -1 "$T/hc2")" "got 1000"

# Nobody on the far side: the near side's connection ends at once
for lo in 127.0.0.1 ::1; do
	out=$(sp_run "$LAB_GUEST" refused "$lo" 3002 5)
	expect_match "$lo: guest, host port closed" "$out" '^reset 0\.[0-9]$'
	out=$(sp_run "$LAB_HOST" refused "$lo" 4002 5)
	expect_match "$lo: host, guest port closed" "$out" '^reset 0\.[0-9]$'
done
sp_alive

# A command's own namespace: its first connect(), at once, is spliced too
sp_bg "$LAB_HOST" "$T/cmd" recv-srv 127.0.0.1 3003
cat > "$T/cmd.conf" <<EOF
backend = "tap";
modules = [ "tcp" ];
forward = ( { proto = "tcp"; from = "guest"; ports = "3003"; } );
EOF
out=$(timeout 60 ip netns exec "$LAB_HOST" "$PASST" -f -c "$T/cmd.conf" -- \
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/3003 && printf hello >&3' \
	2>&1) || fail "command: $out"
wait_for 50 test "$(wc -l < "$T/cmd")" -ge 3
expect_eq "what the command sent" "$(tail -1 "$T/cmd")" \
	"$(printf hello | sha256sum | cut -d' ' -f1) 5"

# Every server has said its last line: reap them, cleanup needn't wait
wait

# The helper goes with the daemon
kill "$LAB_PASST_PID"
wait_for 50 sh -c "! kill -0 $LAB_PASST_PID" || fail "daemon didn't exit"
wait_for 50 sh -c "! kill -0 $helper" || fail "socket helper outlived it"
