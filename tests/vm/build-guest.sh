#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# build-guest.sh - Build (once) a tiny Linux guest from Debian's packages
#
# Usage: build-guest.sh [--rebuild]
#
# Prints the cache directory, which then holds:
#   kernel        what to give QEMU's -kernel: the uncompressed ELF image
#                 when the kernel can be booted through PVH (QEMU loads it
#                 directly, and TCG is spared seconds of decompression),
#                 the bzImage otherwise
#   base.cpio.gz  an initramfs with a static busybox and the kernel modules
#                 a virtio-net NIC needs, in load order (lib/modules/order)
#   info          what was built from what
# run-guest.sh adds /init (init.sh) and a test per run, so that neither
# needs a rebuild.
#
# The kernel is the image linux-image-amd64 points to, the userland
# busybox-static; both are fetched with 'apt-get download' and unpacked
# here, never installed (busybox-static would replace the busybox package).
# Cache: $PASST_VM_CACHE, by default
# ${XDG_CACHE_HOME:-$HOME/.cache}/passt-tests/vm.
# Exit status: 0, or 1 with a reason on stderr.

set -eu

LAYOUT=1		# bump when the contents of the cache change
CACHE=${PASST_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/passt-tests/vm}
MODULES="virtio_pci virtio_net"	# and what they depend on

# die() - Say why, stop
die() {
	echo "build-guest: $*" >&2
	exit 1
}

# apt_fetch() - Download Debian packages into the current directory
# $@: package names
apt_fetch() {
	if ! apt-get -qq -o APT::Sandbox::User=root download "$@" \
		>/dev/null 2>&1; then
		[ "$(id -u)" = 0 ] || die "can't download $* (not root)"
		apt-get -qq update >/dev/null 2>&1 || true
		apt-get -qq -o APT::Sandbox::User=root download "$@" \
			>/dev/null 2>&1 || die "apt-get download $* failed"
	fi
}

# kernel_pkg() - The kernel image package behind linux-image-amd64
kernel_pkg() {
	local p

	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
	if [ -z "$p" ] && [ "$(id -u)" = 0 ]; then
		apt-get -qq update >/dev/null 2>&1 || true
		p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		    sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' |
		    head -1)
	fi
	[ -n "$p" ] || die "no kernel package behind linux-image-amd64"
	echo "$p"
}

# ko_unpack() - Copy a module, uncompressed (busybox insmod wants that)
# $1: .ko file, possibly .xz, .zst or .gz; $2: destination
ko_unpack() {
	case $1 in
	*.xz)	xz -dc "$1" ;;
	*.zst)	zstd -qdc "$1" ;;
	*.gz)	gzip -dc "$1" ;;
	*)	cat "$1" ;;
	esac > "$2"
}

# ko_depends() - Modules a module needs, from its .modinfo strings
# $1: uncompressed .ko
ko_depends() {
	tr '\0' '\n' < "$1" | sed -n 's/^depends=//p' | head -1 | tr ',' ' '
}

# ko_add() - Add a module after the modules it depends on
# $1: module tree (lib/modules/VERSION), $2: module name, $3: initramfs root
# Appends to ORDER; built-in modules need nothing.
ko_add() {
	local tree=$1 name=$2 root=$3 f d

	case " $ORDER " in *" $name "*) return 0 ;; esac
	f=$(find "$tree/kernel" -name "$name.ko*" -o \
		-name "$(echo "$name" | tr _ -).ko*" | head -1)
	if [ -z "$f" ]; then
		grep -q "/$name.ko" "$tree/modules.builtin" 2>/dev/null &&
			return 0
		die "module $name: neither in the package nor built in"
	fi
	ko_unpack "$f" "$root/lib/modules/$name.ko"
	for d in $(ko_depends "$root/lib/modules/$name.ko"); do
		ko_add "$tree" "$d" "$root"
	done
	ORDER="$ORDER $name"
}

