#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# deps.sh - Install what make bench needs, when it is missing (Debian, as
# root): the tools measured against, the load generators and gnuplot
#
# Debian's passt package provides pasta (and a /usr/bin/passt that is not
# this project's: the bench runs ours by path). With PASTA=/path set, that
# pasta is used and the package isn't needed.

set -eu

PKGS="iperf3 slirp4netns gnuplot-nox qemu-system-x86 busybox
      iproute2 python3 procps util-linux gcc libc6-dev"
[ -n "${PASTA:-}" ] || command -v pasta > /dev/null 2>&1 || PKGS="$PKGS passt"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get > /dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
	echo "bench deps: missing:$missing (install them as root)" >&2
	exit 1
fi
echo "bench deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# One at a time would hide which one failed less clearly than this does;
# a package that doesn't exist here leaves its column "not available"
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing > /dev/null ||
	echo "bench deps: some of$missing could not be installed" >&2
