#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh - Install what make bench needs, when it is missing (Debian, as
# root): the tools measured against, the load generators and gnuplot
#
# Debian's passt package provides pasta and a /usr/bin/passt that is not
# this project's: the bench runs ours by path, and Debian's as a column of
# its own (socket mode, behind QEMU).
#
# DPDK's testpmd, the vhost-user frontend of the packet-rate test, is in
# Debian's dpdk-dev (the "dpdk" package holds only a few Python scripts),
# which pulls in some 170 development packages. Unless a dpdk-testpmd is
# in PATH already, the binary alone is unpacked from the dpdk-dev package
# into $BUILD/bench/dpdk (BENCH_DPDK_DIR), and only the DPDK runtime
# libraries it needs are installed, with the three plugins it loads at run
# time for a virtio-user port. Failing that, the vhost-user column says
# why; nothing else depends on it.

set -eu

PKGS="iperf3 slirp4netns gnuplot-nox qemu-system-x86 busybox passt
      iproute2 python3 procps util-linux gcc libc6-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done

can_apt=1
if ! command -v apt-get > /dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
	can_apt=0
fi
export DEBIAN_FRONTEND=noninteractive
updated=0

# apt_update() - apt-get update, once per run
apt_update() {
	[ "$updated" = 1 ] || apt-get update -qq || true
	updated=1
}

if [ -n "$missing" ]; then
	if [ "$can_apt" = 0 ]; then
		echo "bench deps: missing:$missing (install them as root)" >&2
		exit 1
	fi
	echo "bench deps: installing:$missing"
	apt_update
	# One at a time would hide which one failed less clearly than this
	# does; a package that doesn't exist here leaves its column "not
	# available"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing > /dev/null ||
		echo "bench deps: some of$missing could not be installed" >&2
fi

# rte_pkg() - Debian's package for a DPDK library: librte_net_virtio.so.23
# is in librte-net-virtio23, librte_net_mlx5.so.23 in librte-net-mlx5-23
# $1: library file name
rte_pkg() {
	echo "$1" | sed -e 's/_/-/g' \
		-e 's/^\(.*[0-9]\)\.so\.\([0-9]*\).*/\1-\2/' \
		-e 's/^\(.*\)\.so\.\([0-9]*\).*/\1\2/'
}

# testpmd_missing() - The libraries a dpdk-testpmd can't find, one a line
# $1: the binary
testpmd_missing() {
	ldd "$1" 2>/dev/null | awk '/not found/ { print $1 }'
}

# testpmd_fetch() - dpdk-testpmd from the dpdk-dev package, and its
# runtime libraries
# $1: directory to keep it in
testpmd_fetch() {
	dir=$1
	bin="$dir/dpdk-testpmd"
	if [ -x "$bin" ] && [ -z "$(testpmd_missing "$bin")" ]; then
		return 0
	fi
	if [ "$can_apt" = 0 ]; then
		echo "bench deps: no dpdk-testpmd (run as root once)" >&2
		return 1
	fi
	mkdir -p "$dir"
	tmp=$(mktemp -d "$dir/fetch.XXXXXX")
	echo "bench deps: unpacking dpdk-testpmd from Debian's dpdk-dev"
	# apt's download sandbox user can't write a root-owned directory
	if ! (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root \
			dpdk-dev > /dev/null 2>&1); then
		apt_update
		(cd "$tmp" && apt-get download -qq \
			-o APT::Sandbox::User=root dpdk-dev > /dev/null) || {
			rm -rf "$tmp"
			echo "bench deps: can't download dpdk-dev" >&2
			return 1
		}
	fi
	dpkg-deb --fsys-tarfile "$tmp"/dpdk-dev_*.deb |
		tar -x -C "$tmp" ./usr/bin/dpdk-testpmd || {
		rm -rf "$tmp"
		echo "bench deps: no dpdk-testpmd in dpdk-dev" >&2
		return 1
	}
	mv "$tmp/usr/bin/dpdk-testpmd" "$bin" || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"

	# The ABI version from the EAL it links, for the plugins' packages
	abi=$(ldd "$bin" | sed -n 's/.*librte_eal\.so\.\([0-9]*\).*/\1/p')
	pkgs=""
	plugins=""
	[ -z "$abi" ] || plugins="librte_net_virtio.so.$abi
		librte_mempool_ring.so.$abi librte_bus_vdev.so.$abi"
	for l in $(testpmd_missing "$bin") $plugins; do
		pkgs="$pkgs $(rte_pkg "$l")"
	done
	echo "bench deps: installing DPDK runtime libraries"
	apt_update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $pkgs > /dev/null ||
		true
	if [ -n "$(testpmd_missing "$bin")" ]; then
		echo "bench deps: dpdk-testpmd still misses:" \
			"$(testpmd_missing "$bin" | tr '\n' ' ')" >&2
		return 1
	fi
}

if ! command -v dpdk-testpmd > /dev/null 2>&1; then
	top=$(cd "$(dirname "$0")/.." && pwd)
	testpmd_fetch "${BENCH_DPDK_DIR:-${BUILD:-$top/build}/bench/dpdk}" ||
		echo "bench deps: the vhost-user column won't run" >&2
fi
exit 0
