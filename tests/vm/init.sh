#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=dash
# init.sh - PID 1 of the test guest: set up, run the test, power off
#
# run-guest.sh puts this at /init, the test at /vm/test.sh, its settings in
# /vm/env (sourced) and helpers in /vm/lib.sh. The test runs with busybox's
# applets on PATH, /tmp as its directory, the NIC up but not configured and
# its name in $IFACE. Its exit status is printed as "PASST-VM-RESULT N"
# on the console, where run-guest.sh finds it.

/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/null >/dev/console 2>&1

# vm_end() - Report the status and power off (QEMU runs with -no-reboot)
vm_end() {
	echo "PASST-VM-RESULT $1"
	sync
	poweroff -f
	sleep 5
}

while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "vm: can't load $m"
done < /lib/modules/order
ip link set lo up

# The NIC shows up once virtio_net has probed it
IFACE=""
for _ in $(seq 100); do
	for d in /sys/class/net/*; do
		[ "${d##*/}" = lo ] || IFACE=${d##*/}
	done
	[ -n "$IFACE" ] && break
	sleep 0.05
done
[ -n "$IFACE" ] || { echo "vm: no network interface"; vm_end 125; }
export IFACE
ip link set "$IFACE" up
echo "vm: $IFACE up, $(cat "/sys/class/net/$IFACE/address"), uptime" \
	"$(cut -d' ' -f1 /proc/uptime) s"

[ -f /vm/env ] && . /vm/env
cd /tmp || vm_end 125
sh /vm/test.sh
vm_end $?
