#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# neigh.sh - The guest's kernel resolves its gateway to the daemon's MAC
# (02:70:61:73:73:74): ARP for IPv4, answered by the core, and, once the
# ndp module is built, neighbour solicitation for the IPv6 gateway.
#
# A ping makes the kernel resolve the gateway before it sends anything;
# whether an echo reply comes back is the icmp module's business, not
# checked here.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_up
lab_passt
lab_dhcp4

lab_guest busybox ping -c 1 -W 1 "$LAB_GW4" > /dev/null 2>&1 || true
wait_for 30 sh -c "ip netns exec $LAB_GUEST ip neigh show $LAB_GW4 \
	dev $LAB_IF | grep -q lladdr" ||
	fail "gateway not resolved: $(lab_guest ip neigh show dev "$LAB_IF")"
expect_match "IPv4 neighbour entry of the gateway" \
	"$(lab_guest ip neigh show "$LAB_GW4" dev "$LAB_IF")" \
	"^${LAB_GW4//./\\.} lladdr $LAB_OUR_MAC (REACHABLE|STALE|DELAY|PROBE)"

if ! lab_module_built ndp; then
	echo "IPv6 neighbour: ndp module not built yet, not checked"
	exit 0
fi
wait_for 50 sh -c "ip netns exec $LAB_GUEST ip -6 addr show dev $LAB_IF \
	scope link | grep -q inet6 && ! ip netns exec $LAB_GUEST \
	ip -6 addr show dev $LAB_IF tentative | grep -q inet6" ||
	fail "no usable link-local address on $LAB_IF"
lab_guest busybox ping6 -c 1 -W 1 -I "$LAB_IF" "$LAB_GW6" \
	> /dev/null 2>&1 || true
wait_for 30 sh -c "ip netns exec $LAB_GUEST ip -6 neigh show $LAB_GW6 \
	dev $LAB_IF | grep -q lladdr" ||
	fail "IPv6 gateway not resolved: $(lab_guest ip -6 neigh)"
expect_match "IPv6 neighbour entry of the gateway" \
	"$(lab_guest ip -6 neigh show "$LAB_GW6" dev "$LAB_IF")" \
	"^$LAB_GW6 lladdr $LAB_OUR_MAC (router )?(REACHABLE|STALE|DELAY|PROBE)"
