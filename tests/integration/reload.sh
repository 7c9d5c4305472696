#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reload.sh - SIGHUP applies a new forwarding table to a running daemon,
# sandbox on: a 32 MiB transfer through rule A (host port 7000 -> guest
# 7001) is running while the file drops rule A for rule B (7100 -> 7101)
# and changes settings that need a restart; after SIGHUP the transfer
# still ends with its sha256 intact, rule B accepts and moves data, port
# 7000 refuses new connections, each setting that needs a restart is one
# warning line, and files that are broken (syntax, then a bad value) are
# one error line each while the daemon keeps forwarding through rule B.
# Then rule A comes back under its old index, and a from = "guest" rule
# is added: the guest's loopback reaches the host's.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"

tl_lab
conf="$T/passt.conf"
rule_a='{ proto = "tcp"; from = "host"; ports = "7000:7001"; }'
grep -qF "forward = ( $rule_a );" "$conf" ||
	fail "tcp_lib.sh's config changed: $(cat "$conf")"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$TL_PID/status" ||
	fail "daemon $TL_PID runs without its seccomp filter"

# A sender slow enough to be in the middle of its transfer at the reload
cat > "$T/slow.py" <<'EOF'
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
data = open(sys.argv[3], 'rb').read()
step = 256 << 10
for off in range(0, len(data), step):
    c.sendall(data[off:off + step])
    time.sleep(0.03)
c.shutdown(socket.SHUT_WR)
c.recv(1)
print('sent', len(data), flush=True)
EOF
head -c $((32 << 20)) /dev/urandom > "$T/blob"
sum=$(tl_sum "$T/blob")
head -c $((1 << 20)) /dev/urandom > "$T/mib"
mib=$(tl_sum "$T/mib")

# newconf() - Write the file as an editor would: a new file renamed over
# $1: forward list, $2: more settings, the tcp group among them
newconf() {
	sed -e "s|^forward = .*|forward = ( $1 );|" -e '/^tcp = /d' \
		"$T/passt.conf.orig" > "$T/passt.conf.new"
	printf '# extra\n%s\n' "$2" >> "$T/passt.conf.new"
	mv "$T/passt.conf.new" "$conf"
}
cp "$conf" "$T/passt.conf.orig"

# reloads_ge() - Whether at least N reloads ended, applied or refused
# $1: N
reloads_ge() {
	test "$(grep -c -E -e '^reload: forwarding rules:' \
		-e '^reload: .*; keeping the running configuration$' \
		"$T/log")" -ge "$1"
}

# lines_ge() - Whether a file has at least N lines
# $1: file, $2: N
lines_ge() {
	test "$(wc -l < "$1")" -ge "$2"
}

# reloaded() - SIGHUP, then wait for the N-th reload's last line
# $1: how many reloads, refused ones included, there should have been
reloaded() {
	kill -HUP "$TL_PID"
	wait_for 50 reloads_ge "$1" ||
		fail "reload $1 not done: $(tail -5 "$T/log")"
	tl_alive
}

# The transfer through rule A starts
tl_bg $TL_G "$T/in" recv-srv 0.0.0.0 7001
ip netns exec $TL_R python3 "$T/slow.py" $TL_H4 7000 "$T/blob" \
	> "$T/slow.out" 2>&1 &
slow=$!
PIDS="$slow $PIDS"
# established() - Whether the guest has a connection on port 7001
established() {
	ip netns exec $TL_G ss -Htn state established '( sport = :7001 )' |
		grep -q .
}
wait_for 50 established ||
	fail "no connection through rule A: $(cat "$T/slow.out")"
sleep 0.5

# Rule A's port goes, rule B's comes; two settings need a restart
newconf '{ proto = "tcp"; from = "host"; ports = "7100:7101"; }' \
	'mtu = 9000;
tcp = { keepalive_interval = 60; };'
reloaded 1
kill -0 $slow 2>/dev/null || fail "the transfer ended before the reload"
grep -q "^reload: forward rule 0 removed: tcp host 7000 -> 7001$" "$T/log" ||
	fail "rule A not removed: $(grep reload: "$T/log")"
grep -q "^reload: forward rule 1 added: tcp host 7100 -> 7101$" "$T/log" ||
	fail "rule B not added: $(grep reload: "$T/log")"
grep -q "^reload: forwarding rules: 0 kept, 1 removed, 1 added$" "$T/log" ||
	fail "summary: $(grep reload: "$T/log")"
expect_eq "warnings for settings that need a restart" \
	"$(grep -c '^warning: reload: ' "$T/log")" 2
