#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# icmp_disabled.sh - In a host namespace where ping sockets are not allowed
# (net.ipv4.ping_group_range "1 0", a new namespace's default), the daemon
# starts anyway, says so in exactly one warning naming the setting, and
# drops the guest's echo requests; it keeps running and UDP still works.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built icmp || skip "the icmp module is a placeholder"
lab_need python3
lab_up
expect_eq "ping_group_range in a new namespace" \
	"$(lab_host sysctl -n net.ipv4.ping_group_range | tr -s '\t ' ' ')" \
	"1 0"
lab_passt "" "config_net = true;"

lab_guest busybox ping -c 2 -W 1 "$LAB_REMOTE4" > "$T/ping.out" 2>&1 &&
	fail "ping went through: $(cat "$T/ping.out")"
lab_guest busybox ping -6 -c 2 -W 1 "$LAB_REMOTE6" > "$T/ping6.out" 2>&1 &&
	fail "ping -6 went through: $(cat "$T/ping6.out")"
expect_match "ping" "$(cat "$T/ping.out")" \
	"2 packets transmitted, 0 packets received"

WARN='warning: icmp:.*net\.ipv4\.ping_group_range'
expect_eq "warnings about ping_group_range" \
	"$(grep -c "$WARN" "$T/passt.log")" 1
echo "$(grep 'ping_group_range' "$T/passt.log" | sed 's/^[0-9.]* //')"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"

if lab_module_built udp; then
	# Not lab_*(): $! must be the process itself, for the cleanup
	ip netns exec "$LAB_HOST" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 7777))
d, a = s.recvfrom(100)
s.sendto(d, a)
" &
	PIDS="$PIDS $!"
	sleep 0.3
	lab_guest python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b'still here', ('$LAB_GW4', 7777))
assert s.recvfrom(100)[0] == b'still here'
" || fail "UDP through the gateway after echo was disabled"
fi
