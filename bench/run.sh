#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run.sh - make bench: this daemon, pasta, Debian's passt, slirp4netns and
# plain veth side by side in the integration lab's namespaces (bench.py
# measures, this builds the network and cleans it up)
#
#   remote (servers) -- router -- host (the daemons run here, and testpmd,
#                                   |      the guest of vhost_user)
#                                   |-- guest   tap0 of this daemon (tap)
#                                   |-- gqemu   tap0 of a QEMU hub bridged to
#                                   |           this daemon (qemu_stream)
#                                   |-- gpasst  tap0 of a QEMU hub bridged to
#                                   |           Debian's passt (socket mode)
#                                   |-- gpasta  tap0 of pasta
#                                   |-- gslirp  tap0 of slirp4netns
#                                   |-- gveth   veth to the host, MTU 1500
#                                   '-- gjumbo  veth to the host, MTU 65520
#
# The veth guests are routed by the host namespace (198.51.100.0/25 and
# .128/25, 2001:db8:3::/64 and 2001:db8:4::/64; the router routes them
# back); the others use the daemons. Every namespace runs reno: bbr over
# veth swings by a factor of five from run to run.
#
# Environment: BUILD (the daemon's build tree), QUICK=1 (one short
# repetition), PASTA=/path (pasta to compare with, default: from PATH),
# PASST_DEBIAN=/path (passt to compare with, default /usr/bin/passt),
# TESTPMD=/path (DPDK's testpmd, default: see deps.sh),
# BENCH_ONLY="impl impl..." and BENCH_TESTS="test test..." (subsets, see
# bench.py --help), BENCH_OUT (default: bench/ of the source tree),
# BENCH_NICE (default -10), BENCH_HOLD=SECONDS (start, wait: for profiling).

. "$(dirname "$0")/../tests/integration/lib.sh"
. "$TOP/tests/integration/lab.sh"

[ "$(id -u)" = 0 ] ||
	{ echo "bench: needs root (namespaces, tap)" >&2; exit 1; }
sh "$TOP/bench/deps.sh" || exit 1
[ -x "$PASST" ] ||
	{ echo "bench: no daemon at $PASST (make first)" >&2; exit 1; }

# The request/response tool and the UDP blaster: cc is there, the daemon
# was just built with it
mkdir -p "$BUILD/bench"
for tool in reqrep udprate; do
	"${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-o "$BUILD/bench/$tool" "$TOP/bench/$tool.c" ||
		{ echo "bench: cannot build bench/$tool.c" >&2; exit 1; }
done

G_VETH="$LAB-gveth"
G_JUMBO="$LAB-gjumbo"
G_QEMU="$LAB-gqemu"
G_PASST="$LAB-gpasst"
G_PASTA="$LAB-gpasta"
G_SLIRP="$LAB-gslirp"

# bench_sysctls() - Settings for many short connections, in one namespace
# $1: namespace
bench_sysctls() {
	ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_tw_reuse=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0
	ip netns exec "$1" sysctl -qw net.ipv4.ping_group_range="0 2147483647"
}

# bench_veth_guest() - A guest joined to the host namespace by a veth pair
# $1: namespace, $2: host-side name, $3: MTU, $4: IPv4 /25 base (last
# octet of the network), $5: IPv6 /64 prefix
bench_veth_guest() {
	local ns=$1 hif=$2 mtu=$3 o=$4 p6=$5
	local pre=198.51.100

	ip -n "$LAB_HOST" link add "$hif" mtu "$mtu" type veth peer name eth0 \
		mtu "$mtu" netns "$ns"
	ip -n "$LAB_HOST" addr add "$pre.$((o + 1))/25" dev "$hif"
	ip -n "$LAB_HOST" addr add "$p6::1/64" dev "$hif" nodad
	ip -n "$LAB_HOST" link set "$hif" up
	ip -n "$ns" addr add "$pre.$((o + 2))/25" dev eth0
	ip -n "$ns" addr add "$p6::2/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$pre.$((o + 1))"
	ip -n "$ns" -6 route add default via "$p6::1"
	ip -n "$LAB_ROUTER" route add "$pre.$o/25" via "$LAB_HOST4"
	ip -n "$LAB_ROUTER" -6 route add "$p6::/64" via "$LAB_HOST6"
}

lab_up
for n in "$G_VETH" "$G_JUMBO" "$G_QEMU" "$G_PASST" "$G_PASTA" "$G_SLIRP"; do
	lab_ns_add "$n"
done
for n in "$LAB_ROUTER" "$LAB_REMOTE" "$LAB_HOST" "$LAB_GUEST" "$G_VETH" \
	 "$G_JUMBO" "$G_QEMU" "$G_PASST" "$G_PASTA" "$G_SLIRP"; do
	bench_sysctls "$n"
done
lab_host sysctl -qw net.ipv4.ip_forward=1
lab_host sysctl -qw net.ipv6.conf.all.forwarding=1
bench_veth_guest "$G_VETH" vg0 1500 0 2001:db8:3
bench_veth_guest "$G_JUMBO" vj0 65520 128 2001:db8:4

export TOP BUILD PASST T LAB_HOST LAB_REMOTE LAB_ROUTER LAB_GUEST \
	G_VETH G_JUMBO G_QEMU G_PASST G_PASTA G_SLIRP LAB_HOST4 LAB_HOST6 \
	LAB_REMOTE4 LAB_REMOTE6 LAB_GW4 LAB_GW6 LAB_PREFIX4 LAB_PREFIX6 \
	LAB_OUR_MAC
rc=0
python3 "$TOP/bench/bench.py" "$@" || rc=$?
exit $rc
