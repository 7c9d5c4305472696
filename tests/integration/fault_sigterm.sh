#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fault_sigterm.sh - SIGTERM in the middle of heavy traffic (four transfers
# each way of IP, unthrottled): the daemon, detached and sandboxed as
# nobody, exits within five seconds with a clean line in its log, and
# removes its PID file (which it can: the directory is sticky, like /tmp,
# and the file was handed to the runas user).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"
. "$(dirname "$0")/fault_lib.sh"

need_root
chmod 1777 "$T"
fl_start "" 64
[ "$(stat -c %U "$T/passt.pid")" = nobody ] ||
	fail "PID file owned by $(stat -c %U "$T/passt.pid"), not nobody"

fl_transfer_start u4 up 0
fl_transfer_start d4 down 0
fl_transfer_start u6 up 0 "$LAB_REMOTE6"
fl_transfer_start d6 down 0 "$LAB_REMOTE6"
sleep 0.3
fl_alive

kill -TERM "$LAB_PASST_PID"
wait_for 50 sh -c "! kill -0 $LAB_PASST_PID" ||
	fail "still running 5 s after SIGTERM"
grep -q "exiting" "$T/passt.log" ||
	fail "no clean exit in the log: $(tail -5 "$T/passt.log")"
! grep -Eq "ASSERTION|AddressSanitizer|runtime error" "$T/passt.log" ||
	fail "$(grep -E "ASSERTION|AddressSanitizer|runtime error" "$T/passt.log")"
[ ! -e "$T/passt.pid" ] || fail "PID file left behind"
LAB_PASST_PID=""