grep -q "^warning: reload: $conf:[0-9]*: mtu: added; ignored until restart$" \
	"$T/log" || fail "mtu: $(grep '^warning: reload' "$T/log")"
want="^warning: reload: $conf:[0-9]*: tcp.keepalive_interval: added;"
grep -q "$want ignored until restart$" "$T/log" ||
	fail "tcp group: $(grep '^warning: reload' "$T/log")"

# Port 7000 refuses new connections; rule B moves data
expect_match "port 7000 after the reload" \
	"$(tl_run $TL_R refused $TL_H4 7000)" '^refused 0\.[0-9]+$'
tl_bg $TL_G "$T/inb" recv-srv 0.0.0.0 7101
rate=$(tl_run $TL_R send $TL_H4 7100 "$T/mib") || fail "rule B: send"
wait_for 100 lines_ge "$T/inb" 2
expect_eq "1 MiB through rule B" "$(tail -1 "$T/inb")" "$mib"
echo "rule B: $rate"

# The old connection finishes, intact
wait $slow || fail "slow sender: $(cat "$T/slow.out")"
wait_for 100 lines_ge "$T/in" 2
expect_eq "32 MiB through rule A, across the reload" "$(tail -1 "$T/in")" \
	"$sum"
echo "transfer across the reload: intact"

# A syntax error, then a bad value: one line each, rule B stays
printf 'backend = "tap";\nmtu = = 9000;\n' > "$conf"
reloaded 2
expect_eq "syntax error" \
	"$(grep -c '; keeping the running configuration$' "$T/log")" 1
grep -q "^reload: $conf:2: syntax error; keeping the running configuration$" \
	"$T/log" || fail "syntax error: $(tail -3 "$T/log")"
newconf '{ proto = "tcp"; from = "host"; ports = "7100:7101,99999"; }' \
	'tcp = { };'
reloaded 3
want="^reload: $conf:[0-9]*: forward\[0\].ports: port spec"
want="$want '7100:7101,99999': port 99999 is out of range (1-65535);"
grep -q "$want keeping the running configuration$" "$T/log" ||
	fail "bad value: $(tail -3 "$T/log")"
expect_eq "warnings after the bad files" \
	"$(grep -c '^warning: reload: ' "$T/log")" 2

tl_bg $TL_G "$T/inb2" recv-srv 0.0.0.0 7101
tl_run $TL_R send $TL_H4 7100 "$T/mib" > /dev/null ||
	fail "rule B after the bad files"
wait_for 100 lines_ge "$T/inb2" 2
expect_eq "rule B after the bad files" "$(tail -1 "$T/inb2")" "$mib"
expect_match "port 7000 after the bad files" \
	"$(tl_run $TL_R refused $TL_H4 7000)" '^refused 0\.[0-9]+$'

# Rule A comes back as it was: its old slot, as a tombstone revived
newconf "$rule_a, { proto = \"tcp\"; ports = \"7100:7101\"; }" \
	'mtu = 9000;
tcp = { keepalive_interval = 60; };'
reloaded 4
grep -q "^reload: forward rule 0 added: tcp host 7000 -> 7001$" "$T/log" ||
	fail "rule A back: $(tail -5 "$T/log")"
grep -q "^reload: forwarding rules: 1 kept, 0 removed, 1 added$" "$T/log" ||
	fail "rule A back: $(tail -5 "$T/log")"
tl_bg $TL_G "$T/ina" recv-srv 0.0.0.0 7001
tl_run $TL_R send $TL_H4 7000 "$T/mib" > /dev/null || fail "rule A again"
wait_for 100 lines_ge "$T/ina" 2
expect_eq "rule A again" "$(tail -1 "$T/ina")" "$mib"
expect_eq "reload errors logged" \
	"$(grep -c '; keeping the running configuration$' "$T/log")" 2

# A from = "guest" rule at run time: its sockets are made in the guest's
# namespace through the backend, from inside the sandbox
newconf "$rule_a, { proto = \"tcp\"; from = \"guest\"; ports = \"7400\"; }" \
	'tcp = { };'
reloaded 5
grep -q "^reload: forward rule 2 added: tcp splice 7400 -> 7400$" "$T/log" ||
	fail "guest rule: $(tail -5 "$T/log")"
tl_bg $TL_H "$T/spl" recv-srv 127.0.0.1 7400
tl_run $TL_G send 127.0.0.1 7400 "$T/mib" > /dev/null ||
	fail "guest loopback to host loopback"
wait_for 100 lines_ge "$T/spl" 2
expect_eq "1 MiB from the guest's loopback" "$(tail -1 "$T/spl")" "$mib"
tl_alive
