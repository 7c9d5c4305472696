#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tcp_many.sh - 500 concurrent connections from the guest, each sending
# 20 KB to an echo server on a remote host and getting exactly it back

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"

N=500
tl_lab
tl_bg $TL_R "$T/echo" echo-srv 0.0.0.0 5200 $N
out=$(tl_run $TL_G echo-many $TL_R4 5200 $N 20000) || fail "clients: $out"
expect_eq "connections echoed intact" "$out" "ok $N"
wait_for 100 grep -q "^done" "$T/echo" || fail "server: $(cat "$T/echo")"
expect_eq "connections the server saw end" "$(tail -1 "$T/echo")" "done $N"
tl_alive
