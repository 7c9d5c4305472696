#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-guest.sh - Boot the test guest in QEMU (TCG), run a test in it
#
# Usage: run-guest.sh [OPTIONS] TEST
#   --vhost-user SOCKET  the NIC is -netdev vhost-user on SOCKET (QEMU is
#                        the frontend and connects to the daemon)
#   --stream SOCKET      the NIC is -netdev stream, connecting to SOCKET
#   --env NAME=VALUE     set in the guest test's environment (repeatable)
#   --file SRC           copy SRC to /vm/files/ in the guest (repeatable)
#   --timeout SECS       give up after SECS (default 180)
#   --mac MAC            the NIC's address (default 52:54:00:12:34:56)
#   --log FILE           the console, also written to FILE
#
# TEST is a busybox sh script run by the guest's /init (init.sh), with
# /vm/lib.sh for helpers. The console is printed. Exit status: the test's,
# 124 on timeout, 125 if no result came back (QEMU failed, or the guest).
#
# QEMU options worth knowing: guest memory is a shared memfd, as vhost-user
# needs (the daemon maps it); the NIC gets vectors=0, because QEMU 7.2
# under TCG crashes when a vhost-user virtio-net-pci device uses MSI-X;
# romfile= skips the NIC's boot ROM, which nothing here uses.

set -eu

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
QEMU=${QEMU_BIN:-qemu-system-x86_64}
MODE=""
SOCK=""
TIMEOUT=180
MAC=52:54:00:12:34:56
LOG=""
ENVS=()
FILES=()

usage() {
	sed -n '4,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

while [ $# -gt 1 ]; do
	case $1 in
	--vhost-user)	MODE=vhost-user; SOCK=$2; shift ;;
	--stream)	MODE=stream; SOCK=$2; shift ;;
	--env)		ENVS+=("$2"); shift ;;
	--file)		FILES+=("$2"); shift ;;
	--timeout)	TIMEOUT=$2; shift ;;
	--mac)		MAC=$2; shift ;;
	--log)		LOG=$2; shift ;;
	*)		usage ;;
	esac
	shift
done
if [ $# != 1 ] || [ -z "$MODE" ] || [ ! -r "$1" ]; then
	usage
fi
TEST=$1

CACHE=$(bash "$VM_DIR/build-guest.sh") || exit 125
command -v "$QEMU" >/dev/null || { echo "run-guest: no $QEMU" >&2; exit 125; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/passt-vm.XXXXXX")
trap 'rm -rf "$RUN"' EXIT

# The per-run part of the initramfs, appended to the cached one: the
# kernel unpacks both, in order
mkdir -p "$RUN/o/vm/files"
install -m 755 "$VM_DIR/init.sh" "$RUN/o/init"
install -m 755 "$VM_DIR/udhcpc.sh" "$RUN/o/vm/udhcpc.sh"
cp "$VM_DIR/lib.sh" "$RUN/o/vm/lib.sh"
cp "$TEST" "$RUN/o/vm/test.sh"
for e in "${ENVS[@]+"${ENVS[@]}"}"; do
	v=${e#*=}
	printf "export %s='%s'\n" "${e%%=*}" "${v//\'/\'\\\'\'}"
done > "$RUN/o/vm/env"
for f in "${FILES[@]+"${FILES[@]}"}"; do
	cp "$f" "$RUN/o/vm/files/"
done
(cd "$RUN/o" && find . | LC_ALL=C sort |
	"$CACHE/busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
	gzip -1 > "$RUN/run.cpio.gz"
cat "$CACHE/base.cpio.gz" "$RUN/run.cpio.gz" > "$RUN/initrd"

# shellcheck disable=SC2054 # commas separate QEMU's option values
args=(
	-nodefaults -no-user-config -display none -no-reboot
	-machine pc -accel tcg -smp 1 -m 256
	-object memory-backend-memfd,id=mem0,size=256M,share=on
	-numa node,memdev=mem0
	-kernel "$CACHE/kernel" -initrd "$RUN/initrd"
	-append "console=ttyS0 quiet panic=-1 8250.nr_uarts=1"
	-chardev stdio,id=con0,signal=off -serial chardev:con0
)
# shellcheck disable=SC2054
if [ "$MODE" = vhost-user ]; then
	args+=(-chardev "socket,id=vu0,path=${SOCK//,/,,}"
	       -netdev vhost-user,id=net0,chardev=vu0)
else
	stream="server=off,addr.type=unix,addr.path=${SOCK//,/,,}"
	args+=(-netdev "stream,id=net0,$stream")
fi
args+=(-device "virtio-net-pci,netdev=net0,mac=$MAC,vectors=0,romfile=")

set +e
timeout -k 5 "$TIMEOUT" "$QEMU" "${args[@]}" < /dev/null 2>&1 |
	tr -d '\r' | tee "$RUN/console"
qrc=${PIPESTATUS[0]}
set -e
[ -n "$LOG" ] && cp "$RUN/console" "$LOG"

rc=$(sed -n 's/^PASST-VM-RESULT \([0-9]*\)$/\1/p' "$RUN/console" | tail -1)
[ -n "$rc" ] && exit "$rc"
[ "$qrc" = 124 ] && exit 124
echo "run-guest: no result from the guest (QEMU exited with $qrc)" >&2
exit 125
