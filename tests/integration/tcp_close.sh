#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_close.sh - Ends of connections: 1 MiB flowing to the guest after its
# FIN (half-close), a closed remote port refused in under a second (IPv4
# and IPv6), and RST from either side reaching the other

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"

tl_lab
head -c $((1 << 20)) /dev/urandom > "$T/mib"
sum=$(tl_sum "$T/mib")

# Half-close: the guest sends and shuts down, then reads 1 MiB
tl_bg $TL_R "$T/hc" halfclose-srv 0.0.0.0 5300 "$T/mib"
out=$(tl_run $TL_G halfclose $TL_R4 5300) || fail "half-close client"
expect_eq "1 MiB after the guest's FIN" "$out" "$sum"
wait_for 50 grep -q "^got" "$T/hc"
expect_eq "what the remote got before EOF" "$(tail -1 "$T/hc")" "got 1000"

# Refused, quickly
for r in $TL_R4 $TL_R6; do
	out=$(tl_run $TL_G refused $r 9)
	expect_match "connect() to a closed port at $r" "$out" \
		'^refused 0\.[0-9]+$'
done

# Remote resets: the guest's recv() fails with ECONNRESET
tl_bg $TL_R "$T/rst1" rst-srv 0.0.0.0 5301
out=$(tl_run $TL_G wait $TL_R4 5301 5)
expect_match "guest after the remote's RST" "$out" '^reset'

# Guest resets: the remote's recv() fails with ECONNRESET
tl_bg $TL_R "$T/rst2" wait-srv 0.0.0.0 5302 5
tl_run $TL_G rst $TL_R4 5302
wait_for 50 test "$(wc -l < "$T/rst2")" -ge 2
expect_match "remote after the guest's RST" "$(tail -1 "$T/rst2")" '^reset'
tl_alive
