#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# cli.sh - Command line: --list-modules shows the eight modules with kind and
# ABI; --version, --help; every bad option is one line on stderr, exit 1.

. "$(dirname "$0")/lib.sh"

"$PASST" --list-modules > "$T/list" 2> "$T/err" ||
	fail "--list-modules: exit $?: $(cat "$T/err")"
abi=$(sed -n 's/^#define PASST_ABI_MAJOR\t\([0-9]*\).*/\1/p;
	      s/^#define PASST_ABI_MINOR\t\([0-9]*\).*/\1/p' \
	  "$TOP/include/passt/module.h" | paste -sd.)
for m in tcp:protocol udp:protocol icmp:protocol dhcp:protocol \
	 ndp:protocol tap:backend qemu_stream:backend vhost_user:backend; do
	name=${m%:*}
	kind=${m#*:}
	line=$(grep "^$name	" "$T/list") || fail "$name not listed"
	expect_eq "$name" "$line" \
		"$name	$kind	$abi	$BUILD/modules/$name.so"
done
expect_eq "modules listed" "$(wc -l < "$T/list")" 8
[ ! -s "$T/err" ] || fail "--list-modules wrote to stderr: $(cat "$T/err")"

expect_match "--version" "$("$PASST" --version)" \
	"^passt .* \\(module ABI $abi\\)$"
"$PASST" --help | grep -q -- "--check-config" || fail "--help"

# bad_cli() - Expect exit 1 and exactly one given line on stderr
bad_cli() {
	local want=$1 rc=0
	shift
	"$PASST" "$@" > "$T/out" 2> "$T/err" || rc=$?
	expect_eq "exit status of passt $*" "$rc" 1
	expect_eq "stderr of passt $*" "$(cat "$T/err")" "$want"
	[ ! -s "$T/out" ] || fail "passt $* wrote to stdout"
}
bad_cli "--bogus: unknown option; see --help" --bogus
bad_cli "-x: unknown option; see --help" -x
bad_cli "-c: option needs a value; see --help" -c
bad_cli "'extra': unexpected argument; a command to run follows '--'" \
	--check-config extra
bad_cli "--: a command must follow" --
bad_cli "$T/none.conf: cannot read: No such file or directory" \
	-c "$T/none.conf" --check-config
printf 'backend = "tap";\nmtu = = 1500;\n' > "$T/syntax.conf"
bad_cli "$T/syntax.conf:2: syntax error" -c "$T/syntax.conf" --check-config

# A module directory holding something that isn't a module
mkdir "$T/mods"
cp "$BUILD/modules/"*.so "$T/mods/"
cp "$BUILD/tests/mods/nosym.so" "$T/mods/"
printf 'module_dir = "%s";\n' "$T/mods" > "$T/mods.conf"
rc=0
"$PASST" -c "$T/mods.conf" --list-modules > "$T/list" 2> "$T/err" || rc=$?
expect_eq "--list-modules with a broken file: status" "$rc" 1
expect_eq "--list-modules with a broken file: modules" "$(wc -l < "$T/list")" 8
expect_eq "--list-modules with a broken file: stderr" "$(cat "$T/err")" \
	"$T/mods/nosym.so: no 'passt_module' symbol: not a passt module"
