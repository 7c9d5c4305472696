#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# install.sh - make install honours PREFIX and DESTDIR; the installed daemon
# finds its modules in ../lib/passt/modules beside itself.

. "$(dirname "$0")/lib.sh"

make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$T/root" PREFIX=/opt/p \
	> "$T/make.log" 2>&1 || fail "make install: $(cat "$T/make.log")"

for f in bin/passt include/passt/module.h etc/passt/passt.conf; do
	[ -f "$T/root/opt/p/$f" ] || fail "$f not installed"
done
for m in tcp udp icmp dhcp ndp tap qemu_stream vhost_user; do
	[ -f "$T/root/opt/p/lib/passt/modules/$m.so" ] ||
		fail "module $m not installed"
done
[ -x "$T/root/opt/p/bin/passt" ] || fail "passt is not executable"
# Nothing but the prefix under DESTDIR
expect_eq "top-level directories under DESTDIR" "$(ls "$T/root")" opt

"$T/root/opt/p/bin/passt" --list-modules > "$T/list" ||
	fail "installed passt --list-modules: $?"
expect_eq "modules found by the installed daemon" "$(wc -l < "$T/list")" 8
expect_eq "where it found them" \
	"$(cut -f4 "$T/list" | xargs -n1 dirname | sort -u)" \
	"$T/root/opt/p/bin/../lib/passt/modules"
"$T/root/opt/p/bin/passt" --check-config \
	-c "$T/root/opt/p/etc/passt/passt.conf" > /dev/null ||
	fail "the installed sample configuration doesn't check"
