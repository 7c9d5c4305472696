#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tap_bad_netns.sh - A tap.netns that names no namespace (a missing
# /run/netns entry, a process that doesn't exist, a file that isn't a
# network namespace), or none at all without a command: the daemon exits
# with status 1 and one line saying what is wrong, and leaves no tap or
# process behind.

. "$(dirname "$0")/lib.sh"

# bad() - Start the daemon with a tap group, expect one line and status 1
# $1: tap group contents, $2: the line expected on stderr
bad() {
	local rc=0
	cat > "$T/passt.conf" <<EOF
backend = "tap";
pidfile = "$T/passt.pid";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
tap = { $1 };
EOF
	rm -f "$T/passt.pid"
	"$PASST" -c "$T/passt.conf" > "$T/out" 2> "$T/err" || rc=$?
	expect_eq "status for { $1 }" "$rc" 1
	expect_eq "lines on stderr for { $1 }" "$(wc -l < "$T/err")" 1
	expect_eq "message for { $1 }" "$(cat "$T/err")" "$2"
	[ ! -s "$T/passt.pid" ] || fail "a PID file was written for { $1 }"
}

missing="/run/netns/passt-test-$$-missing"
bad "netns = \"$missing\";" \
    "tap: netns '$missing': No such file or directory;"\
" expected /run/netns/NAME or a PID"

# PIDs never go above 2^22 (PID_MAX_LIMIT)
bad 'netns = "9999999";' \
    "tap: netns '9999999': no such process"\
" (/proc/9999999/ns/net: No such file or directory)"

bad 'netns = "/etc/passwd";' \
    "tap: netns '/etc/passwd': not a network namespace;"\
" expected /run/netns/NAME or a PID"

bad '' \
    "tap: netns: not set; give tap.netns (/run/netns/NAME or a PID)"\
" or a command after '--'"

bad 'netns = "/proc/self/ns/net"; ifname = "much-too-long-name";' \
    "tap: ifname 'much-too-long-name': must be 1 to 15 characters,"\
" without '/', ':' or spaces"

bad 'netns = "/proc/self/ns/net"; mac = "01:02:03:04:05:06";' \
    "tap: mac '01:02:03:04:05:06': expected a unicast address"\
" such as 02:00:00:00:00:01"
