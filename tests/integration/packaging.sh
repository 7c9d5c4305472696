#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# packaging.sh - The daemon runs with any subset of modules installed:
# without 'modules', every protocol module found is loaded (and only
# those); a module named but missing is one line and exit 1; a backend is
# loaded only when selected, the others are never configured or started.

. "$(dirname "$0")/lib.sh"

for m in udp dhcp tap qemu_stream vhost_user; do
	[ -f "$BUILD/modules/$m.so" ] || skip "$m.so not built"
done

# A package split: one protocol module and a test backend only
M="$T/mods"
mkdir -p "$M"
cp "$BUILD/modules/udp.so" "$M/"
oot_build "$M/fakebe.so" "$TOP/include" "$TOP/tests/oot/fakebe.c"

# conf() - A configuration using $M, with extra lines from the arguments
conf() {
	cat <<CONF
backend = "fakebe";
module_dir = "$M";
ipv4 = { address = "10.77.0.2"; prefix_len = 24; gateway = "10.77.0.1";
	 dns = [ "10.77.0.1" ]; };
ipv6 = { enable = false; };
CONF
	printf '%s\n' "$@"
}

# check() - passt --check-config on a configuration; sets rc, out, err
# $1: configuration file, then more options
check() {
	local f=$1
	shift
	rc=0
	"$PASST" -c "$f" --check-config "$@" > "$T/out" 2> "$T/err" || rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}

# 'modules' omitted: every protocol module found, here only udp
conf > "$T/omitted.conf"
check "$T/omitted.conf"
expect_eq "exit status, only udp installed" "$rc" 0
expect_eq "modules loaded, only udp installed" \
	"$(echo "$out" | grep '^modules = ')" 'modules = [ "udp" ];'

# The daemon itself runs with that subset (fakebe has no input: it quits)
"$PASST" -c "$T/omitted.conf" -f > /dev/null 2> "$T/run.err" ||
	fail "passt with udp and fakebe only exited with $?: $(cat "$T/run.err")"
grep -qx 'ready: backend fakebe, 1 protocol modules' "$T/run.err" ||
	fail "not ready with the subset: $(cat "$T/run.err")"

# A module named but not installed: one line, exit 1
conf 'modules = [ "udp", "tcp" ];' > "$T/named.conf"
check "$T/named.conf"
expect_eq "exit status, tcp named but missing" "$rc" 1
expect_eq "error, tcp named but missing" "$err" \
	"module 'tcp': not found in $M"

# The same for the backend
conf 'backend = "qemu_stream";' > "$T/backend.conf"
sed -i '/^backend = "fakebe";$/d' "$T/backend.conf"
check "$T/backend.conf"
expect_eq "exit status, backend missing" "$rc" 1
expect_eq "error, backend missing" "$err" \
	"module 'qemu_stream': not found in $M"

# More installed, backends included: 'modules' omitted still means the
# protocol modules only, and only the selected backend is loaded
cp "$BUILD/modules/dhcp.so" "$BUILD/modules/tap.so" \
	"$BUILD/modules/qemu_stream.so" "$BUILD/modules/vhost_user.so" "$M/"
check "$T/omitted.conf" -d
expect_eq "exit status, with every backend installed" "$rc" 0
expect_eq "modules loaded, with every backend installed" \
	"$(echo "$out" | grep '^modules = ')" 'modules = [ "dhcp", "udp" ];'
expect_eq "backend" "$(echo "$out" | grep '^backend = ')" \
	'backend = "fakebe";'
expect_eq "modules loaded (debug lines)" \
	"$(echo "$err" | grep '^debug: loaded ' | sed 's/ (.*//' | sort |
	   tr '\n' ' ')" "debug: loaded dhcp debug: loaded fakebe debug: loaded udp "

# A backend that must never be selected: configure() and init() fail, and
# opening the file at all (its constructor) leaves a mark
cat > "$T/trapbe.c" <<'EOF'
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <passt/module.h>

static void trapbe_opened(void) __attribute__((constructor));
static void trapbe_opened(void)
{
	int fd = open(TRAPBE_MARK, O_WRONLY | O_CREAT | O_APPEND, 0644);

	if (fd >= 0) {
		(void)!write(fd, "opened\n", 7);
		close(fd);
	}
}

