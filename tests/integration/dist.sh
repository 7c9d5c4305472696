#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dist.sh - make dist writes passt-VERSION.tar.gz, one directory holding
# every file git tracks and no build output; extracted elsewhere, it builds
# from itself (make all) into a daemon that knows its version, and makes
# the same tarball again.

. "$(dirname "$0")/lib.sh"

# Run as a child of make check, make would print "Entering directory"
# lines into what this test reads: start from a clean make environment
unset MAKEFLAGS MAKELEVEL MFLAGS

command -v tar > /dev/null || skip "no tar"

make -s -C "$TOP" BUILD="$BUILD" dist DISTDIR="$T" > "$T/make.log" 2>&1 ||
	fail "make dist: $(cat "$T/make.log")"
set -- "$T"/passt-*.tar.gz
[ $# = 1 ] && [ -f "$1" ] || fail "expected one tarball in DISTDIR: $*"
TGZ=$1
NAME=$(basename "$TGZ" .tar.gz)
V=${NAME#passt-}
expect_eq "the last line of make dist" "$(tail -1 "$T/make.log")" "$TGZ"

tar -tzf "$TGZ" | sort > "$T/list"
expect_eq "entries outside $NAME/" \
	"$(grep -v -e "^$NAME/" "$T/list" || true)" ""
for f in .version Makefile README.md include/passt/module.h core/main.c \
	 doc/passt.1 doc/passt.conf.5 doc/modules.md doc/passt-module.pc.in \
	 examples/ethstats/ethstats.c etc/passt.conf; do
	grep -qx "$NAME/$f" "$T/list" || fail "$f is not in the tarball"
done
grep -q -e "^$NAME/build/" -e "^$NAME/.git/" -e '\.so$' -e '\.o$' \
	"$T/list" && fail "build output in the tarball: $(grep -e '\.so$' \
	-e '\.o$' -e '/build/' -e '/\.git/' "$T/list" | head -3)"

# Every file git tracks (and has) is there
if [ -e "$TOP/.git" ] && command -v git > /dev/null; then
	(cd "$TOP" && git ls-files) | while IFS= read -r f; do
		[ -f "$TOP/$f" ] || continue
		grep -qxF "$NAME/$f" "$T/list" || echo "$f"
	done > "$T/missing"
	[ -s "$T/missing" ] && fail "tracked but not in the tarball: \
$(head -3 "$T/missing")"
fi

# Away from the source tree and from git: it builds, and knows what it is
mkdir "$T/x"
tar -xzf "$TGZ" -C "$T/x"
SRC="$T/x/$NAME"
expect_eq ".version" "$(cat "$SRC/.version")" "$V"
make -s -C "$SRC" -j"$(nproc 2> /dev/null || echo 2)" BUILD="$SRC/build" \
	all > "$T/build.log" 2>&1 ||
	fail "the tarball does not build: $(tail -20 "$T/build.log")"
abi=$(awk '/^#define PASST_ABI_MAJOR/ { M = $3 }
	   /^#define PASST_ABI_MINOR/ { m = $3 } END { print M "." m }' \
	"$SRC/include/passt/module.h")
expect_eq "passt --version of the tarball's build" \
	"$("$SRC/build/passt" --version)" "passt $V (module ABI $abi)"
for m in tcp udp icmp dhcp ndp tap qemu_stream vhost_user; do
	[ -f "$SRC/build/modules/$m.so" ] || fail "the tarball built no $m.so"
done

# ...and makes itself again, the same files under the same name
make -s -C "$SRC" BUILD="$SRC/build" dist DISTDIR="$T/again" \
	> "$T/make2.log" 2>&1 || fail "make dist in the tarball's tree: \
$(cat "$T/make2.log")"
[ -f "$T/again/$NAME.tar.gz" ] || fail "no $NAME.tar.gz from the tarball"
tar -tzf "$T/again/$NAME.tar.gz" | sort > "$T/list2"
diff -u "$T/list" "$T/list2" || fail "the tarball's own tarball differs"
