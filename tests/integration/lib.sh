#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - Shared helpers for integration tests (sourced, never run)
#
# Each test is a bash script: exit 0 passes, 77 skips (with a reason on
# stdout), anything else fails. Tests clean up after themselves: temporary
# directories, processes they started (by PID) and namespaces they made.

set -eu
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${BUILD:=$TOP/build}"
PASST="$BUILD/passt"
# The module ABI of the header: golden files write it @ABI@
ABI="$(sed -n 's/^#define PASST_ABI_MAJOR\t\([0-9]*\).*/\1/p' \
	"$TOP/include/passt/module.h").$(sed -n \
	's/^#define PASST_ABI_MINOR\t\([0-9]*\).*/\1/p' \
	"$TOP/include/passt/module.h")"
T=$(mktemp -d /tmp/passt-test.XXXXXX)
chmod 755 "$T"
PIDS=""
NETNS=""

# cleanup() - Kill what the test started, delete what it made
cleanup() {
	local p n
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PIDS; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
	done
	for n in $NETNS; do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$T"
	# A test that installed with another prefix relinked the shared
	# build's passt with that module directory: put the default back
	if [ -n "${REBUILD_AFTER:-}" ]; then
		make -s -C "$TOP" BUILD="$BUILD" all > /dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

# fail() - Report a failure and stop
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip() - Report why the test can't run here and stop
skip() {
	echo "SKIP: $*"
	exit 77
}

# need_root() - Skip unless running as root
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# expect_eq() - Fail unless two values are equal
# $1: what is compared, $2: actual value, $3: expected value
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# expect_match() - Fail unless a value matches an extended regex
# $1: what is compared, $2: actual value, $3: regex
expect_match() {
	echo "$2" | grep -Eq -- "$3" || fail "$1: got '$2', expected /$3/"
}

# oot_build() - Build a module from one C file and a header directory only
# $1: output .so, $2: directory holding passt/module.h, $3: source
oot_build() {
	"${CC:-gcc}" -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC \
		-fvisibility=hidden -shared -I "$2" -o "$1" "$3"
}

# stats_report() - SIGUSR1 to a daemon, then wait for its N-th report
# $1: PID, $2: its log, $3: the module whose line comes last, $4: which
stats_report() {
	kill -USR1 "$1"
	wait_for 50 sh -c "test \"\$(grep -c 'stats: $3: ' '$2')\" -ge $4" ||
		fail "no report $4: $(tail -3 "$2")"
}

# stats_get() - A counter of a module (or core) in the N-th report of a log
# $1: log, $2: module, $3: counter, $4: which report
stats_get() {
	grep "stats: $2: " "$1" | sed -n "$4p" | tr ' ' '\n' |
		sed -n "s/^$3=//p"
}

# wait_for() - Wait up to $1 tenths of a second for a command to succeed
wait_for() {
	local n=$1
	shift
	while ! "$@" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}
