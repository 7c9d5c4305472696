# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=dash
# lib.sh - Helpers for tests running inside the test guest (busybox sh)
#
# vm_dhcp             DHCPv4 on $IFACE with udhcpc: applies the lease
#                     (address, default route, MTU: $VM_MTU if set, else
#                     the offered one) and sets LEASE_IP, LEASE_MASK,
#                     LEASE_ROUTER, LEASE_DNS, LEASE_MTU
# vm_check DESC CMD   run CMD: "ok N - DESC" or "not ok N - DESC"
# vm_skip DESC WHY    "ok N - DESC # SKIP WHY"
# vm_done             "N passed, N failed"; fails if any check did

VM_N=0
VM_FAILED=0

vm_check() {
	_desc=$1
	shift
	VM_N=$((VM_N + 1))
	if "$@"; then
		echo "ok $VM_N - $_desc"
	else
		echo "not ok $VM_N - $_desc"
		VM_FAILED=$((VM_FAILED + 1))
	fi
}

vm_skip() {
	VM_N=$((VM_N + 1))
	echo "ok $VM_N - $1 # SKIP $2"
}

vm_done() {
	echo "vm: $((VM_N - VM_FAILED)) passed, $VM_FAILED failed"
	[ "$VM_FAILED" = 0 ]
}

vm_dhcp() {
	rm -f /run/lease
	udhcpc -i "$IFACE" -f -q -n -t 5 -T 2 -O mtu \
		-s /vm/udhcpc.sh || return 1
	[ -f /run/lease ] || return 1
	. /run/lease
	echo "vm: lease $LEASE_IP/$LEASE_MASK via $LEASE_ROUTER, mtu" \
		"${LEASE_MTU:-none}," \
		"link mtu $(cat "/sys/class/net/$IFACE/mtu")"
}
