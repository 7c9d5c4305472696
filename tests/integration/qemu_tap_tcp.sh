#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_tap_tcp.sh - 100 MiB over TCP each way between the guest namespace
# behind a real QEMU (tap0 bridged by its hub to the qemu_stream socket,
# see tests/qemu/lib.sh) and a host server, sha256 equal at both ends.
#
# QEMU 7.2's hub corrupts or asserts with more than about 200 KiB of
# guest data in flight, whatever the daemon does, so the guest's sockets
# are capped at 32 KiB of buffer (SO_SNDBUF, SO_RCVBUF).

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need
qt_need_modules tcp

MIB=${QT_TCP_MIB:-100}
BUF=32768
XFER="$TOP/tests/qemu/xfer.py"

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"
qt_qemu_bridge "$sock" stream
qt_dhcp

python3 "$XFER" mkfile "$T/blob" "$MIB"
sum=$(python3 "$XFER" sum "$T/blob")

# Guest to host: the gateway address reaches the host's loopback
ip netns exec "$QT_H" python3 "$XFER" tcp-sink 127.0.0.1 5001 "$T/up.sum" \
	> "$T/sink.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 100 grep -q listening "$T/sink.out" || fail "$(cat "$T/sink.out")"
start=$(date +%s%N)
timeout 600 ip netns exec "$QT_G" python3 "$XFER" tcp-send "$QT_GW" 5001 \
	"$T/blob" "$BUF" > "$T/send.out" 2>&1 ||
	fail "upload: $(cat "$T/send.out"); log: $(tail "$T/log")"
wait_for 100 test -s "$T/up.sum" || fail "no sum from the sink"
expect_eq "guest to host: sha256 and length" "$(cat "$T/up.sum")" "$sum"
echo "guest to host: $MIB MiB in $((($(date +%s%N) - start) / 1000000)) ms"

# Host to guest
ip netns exec "$QT_H" python3 "$XFER" tcp-source 127.0.0.1 5002 "$T/blob" \
	> "$T/source.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 100 grep -q listening "$T/source.out" || fail "$(cat "$T/source.out")"
start=$(date +%s%N)
down=$(timeout 600 ip netns exec "$QT_G" python3 "$XFER" tcp-recv "$QT_GW" \
       5002 "$BUF" 2> "$T/recv.err") ||
	fail "download: $(cat "$T/recv.err"); log: $(tail "$T/log")"
expect_eq "host to guest: sha256 and length" "$down" "$sum"
echo "host to guest: $MIB MiB in $((($(date +%s%N) - start) / 1000000)) ms"

kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
! grep -q "protocol error" "$T/log" || fail "$(cat "$T/log")"
