#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# guest_udhcpc.sh - busybox udhcpc event script for the guest of guest.py,
# at /guest/udhcpc.sh: applies the lease (the MTU is $GUEST_MTU if set,
# else the offered one) and records it in /run/lease for gt_dhcp
# (guest_lib.sh)
# shellcheck disable=SC2154 # udhcpc sets interface, ip, router...

case $1 in
deconfig)
	ip -4 addr flush dev "$interface"
	;;
bound|renew)
	ip -4 addr flush dev "$interface"
	m=${GUEST_MTU:-${mtu:-}}
	[ -n "$m" ] && ip link set dev "$interface" mtu "$m"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	# shellcheck disable=SC2086 # the first of a list
	set -- $router
	[ -n "${1:-}" ] && ip route replace default via "$1" dev "$interface"
	cat > /run/lease <<LEASE
LEASE_IP='$ip'
LEASE_MASK='${mask:-24}'
LEASE_ROUTER='${1:-}'
LEASE_DNS='${dns:-}'
LEASE_MTU='${mtu:-}'
LEASE
	;;
esac
exit 0
