#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# guest.py - Boot a tiny Linux guest in QEMU (TCG, no KVM needed) on a
# qemu_stream or a vhost-user socket, run a shell script in it, and report
# its status
#
#   guest.py build
#   guest.py run [SOCKET | --vhost-user SOCKET] SCRIPT [--file SRC:DST]...
#                [--env NAME=VALUE]... [--timeout S] [--log F]
#
# build: once, into the cache ($PASST_GUEST_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/passt-test-guest), from Debian packages
# fetched with apt-get download and unpacked there, never installed
# (busybox-static would replace the busybox package):
#   vmlinux	the kernel linux-image-amd64 points to, taken out of its
#		bzImage (the XZ stream in it) if the kernel has CONFIG_PVH,
#		so QEMU boots it through PVH, without running the
#		decompressor under TCG; the bzImage itself (vmlinuz) if not
#   base.cpio.gz  busybox-static and the virtio-net modules (uncompressed,
#		as busybox insmod wants them), in the order their
#		"depends=" fields give; modules built into the kernel skipped
#   stamp	the layout number and the kernel package: "build" replaces
#		a build of another layout or kernel, "run" one of another
#		layout only (it builds if there is none), as asking apt
#		which kernel is current takes a second
# The cache is locked while it is checked and built, so tests running at
# the same time build it once.
#
# run: appends a second cpio to the base one, boots QEMU with a
# virtio-net NIC (MAC 52:54:00:12:34:56) and prints the console (without
# carriage returns), also to F with --log. The NIC is on:
#   SOCKET		-netdev stream, connecting to a qemu_stream socket
#   --vhost-user SOCKET	-netdev vhost-user: QEMU is the frontend and
#			connects to SOCKET; guest memory is a shared memfd
#			(the backend maps it), and the NIC has vectors=0, as
#			QEMU 7.2 under TCG crashes when a vhost-user
#			virtio-net-pci device uses MSI-X
# The second cpio holds /init, SCRIPT as /test.sh, the --file copies (SRC
# to the absolute path DST, mode 755), the --env settings in /guest/env
# and, for any script to use, /guest/lib.sh (guest_lib.sh: checks, DHCP)
# and /guest/udhcpc.sh (guest_udhcpc.sh). /init loads the modules, brings
# the NIC up (unconfigured), exports its name as $IFACE and the --env
# settings, runs SCRIPT with busybox sh, the interface name as $1, cwd
# /tmp, stdin /dev/null, prints "PASST-GUEST-RESULT rc=N" and powers off.
# Without --timeout, the guest is given 300 s.
#
# Exit status: the script's; 124 if the guest timed out; 125 if no result
# came (QEMU failed, the guest panicked or found no NIC); 2 on bad usage
# or a failed build.

import fcntl
import glob
import gzip
import io
import lzma
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

LAYOUT = 1		# bump when the cache's content changes
ROOT_MODULES = ['virtio_pci', 'virtio_net']
MAC = '52:54:00:12:34:56'
MEM_MB = 256		# also the memfd's size for vhost-user
QEMU = os.environ.get('QEMU_BIN', 'qemu-system-x86_64')
HERE = os.path.dirname(os.path.abspath(__file__))
# Per run, beside the test: tests/qemu/NAME -> in the guest
GUEST_FILES = [('guest_lib.sh', 'guest/lib.sh', 0o644),
               ('guest_udhcpc.sh', 'guest/udhcpc.sh', 0o755)]

USAGE = '''usage: guest.py build
       guest.py run [SOCKET | --vhost-user SOCKET] SCRIPT
                    [--file SRC:DST]... [--env NAME=VALUE]...
                    [--timeout S] [--log F]'''

INIT = r'''#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
	insmod "/lib/modules/$m.ko" || echo "PASST-GUEST: insmod $m failed"
done
ip link set lo up
# The NIC shows up once virtio_net has probed it
IFACE=
for i in $(seq 50); do
	for d in /sys/class/net/*; do
		[ "${d##*/}" = lo ] || IFACE=${d##*/}
	done
	[ -n "$IFACE" ] && break
	sleep 0.1
done
if [ -n "$IFACE" ]; then
	ip link set "$IFACE" up
	echo "PASST-GUEST: $IFACE up, $(cat "/sys/class/net/$IFACE/address")," \
		"uptime $(cut -d' ' -f1 /proc/uptime) s"
	export IFACE
	[ -f /guest/env ] && . /guest/env
	cd /tmp
	sh /test.sh "$IFACE" < /dev/null
	rc=$?
else
	echo "PASST-GUEST: no network interface"
	rc=125
fi
echo "PASST-GUEST-RESULT rc=$rc"
poweroff -f
'''


