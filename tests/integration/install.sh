#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# install.sh - make install honours PREFIX, DESTDIR, LIBDIR, MODULEDIR and
# MANDIR, writes exactly the expected files and nothing outside DESTDIR
# (watched with strace when it is there); the installed daemon finds its
# modules in ../lib/passt/modules beside itself, and the module directory
# compiled in follows MODULEDIR; make uninstall takes everything back.

. "$(dirname "$0")/lib.sh"
REBUILD_AFTER=1	# make install relinks $BUILD/passt for its prefix

mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"

# strace_writes() - Paths traced processes created or wrote to
# $1: directory of strace -ff output files, $2: directory relative paths
# are taken from
strace_writes() {
	python3 - "$1" "$2" <<'PY'
import os, re, sys

call = re.compile(r'^(\w+)\((.*)\)\s+=\s+(-?\d+)')
arg = re.compile(r'(AT_FDCWD)|\d+<([^>]*)>|"((?:[^"\\]|\\.)*)"')
write = {'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'unlink',
	 'unlinkat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat',
	 'chmod', 'fchmodat', 'chown', 'fchownat', 'lchown', 'truncate',
	 'utimensat', 'utime', 'utimes', 'mknod', 'mknodat', 'creat'}
for f in os.listdir(sys.argv[1]):
	# Each process starts where make runs recipes (mkdir -p and install
	# -d move around with chdir and fchdir: follow them)
	cwd = sys.argv[2]
	for line in open(os.path.join(sys.argv[1], f)):
		m = call.match(line)
		if not m or int(m.group(3)) < 0:
			continue
		name, args = m.group(1), m.group(2)
		a = arg.search(args)
		if name == 'chdir' and a and a.group(3) is not None:
			cwd = os.path.normpath(os.path.join(cwd, a.group(3)))
			continue
		if name == 'fchdir' and a and a.group(2) is not None:
			cwd = a.group(2)
			continue
		if name in ('open', 'openat'):
			if not re.search(r'O_WRONLY|O_RDWR|O_CREAT|O_TRUNC',
					 args):
				continue
		elif name not in write:
			continue
		# Relative names count from the directory fd before them
		base = cwd
		for a in arg.finditer(args):
			if a.group(1):
				base = cwd
			elif a.group(2) is not None:
				base = a.group(2)
			else:
				print(os.path.normpath(os.path.join(base,
								    a.group(3))))
				base = cwd
PY
}

# The first install, traced when strace can run here
TRACE=""
if command -v strace > /dev/null && strace -o /dev/null true 2> /dev/null
then
	mkdir "$T/strace"
	calls="chdir,fchdir,open,openat,creat,mkdir,mkdirat,rename,renameat"
	calls="$calls,renameat2,unlink,unlinkat,rmdir,link,linkat,symlink"
	calls="$calls,symlinkat,chmod,fchmodat,chown,fchownat,lchown,truncate"
	calls="$calls,utimensat,utime,utimes,mknod,mknodat"
	TRACE="strace -ff -qq -y -s 4096 -o $T/strace/t -e trace=$calls"
fi
$TRACE make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$T/root" \
	PREFIX=/opt/p > "$T/make.log" 2>&1 ||
	fail "make install: $(cat "$T/make.log")"

if [ -n "$TRACE" ]; then
	B=$(cd "$BUILD" && pwd -P)
	strace_writes "$T/strace" "$TOP" | sort -u > "$T/written"
	# The trace itself works: it saw the binary being installed
	grep -qx "$T/root/opt/p/bin/passt" "$T/written" ||
		fail "strace saw no write of bin/passt: the check is blind"
	awk -v a="$T/root" -v b="$T/tmp" -v c="$B" '
	function under(p, d) {
		return p == d || index(p, d "/") == 1
	}
	!under($0, a) && !under($0, b) && !under($0, c) &&
	$0 != "/dev/null" && $0 != "/dev/tty"' "$T/written" > "$T/outside"
	[ -s "$T/outside" ] &&
		fail "make install wrote outside DESTDIR: $(head "$T/outside")"
else
	echo "note: no strace here: writes outside DESTDIR not traced"
fi

