#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# guest.py - Boot a tiny Linux guest in QEMU (TCG, no KVM needed) on a
# qemu_stream socket, run a shell script in it, and report its status
#
#   guest.py build
#   guest.py run SOCKET SCRIPT [--file SRC:DST]... [--timeout S] [--log F]
#
# build: once, into the cache ($PASST_GUEST_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/passt-test-guest), from Debian packages
# fetched with apt-get download and unpacked there, never installed:
#   vmlinux	the kernel linux-image-amd64 points to, taken out of its
#		bzImage (the XZ stream in it), so QEMU boots it through PVH,
#		without running the decompressor under TCG; the bzImage
#		itself (vmlinuz) if that fails
#   base.cpio.gz  busybox-static and the virtio-net modules, in the order
#		their "depends=" fields give
#
# run: appends a second cpio with /init and SCRIPT (and --file copies) to
# the base one, boots QEMU with a virtio-net NIC on -netdev stream to
# SOCKET, and prints the console. /init loads the modules, brings the NIC
# up (unconfigured), runs SCRIPT with the interface name as $1 (busybox sh,
# cwd /tmp), prints "PASST-GUEST-RESULT rc=N" and powers off.
#
# Exit status: the script's; 124 if the guest timed out; 125 if no result
# came (QEMU failed, the guest panicked); 2 on bad usage or a failed build.

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
QEMU = os.environ.get('QEMU_BIN', 'qemu-system-x86_64')

INIT = r'''#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
	insmod "/lib/modules/$m.ko" || echo "PASST-GUEST: insmod $m failed"
done
ip link set lo up
ifc=
for i in 1 2 3 4 5 6 7 8 9 10; do
	for d in /sys/class/net/*; do
		[ "${d##*/}" = lo ] || ifc=${d##*/}
	done
	[ -n "$ifc" ] && break
	sleep 0.2
done
ip link set "$ifc" up
cd /tmp
sh /test.sh "$ifc" < /dev/null
echo "PASST-GUEST-RESULT rc=$?"
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


class Cpio:
    """A newc cpio archive, written in memory"""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1

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
        self._entry(name, 0o040755)

    def file(self, name, data, mode=0o644):
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


def module_order(moddir):
    """Modules for ROOT_MODULES, dependencies first: (name, path) list"""
    paths = {}
    for p in glob.glob(os.path.join(moddir, '**', '*.ko'), recursive=True):
        paths[os.path.basename(p)[:-3].replace('-', '_')] = p
    order, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        if name not in paths:
            raise SystemExit('guest.py: module %s not found' % name)
        with open(paths[name], 'rb') as f:
            m = re.search(rb'depends=([a-z0-9_,-]*)', f.read())
        for dep in (m.group(1).decode().split(',') if m else []):
            if dep:
                visit(dep.replace('-', '_'))
        order.append((name, paths[name]))

    for name in ROOT_MODULES:
        visit(name)
    return order


def extract_vmlinux(bzimage):
    """The ELF kernel inside a bzImage compressed with XZ, or None"""
    data = open(bzimage, 'rb').read()
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


def build():
    cache = cache_dir()
    stamp = os.path.join(cache, 'stamp')
    kpkg = kernel_package()
    want = 'layout=%d kernel=%s\n' % (LAYOUT, kpkg)
    if os.path.exists(stamp) and open(stamp).read() == want:
        return cache

    say('building the guest in %s (once): %s, busybox-static' %
        (cache, kpkg))
    os.makedirs(cache, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix='passt-guest-')
    try:
        # apt's sandbox user must be able to write there
        os.chmod(tmp, 0o777)
        apt_download([kpkg, 'busybox-static'], tmp)
        for deb in glob.glob(os.path.join(tmp, '*.deb')):
            subprocess.run(['dpkg-deb', '-x', deb, os.path.join(tmp, 'x')],
                           check=True)
        x = os.path.join(tmp, 'x')
        vmlinuz = glob.glob(os.path.join(x, 'boot', 'vmlinuz-*'))[0]
        moddir = glob.glob(os.path.join(x, 'lib', 'modules', '*'))[0]

        cpio = Cpio()
        for d in ('bin', 'lib', 'lib/modules'):
            cpio.dir(d)
        cpio.file('bin/busybox',
                  open(os.path.join(x, 'bin', 'busybox'), 'rb').read(),
                  0o755)
        names = []
        for name, path in module_order(moddir):
            cpio.file('lib/modules/%s.ko' % name, open(path, 'rb').read())
            names.append(name)
        cpio.file('modules.order', ('\n'.join(names) + '\n').encode())

        with open(os.path.join(cache, 'base.cpio.gz'), 'wb') as f:
            f.write(cpio.gz())
        shutil.copy(vmlinuz, os.path.join(cache, 'vmlinuz'))
        elf = extract_vmlinux(vmlinuz)
        vmlinux = os.path.join(cache, 'vmlinux')
        if elf:
            with open(vmlinux, 'wb') as f:
                f.write(elf)
        elif os.path.exists(vmlinux):
            os.unlink(vmlinux)
        with open(stamp, 'w') as f:
            f.write(want)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cache


def run(sock, script, files, timeout, log):
    cache = build()
    cpio = Cpio()
    cpio.file('init', INIT.encode(), 0o755)
    cpio.file('test.sh', open(script, 'rb').read(), 0o755)
    for spec in files:
        src, dst = spec.split(':', 1)
        cpio.file(dst, open(src, 'rb').read(), 0o755)

    tmp = tempfile.mkdtemp(prefix='passt-guest-run-')
    try:
        initrd = os.path.join(tmp, 'initrd')
        with open(initrd, 'wb') as f:
            f.write(open(os.path.join(cache, 'base.cpio.gz'), 'rb').read())
            f.write(cpio.gz())
        kernel = os.path.join(cache, 'vmlinux')
        if not os.path.exists(kernel):
            kernel = os.path.join(cache, 'vmlinuz')
        path = sock.replace(',', ',,')
        cmd = [QEMU, '-M', 'pc', '-m', '256', '-nodefaults',
               '-no-user-config', '-display', 'none', '-serial', 'stdio',
               '-no-reboot', '-kernel', kernel, '-initrd', initrd,
               '-append', 'console=ttyS0 panic=-1 quiet loglevel=3 '
               'rdinit=/init',
               '-device', 'virtio-net-pci,netdev=s,mac=' + MAC,
               '-netdev', 'stream,id=s,server=off,addr.type=unix,'
               'addr.path=' + path]
        out = open(log, 'wb') if log else None
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
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
                buf += chunk
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
                if out:
                    out.write(chunk)
                    out.flush()
            if p.poll() is not None and not chunk:
                break
            if time.monotonic() > end:
                p.send_signal(signal.SIGKILL)
                p.wait()
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
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    args = sys.argv[1:]
    if args[:1] == ['build']:
        print(build())
        return 0
    if len(args) < 3 or args[0] != 'run':
        print(__doc__ if __doc__ else 'usage: see the header', file=sys.stderr)
        return 2
    sock, script, files, timeout, log = args[1], args[2], [], 300, None
    rest = args[3:]
    while rest:
        opt = rest.pop(0)
        if opt == '--file':
            files.append(rest.pop(0))
        elif opt == '--timeout':
            timeout = int(rest.pop(0))
        elif opt == '--log':
            log = rest.pop(0)
        else:
            return 2
    return run(sock, script, files, timeout, log)


if __name__ == '__main__':
    sys.exit(main())