def cache_dir():
    base = os.environ.get('PASST_GUEST_CACHE')
    if not base:
        xdg = os.environ.get('XDG_CACHE_HOME') or \
            os.path.join(os.environ.get('HOME', '/tmp'), '.cache')
        base = os.path.join(xdg, 'passt-test-guest')
    return base


def say(msg):
    print('guest.py: ' + msg, file=sys.stderr, flush=True)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


class Cpio:
    """A newc cpio archive, written in memory"""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, data=b''):
        name = name.lstrip('/').encode() + b'\0'
        hdr = '070701' + ''.join('%08x' % v for v in (
            self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
            len(name), 0))
        self.ino += 1
        self.out.write(hdr.encode() + name)
        self.out.write(b'\0' * (-(110 + len(name)) % 4))
        self.out.write(data)
        self.out.write(b'\0' * (-len(data) % 4))

    def dir(self, name):
        if name not in self.dirs:
            self.dirs.add(name)
            self._entry(name, 0o040755)

    def file(self, name, data, mode=0o644):
        # The kernel creates no missing directory: give each one first
        # (one the base archive made already is left as it is)
        parts = name.strip('/').split('/')[:-1]
        for i in range(len(parts)):
            self.dir('/'.join(parts[:i + 1]))
        self._entry(name, 0o100000 | mode, data)

    def gz(self):
        self._entry('TRAILER!!!', 0)
        return gzip.compress(self.out.getvalue(), 6)


def apt_download(pkgs, where):
    """apt-get download into where; one apt-get update if lists are stale"""
    for attempt in (0, 1):
        r = subprocess.run(['apt-get', 'download', '-q'] + pkgs, cwd=where,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode == 0:
            return
        if attempt == 0:
            subprocess.run(['apt-get', 'update', '-qq'],
                           stdout=subprocess.DEVNULL)
    raise SystemExit('guest.py: apt-get download %s failed: %s' %
                     (' '.join(pkgs), r.stdout.decode(errors='replace')))


def kernel_package():
    r = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'],
                       stdout=subprocess.PIPE, universal_newlines=True)
    m = re.search(r'Depends: (linux-image-[0-9][^\s]*)', r.stdout)
    if not m:
        subprocess.run(['apt-get', 'update', '-qq'],
                       stdout=subprocess.DEVNULL)
        r = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'],
                           stdout=subprocess.PIPE, universal_newlines=True)
        m = re.search(r'Depends: (linux-image-[0-9][^\s]*)', r.stdout)
    if not m:
        raise SystemExit('guest.py: no kernel behind linux-image-amd64')
    return m.group(1)


def ko_data(path):
    """A module's content, uncompressed"""
    if path.endswith('.xz'):
        return lzma.decompress(read(path))
    if path.endswith('.gz'):
        return gzip.decompress(read(path))
    if path.endswith('.zst'):
        r = subprocess.run(['zstd', '-dcq', path], stdout=subprocess.PIPE)
        if r.returncode:
            raise SystemExit('guest.py: can\'t uncompress %s (zstd)' % path)
        return r.stdout
    return read(path)


def module_order(moddir):
    """Modules for ROOT_MODULES, dependencies first: (name, data) list"""
    paths = {}
    for p in glob.glob(os.path.join(moddir, '**', '*.ko*'), recursive=True):
        m = re.match(r'(.*)\.ko(\.xz|\.gz|\.zst)?$', os.path.basename(p))
        if m:
            paths[m.group(1).replace('-', '_')] = p
    builtin = ''
    if os.path.exists(os.path.join(moddir, 'modules.builtin')):
        builtin = open(os.path.join(moddir, 'modules.builtin')).read()
        builtin = builtin.replace('-', '_')
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in paths:
            if re.search(r'(^|/)%s\.ko$' % re.escape(name), builtin,
                         re.MULTILINE):
                return
            raise SystemExit('guest.py: module %s: neither in the package '
                             'nor built in' % name)
        data = ko_data(paths[name])
        m = re.search(rb'depends=([a-z0-9_,-]*)', data)
        for dep in (m.group(1).decode().split(',') if m else []):
            if dep:
                visit(dep.replace('-', '_'))
        order.append((name, data))

    for name in ROOT_MODULES:
        visit(name)
    return order


