#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sandbox.sh - The daemon, started as root with the default sandbox, runs
# with seccomp mode 2, no capabilities, an empty root, no_new_privs and the
# runas user; SIGTERM ends it cleanly; an undeclared system call kills it.

. "$(dirname "$0")/lib.sh"
need_root

mkdir -p "$T/inc/passt" "$T/mods"
cp "$TOP/include/passt/module.h" "$T/inc/passt/"
oot_build "$T/mods/fakebe.so" "$T/inc" "$TOP/tests/oot/fakebe.c"
oot_build "$T/mods/rogue.so" "$T/inc" "$TOP/tests/oot/rogue.c"
for m in tcp udp icmp; do
	cp "$BUILD/modules/$m.so" "$T/mods/"
done

cat > "$T/passt.conf" <<CONF
backend = "fakebe";
modules = [ "tcp", "udp", "icmp" ];
module_dir = "$T/mods";
pidfile = "$T/passt.pid";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
fakebe = { idle = true; };
CONF

# Daemonised (the default): passt returns once ready, PID file written
"$PASST" -c "$T/passt.conf" -l "$T/log" 2> "$T/stderr" ||
	fail "passt exited with $?: $(cat "$T/stderr")"
pid=$(cat "$T/passt.pid")
PIDS="$pid"
[ -d "/proc/$pid" ] || fail "no process $pid from the PID file"

st=/proc/$pid/status
field() { awk -v k="$1:" '$1 == k { print $2 }' "$st"; }
expect_eq "Seccomp" "$(field Seccomp)" 2
expect_eq "NoNewPrivs" "$(field NoNewPrivs)" 1
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_eq "$c" "$(field "$c")" 0000000000000000
done
nobody=$(id -u nobody)
expect_eq "real/effective/saved/fs uid" \
	"$(awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "$st")" \
	"$nobody $nobody $nobody $nobody"
expect_eq "files in its root" "$(ls -A "/proc/$pid/root/" | wc -l)" 0
[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
	fail "no mount namespace of its own"
[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] ||
	fail "no PID namespace of its own"

kill -TERM "$pid"
wait_for 50 sh -c "! kill -0 $pid" || fail "still running 5 s after SIGTERM"
PIDS=""
grep -q "exiting" "$T/log" || fail "no clean exit in the log: $(cat "$T/log")"

# A module calling what it did not declare: killed by the filter
sed -i 's/modules = \[ "tcp", "udp", "icmp" \];/modules = [ "rogue" ];/;
	s/fakebe = { idle = true; };/fakebe = { };/' "$T/passt.conf"
rc=0
bash -c '"$0" -c "$1" -f > /dev/null 2> "$2"' "$PASST" "$T/passt.conf" \
	"$T/stderr" 2>/dev/null || rc=$?
expect_eq "exit status after an undeclared call (128 + SIGSYS)" "$rc" 159
grep -q "calling getppid" "$T/stderr" || fail "rogue didn't start"
! grep -q "let it through" "$T/stderr" || fail "$(cat "$T/stderr")"
