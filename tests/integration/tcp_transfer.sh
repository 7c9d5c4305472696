#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_transfer.sh - 200 MiB each way over TCP, IPv4 and IPv6: guest to a
# remote host and back, and remote to guest through an inbound rule and
# back, sha256 and length equal at both ends
#
# TCP_MIB sets the size (default 200).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"

MIB=${TCP_MIB:-200}
tl_lab
head -c $((MIB << 20)) /dev/urandom > "$T/blob"
sum=$(tl_sum "$T/blob")

port=5100
for v in 4 6; do
	r=$TL_R4 h=$TL_H4 any=0.0.0.0
	[ $v = 4 ] || { r=$TL_R6 h=$TL_H6 any=::; }

	# Guest connects out, sends
	tl_bg $TL_R "$T/up$v" recv-srv $any $port
	rate=$(tl_run $TL_G send $r $port "$T/blob") || fail "IPv$v upload"
	wait_for 100 test "$(wc -l < "$T/up$v")" -ge 2
	expect_eq "IPv$v guest to remote" "$(tail -1 "$T/up$v")" "$sum"
	echo "IPv$v guest -> remote: $rate"
	port=$((port + 1))

	# Guest connects out, receives
	tl_bg $TL_R "$T/dn$v" send-srv $any $port "$T/blob"
	out=$(tl_run $TL_G recv $r $port) || fail "IPv$v download"
	expect_eq "IPv$v remote to guest" "${out% * *}" "$sum"
	echo "IPv$v remote -> guest: $(echo "$out" | cut -d" " -f3-)"
	port=$((port + 1))

	# Remote connects in (host port 7000 -> guest 7001), sends
	tl_bg $TL_G "$T/in$v" recv-srv $any 7001
	rate=$(tl_run $TL_R send $h 7000 "$T/blob") || fail "IPv$v inbound"
	wait_for 100 test "$(wc -l < "$T/in$v")" -ge 2
	expect_eq "IPv$v inbound, remote to guest" "$(tail -1 "$T/in$v")" "$sum"
	echo "IPv$v inbound remote -> guest: $rate"

	# Remote connects in, receives
	tl_bg $TL_G "$T/out$v" send-srv $any 7001 "$T/blob"
	out=$(tl_run $TL_R recv $h 7000) || fail "IPv$v inbound download"
	expect_eq "IPv$v inbound, guest to remote" "${out% * *}" "$sum"
	echo "IPv$v inbound guest -> remote: $(echo "$out" | cut -d" " -f3-)"
	tl_alive
done
