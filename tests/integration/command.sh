#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# command.sh - 'passt -c FILE -- COMMAND' runs COMMAND in a new network
# namespace with the tap attached and configured before it starts (address,
# prefix, default route, MTU), like pasta, and exits with COMMAND's status
# (128 + the signal if one ended it); the default sandbox is on.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_up
echo "mtu = 9000;" > "$T/cmd.conf"

# run() - The daemon in the host namespace with a command; output in
# $T/out, the daemon's messages in $T/err, status in $rc
run() {
	rc=0
	timeout 30 ip netns exec "$LAB_HOST" "$PASST" -c "$T/cmd.conf" "$@" \
		> "$T/out" 2> "$T/err" || rc=$?
}

run -- ip -o -4 addr show dev "$LAB_IF"
expect_eq "status of 'ip addr'" "$rc" 0
expect_eq "address seen by the command" "$(awk '{ print $4 }' "$T/out")" \
	"$LAB_HOST4/$LAB_PREFIX4"

run -- ip -4 route show default
expect_eq "default route seen by the command" \
	"$(sed 's/ *$//' "$T/out")" "default via $LAB_GW4 dev $LAB_IF"

run -- ip -o link show dev "$LAB_IF"
expect_eq "MTU seen by the command" \
	"$(sed -n 's/.* mtu \([0-9]*\) .*/\1/p' "$T/out")" 9000

run -- ip -6 -o addr show dev "$LAB_IF" scope global
expect_eq "IPv6 address seen by the command" \
	"$(awk '{ print $4 }' "$T/out")" "$LAB_HOST6/$LAB_PREFIX6"

run -- readlink /proc/self/ns/net
[ -s "$T/out" ] || fail "readlink printed nothing: $(cat "$T/err")"
[ "$(cat "$T/out")" != "$(lab_host readlink /proc/self/ns/net)" ] ||
	fail "the command ran in the host's network namespace"

run -- sh -c 'exit 7'
expect_eq "exit status passed through" "$rc" 7

run -- sh -c 'kill -TERM $$'
expect_eq "killed by SIGTERM: 128 + 15" "$rc" 143

run -- "$T/no-such-command"
expect_eq "command not found" "$rc" 127
grep -q "$T/no-such-command: No such file or directory" "$T/err" ||
	fail "no word on the missing command: $(cat "$T/err")"

# A command and tap.netns both: one line, status 1, nothing run
echo "tap = { netns = \"/run/netns/$LAB_GUEST\"; };" >> "$T/cmd.conf"
run -- touch "$T/ran"
expect_eq "status with netns and a command" "$rc" 1
expect_eq "lines on stderr" "$(wc -l < "$T/err")" 1
grep -q "give one or the other" "$T/err" || fail "$(cat "$T/err")"
[ ! -e "$T/ran" ] || fail "the command ran anyway"

# Not root: the command gets a user namespace of its own as well. The tun
# device may be root's alone (mode 0600): a private mount namespace gives
# this run a node anyone can open, as most distributions have it.
echo "mtu = 9000;" > "$T/cmd.conf"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)
if ! setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
	unshare -U true 2>/dev/null; then
	echo "unprivileged run: no user namespaces for unprivileged users here"
	exit 0
fi
if ! setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups \
	test -x "$PASST" -a -r "$BUILD/modules/tap.so" -a -r "$T/cmd.conf"; then
	echo "unprivileged run: nobody can't read the build tree, not checked"
	exit 0
fi
mknod -m 666 "$T/tun" c 10 200
rc=0
timeout 30 ip netns exec "$LAB_HOST" unshare -m sh -c '
	mount --bind "$1" /dev/net/tun || exit 99
	shift
	exec setpriv --reuid="$1" --regid="$2" --clear-groups "$3" -c "$4" \
		-- sh -c "id -u; ip -o -4 addr show dev $5; exit 5"' \
	- "$T/tun" "$nobody_uid" "$nobody_gid" "$PASST" "$T/cmd.conf" \
	"$LAB_IF" > "$T/out" 2> "$T/err" || rc=$?
if [ "$rc" = 99 ]; then
	echo "unprivileged run: cannot bind a tun node here, not checked"
	exit 0
fi
expect_eq "unprivileged: status" "$rc" 5
expect_eq "unprivileged: root in its user namespace" "$(head -1 "$T/out")" 0
expect_eq "unprivileged: address" \
	"$(sed -n 2p "$T/out" | awk '{ print $4 }')" "$LAB_HOST4/$LAB_PREFIX4"
