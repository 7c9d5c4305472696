#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# qemu_tap_bulk.sh - A bulk download into the guest behind a real QEMU
# (tap0 bridged by its hub to the qemu_stream socket), with the guest's
# default socket buffers: QEMU drains the socket slower than the host
# sends, so the backend fills up and must push back (tx_window(), TCP's
# on_tx_ready()) rather than drop frames.
#
# Asserts: the data arrives whole (sha256 and length), qemu_stream dropped
# no frame for want of room (its SIGUSR1 counters), and the guest's TCP
# never saw a segment out of order (TcpExtTCPOFOQueue: a gap is a loss).

. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
qt_need
qt_need_modules tcp
command -v nstat > /dev/null || skip "needs nstat (iproute2)"

MIB=${QT_BULK_MIB:-256}
XFER="$TOP/tests/qemu/xfer.py"

sock="$T/passt.socket"
qt_netns
qt_daemon "$sock"
qt_qemu_bridge "$sock" stream
qt_dhcp

python3 "$XFER" mkfile "$T/blob" "$MIB"
sum=$(python3 "$XFER" sum "$T/blob")

# report() - SIGUSR1, then wait for the N-th qemu_stream line
# $1: which report this is
report() {
	stats_report "$QT_PID" "$T/log" qemu_stream "$1"
}

# stat() - A counter of a module in the N-th report
# $1: module, $2: counter, $3: which report
stat() {
	stats_get "$T/log" "$@"
}

# A receive window larger than what the daemon's socket to QEMU and its
# pending buffer hold together: only pushing back keeps frames from loss
ip netns exec "$QT_G" sysctl -qw net.ipv4.tcp_rmem="4096 131072 67108864"

# QEMU and the receiver share one CPU, the daemon and the sender the
# other, as a guest's vCPU and its network device often do: QEMU then
# drains the socket at its own, slower pace
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ]; then
	taskset -a -pc 0 "$QT_QEMU" > /dev/null
	taskset -a -pc 1 "$QT_PID" > /dev/null
	PIN_G="taskset -c 0"
	PIN_H="taskset -c 1"
fi

report 1
ip netns exec "$QT_G" nstat -n

ip netns exec "$QT_H" ${PIN_H:-} python3 "$XFER" tcp-source 127.0.0.1 5002 "$T/blob" \
	> "$T/source.out" 2>&1 &
PIDS="$! $PIDS"
wait_for 100 grep -q listening "$T/source.out" || fail "$(cat "$T/source.out")"
start=$(date +%s%N)
down=$(timeout 300 ip netns exec "$QT_G" ${PIN_G:-} python3 "$XFER" tcp-recv "$QT_GW" \
       5002 0 2> "$T/recv.err") ||
	fail "download: $(cat "$T/recv.err"); log: $(tail "$T/log")"
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "host to guest: sha256 and length" "$down" "$sum"

ofo=$(ip netns exec "$QT_G" nstat -a TcpExtTCPOFOQueue |
      awk '$1 == "TcpExtTCPOFOQueue" { print $2 }')
report 2
drops=$(stat qemu_stream drop_no_room 2)
held=$(stat tcp held_backend_full 2)
[ -n "$drops" ] && [ -n "$held" ] ||
	fail "counters missing: $(grep 'stats: ' "$T/log" | tail -3)"
echo "host to guest: $MIB MiB in $ms ms; data held $held times while" \
     "QEMU caught up; $drops frames dropped; ${ofo:-0} out of order"
expect_eq "frames dropped for want of room" "$drops" 0
expect_eq "segments the guest got out of order" "${ofo:-0}" 0

kill -0 "$QT_PID" || fail "daemon exited: $(tail "$T/log")"
