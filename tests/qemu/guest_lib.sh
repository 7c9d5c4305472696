# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=dash
# guest_lib.sh - Helpers for test scripts running in the guest of guest.py
# (busybox sh), which puts this file at /guest/lib.sh: source it
#
# gt_dhcp             DHCPv4 on $IFACE with udhcpc and /guest/udhcpc.sh:
#                     applies the lease (address, default route, MTU:
#                     $GUEST_MTU if set, else the offered one) and sets
#                     LEASE_IP, LEASE_MASK, LEASE_ROUTER, LEASE_DNS,
#                     LEASE_MTU
# gt_check DESC CMD   run CMD: "ok N - DESC" or "not ok N - DESC"
# gt_skip DESC WHY    "ok N - DESC # SKIP WHY"
# gt_done             "guest: N passed, N failed"; fails if any check did

GT_N=0
GT_FAILED=0

# gt_check() - Run a check, print its TAP-like result line
# $1: description, $2...: command
gt_check() {
	_desc=$1
	shift
	GT_N=$((GT_N + 1))
	if "$@"; then
		echo "ok $GT_N - $_desc"
	else
		echo "not ok $GT_N - $_desc"
		GT_FAILED=$((GT_FAILED + 1))
	fi
}

# gt_skip() - Count a check that can't run here, saying why
# $1: description, $2: reason
gt_skip() {
	GT_N=$((GT_N + 1))
	echo "ok $GT_N - $1 # SKIP $2"
}

# gt_done() - Print the totals; status 1 if a check failed
gt_done() {
	echo "guest: $((GT_N - GT_FAILED)) passed, $GT_FAILED failed"
	[ "$GT_FAILED" = 0 ]
}

# gt_dhcp() - Get and apply a DHCPv4 lease on $IFACE, set LEASE_*
gt_dhcp() {
	rm -f /run/lease
	udhcpc -i "$IFACE" -f -q -n -t 5 -T 2 -O mtu \
		-s /guest/udhcpc.sh || return 1
	[ -f /run/lease ] || return 1
	. /run/lease
	echo "guest: lease $LEASE_IP/$LEASE_MASK via $LEASE_ROUTER, mtu" \
		"${LEASE_MTU:-none}," \
		"link mtu $(cat "/sys/class/net/$IFACE/mtu")"
}
