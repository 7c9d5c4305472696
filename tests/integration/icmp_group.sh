#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# icmp_group.sh - net.ipv4.ping_group_range allows root's group only: the
# daemon, started as root, can open ping sockets at start-up, but not any
# more once its sandbox has switched to nobody. The first echo request
# from the guest brings one warning naming the setting and the group
# refused; echo is off from then on, no more warnings, no crash.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built icmp || skip "the icmp module is a placeholder"
lab_up
lab_host sysctl -qw net.ipv4.ping_group_range="0 0"
lab_passt "" "config_net = true;"

grep -q "ping_group_range" "$T/passt.log" &&
	fail "warned at start-up: $(grep ping_group_range "$T/passt.log")"

lab_guest busybox ping -c 3 -W 1 "$LAB_REMOTE4" > "$T/ping.out" 2>&1 &&
	fail "ping went through: $(cat "$T/ping.out")"
lab_guest busybox ping -6 -c 2 -W 1 "$LAB_REMOTE6" > /dev/null 2>&1 &&
	fail "ping -6 went through"

WARN='warning: icmp:.*net\.ipv4\.ping_group_range'
expect_eq "warnings about ping_group_range" \
	"$(grep -c "$WARN" "$T/passt.log")" 1
gid=$(sed -n 's/.*entered as uid [0-9]* gid \([0-9]*\).*/\1/p' "$T/passt.log")
expect_match "the warning names the group" \
	"$(grep 'ping_group_range' "$T/passt.log")" "group ${gid:-65534} "
echo "$(grep 'ping_group_range' "$T/passt.log" | sed 's/^[0-9.]* //')"

kill -0 "$LAB_PASST_PID" || fail "passt died: $(tail "$T/passt.log")"
