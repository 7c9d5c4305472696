#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# example_module.sh - examples/ethstats builds out of tree against an
# installed passt (its header and passt-module.pc, found with pkg-config),
# passes its unit tests (with the fake core), installs into the module
# directory that passt-module.pc names, and the installed daemon loads it: its answers to the guest and its log lines are
# exactly the ones the example promises, its timer fires, and a bad value
# in its group is one line and exit 1.

. "$(dirname "$0")/lib.sh"
REBUILD_AFTER=1	# make install relinks $BUILD/passt for its prefix

command -v pkg-config > /dev/null || skip "no pkg-config"
python3 -c '' 2> /dev/null || skip "no python3"

ROOT="$T/root"
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$ROOT" PREFIX=/usr \
	> "$T/make.log" 2>&1 || fail "make install: $(cat "$T/make.log")"

# passt-module.pc: where the install put it, with the paths of the
# target system (never DESTDIR), and the ABI version of the header
PC="$ROOT/usr/lib/pkgconfig/passt-module.pc"
[ -f "$PC" ] || fail "passt-module.pc not installed in /usr/lib/pkgconfig"
if grep -qF "$ROOT" "$PC"; then
	fail "passt-module.pc holds DESTDIR: $(grep -F "$ROOT" "$PC")"
fi
abi=$(awk '/^#define PASST_ABI_MAJOR/ { M = $3 }
	   /^#define PASST_ABI_MINOR/ { m = $3 } END { print M "." m }' \
	"$TOP/include/passt/module.h")
export PKG_CONFIG_PATH="$ROOT/usr/lib/pkgconfig"
expect_eq "pkg-config --modversion" \
	"$(pkg-config --modversion passt-module)" "$abi"
expect_eq "moduledir" "$(pkg-config --variable=moduledir passt-module)" \
	/usr/lib/passt/modules
expect_eq "includedir" "$(pkg-config --variable=includedir passt-module)" \
	/usr/include

# The example alone, away from the source tree: only the installed header
# can be found, through pkg-config and the staging root
cp -r "$TOP/examples/ethstats" "$T/src"
rm -f "$T/src/ethstats.so"
PKG_CONFIG_SYSROOT_DIR="$ROOT" make -s -C "$T/src" \
	CFLAGS="-O2 -Wall -Wextra -Werror" > "$T/build.log" 2>&1 ||
	fail "building the example: $(cat "$T/build.log")"
[ -f "$T/src/ethstats.so" ] || fail "the example's Makefile built nothing"
# Its unit tests, with the fake core of this source tree
PKG_CONFIG_SYSROOT_DIR="$ROOT" make -s -C "$T/src" check PASST_SRC="$TOP" \
	CFLAGS="-O2 -Wall -Wextra -Werror" > "$T/check.log" 2>&1 ||
	fail "the example's unit tests: $(tail -30 "$T/check.log")"
grep -Eq '^ +tests +6 +6 +6 +0 +0$' "$T/check.log" ||
	fail "the example's unit tests didn't all run: $(cat "$T/check.log")"
# Its install goes where passt-module.pc says, under DESTDIR
make -s -C "$T/src" install DESTDIR="$ROOT" > "$T/inst.log" 2>&1 ||
	fail "installing the example: $(cat "$T/inst.log")"
MODS="$ROOT/usr/lib/passt/modules"
[ -f "$MODS/ethstats.so" ] || fail "ethstats.so not in $MODS"

# A backend reading frames from a file, built from the installed header
oot_build "$MODS/fakebe.so" "$ROOT/usr/include" "$TOP/tests/oot/fakebe.c"

G=52:54:00:12:34:56
O=52:54:00:ab:cd:ef
X=52:54:00:00:00:03
python3 "$TOP/tests/integration/frames.py" write "$T/in.bin" \
	"eth:88b6:$G:hello" "eth:88b6:$O:x" "arp:$G:10.77.0.2:10.77.0.1" \
	"eth:88b6:$G:stats" "eth:88b6:$X:stats" "eth:88b5:$G:not-ours" \
	"eth:88b6:$O:stats" "eth:88b6:$G:statsx"

