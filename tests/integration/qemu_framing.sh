#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_framing.sh - The qemu_stream backend against a QEMU-like client: the
# socket file (mode, stale file replaced, live one refused), the QEMU
# command line printed at start, DHCP and ARP through the socket, and every
# kind of bad framing (zero, huge and split lengths, frames split across
# reads, clients leaving mid-frame, garbage, a second client): the daemon,
# sandboxed and detached, survives each and the next client works.

. "$(dirname "$0")/lib.sh"
need_root
command -v python3 > /dev/null || skip "needs python3"

sock="$T/q,s.sock"
cat > "$T/passt.conf" <<CONF
backend = "qemu_stream";
modules = [ "dhcp" ];
pidfile = "$T/passt.pid";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
search = [ ];
qemu_stream = { socket = "$sock"; };
CONF

# A stale socket of an earlier run: replaced
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$sock"
[ -S "$sock" ] || fail "could not make a stale socket"

"$PASST" -c "$T/passt.conf" -l "$T/log" 2> "$T/stderr" ||
	fail "passt exited with $?: $(cat "$T/stderr")"
pid=$(cat "$T/passt.pid")
PIDS="$pid"

# Ready before passt returned: the socket is there, 0600, and printed
[ -S "$sock" ] || fail "no socket at $sock"
expect_eq "socket mode" "$(stat -c %a "$sock")" 600
expect_eq "socket owner" "$(stat -c %U "$sock")" root
want="-device virtio-net-pci,netdev=s -netdev stream,id=s,server=off,addr.type=unix,addr.path=${sock//,/,,}"
grep -qF -- "$want" "$T/stderr" ||
	fail "QEMU command line not printed: $(cat "$T/stderr")"
grep -qF -- "-netdev socket,id=s,fd=N" "$T/stderr" ||
	fail "no hint for older QEMU: $(cat "$T/stderr")"

# A second daemon on the same socket: refused, the first one untouched
rc=0
"$PASST" -c "$T/passt.conf" -f > /dev/null 2> "$T/stderr2" || rc=$?
expect_eq "second daemon's exit status" "$rc" 1
grep -q "another process is listening" "$T/stderr2" ||
	fail "second daemon: $(cat "$T/stderr2")"

# The friendly and the hostile clients
python3 "$TOP/tests/qemu/stream_client.py" "$sock" "$pid" > "$T/out" 2>&1 ||
	fail "client checks failed: $(cat "$T/out"); log: $(tail -20 "$T/log")"
expect_eq "checks" "$(tr '\n' ' ' < "$T/out")" \
"ok dhcp ok arp ok many_frames ok header_split ok frame_split \
ok zero_length ok huge_length ok over_mtu_length ok split_bad_length \
ok longest_frame ok close_mid_frame ok close_mid_header ok garbage \
ok plausible_garbage ok second_client ok quick_reconnect "

kill -0 "$pid" || fail "daemon died: $(tail -20 "$T/log")"
n=$(grep -c "protocol error" "$T/log" || true)
[ "$n" -ge 4 ] || fail "$n protocol errors logged, expected at least 4"
grep -q "second client refused" "$T/log" || fail "no refusal logged"
! grep -qi "assert\|SIGSYS\|bad system call" "$T/log" ||
	fail "$(cat "$T/log")"

kill -TERM "$pid"
wait_for 50 sh -c "! kill -0 $pid" || fail "still running 5 s after SIGTERM"
PIDS=""
