#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# config_net.sh - With tap.config_net = true the guest namespace is
# configured by the daemon itself, like 'pasta --config-net': the host's
# IPv4 and IPv6 addresses with their prefix lengths, default routes
# through the gateways, the configured MTU and loopback up, with no DHCP
# client or router advertisement involved; tap.mac sets the interface's
# MAC address.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_up
ip -n "$LAB_GUEST" link set lo down
lab_passt "mtu = 9000;" "config_net = true; mac = \"02:11:22:33:44:55\";"

expect_eq "IPv4 address" \
	"$(lab_guest ip -4 -o addr show dev "$LAB_IF" | awk '{ print $4 }')" \
	"$LAB_HOST4/$LAB_PREFIX4"
expect_eq "IPv6 global address" \
	"$(lab_guest ip -6 -o addr show dev "$LAB_IF" scope global |
	   awk '{ print $4 }')" \
	"$LAB_HOST6/$LAB_PREFIX6"
expect_eq "IPv4 default route" \
	"$(lab_guest ip -4 route show default | sed 's/ *$//')" \
	"default via $LAB_GW4 dev $LAB_IF"
expect_match "IPv6 default route" \
	"$(lab_guest ip -6 route show default)" \
	"^default via $LAB_GW6 dev $LAB_IF "
expect_eq "MAC address" "$(lab_guest cat "/sys/class/net/$LAB_IF/address")" \
	02:11:22:33:44:55
expect_eq "MTU" "$(lab_guest cat "/sys/class/net/$LAB_IF/mtu")" 9000
expect_match "link state" "$(lab_guest ip -o link show dev "$LAB_IF")" \
	"<[^>]*[,<]UP[,>]"
expect_match "loopback" "$(lab_guest ip -o link show dev lo)" \
	"<[^>]*[,<]UP[,>]"
expect_eq "IPv6 address usable at once (no DAD)" \
	"$(lab_guest ip -6 -o addr show dev "$LAB_IF" scope global tentative)" \
	""

kill -0 "$LAB_PASST_PID" || fail "passt died: $(cat "$T/passt.log")"
