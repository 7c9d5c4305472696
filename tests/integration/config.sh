#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# config.sh - passt --check-config against golden files: NN.conf with NN.ok
# (its standard output, exit 0) or NN.err (its one line on stderr, exit 1),
# byte for byte, so a changed default or message shows up as a diff.
# @TOP@ and @BUILD@ in golden files stand for the source and build trees,
# @ABI@ for the module ABI version.

. "$(dirname "$0")/lib.sh"

n=0
for conf in "$TOP"/tests/integration/config/*.conf; do
	base=${conf%.conf}
	rc=0
	"$PASST" --check-config -c "$conf" > "$T/out" 2> "$T/err" || rc=$?
	sed -i "s|$BUILD|@BUILD@|g; s|$TOP|@TOP@|g; s|module ABI $ABI:|module ABI @ABI@:|; s|\"abi\": \"$ABI\"|\"abi\": \"@ABI@\"|" "$T/out" "$T/err"
	if [ -f "$base.ok" ]; then
		[ "$rc" = 0 ] || fail "$conf: exit $rc: $(cat "$T/err")"
		diff -u "$base.ok" "$T/out" || fail "$conf: output differs"
	elif [ -f "$base.err" ]; then
		[ "$rc" = 1 ] || fail "$conf: exit $rc, expected 1"
		diff -u "$base.err" "$T/err" || fail "$conf: message differs"
	else
		fail "$conf: no $base.ok or $base.err golden file"
	fi
	n=$((n + 1))
done
echo "$n config files checked"

# The shipped sample config is valid here, whatever the host's network
"$PASST" --check-config -c "$TOP/etc/passt.conf" > "$T/out" 2> "$T/err" ||
	fail "etc/passt.conf: $(cat "$T/err")"
grep -q '^backend = "qemu_stream";$' "$T/out" ||
	fail "etc/passt.conf: unexpected backend: $(cat "$T/out")"

# What --check-config prints is a config file resolving to the same settings
for n in 01 02; do
	"$PASST" --check-config -c "$TOP/tests/integration/config/$n.conf" \
		> "$T/round1.conf" || fail "$n.conf: $?"
	"$PASST" --check-config -c "$T/round1.conf" > "$T/round2" ||
		fail "$n.conf: its output is not a valid config"
	diff <(tail -n +2 "$T/round1.conf") <(tail -n +2 "$T/round2") ||
		fail "$n.conf: printed settings resolve differently"
done