def extract_vmlinux(bzimage):
    """The ELF kernel inside a bzImage compressed with XZ, or None"""
    data = read(bzimage)
    off = data.find(b'\xfd7zXZ\x00')
    while off >= 0:
        try:
            d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ,
                                      memlimit=1 << 30)
            elf = d.decompress(data[off:])
            if elf[:4] == b'\x7fELF':
                return elf
        except lzma.LZMAError:
            pass
        off = data.find(b'\xfd7zXZ\x00', off + 1)
    return None


def has_pvh(x, version):
    """Whether the unpacked kernel's config says it boots through PVH"""
    try:
        conf = open(os.path.join(x, 'boot', 'config-' + version)).read()
    except OSError:
        return False
    return re.search(r'^CONFIG_PVH=y$', conf, re.MULTILINE) is not None


def put(cache, name, data):
    """Replace a file of the cache at once: a QEMU still starting from
    the old one reads it whole"""
    tmp = os.path.join(cache, '.' + name + '.tmp')
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, os.path.join(cache, name))


def build_into(cache, kpkg, want):
    """Fetch, unpack and assemble; the stamp is written last"""
    stamp = os.path.join(cache, 'stamp')
    say('building the guest in %s (once): %s, busybox-static' %
        (cache, kpkg))
    if os.path.exists(stamp):
        os.unlink(stamp)
    tmp = tempfile.mkdtemp(prefix='passt-guest-')
    try:
        # apt's sandbox user must be able to write there
        os.chmod(tmp, 0o777)
        apt_download([kpkg, 'busybox-static'], tmp)
        x = os.path.join(tmp, 'x')
        for deb in glob.glob(os.path.join(tmp, '*.deb')):
            subprocess.run(['dpkg-deb', '-x', deb, x], check=True)
        moddir = glob.glob(os.path.join(x, 'lib', 'modules', '*'))[0]
        version = os.path.basename(moddir)
        vmlinuz = os.path.join(x, 'boot', 'vmlinuz-' + version)
        if not os.path.exists(vmlinuz):
            raise SystemExit('guest.py: %s has no vmlinuz' % kpkg)

        cpio = Cpio()
        for d in ('bin', 'lib', 'lib/modules'):
            cpio.dir(d)
        cpio.file('bin/busybox', read(os.path.join(x, 'bin', 'busybox')),
                  0o755)
        names = []
        for name, data in module_order(moddir):
            cpio.file('lib/modules/%s.ko' % name, data)
            names.append(name)
        cpio.file('modules.order', ('\n'.join(names) + '\n').encode())

        put(cache, 'base.cpio.gz', cpio.gz())
        put(cache, 'vmlinuz', read(vmlinuz))
        elf = extract_vmlinux(vmlinuz) if has_pvh(x, version) else None
        vmlinux = os.path.join(cache, 'vmlinux')
        if elf:
            put(cache, 'vmlinux', elf)
        elif os.path.exists(vmlinux):
            os.unlink(vmlinux)
        put(cache, 'stamp', want.encode())
        say('built: %s (%s boot), modules: %s' %
            (kpkg, 'PVH' if elf else 'bzImage', ' '.join(names)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build(any_kernel=False):
    """The cache directory, holding a build of this layout and kernel

    any_kernel: a build of this layout will do, whatever the kernel
    package is now (asking apt-cache takes a second, each run)
    """
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp = os.path.join(cache, 'stamp')
        have = open(stamp).read() if os.path.exists(stamp) else ''
        if any_kernel and have.startswith('layout=%d ' % LAYOUT):
            return cache
        kpkg = kernel_package()
        want = 'layout=%d kernel=%s\n' % (LAYOUT, kpkg)
        if have != want:
            build_into(cache, kpkg, want)
    return cache


def qemu_cmd(kernel, initrd, sock, vhost_user):
    """QEMU's command line for one guest"""
    path = sock.replace(',', ',,')
    cmd = [QEMU, '-M', 'pc', '-m', str(MEM_MB), '-smp', '1', '-nodefaults',
           '-no-user-config', '-display', 'none', '-serial', 'stdio',
           '-no-reboot', '-kernel', kernel, '-initrd', initrd,
           '-append', 'console=ttyS0 panic=-1 quiet loglevel=3 '
           '8250.nr_uarts=1 rdinit=/init']
    if vhost_user:
        # The backend maps guest memory: a file it can be given
        cmd += ['-object', 'memory-backend-memfd,id=mem0,size=%dM,share=on'
                % MEM_MB, '-numa', 'node,memdev=mem0',
                '-chardev', 'socket,id=vu0,path=' + path,
                '-netdev', 'vhost-user,id=net0,chardev=vu0',
                '-device', 'virtio-net-pci,netdev=net0,mac=%s,vectors=0,'
                'romfile=' % MAC]
    else:
        cmd += ['-device', 'virtio-net-pci,netdev=s,mac=' + MAC,
                '-netdev', 'stream,id=s,server=off,addr.type=unix,'
                'addr.path=' + path]
    return cmd


def env_file(envs):
    """/guest/env: one export per NAME=VALUE, the value quoted"""
    out = ''
    for e in envs:
        name, value = e.split('=', 1)
        out += "export %s='%s'\n" % (name, value.replace("'", "'\\''"))
    return out.encode()


def run_cpio(script, files, envs):
    """The per-run part of the initramfs"""
    cpio = Cpio()
    cpio.file('init', INIT.encode(), 0o755)
    cpio.file('test.sh', read(script), 0o755)
    for src, dst, mode in GUEST_FILES:
        cpio.file(dst, read(os.path.join(HERE, src)), mode)
    cpio.file('guest/env', env_file(envs))
    for spec in files:
        src, dst = spec.split(':', 1)
        cpio.file(dst, read(src), 0o755)
    return cpio.gz()


def run(sock, vhost_user, script, files, envs, timeout, log):
    cache = build(any_kernel=True)
    tmp = tempfile.mkdtemp(prefix='passt-guest-run-')
    p, out = None, None
    try:
        initrd = os.path.join(tmp, 'initrd')
        with open(initrd, 'wb') as f:
            f.write(read(os.path.join(cache, 'base.cpio.gz')))
            f.write(run_cpio(script, files, envs))
        kernel = os.path.join(cache, 'vmlinux')
        if not os.path.exists(kernel):
            kernel = os.path.join(cache, 'vmlinuz')
        out = open(log, 'wb') if log else None
        p = subprocess.Popen(qemu_cmd(kernel, initrd, sock, vhost_user),
                             stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        end, rc, buf = time.monotonic() + timeout, 125, b''
        os.set_blocking(p.stdout.fileno(), False)
        while True:
            try:
                chunk = p.stdout.read()
            except BlockingIOError:
                chunk = None
            if chunk:
                chunk = chunk.replace(b'\r', b'')
                buf += chunk
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                if out:
                    out.write(chunk)
                    out.flush()
            if p.poll() is not None and not chunk:
                break
            if time.monotonic() > end:
                say('timed out after %d s' % timeout)
                return 124
            if not chunk:
                time.sleep(0.05)
        m = re.search(rb'PASST-GUEST-RESULT rc=(\d+)', buf)
        if m:
            rc = int(m.group(1))
        else:
            say('no result from the guest (QEMU status %d)' % p.returncode)
        return rc
    finally:
        # Also on a timeout, or SIGTERM from an outer timeout: no QEMU left
        if p and p.poll() is None:
            p.kill()
            p.wait()
        if out:
            out.close()
        shutil.rmtree(tmp, ignore_errors=True)


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    args = sys.argv[1:]
    if args == ['build']:
        print(build())
        return 0
    if args[:1] != ['run']:
        print(USAGE, file=sys.stderr)
        return 2
    vhost_user, pos, files, envs, timeout, log = None, [], [], [], 300, None
    rest = args[1:]
    try:
        while rest:
            opt = rest.pop(0)
            if opt == '--vhost-user':
                vhost_user = rest.pop(0)
            elif opt == '--file':
                files.append(rest.pop(0))
                if ':' not in files[-1]:
                    raise ValueError(opt)
            elif opt == '--env':
                envs.append(rest.pop(0))
                if not re.match(r'[A-Za-z_][A-Za-z0-9_]*=', envs[-1]):
                    raise ValueError(opt)
            elif opt == '--timeout':
                timeout = int(rest.pop(0))
            elif opt == '--log':
                log = rest.pop(0)
            elif opt.startswith('--'):
                raise ValueError(opt)
            else:
                pos.append(opt)
    except (IndexError, ValueError):
        print(USAGE, file=sys.stderr)
        return 2
    if vhost_user:
        pos.insert(0, vhost_user)
    if len(pos) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    return run(pos[0], bool(vhost_user), pos[1], files, envs, timeout, log)


if __name__ == '__main__':
    sys.exit(main())
