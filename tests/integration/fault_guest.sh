#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_guest.sh - The guest misbehaves mid-transfer: an application dies
# while sending and while receiving, and the guest's link goes down and up
# again (its interface restarted, as a rebooting guest's would). The
# daemon stays up, a transfer that was not involved completes with its
# sha256 intact, new connections work afterwards, and the daemon's open
# descriptors go back to what they were.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

FL_SOURCE_RATE=8 fl_start "udp = { flow_timeout = 2; }; icmp = { flow_timeout = 2; };"
fl_ping
fds=$(fl_fds)

# 16 MiB at 4 MiB/s: about four seconds, across every fault below
fl_transfer_start a up 4

# A sender killed halfway, then a receiver
fl_transfer_start k1 up 4
sleep 1
fl_kill "$FL_T_k1"
fl_transfer_start k2 down 0
sleep 1
fl_kill "$FL_T_k2"
fl_alive

# The guest's interface goes down and comes back, as after a restart
router=$(lab_env "$T/dhcp4.env" router)
lab_guest ip link set dev "$LAB_IF" down
sleep 1
fl_alive
lab_guest ip link set dev "$LAB_IF" up
lab_guest ip route replace default via "$router" dev "$LAB_IF"

fl_transfer_check a
fl_alive
fl_ping

# Killed connections and expired datagram flows leave nothing open
wait_for 150 sh -c "[ \$(ls /proc/$LAB_PASST_PID/fd | wc -l) -le $fds ]" ||
	fail "descriptors: $(fl_fds) open, $fds before the faults"