# elf_from_bzimage() - Uncompressed kernel out of a bzImage, for PVH boot
# $1: bzImage, $2: output
#
# x86 boot protocol: setup_sects (0x1f1, 0 meaning 4) sectors of real-mode
# code follow the boot sector; the payload starts payload_offset (0x248)
# bytes into the protected-mode part and is payload_length (0x24c) bytes
# long. Every format but gzip has the uncompressed size appended in four
# bytes that no decompressor expects.
elf_from_bzimage() {
	local img=$1 out=$2 sects off len start magic cut=4 cmd

	sects=$(od -An -tu1 -j 497 -N1 "$img" | tr -d ' ')
	[ "$sects" = 0 ] && sects=4
	off=$(od -An -tu4 -j 584 -N4 "$img" | tr -d ' ')
	len=$(od -An -tu4 -j 588 -N4 "$img" | tr -d ' ')
	[ "${len:-0}" -gt 4 ] || return 1
	start=$(( (sects + 1) * 512 + off ))
	magic=$(od -An -tx1 -j "$start" -N4 "$img" | tr -d ' \n')
	case $magic in
	fd377a58)	cmd="xz -dcq" ;;
	28b52ffd)	cmd="zstd -dcq" ;;
	1f8b*)		cmd="gzip -dcq"; cut=0 ;;
	*)		return 1 ;;
	esac
	command -v "${cmd%% *}" >/dev/null || return 1
	tail -c +$((start + 1)) "$img" | head -c $((len - cut)) |
		$cmd > "$out" 2>/dev/null || return 1
	[ "$(od -An -tx1 -N4 "$out" | tr -d ' \n')" = 7f454c46 ]
}

# cache_ok() - Whether the cache holds a complete build of this layout
cache_ok() {
	[ -s "$CACHE/kernel" ] && [ -s "$CACHE/base.cpio.gz" ] &&
		grep -qx "layout=$LAYOUT" "$CACHE/info" 2>/dev/null
}

# build() - Fetch, unpack, assemble; replace the cache's contents
build() {
	local w pkg tree ver boot=bzimage

	for c in apt-get apt-cache dpkg-deb gzip od; do
		command -v "$c" >/dev/null || die "needs $c"
	done
	w=$(mktemp -d "$CACHE/build.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$w'" EXIT
	chmod 755 "$w"

	pkg=$(kernel_pkg)
	(cd "$w" && apt_fetch "$pkg" busybox-static)
	dpkg-deb -x "$w"/linux-image-*.deb "$w/k"
	dpkg-deb -x "$w"/busybox-static_*.deb "$w/bb"
	for tree in "$w"/k/lib/modules/*; do break; done
	ver=${tree##*/}
	[ -f "$w/k/boot/vmlinuz-$ver" ] || die "$pkg has no vmlinuz"
	[ -x "$w/bb/bin/busybox" ] || die "busybox-static has no busybox"

	mkdir -p "$w/root/bin" "$w/root/lib/modules" "$w/root/dev" \
		"$w/root/proc" "$w/root/sys" "$w/root/tmp" "$w/root/run" \
		"$w/root/etc"
	cp "$w/bb/bin/busybox" "$w/root/bin/busybox"
	echo "root:x:0:0:root:/tmp:/bin/sh" > "$w/root/etc/passwd"
	echo "root:x:0:" > "$w/root/etc/group"
	ORDER=""
	for m in $MODULES; do
		ko_add "$tree" "$m" "$w/root"
	done
	# shellcheck disable=SC2086 # one name per line
	printf '%s\n' $ORDER > "$w/root/lib/modules/order"
	(cd "$w/root" && find . | LC_ALL=C sort |
		"$w/bb/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
		gzip -1 > "$w/base.cpio.gz"

	if grep -qx CONFIG_PVH=y "$w/k/boot/config-$ver" 2>/dev/null &&
	   elf_from_bzimage "$w/k/boot/vmlinuz-$ver" "$w/kernel"; then
		boot=pvh
	else
		cp "$w/k/boot/vmlinuz-$ver" "$w/kernel"
	fi
	cp "$w/bb/bin/busybox" "$w/busybox"
	printf 'layout=%s\nkernel=%s\nboot=%s\nmodules=%s\n' \
		"$LAYOUT" "$pkg" "$boot" "$ORDER" > "$w/info"

	rm -f "$CACHE/info"
	mv -f "$w/kernel" "$w/base.cpio.gz" "$w/busybox" "$CACHE/"
	mv -f "$w/info" "$CACHE/info"
	echo "build-guest: $pkg ($boot boot), modules:$ORDER" >&2
}

mkdir -p "$CACHE" || die "can't create $CACHE"
exec 9> "$CACHE/.lock"
flock 9 || die "can't lock $CACHE"
if [ "${1:-}" = --rebuild ] || ! cache_ok; then
	build
fi
echo "$CACHE"
