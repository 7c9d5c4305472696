#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh - Install what building and testing need, when it is missing
# (Debian and derivatives; as root, or through sudo when available)
#
# make check and .ci/run call this, so a fresh machine needs nothing by hand.

set -eu

PKGS="make gcc clang clang-tidy cppcheck pkg-config libconfig-dev
      libseccomp-dev libcunit1-dev iproute2 python3 tcpdump busybox
      udhcpc isc-dhcp-client iperf3 procps qemu-system-x86 strace
      groff-base xz-utils valgrind libclang-rt-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo -n"
	else
		echo "deps: missing:$missing (run as root to install them)" >&2
		exit 1
	fi
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing > /dev/null
