#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vhost_user_guest.sh - A real Linux guest, booted in QEMU (TCG) with its
# virtio-net NIC on -netdev vhost-user, i.e. with its queues in memory the
# daemon maps: it gets the expected address by DHCP, pings the remote host,
# downloads 4 MiB and uploads 1.4 MB over TCP with sha256 checked at both
# ends, first at the MTU DHCP offered (65520), then again at 1500. A
# second guest then connects to the same daemon and does it too.
#
# The emulated guest posts receive buffers far more slowly than the remote
# host sends: the daemon must hold TCP data back rather than drop frames
# for want of buffers (at most 16 dropped in all, against thousands
# without back-pressure: SIGUSR1's drop_to_guest).
#
# The guest is built from Debian's packages and booted by
# tests/qemu/guest.py (cached, as for qemu_guest_*.sh; run --vhost-user),
# its checks written with /guest/lib.sh (tests/qemu/guest_lib.sh). The
# daemon runs in the lab's host namespace (lab.sh), the servers on its
# remote host. Checks that need the icmp or tcp module are skipped, saying
# so, while those modules are placeholders.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

need_root
QEMU_BIN=${QEMU_BIN:-qemu-system-x86_64}
command -v "$QEMU_BIN" >/dev/null ||
	skip "needs $QEMU_BIN (Debian package qemu-system-x86)"
command -v python3 >/dev/null || skip "needs python3"
[ -f "$BUILD/modules/vhost_user.so" ] || skip "vhost_user is not built"
lab_module_built dhcp || skip "the dhcp module is a placeholder"
GUEST_PY="$TOP/tests/qemu/guest.py"
python3 "$GUEST_PY" build > /dev/null 2> "$T/build.err" ||
	skip "can't build the guest from Debian's packages:" \
	     "$(tail -1 "$T/build.err")"

PING=1
TCP=1
if ! lab_module_built icmp; then
	PING=0
	echo "SKIP: ping checks: the icmp module is not built yet"
fi
if ! lab_module_built tcp; then
	TCP=0
	echo "SKIP: TCP checks: the tcp module is not built yet"
fi

lab_up
lab_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"

# The remote end: a file to fetch, and a CGI answering "<sha256> <length>"
# of what it is sent
mkdir -p "$T/www/cgi-bin"
head -c 4194304 /dev/urandom > "$T/www/blob"
BLOB_SUM=$(sha256sum < "$T/www/blob" | cut -d' ' -f1)
cat > "$T/www/cgi-bin/sum" <<EOF
#!/bin/sh
f=$T/upload.\$\$
head -c "\${CONTENT_LENGTH:-0}" > "\$f"
printf 'Content-Type: text/plain\r\n\r\n%s %s' \\
	"\$(sha256sum < "\$f" | cut -d' ' -f1)" "\$(wc -c < "\$f")"
rm -f "\$f"
EOF
chmod 755 "$T/www/cgi-bin/sum"
# (ip netns exec, not lab_remote: $! must be the server's PID, and its
# output must not hold run.sh's pipe open)
ip netns exec "$LAB_REMOTE" busybox httpd -f -p 8080 -h "$T/www" \
	> "$T/httpd.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 50 lab_remote bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080' ||
	fail "httpd on the remote host is not listening"

# The daemon, with every module and the default sandbox
SOCK="$T/vu.sock"
cat > "$T/passt.conf" <<EOF
backend = "vhost_user";
pidfile = "$T/passt.pid";
log = { level = "debug"; };
vhost_user = { socket = "$SOCK"; };
EOF
lab_host "$PASST" -c "$T/passt.conf" -l "$T/passt.log" 2> "$T/passt.err" ||
	fail "passt exited with $?: $(cat "$T/passt.err")"
LAB_PASST_PID=$(cat "$T/passt.pid")
PIDS="$PIDS $LAB_PASST_PID"
[ -S "$SOCK" ] || fail "no socket at $SOCK once passt is ready"

# What runs in the guest: everything twice (MTU 65520, then 1500) when
# $ROUND is "first", once for the second guest
cat > "$T/guest.sh" <<'EOF'
. /guest/lib.sh

mtu() { cat "/sys/class/net/$IFACE/mtu"; }

fetch() {
	rm -f /tmp/blob
	# busybox 1.35's wget -T crashes: bound it from outside
	timeout 60 wget -q -O /tmp/blob "http://$REMOTE:8080/blob" || return 1
	got=$(sha256sum < /tmp/blob | cut -d' ' -f1)
	echo "guest: fetched $(wc -c < /tmp/blob) bytes, sha256 $got"
	[ "$got" = "$BLOB_SUM" ]
}