# Exactly these files, nothing else anywhere under DESTDIR
(cd "$T/root" && find . ! -type d | sed 's|^\./||' | sort) > "$T/files"
{
	echo opt/p/bin/passt
	echo opt/p/etc/passt/passt.conf
	echo opt/p/include/passt/module.h
	for m in tcp udp icmp dhcp ndp tap qemu_stream vhost_user; do
		echo "opt/p/lib/passt/modules/$m.so"
	done
	echo opt/p/lib/pkgconfig/passt-module.pc
	echo opt/p/share/doc/passt/examples/ethstats/Makefile
	echo opt/p/share/doc/passt/examples/ethstats/ethstats.c
	echo opt/p/share/doc/passt/examples/ethstats/ethstats_test.c
	echo opt/p/share/doc/passt/modules.md
	echo opt/p/share/man/man1/passt.1
	echo opt/p/share/man/man5/passt.conf.5
} | sort > "$T/want"
diff -u "$T/want" "$T/files" || fail "installed files differ"
expect_eq "top-level directories under DESTDIR" "$(ls "$T/root")" opt
[ -x "$T/root/opt/p/bin/passt" ] || fail "passt is not executable"
cmp -s "$TOP/doc/passt.1" "$T/root/opt/p/share/man/man1/passt.1" ||
	fail "passt.1 differs from doc/passt.1"
cmp -s "$TOP/doc/passt.conf.5" \
	"$T/root/opt/p/share/man/man5/passt.conf.5" ||
	fail "passt.conf.5 differs from doc/passt.conf.5"

# passt-module.pc names the target paths, never DESTDIR
PC="$T/root/opt/p/lib/pkgconfig/passt-module.pc"
grep -qF "$T" "$PC" && fail "passt-module.pc holds DESTDIR"
for v in prefix=/opt/p includedir=/opt/p/include libdir=/opt/p/lib \
	 moduledir=/opt/p/lib/passt/modules; do
	grep -qx "$v" "$PC" || fail "passt-module.pc lacks $v: $(cat "$PC")"
done

"$T/root/opt/p/bin/passt" --list-modules > "$T/list" ||
	fail "installed passt --list-modules: $?"
expect_eq "modules found by the installed daemon" "$(wc -l < "$T/list")" 8
expect_eq "where it found them" \
	"$(cut -f4 "$T/list" | xargs -n1 dirname | sort -u)" \
	"$T/root/opt/p/bin/../lib/passt/modules"
"$T/root/opt/p/bin/passt" --check-config \
	-c "$T/root/opt/p/etc/passt/passt.conf" > /dev/null ||
	fail "the installed sample configuration doesn't check"

make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$T/root" PREFIX=/opt/p \
	> "$T/make.log" 2>&1 || fail "make uninstall: $(cat "$T/make.log")"
expect_eq "files left after make uninstall" \
	"$(find "$T/root" ! -type d | sed "s|^$T/root/||")" ""

# Every directory variable moved: files follow, the .pc file says where,
# and the daemon searches the new MODULEDIR after the directories beside
# itself
VARS="PREFIX=/opt/q LIBDIR=/opt/q/lib64 MODULEDIR=/opt/q/lib64/pm
      MANDIR=/opt/q/man"
# shellcheck disable=SC2086
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$T/root2" $VARS \
	> "$T/make.log" 2>&1 || fail "make install $VARS: $(cat "$T/make.log")"
Q="$T/root2/opt/q"
for f in bin/passt lib64/pm/udp.so lib64/pm/tap.so \
	 lib64/pkgconfig/passt-module.pc man/man1/passt.1 \
	 man/man5/passt.conf.5 include/passt/module.h; do
	[ -f "$Q/$f" ] || fail "with $VARS: $f not installed"
done
expect_eq "directories under /opt/q" "$(ls "$Q" | tr '\n' ' ')" \
	"bin etc include lib64 man share "
for v in libdir=/opt/q/lib64 moduledir=/opt/q/lib64/pm; do
	grep -qx "$v" "$Q/lib64/pkgconfig/passt-module.pc" ||
		fail "passt-module.pc lacks $v"
done
cat > "$T/missing.conf" <<CONF
backend = "qemu_stream";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1"; };
ipv6 = { enable = false; };
CONF
rc=0
"$Q/bin/passt" -c "$T/missing.conf" --check-config > /dev/null \
	2> "$T/stderr" || rc=$?
expect_eq "exit status when no module is where it looks" "$rc" 1
dirs="$Q/bin/../lib/passt/modules, $Q/bin/modules, /opt/q/lib64/pm"
expect_eq "directories searched" "$(cat "$T/stderr")" \
	"module 'qemu_stream': not found in $dirs"

# shellcheck disable=SC2086
make -s -C "$TOP" BUILD="$BUILD" uninstall DESTDIR="$T/root2" $VARS \
	> "$T/make.log" 2>&1 || fail "make uninstall: $(cat "$T/make.log")"
expect_eq "files left after make uninstall $VARS" \
	"$(find "$T/root2" ! -type d | sed "s|^$T/root2/||")" ""
