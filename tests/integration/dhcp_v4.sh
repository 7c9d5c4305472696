#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dhcp_v4.sh - An unmodified DHCP client (busybox udhcpc) in the guest
# namespace, behind the tap backend with the default sandbox, gets exactly
# the host's address, prefix and gateway, the gateway as nameserver for the
# host's loopback resolver (127.0.0.53), the host's search domain and the
# configured MTU; and its interface ends up configured with them.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_up
lab_passt "mtu = 9000;"
lab_dhcp4

env="$T/dhcp4.env"
expect_eq "event" "$(lab_env "$env" event)" bound
expect_eq "address" "$(lab_env "$env" ip)" "$LAB_HOST4"
expect_eq "prefix length" "$(lab_env "$env" mask)" "$LAB_PREFIX4"
expect_eq "subnet mask" "$(lab_env "$env" subnet)" 255.255.255.0
expect_eq "router" "$(lab_env "$env" router)" "$LAB_GW4"
expect_eq "nameservers (loopback resolver offered as the gateway)" \
	"$(lab_env "$env" dns)" "$LAB_GW4"
expect_eq "search" "$(lab_env "$env" search)" "$LAB_SEARCH"
expect_eq "domain" "$(lab_env "$env" domain)" "$LAB_SEARCH"
expect_eq "MTU" "$(lab_env "$env" mtu)" 9000
expect_eq "server identifier" "$(lab_env "$env" serverid)" "$LAB_GW4"

# What the client did with it, as the guest's kernel sees it
expect_eq "guest address" \
	"$(lab_guest ip -4 -o addr show dev "$LAB_IF" | awk '{ print $4 }')" \
	"$LAB_HOST4/$LAB_PREFIX4"
expect_eq "guest default route" \
	"$(lab_guest ip -4 route show default | sed "s/ *$//")" \
	"default via $LAB_GW4 dev $LAB_IF"
expect_eq "guest MTU" "$(lab_guest cat "/sys/class/net/$LAB_IF/mtu")" 9000

kill -0 "$LAB_PASST_PID" || fail "passt died: $(cat "$T/passt.log")"
