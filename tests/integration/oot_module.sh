#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oot_module.sh - A module built out of tree from passt/module.h alone loads,
# gets its own config group and its claimed frames; with a bumped ABI major
# it is refused with one line naming both versions.

. "$(dirname "$0")/lib.sh"

# Only the public header, copied away from the source tree
mkdir -p "$T/inc/passt" "$T/mods" "$T/mods2"
cp "$TOP/include/passt/module.h" "$T/inc/passt/"
oot_build "$T/mods/ethecho.so" "$T/inc" "$TOP/tests/oot/ethecho.c"
oot_build "$T/mods/fakebe.so" "$T/inc" "$TOP/tests/oot/fakebe.c"

GUEST=52:54:00:12:34:56
python3 "$TOP/tests/integration/frames.py" write "$T/in.bin" \
	"eth:88b5:$GUEST:one" "eth:88b5:$GUEST:two" \
	"arp:$GUEST:10.77.0.2:10.77.0.1" \
	"eth:88b6:$GUEST:nobody-claims-this" "eth:88b5:$GUEST:three"

cat > "$T/passt.conf" <<CONF
backend = "fakebe";
modules = [ "ethecho" ];
module_dir = "$T/mods";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
ethecho = { greeting = "hello from config"; };
fakebe = { input = "$T/in.bin"; output = "$T/out.bin"; };
CONF

# Sandbox on (the default): the module runs under the composed filter
"$PASST" -c "$T/passt.conf" -f > "$T/stdout" 2> "$T/stderr" ||
	fail "passt exited with $?: $(cat "$T/stderr")"

grep -q "^ethecho: 3 frames, greeting 'hello from config'$" "$T/stderr" ||
	fail "ethecho did not log its batch: $(cat "$T/stderr")"
grep -q "^ethecho: answered 3 frames$" "$T/stderr" ||
	fail "ethecho's fini() did not run: $(cat "$T/stderr")"

python3 "$TOP/tests/integration/frames.py" read "$T/out.bin" | sort > "$T/got"
cat > "$T/want" <<WANT
arp op=2 dst=$GUEST sha=02:70:61:73:73:74 spa=10.77.0.1 tha=$GUEST tpa=10.77.0.2
eth type=88b5 dst=$GUEST src=02:70:61:73:73:74 payload=hello from config:one
eth type=88b5 dst=$GUEST src=02:70:61:73:73:74 payload=hello from config:three
eth type=88b5 dst=$GUEST src=02:70:61:73:73:74 payload=hello from config:two
WANT
diff -u "$T/want" "$T/got" || fail "frames sent to the guest differ"

# The same module built against a header with the next ABI major
sed "s/^#define PASST_ABI_MAJOR\t1\t/#define PASST_ABI_MAJOR\t2\t/" \
	"$TOP/include/passt/module.h" > "$T/inc/passt/module.h"
grep -q "^#define PASST_ABI_MAJOR	2" "$T/inc/passt/module.h" ||
	fail "could not bump the ABI major in the copied header"
oot_build "$T/mods2/ethecho.so" "$T/inc" "$TOP/tests/oot/ethecho.c"
cp "$T/mods/fakebe.so" "$T/mods2/"
sed -i "s|module_dir = \"$T/mods\"|module_dir = \"$T/mods2\"|" "$T/passt.conf"

minor=$(sed -n "s/^#define PASST_ABI_MINOR\t\([0-9]*\).*/\1/p" \
	"$TOP/include/passt/module.h")
[ -n "$minor" ] || fail "no PASST_ABI_MINOR in the header"
rc=0
"$PASST" -c "$T/passt.conf" -f > "$T/stdout" 2> "$T/stderr" || rc=$?
expect_eq "exit status with ABI 2.$minor module" "$rc" 1
expect_eq "lines on stderr" "$(wc -l < "$T/stderr")" 1
expect_eq "refusal" "$(cat "$T/stderr")" \
	"$T/mods2/ethecho.so: built for module ABI 2.$minor; this passt loads 1.0 to 1.$minor"