static int trapbe_configure(struct passt_mod *m,
			    const struct passt_core_ops *core)
{
	core->log(m, PASST_LOG_ERR, "configured, but never selected");
	return -EPERM;
}

static int trapbe_init(struct passt_mod *m)
{
	(void)m;
	return -EPERM;
}

static int trapbe_send(struct passt_mod *m, const struct iovec *iov,
		       size_t n)
{
	(void)m; (void)iov; (void)n;
	return -EPERM;
}

PASST_MODULE(
	.name = "trapbe", .kind = PASST_MOD_BACKEND,
	.summary = "a backend that must never be selected (test)",
	.configure = trapbe_configure, .init = trapbe_init,
	.send = trapbe_send,
);
EOF
"${CC:-gcc}" -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
	-shared -I "$TOP/include" -DTRAPBE_MARK="\"$T/trapbe.mark\"" \
	-o "$M/trapbe.so" "$T/trapbe.c"

# The daemon runs, so no unselected backend was configured or started
# (trapbe would refuse, and vhost_user's init() refuses to start as well)
"$PASST" -c "$T/omitted.conf" -f > /dev/null 2> "$T/run.err" ||
	fail "passt with every backend installed: $?: $(cat "$T/run.err")"
grep -qx 'ready: backend fakebe, 2 protocol modules' "$T/run.err" ||
	fail "not ready: $(cat "$T/run.err")"
if grep -q '^trapbe\|^vhost_user\|^tap:\|^qemu_stream:' "$T/run.err"; then
	fail "an unselected backend said something: $(cat "$T/run.err")"
fi

# With 'modules' given, an unselected backend's file is not even opened
rm -f "$T/trapbe.mark"
conf 'modules = [ "udp", "dhcp" ];' > "$T/given.conf"
"$PASST" -c "$T/given.conf" -f > /dev/null 2> "$T/run.err" ||
	fail "passt with modules given exited with $?: $(cat "$T/run.err")"
[ -e "$T/trapbe.mark" ] && fail "trapbe.so was opened, though not selected"
# ...while leaving 'modules' out opens each file to read its kind (which
# proves the trap works)
check "$T/omitted.conf"
expect_eq "exit status, modules omitted, trapbe installed" "$rc" 0
[ -e "$T/trapbe.mark" ] || fail "trapbe.so never opened: the trap is blind"

# A backend named in 'modules' is refused with one line
conf 'modules = [ "udp", "tap" ];' > "$T/kind.conf"
check "$T/kind.conf"
expect_eq "exit status, a backend in modules" "$rc" 1
expect_eq "error, a backend in modules" "$err" \
	"modules: 'tap': $M/tap.so is a backend module; select it with 'backend'"

# An installed tree holding a subset, found beside the binary (no
# module_dir): bin/passt and lib/passt/modules/{qemu_stream,udp}.so
I="$T/inst"
mkdir -p "$I/bin" "$I/lib/passt/modules"
cp "$PASST" "$I/bin/passt"
cp "$BUILD/modules/udp.so" "$BUILD/modules/qemu_stream.so" \
	"$I/lib/passt/modules/"
conf 'modules = [ "udp" ];' 'backend = "qemu_stream";' |
	sed -e '/^backend = "fakebe";$/d' -e '/^module_dir = /d' \
	> "$T/inst.conf"
rc=0
"$I/bin/passt" -c "$T/inst.conf" --check-config > "$T/out" 2> "$T/err" ||
	rc=$?
expect_eq "exit status, installed subset" "$rc" 0
grep -qx 'modules = \[ "udp" \];' "$T/out" ||
	fail "installed subset: $(grep '^modules' "$T/out")"
"$I/bin/passt" --list-modules > "$T/list" 2> /dev/null || true
expect_eq "modules found beside the binary" \
	"$(grep -F "$I/bin/../lib/passt/modules/" "$T/list" | cut -f1,2 |
	   tr '\t\n' ': ')" "qemu_stream:backend udp:protocol "
