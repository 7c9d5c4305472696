#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ndp_slaac.sh - The guest's own kernel configures IPv6 by SLAAC from the
# daemon's router advertisements: an address in the host's /64, a default
# route through the daemon's link-local router address (the host's
# gateway, fe80::1 here), and the MTU the advertisement carries.
#
# The backend brings the tap up with the configured MTU already; to see
# the advertisement's MTU take effect, the guest raises its link MTU and
# takes the link down and up, which also makes it solicit a router again.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_module_built ndp ||
	skip "the ndp module is not built yet ('not built yet' in its summary)"

lab_up
lab_passt "mtu = 9000;"

lab_guest ip link set dev "$LAB_IF" down
lab_guest ip link set dev "$LAB_IF" mtu 65520 up

# addr_in_prefix() - The guest's SLAAC address, if it has one in the prefix
addr_in_prefix() {
	lab_guest ip -6 -o addr show dev "$LAB_IF" scope global dynamic |
		awk '{ print $4 }' | grep -E "^${LAB_NET6}[0-9a-f:]*/64\$"
}
wait_for 100 addr_in_prefix > /dev/null ||
	fail "no SLAAC address in ${LAB_NET6}:/64: $(lab_guest ip -6 addr)"
a=$(addr_in_prefix | head -1)
expect_match "SLAAC address" "$a" "^${LAB_NET6}[0-9a-f:]+/64\$"

wait_for 50 sh -c "ip netns exec $LAB_GUEST ip -6 route show default |
	grep -q 'proto ra'" ||
	fail "no default route from the advertisement: $(lab_guest ip -6 route)"
expect_match "default route" "$(lab_guest ip -6 route show default)" \
	"^default via $LAB_GW6 dev $LAB_IF proto ra "

wait_for 50 sh -c "[ \"\$(ip netns exec $LAB_GUEST \
	cat /proc/sys/net/ipv6/conf/$LAB_IF/mtu)\" = 9000 ]" || true
expect_eq "IPv6 MTU from the advertisement" \
	"$(lab_guest cat "/proc/sys/net/ipv6/conf/$LAB_IF/mtu")" 9000
expect_eq "link MTU (the guest's own)" \
	"$(lab_guest cat "/sys/class/net/$LAB_IF/mtu")" 65520

kill -0 "$LAB_PASST_PID" || fail "passt died: $(cat "$T/passt.log")"