send() {
	# wget --post-file stops at a NUL byte: send text
	if [ -s /tmp/blob ]; then head -c 1048576 /tmp/blob | base64 > /tmp/up
	else head -c 1048576 /dev/urandom | base64 > /tmp/up; fi
	want="$(sha256sum < /tmp/up | cut -d' ' -f1) $(wc -c < /tmp/up)"
	got=$(timeout 60 wget -q -O - --post-file /tmp/up \
	      "http://$REMOTE:8080/cgi-bin/sum") || return 1
	echo "guest: sent '$want', the server got '$got'"
	[ "$got" = "$want" ]
}

traffic() {
	if [ "$PING" = 1 ]; then
		gt_check "ping $REMOTE (MTU $(mtu))" ping -c 2 -W 5 "$REMOTE"
	else
		gt_skip "ping $REMOTE" "icmp module not built yet"
	fi
	if [ "$TCP" = 1 ]; then
		gt_check "TCP download, sha256 checked (MTU $(mtu))" fetch
		gt_check "TCP upload, sha256 checked (MTU $(mtu))" send
	else
		gt_skip "TCP download and upload" "tcp module not built yet"
	fi
}

gt_check "DHCP lease" gt_dhcp
gt_check "address ${LEASE_IP:-none} is $EXPECT_IP" \
	[ "${LEASE_IP:-}" = "$EXPECT_IP" ]
gt_check "router ${LEASE_ROUTER:-none} is $EXPECT_GW" \
	[ "${LEASE_ROUTER:-}" = "$EXPECT_GW" ]
gt_check "MTU $(mtu) is the offered $EXPECT_MTU" [ "$(mtu)" = "$EXPECT_MTU" ]
traffic
if [ "$ROUND" = first ]; then
	ip link set dev "$IFACE" mtu 1500
	traffic
fi
gt_done
EOF

# guest() - Boot a guest on the daemon's socket, fail with its console
# $1: "first" or "second"
guest() {
	local rc=0

	python3 "$GUEST_PY" run --vhost-user "$SOCK" "$T/guest.sh" \
		--timeout 150 --log "$T/console.$1" \
		--env "ROUND=$1" --env "REMOTE=$LAB_REMOTE4" \
		--env "EXPECT_IP=$LAB_HOST4" --env "EXPECT_GW=$LAB_GW4" \
		--env "EXPECT_MTU=65520" --env "BLOB_SUM=$BLOB_SUM" \
		--env "PING=$PING" --env "TCP=$TCP" \
		> "$T/run.$1" 2>&1 || rc=$?
	grep -E '^(not )?ok ' "$T/run.$1" | sed "s/^/$1 guest: /"
	if [ "$rc" != 0 ]; then
		tail -30 "$T/run.$1" >&2
		fail "$1 guest: status $rc"
	fi
	kill -0 "$LAB_PASST_PID" 2>/dev/null ||
		fail "passt died with the $1 guest"
}

guest first
guest second

# Frames to the guest lost for want of receive buffers, and what TCP held
# back instead (the daemon is still up, between frontends)
stats_report "$LAB_PASST_PID" "$T/passt.log" vhost_user 1
drops=$(stats_get "$T/passt.log" vhost_user drop_to_guest 1)
held=$(stats_get "$T/passt.log" tcp held_backend_full 1)
echo "frames to the guest dropped: ${drops:-?}; TCP held back ${held:-?} times"
[ -n "$drops" ] || fail "no drop_to_guest counter"
[ "$drops" -le 16 ] || fail "$drops frames to the guest dropped"

# The daemon saw two frontends come and go, and no broken queue (QEMU
# has exited: give the daemon a moment to see the second one's socket close)
gone() { grep -c 'vhost_user: frontend disconnected' "$T/passt.log"; }
# shellcheck disable=SC2317 # called through wait_for
both_gone() { [ "$(gone)" = 2 ]; }
wait_for 50 both_gone || true
expect_eq "frontends connected" \
	"$(grep -c 'vhost_user: frontend connected' "$T/passt.log")" 2
expect_eq "frontends gone" "$(gone)" 2
expect_eq "broken queues" \
	"$(grep -c 'stopped until the guest resets it' "$T/passt.log")" 0
# Both guests took the checksum offloads (VIRTIO_NET_F_CSUM, GUEST_CSUM):
# the transfers above, sha256 and all, went through them
for feat in $(sed -n 's/.*vhost_user: features \(0x[0-9a-f]*\):.*/\1/p' \
		"$T/passt.log"); do
	expect_eq "checksum offloads in features $feat" $((feat & 3)) 3
done
expect_eq "feature sets taken" \
	"$(grep -c 'vhost_user: features 0x' "$T/passt.log")" 2
[ "$PING" = 1 ] && [ "$TCP" = 1 ] ||
	echo "note: passed without the checks above marked SKIP"
exit 0
