#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# reload_udp.sh - SIGHUP and UDP rules, sandbox on: a flow through rule A
# (host port 7200 -> guest 7201) echoes; a reload replaces rule A by rule
# B (7300 -> 7301): the udp module is told before rule A's socket closes
# and ends the flow that replied through it, port 7200 is refused (ICMP
# port unreachable), rule B echoes, and the daemon's counters say so.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built udp || skip "the udp module is a placeholder"
lab_need python3
lab_up
RULE_A='{ proto = "udp"; ports = "7200:7201"; }'
RULE_B='{ proto = "udp"; ports = "7300:7301"; }'
lab_passt "forward = ( $RULE_A );" "config_net = true;"
grep -q '^Seccomp:[[:space:]]*2$' "/proc/$LAB_PASST_PID/status" ||
	fail "daemon $LAB_PASST_PID runs without its seccomp filter"

cat > "$T/echo.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', int(sys.argv[1])))
print('listening', flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
EOF
cat > "$T/client.py" <<'EOF'
# client.py ADDR PORT N: N datagrams, each echoed? "echoed K", "refused"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
got = 0
try:
    for i in range(int(sys.argv[3])):
        s.send(b'%d' % i * 50)
        got += s.recv(65535) == b'%d' % i * 50
    print('echoed', got)
except ConnectionRefusedError:
    print('refused')
except socket.timeout:
    print('timeout after', got)
EOF
for p in 7201 7301; do
	ip netns exec "$LAB_GUEST" python3 "$T/echo.py" $p > "$T/echo$p.out" 2>&1 &
	PIDS="$! $PIDS"
	wait_for 50 grep -q listening "$T/echo$p.out" || fail "echo on $p"
done

# reloads_ge() - Whether at least N reloads were applied
# $1: N
reloads_ge() {
	test "$(grep -c 'reload: forwarding rules:' "$T/passt.log")" -ge "$1"
}

expect_eq "rule A" "$(lab_remote python3 "$T/client.py" $LAB_HOST4 7200 5)" \
	"echoed 5"

lab_conf "$T/passt.conf.new" "forward = ( $RULE_B );" "config_net = true;"
mv "$T/passt.conf.new" "$T/passt.conf"
kill -HUP "$LAB_PASST_PID"
wait_for 50 reloads_ge 1 || fail "no reload: $(tail -5 "$T/passt.log")"
grep -q 'reload: forward rule 0 removed: udp host 7200 -> 7201$' \
	"$T/passt.log" || fail "rule A: $(grep reload "$T/passt.log")"
grep -q 'reload: forward rule 1 added: udp host 7300 -> 7301$' \
	"$T/passt.log" || fail "rule B: $(grep reload "$T/passt.log")"
ended='debug: udp: flow [0-9]*: port 7200 is no longer forwarded, closed$'
expect_eq "flows the udp module ended with rule A" \
	"$(grep -c "$ended" "$T/passt.log")" 1

expect_eq "port 7200 after the reload" \
	"$(lab_remote python3 "$T/client.py" $LAB_HOST4 7200 1)" "refused"
expect_eq "rule B" "$(lab_remote python3 "$T/client.py" $LAB_HOST4 7300 5)" \
	"echoed 5"

kill -USR1 "$LAB_PASST_PID"
wait_for 50 grep -q 'stats: udp: ' "$T/passt.log" || fail "no counters"
line=$(grep 'stats: udp: ' "$T/passt.log" | tail -1)
want=' frames_from_guest=10 .* flows=1 flows_out=0 flows_out_group=0'
want="$want flows_in=1 datagrams_to_host=10 bytes_to_host=[0-9]+"
expect_match "udp counters" "$line" "$want datagrams_from_host=10 "
expect_match "core counters" "$(grep 'stats: core: ' "$T/passt.log")" \
	' reloads=1 reload_errors=0 busy_poll_hits=[0-9]+ busy_poll_misses=[0-9]+$'
kill -0 "$LAB_PASST_PID" || fail "daemon died: $(tail -5 "$T/passt.log")"
echo "udp across a reload: rule A's flow ended, its port refused, rule B echoes"