# No module_dir: the installed daemon finds ../lib/passt/modules itself
conf() {
	cat <<CONF
backend = "fakebe";
modules = [ "ethstats" ];
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
ethstats = { max_sources = 2; $1 };
fakebe = { input = "$T/in.bin"; output = "$T/out.bin"; $2 };
CONF
}
conf "" "" > "$T/passt.conf"

"$ROOT/usr/bin/passt" -c "$T/passt.conf" -f > "$T/stdout" 2> "$T/stderr" ||
	fail "passt exited with $?: $(cat "$T/stderr")"
grep '^ethstats: ' "$T/stderr" > "$T/got.log" || true
cat > "$T/want.log" <<WANT
ethstats: $G: 3 frames, 58 bytes
ethstats: $O: 2 frames, 34 bytes
ethstats: 6 frames from 2 sources, 1 from others
WANT
diff -u "$T/want.log" "$T/got.log" || fail "ethstats log lines differ"

python3 "$TOP/tests/integration/frames.py" read "$T/out.bin" > "$T/got"
cat > "$T/want" <<WANT
arp op=2 dst=$G sha=02:70:61:73:73:74 spa=10.77.0.1 tha=$G tpa=10.77.0.2
eth type=88b6 dst=$G src=02:70:61:73:73:74 payload=frames=3 sources=2 others=0 yours=2
eth type=88b6 dst=$X src=02:70:61:73:73:74 payload=frames=4 sources=2 others=1 yours=0
eth type=88b6 dst=$O src=02:70:61:73:73:74 payload=frames=5 sources=2 others=1 yours=2
WANT
sort "$T/got" | diff -u <(sort "$T/want") - ||
	fail "frames sent to the guest differ"
# Answers keep the order of the questions
expect_eq "order of the answers" "$(grep -o 'frames=[0-9]' "$T/got" |
	tr '\n' ' ')" "frames=3 frames=4 frames=5 "

# --check-config loads it from the installed tree and shows its group
"$ROOT/usr/bin/passt" -c "$T/passt.conf" --check-config > "$T/check" \
	2> "$T/stderr" || fail "--check-config: $(cat "$T/stderr")"
grep -qx 'modules = \[ "ethstats" \];' "$T/check" ||
	fail "--check-config modules: $(grep '^modules' "$T/check")"
grep -qx 'ethstats = { max_sources = 2; };' "$T/check" ||
	fail "--check-config group: $(grep '^ethstats' "$T/check")"

# A value out of range: the module's own line, exit 1
conf "report_interval = -1;" "" > "$T/bad.conf"
rc=0
"$ROOT/usr/bin/passt" -c "$T/bad.conf" --check-config > /dev/null \
	2> "$T/stderr" || rc=$?
expect_eq "exit status with report_interval = -1" "$rc" 1
expect_eq "error" "$(cat "$T/stderr")" \
	"ethstats: report_interval -1: must be 0 (never) to 86400 seconds"

# The timer: a summary each second while the backend idles, until SIGTERM
conf "report_interval = 1;" "idle = true;" > "$T/timer.conf"
"$ROOT/usr/bin/passt" -c "$T/timer.conf" -f > "$T/stdout" \
	2> "$T/stderr" &
pid=$!
PIDS="$pid"
wait_for 50 grep -q '^ethstats: 6 frames from 2 sources, 1 from others$' \
	"$T/stderr" || fail "no periodic summary: $(cat "$T/stderr")"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
PIDS=""
expect_eq "exit status after SIGTERM" "$rc" 0
expect_eq "fini() ran once" \
	"$(grep -c "^ethstats: $G: 3 frames, 58 bytes$" "$T/stderr")" 1
