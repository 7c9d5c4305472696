#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench.py - This daemon, pasta, passt, slirp4netns and veth, side by side

Run by bench/run.sh (make bench), which builds the lab's namespaces and
passes their names in the environment; this starts the implementations,
measures, and writes bench/results.json, bench/results.md and
bench/results.png.

Method
======
- Every implementation gives a guest namespace the same path to the same
  remote host: guest -> (implementation) -> host namespace -> router ->
  remote. The servers (iperf3, reqrep) run in the remote namespace,
  the clients in each guest.
- veth: the guest joined to the host namespace by a veth pair and routed
  there, at MTU 1500 and at the daemons' 65520: the kernel alone.
- QEMU plays the guest of the socket backends, this daemon's qemu_stream
  and Debian's passt (socket mode): one hub joins a tap in the guest
  namespace to the daemon's UNIX socket (-netdev stream), the same way for
  both.
- Packet rate: UDP datagrams of 22 bytes (64-byte Ethernet frames over
  IPv4) as fast as the guest side can send them, guest->remote (counted by
  the remote's UDP layer: InDatagrams + RcvbufErrors of its namespace) and
  remote->guest through a forward rule of the daemon (counted by the
  guest's). The guests are kernel sockets (bench/udprate.c), except for
  vhost_user, whose guest is DPDK's testpmd on a virtio-user port (txonly,
  rxonly; its own statistics count what it sent and received): the same
  load, two kinds of frontend. testpmd busy-polls CPU 0 while it forwards.
- The daemons (this one, pasta, passt, slirp4netns) are pinned to CPU 1,
  the load generators (and QEMU or testpmd, which play the guest) to CPU
  0. The veth baseline runs on CPU 0 alone, since its forwarding happens
  in the sender's context.
- Everything the bench starts runs at nice -10 (BENCH_NICE), so that
  unrelated work on a shared machine delays the daemons' wakeups less
  (their round trips cross CPUs; veth's stay on one).
- Each repetition runs every test on every implementation in turn (the
  order rotates from one repetition to the next), so slow drifts of a
  shared machine hit all of them alike; the median of the repetitions is
  reported. A sample with many retransmissions or a stall (a 200 ms
  interval under a tenth of the sample's median) is flagged.
- Throughput is iperf3's; round trips (64-byte requests, one at a time)
  and connection rates come from bench/reqrep.c, packet rates from
  bench/udprate.c (both built by run.sh) and testpmd.
- The daemons' CPU time comes from /proc/PID/stat around each throughput
  sample (user + system, divided by the bytes the sample moved), their
  memory from VmRSS after every sample and VmHWM at the end; the growth
  is the RSS at the end less the RSS after the first repetition, when
  every path has been warmed up once.

Usage: bench.py [--render] [--readme]
  (no option)  measure (needs run.sh's lab), then render
  --render     only render results.md and results.png from results.json
  --readme     also put results.md into README.md's Performance section
Environment: QUICK=1, PASTA=/path, PASST_DEBIAN=/path (default
/usr/bin/passt), TESTPMD=/path (default: dpdk-testpmd from PATH, else the
one bench/deps.sh unpacked), BENCH_ONLY="impl...", BENCH_TESTS="test...",
BENCH_OUT=dir, BENCH_HOLD=SECONDS (start everything, print the namespaces
and PIDs, wait that long instead of measuring: for profiling by hand)
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ENV = os.environ
TOP = ENV.get('TOP') or os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))
OUT = ENV.get('BENCH_OUT') or os.path.join(TOP, 'bench')
QUICK = ENV.get('QUICK', '') not in ('', '0')

REPS = 1 if QUICK else 3
TP_SECS, TP_OMIT = (1, 0) if QUICK else (2, 1)
RR_SECS = 1 if QUICK else 2
CRR_SECS = 1 if QUICK else 2
INTERVAL = 0.2			# iperf3 report interval, for stalls
RETR_FLAG = 100			# retransmissions that flag a sample
STALL_FRACTION = 0.1		# of the median interval

NICE = ENV.get('BENCH_NICE', '-10')
CPU_DAEMON, CPU_LOAD = ('1', '0') if (os.cpu_count() or 1) > 1 else \
    ('0', '0')

PORT_IPERF = 5201		# + the implementation's index
PORT_REQREP = 7777		# TCP and UDP, on both remote addresses
PORT_PPS = 40001		# UDP sink on the remote, guest->remote
PORT_PPS_SRC = 40000		# testpmd's source port
PORT_PPS_FWD = 41000		# + the index: forward rule towards the guest
PPS_PAYLOAD = 22		# UDP payload of a 64-byte IPv4 frame
PPS_FRAME = 64
PPS_WARM, PPS_SECS = (0.5, 1) if QUICK else (0.5, 1.5)
OUR_MAC = ENV.get('LAB_OUR_MAC') or '02:70:61:73:73:74'  # the daemon's

# Order of the columns; the keys are what BENCH_ONLY names
IMPLS = [
    ('veth', 'veth, MTU 1500'),
    ('veth65520', 'veth, MTU 65520'),
    ('slirp4netns', 'slirp4netns'),
    ('pasta', 'pasta'),
    ('tap', 'this daemon, tap'),
    ('qemu_stream', 'this daemon, qemu_stream'),
    ('passt', 'passt (Debian), qemu_stream'),
    ('vhost_user', 'this daemon, vhost_user (testpmd)'),
]
LABELS = dict(IMPLS)
REF_VETH = 'veth65520'		# the ratios' veth: the daemons' MTU
OURS = 'tap'			# the column the targets are checked on

# Metrics: key, label, unit, higher is better, format
METRICS = [
    ('tcp4_up', 'TCP IPv4, 1 stream, guest→remote', 'Gbit/s', True, '%.1f'),
    ('tcp4_down', 'TCP IPv4, 1 stream, remote→guest', 'Gbit/s', True,
     '%.1f'),
    ('tcp6_up', 'TCP IPv6, 1 stream, guest→remote', 'Gbit/s', True, '%.1f'),
    ('tcp6_down', 'TCP IPv6, 1 stream, remote→guest', 'Gbit/s', True,
     '%.1f'),
    ('tcp4_up_x4', 'TCP IPv4, 4 streams, guest→remote', 'Gbit/s', True,
     '%.1f'),
    ('tcp4_down_x4', 'TCP IPv4, 4 streams, remote→guest', 'Gbit/s', True,
     '%.1f'),
    ('tcp_rr_p50', 'TCP round trip p50', 'µs', False, '%.0f'),
    ('tcp_rr_p99', 'TCP round trip p99', 'µs', False, '%.0f'),
    ('udp_rr_p50', 'UDP round trip p50', 'µs', False, '%.0f'),
    ('udp_rr_p99', 'UDP round trip p99', 'µs', False, '%.0f'),
    ('crr', 'TCP connections/s (connect, 1-byte request and reply, close)',
     'conn/s', True, '%.0f'),
    ('pps_up', 'UDP 64-byte frames, guest→remote', 'kpps', True, '%.0f'),
    ('pps_down', 'UDP 64-byte frames, remote→guest (forward rule)', 'kpps',
     True, '%.0f'),
    ('cpu_up', 'daemon CPU per GiB, IPv4 guest→remote', 's/GiB', False,
     '%.2f'),
    ('cpu_down', 'daemon CPU per GiB, IPv4 remote→guest', 's/GiB', False,
     '%.2f'),
    ('rss_peak', 'daemon peak RSS (VmHWM)', 'MiB', False, '%.1f'),
    ('rss_growth', 'daemon RSS growth after the first repetition', 'MiB',
     False, '%.1f'),
]
METRIC = {m[0]: m for m in METRICS}
THROUGHPUT = [m[0] for m in METRICS if m[2] == 'Gbit/s']

# Tests, in the order each repetition runs them
TESTS = ['tcp4_up', 'tcp4_down', 'tcp6_up', 'tcp6_down', 'tcp4_up_x4',
         'tcp4_down_x4', 'tcp_rr', 'udp_rr', 'crr', 'pps_up', 'pps_down']
PPS_TESTS = ('pps_up', 'pps_down')


def log(msg):
    """log() - One progress line, flushed at once"""
    print(msg, flush=True)


def run(cmd, timeout=30, **kw):
    """run() - A command's result, never raising on failure or timeout

    Return: (exit status, stdout, stderr); status -9 after a timeout
    """
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, **kw)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        def txt(b):
            if isinstance(b, bytes):
                return b.decode(errors='replace')
            return b or ''
        return -9, txt(e.stdout), txt(e.stderr) + ' (timed out)'
    except OSError as e:
        return -1, '', str(e)


def reqrep():
    """reqrep() - Path of the request/response tool run.sh built"""
    return os.path.join(ENV['BUILD'], 'bench', 'reqrep')


def udprate():
    """udprate() - Path of the UDP blaster and sink run.sh built"""
    return os.path.join(ENV['BUILD'], 'bench', 'udprate')


def netns(ns, *cmd, cpu=None):
    """netns() - A command line run in a namespace, pinned to a CPU"""
    pin = ['taskset', '-c', cpu] if cpu is not None else []
    if NICE not in ('', '0'):
        pin = ['nice', '-n', NICE] + pin
    return ['ip', 'netns', 'exec', ns] + pin + [str(c) for c in cmd]


def alive(pid):
    """alive() - Whether a process exists and isn't a zombie"""
    if not pid:
        return False
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def cpu_ticks(pid):
    """cpu_ticks() - user + system time of a process, in seconds"""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except (OSError, IndexError, ValueError):
        return None


def mem_kib(pid):
    """mem_kib() - (VmRSS, VmHWM) of a process in KiB, None if gone"""
    vals = {}
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                k, _, v = line.partition(':')
                if k in ('VmRSS', 'VmHWM'):
                    vals[k] = int(v.split()[0])
    except (OSError, ValueError):
        return None
    return vals.get('VmRSS'), vals.get('VmHWM')


def stop(pid):
    """stop() - End a process we started: TERM, then KILL after 5 s"""
    if not pid:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    for _ in range(50):
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:
            pass
        if not alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (OSError, ChildProcessError):
        pass


def tail(path, n=3):
    """tail() - Last lines of a file, syslog noise left out, on one line"""
    try:
        with open(path, errors='replace') as f:
            lines = [ln.strip() for ln in f
                     if ln.strip() and 'to syslog' not in ln]
    except OSError:
        return ''
    return ' | '.join(lines[-n:])


def wait_until(cond, secs):
    """wait_until() - Poll a condition every 0.1 s for up to secs"""
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return cond()


class Unavailable(Exception):
    """An implementation that can't run here, and why"""


class Impl:
    """An implementation: its guest namespace and the processes behind it

    @key, @label: column name and title
    @ns: the guest namespace the clients run in
    @pid: the daemon's PID (None for veth), @extra: other PIDs to stop
    @reason: why it is not available, or None
    """

    def __init__(self, key, index, ns):
        self.key = key
        self.label = LABELS[key]
        self.index = index
        self.ns = ns
        self.pid = None
        self.extra = []
        self.reason = None
        self.version = ''
        self.notes = []
        self.restarts = 0
        self.rss = []		# VmRSS after each sample, KiB
        self.rss_rep1 = None	# VmRSS after the first repetition
        self.hwm = 0		# highest VmHWM seen, KiB
        self.rss_start = None
        self.skip = {}		# test -> reason, after a failure that repeats
        self.frontend = None	# what repair() restarts ('QEMU', 'testpmd')

    def start(self):
        """start() - Bring the implementation up; raise Unavailable"""

    def stop(self):
        """stop() - End what start() started"""
        for p in [self.pid] + self.extra:
            stop(p)
        self.pid = None
        self.extra = []

    def broken(self):
        """broken() - Why it can't measure now (a process gone), or None"""
        if self.pid and not alive(self.pid):
            return 'daemon exited'
        return None

    def why_dead(self):
        """why_dead() - What its logs say about an exit"""
        return ''

    def runs(self, test):
        """runs() - Whether a test applies (packet rates: only some)"""
        return test not in PPS_TESTS

    def pps_port(self):
        """pps_port() - Host port forwarded to the same port of the guest"""
        return PORT_PPS_FWD + self.index

    def repairable(self, why):
        """repairable() - Whether repair() can mend what broken() said"""
        return False

    def ready(self):
        """ready() - Wait until the guest reaches the remote, both IPs"""
        for addr in (ENV['LAB_REMOTE4'], ENV['LAB_REMOTE6']):
            def probe():
                rc, _, _ = run(netns(self.ns, reqrep(), 'crr', addr,
                                     PORT_REQREP, '0.05'), timeout=10)
                return rc == 0
            if not wait_until(probe, 15):
                raise Unavailable('the guest can\'t reach %s: %s' %
                                  (addr, self.why_dead() or
                                   'no route or no answer'))

    def sample_memory(self):
        """sample_memory() - Note the daemon's RSS after a sample"""
        if not self.pid:
            return
        m = mem_kib(self.pid)
        if not m or m[0] is None:
            return
        self.rss.append(m[0])
        self.hwm = max(self.hwm, m[1] or 0)


class Veth(Impl):
    """The kernel alone: a routed veth pair, set up by run.sh"""

    def start(self):
        self.version = 'kernel ' + platform.release()


class Ours(Impl):
    """This daemon, tap backend, default settings"""

    def conf(self):
        """conf() - The configuration file's text"""
        return ('backend = "tap";\npidfile = "%s";\n'
                'tap = { netns = "/run/netns/%s"; config_net = true; };\n'
                % (self.pidfile, self.ns)) + self.conf_forward()

    def conf_forward(self):
        """conf_forward() - The forward rule of the packet rate test"""
        return ('forward = ( { proto = "udp"; from = "host"; ports = "%d"; '
                '} );\n' % self.pps_port())

    def runs(self, test):
        return True

    def start(self):
        passt = ENV['PASST']
        if not os.access(passt, os.X_OK):
            raise Unavailable('no daemon at ' + passt)
        rc, out, _ = run([passt, '--list-modules'])
        mods = {ln.split()[0]: ln for ln in out.splitlines() if ln.split()}
        for m in ('tcp', self.backend()):
            if m not in mods or 'not built yet' in mods[m]:
                raise Unavailable('module %s not built yet' % m)
        self.version = run([passt, '--version'])[1].strip().split('\n')[0]
        t = ENV['T']
        self.pidfile = os.path.join(t, self.key + '.pid')
        self.logfile = os.path.join(t, self.key + '.log')
        cf = os.path.join(t, self.key + '.conf')
        with open(cf, 'w') as f:
            f.write(self.conf())
        try:
            os.unlink(self.pidfile)
        except OSError:
            pass
        # It detaches once ready: the PID file is there by then
        rc, out, err = run(netns(ENV['LAB_HOST'], passt, '-c', cf, '-l',
                                 self.logfile, cpu=CPU_DAEMON), timeout=30)
        if rc:
            raise Unavailable('exited with %d: %s' %
                              (rc, (err.strip() or tail(self.logfile))))
        try:
            with open(self.pidfile) as f:
                self.pid = int(f.read().strip())
        except (OSError, ValueError):
            raise Unavailable('no PID file: ' + tail(self.logfile))

    def backend(self):
        """backend() - The backend module this column uses"""
        return 'tap'

    def why_dead(self):
        return tail(self.logfile)


class OursQemu(Ours):
    """This daemon, qemu_stream backend, bridged by QEMU's hub to a tap

    QEMU 7.2 (Debian 12) mangles its stream or asserts when its writes to
    the daemon's socket are cut short with a lot of guest data queued, so
    the guest's TCP send buffers are capped at 128 KiB (tcp_wmem) in this
    namespace, as tests/integration/qemu_tap_tcp.sh caps its sockets.
    """

    WMEM_MAX = 131072

    def __init__(self, key, index, ns):
        super().__init__(key, index, ns)
        self.frontend = 'QEMU'

    def backend(self):
        return 'qemu_stream'

    def runs(self, test):
        return test not in PPS_TESTS

    def repairable(self, why):
        return 'QEMU' in why

    def conf(self):
        self.sock = os.path.join(ENV['T'], 'passt.socket')
        return ('backend = "qemu_stream";\npidfile = "%s";\n'
                'qemu_stream = { socket = "%s"; };\n'
                % (self.pidfile, self.sock))

    def start(self):
        self.qemu_bin = ENV.get('QEMU_BIN', 'qemu-system-x86_64')
        if not shutil.which(self.qemu_bin):
            raise Unavailable('no %s (apt-get install qemu-system-x86)' %
                              self.qemu_bin)
        super().start()
        self.version += ', ' + run([self.qemu_bin, '--version'])[1] \
            .split('\n')[0].replace('QEMU emulator version ', 'QEMU ')
        run(netns(self.ns, 'sysctl', '-qw', 'net.ipv4.tcp_wmem=4096 16384 %d'
                  % self.WMEM_MAX))
        self.notes.append('guest TCP send buffers capped at %d KiB (QEMU '
                          '7.2 hub bug)' % (self.WMEM_MAX // 1024))
        self.start_qemu()

    def start_qemu(self):
        """start_qemu() - QEMU joining tap0 and the socket by a hub"""
        self.qemu_log = os.path.join(ENV['T'], 'qemu-%s.log' % self.key)
        path = self.sock.replace(',', ',,')
        cmd = netns(self.ns, self.qemu_bin, '-M', 'none', '-nodefaults',
                    '-display', 'none', '-monitor', 'none', '-serial', 'none',
                    '-netdev', 'tap,id=t,ifname=tap0,script=no,downscript=no',
                    '-netdev', 'stream,id=s,server=off,addr.type=unix,'
                    'addr.path=' + path,
                    '-netdev', 'hubport,id=h1,hubid=0,netdev=t',
                    '-netdev', 'hubport,id=h2,hubid=0,netdev=s',
                    cpu=CPU_LOAD)
        with open(self.qemu_log, 'a') as lf:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                 stderr=subprocess.STDOUT)
        self.extra = [p.pid]

        def has_tap():
            return run(['ip', '-n', self.ns, 'link', 'show', 'tap0'])[0] == 0
        if not wait_until(has_tap, 10):
            raise Unavailable('QEMU made no tap0: ' + tail(self.qemu_log))
        h4, h6 = ENV['LAB_HOST4'], ENV['LAB_HOST6']
        for c in (['link', 'set', 'tap0', 'mtu', '65520', 'up'],
                  ['addr', 'add', '%s/%s' % (h4, ENV['LAB_PREFIX4']),
                   'dev', 'tap0'],
                  ['addr', 'add', '%s/%s' % (h6, ENV['LAB_PREFIX6']),
                   'dev', 'tap0', 'nodad'],
                  ['route', 'replace', 'default', 'via', ENV['LAB_GW4']],
                  ['-6', 'route', 'replace', 'default', 'via', ENV['LAB_GW6'],
                   'dev', 'tap0']):
            rc, _, err = run(['ip', '-n', self.ns] + c)
            if rc:
                raise Unavailable('ip %s: %s' % (' '.join(c), err.strip()))

    def broken(self):
        if self.pid and not alive(self.pid):
            return 'daemon exited'
        if self.extra and not alive(self.extra[0]):
            return 'QEMU exited: ' + tail(self.qemu_log, 1)
        return None

    def why_dead(self):
        return '%s; QEMU: %s' % (tail(self.logfile, 2),
                                 tail(self.qemu_log, 1))

    def repair(self):
        """repair() - Start QEMU again after QEMU alone went away

        Return: True if the daemon is still there and QEMU is back
        """
        if not alive(self.pid):
            return False
        for p in self.extra:
            stop(p)
        self.extra = []
        run(['ip', '-n', self.ns, 'link', 'del', 'tap0'])
        self.start_qemu()
        self.ready()
        return True


class PasstQemu(OursQemu):
    """Debian's passt in socket mode, behind the same QEMU hub as qemu_stream

    The package's passt (2023) listens on the UNIX socket given with -s,
    takes QEMU's -netdev stream (the length-prefixed framing of -netdev
    socket), and goes back to listening when QEMU goes away, so repair()
    works the same. As root it would switch to nobody: --runas 0:0, as for
    pasta. Its defaults match what the lab needs (addresses and gateways
    from the host namespace, MTU 65520, no inbound forwarding). No -d: its
    debug messages crash it (a TCP flag name read out of bounds).

    QEMU 7.2 pads frames that its hub takes from the tap to 60 bytes, and
    this passt doesn't cope with that padding on IPv4 TCP: the connection
    stalls after the handshake (a bare ACK is 54 bytes; IPv6 frames are
    never that short, and the same frames unpadded work). ready() finds
    out, and the IPv4 TCP tests are then not run, saying why.
    """

    TCP4_TESTS = ('tcp4_up', 'tcp4_down', 'tcp4_up_x4', 'tcp4_down_x4',
                  'tcp_rr', 'crr')

    def ready(self):
        def probe(addr):
            rc, _, _ = run(netns(self.ns, reqrep(), 'crr', addr,
                                 PORT_REQREP, '0.05'), timeout=10)
            return rc == 0
        if not wait_until(lambda: probe(ENV['LAB_REMOTE6']), 15):
            raise Unavailable('the guest can\'t reach %s: %s' %
                              (ENV['LAB_REMOTE6'], self.why_dead()))
        if probe(ENV['LAB_REMOTE4']):
            return
        why = ('IPv4 TCP stalls after the handshake: QEMU 7.2\'s hub pads '
               'the guest\'s short frames (a bare IPv4 ACK is 54 bytes) '
               'to 60, and this passt mishandles the padding (unpadded, '
               'the same frames work); IPv6 and UDP work')
        for t in self.TCP4_TESTS:
            self.skip[t] = 'not run: ' + why

    def start(self):
        self.qemu_bin = ENV.get('QEMU_BIN', 'qemu-system-x86_64')
        if not shutil.which(self.qemu_bin):
            raise Unavailable('no %s (apt-get install qemu-system-x86)' %
                              self.qemu_bin)
        self.bin = ENV.get('PASST_DEBIAN') or '/usr/bin/passt'
        if not os.access(self.bin, os.X_OK):
            raise Unavailable('no %s (apt-get install passt)' % self.bin)
        self.version = package_version(self.bin, 'passt')
        if os.path.realpath(self.bin) == os.path.realpath(ENV['PASST']):
            raise Unavailable('%s is this daemon, not upstream passt' %
                              self.bin)
        t = ENV['T']
        self.sock = os.path.join(t, 'passt-debian.socket')
        self.logfile = os.path.join(t, 'passt-debian.log')
        self.errfile = os.path.join(t, 'passt-debian.err')
        cmd = netns(ENV['LAB_HOST'], self.bin, '-f', '-q', '--runas', '0:0',
                    '-s', self.sock, '-l', self.logfile, cpu=CPU_DAEMON)
        with open(self.errfile, 'w') as ef:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=ef,
                                 stderr=subprocess.STDOUT)
        self.pid = p.pid
        wait_until(lambda: os.path.exists(self.sock) or not alive(self.pid),
                   10)
        if not alive(self.pid) or not os.path.exists(self.sock):
            why = ('exited with status %s' % p.wait()
                   if not alive(self.pid) else 'no socket after 10 s')
            raise Unavailable('%s %s: %s' % (self.bin, why, self.why_dead()))
        self.version += ', ' + run([self.qemu_bin, '--version'])[1] \
            .split('\n')[0].replace('QEMU emulator version ', 'QEMU ')
        run(netns(self.ns, 'sysctl', '-qw', 'net.ipv4.tcp_wmem=4096 16384 %d'
                  % self.WMEM_MAX))
        self.notes.append('socket mode (-s), QEMU -netdev stream, the same '
                          'hub as this daemon\'s qemu_stream; guest TCP '
                          'send buffers capped at %d KiB there too' %
                          (self.WMEM_MAX // 1024))
        self.start_qemu()

    def why_dead(self):
        msg = (tail(self.errfile, 2) + ' ' + tail(self.logfile, 2)).strip()
        if getattr(self, 'qemu_log', None):
            msg += '; QEMU: ' + tail(self.qemu_log, 1)
        return msg or 'no message'


def package_version(path, name):
    """package_version() - "NAME (Debian PKG VERSION)" for a packaged
    binary whose --version doesn't know (Debian's passt and pasta say
    "unknown version"), else the first line of --version
    """
    v = run([path, '--version'])[1].strip().split('\n')[0]
    if v and 'unknown' not in v:
        return v
    rc, out, _ = run(['dpkg', '-S', os.path.realpath(path)])
    if rc:
        return v or name
    pkg = out.split(':')[0]
    return '%s (Debian %s %s)' % (name, pkg, run(
        ['dpkg-query', '-W', '-f=${Version}', pkg])[1])


class Testpmd:
    """DPDK's testpmd as the guest of a vhost-user backend, on its prompt

    testpmd's virtio_user port is a vhost-user frontend: it connects to the
    socket, shares its memory (--no-huge: memfd-backed, no hugepages
    needed) and fills or drains the virtqueues from a busy-polling
    forwarding lcore. Both of its lcores are put on CPU_LOAD: the main one
    only waits for commands. It stays connected for the whole run, idle
    (no CPU) between samples; each sample starts and stops forwarding.
    Commands go to its standard input; line-buffered output (stdbuf) comes
    back through a reader thread. An unknown command ("bench_mark_N") after
    each batch of commands marks the end of their output: testpmd echoes
    input lines as it reads them, one at a time.

    @bin: the binary, @sock: the vhost-user socket, @logfile: its output
    """

    def __init__(self, binary, sock, logfile):
        self.bin = binary
        self.sock = sock
        self.logfile = logfile
        self.proc = None
        self.lines = []
        self.cond = threading.Condition()
        self.mark = 0
        self.version = ''
        self.prefix = 'passt-bench-%d' % os.getpid()

    def start(self):
        """start() - Start it and wait for its prompt; raise Unavailable"""
        vdev = 'net_virtio_user0,path=%s,queue_size=256' % \
            self.sock.replace(',', ',,')
        cmd = netns(ENV['LAB_HOST'], 'stdbuf', '-oL', self.bin, '-v',
                    '--lcores', '(0,1)@%s' % CPU_LOAD, '--no-huge', '-m',
                    '256', '--no-pci', '--no-telemetry', '--file-prefix',
                    self.prefix, '--vdev', vdev, '--', '-i',
                    '--total-num-mbufs=8192', '--burst=32',
                    '--txpkts=%d' % PPS_FRAME, '--eth-peer=0,' + OUR_MAC,
                    '--tx-ip=%s,%s' % (ENV['LAB_HOST4'], ENV['LAB_REMOTE4']),
                    '--tx-udp=%d,%d' % (PORT_PPS_SRC, PORT_PPS),
                    cpu=CPU_LOAD)
        self.lines = []
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     bufsize=1, errors='replace')
        threading.Thread(target=self.reader, args=(self.proc,),
                         daemon=True).start()
        try:
            out = self.cmd(timeout=30)
        except Unavailable as e:
            self.stop()
            raise e
        for ln in self.lines:
            m = re.search(r"RTE Version: '([^']+)'", ln)
            if m:
                self.version = 'testpmd, ' + m.group(1)
        if not any(re.match(r'\s*Port 0: [0-9A-F:]+', ln)
                   for ln in self.lines):
            self.stop()
            raise Unavailable('testpmd has no port: ' + ' | '.join(out[-3:]))

    def reader(self, proc):
        """reader() - Collect output lines (thread), keep them in the log"""
        with open(self.logfile, 'a') as lf:
            for ln in proc.stdout:
                lf.write(ln)
                with self.cond:
                    self.lines.append(ln.rstrip('\n'))
                    self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def alive(self):
        """alive() - Whether testpmd still runs"""
        return self.proc is not None and self.proc.poll() is None

    def cmd(self, *cmds, timeout=10):
        """cmd() - Run commands, wait for them to complete

        Return: their output lines; raise Unavailable if testpmd is gone
        or doesn't get there in time
        """
        if not self.alive():
            raise Unavailable('testpmd exited: ' + self.last())
        self.mark += 1
        mark = 'bench_mark_%d' % self.mark
        with self.cond:
            first = len(self.lines)
        try:
            self.proc.stdin.write(''.join(c + '\n' for c in cmds + (mark,)))
            self.proc.stdin.flush()
        except OSError:
            raise Unavailable('testpmd exited: ' + self.last())
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(first, len(self.lines)):
                    if self.lines[i].endswith(mark):
                        return self.lines[first:i]
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    break
                self.cond.wait(min(left, 0.5))
        raise Unavailable('testpmd %s: %s' % (
            'exited' if not self.alive() else 'does not answer',
            self.last()))

    def last(self, n=3):
        """last() - Its last lines of output, on one line"""
        with self.cond:
            lines = [ln.strip() for ln in self.lines
                     if ln.strip() and not ln.startswith('testpmd>')]
        return ' | '.join(lines[-n:]) or 'no output'

    def stats(self):
        """stats() - Port 0's counters, and rates since the last call

        Return: dict: rx, tx (packets), rx_pps, tx_pps, t (monotonic time)
        """
        t0 = time.monotonic()
        out = self.cmd('show port stats 0')
        t1 = time.monotonic()
        st = {'t': (t0 + t1) / 2}
        pat = {'rx': r'RX-packets:\s*(\d+)', 'tx': r'TX-packets:\s*(\d+)',
               'rx_pps': r'Rx-pps:\s*(\d+)', 'tx_pps': r'Tx-pps:\s*(\d+)'}
        for k, rx in pat.items():
            vals = [int(m.group(1)) for m in
                    (re.search(rx, ln) for ln in out) if m]
            if not vals:
                raise Unavailable('testpmd printed no %s: %s' %
                                  (k, ' | '.join(out[-4:]) or 'nothing'))
            st[k] = vals[-1]
        return st

    def stop(self):
        """stop() - Quit, or kill it; remove the runtime files EAL left"""
        if self.proc:
            try:
                if self.proc.poll() is None:
                    self.proc.stdin.write('stop\nquit\n')
                    self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        shutil.rmtree(os.path.join('/var/run/dpdk', self.prefix),
                      ignore_errors=True)


def testpmd_path():
    """testpmd_path() - dpdk-testpmd to use, or None"""
    for p in (ENV.get('TESTPMD'), shutil.which('dpdk-testpmd'),
              os.path.join(ENV.get('BENCH_DPDK_DIR') or
                           os.path.join(ENV['BUILD'], 'bench', 'dpdk'),
                           'dpdk-testpmd')):
        if p and os.access(p, os.X_OK):
            return p
    return None


class OursVhost(Ours):
    """This daemon, vhost_user backend, DPDK's testpmd as the guest

    Only the packet rates apply: testpmd has no TCP/IP stack. Its
    statistics count what it sends (guest->remote; the remote counts what
    arrives) and what it receives (remote->guest).
    """

    def __init__(self, key, index, ns):
        super().__init__(key, index, ns)
        self.frontend = 'testpmd'

    def backend(self):
        return 'vhost_user'

    def conf(self):
        self.sock = os.path.join(ENV['T'], 'vhost-user.socket')
        return ('backend = "vhost_user";\npidfile = "%s";\n'
                'vhost_user = { socket = "%s"; };\n'
                % (self.pidfile, self.sock)) + self.conf_forward()

    def runs(self, test):
        return test in PPS_TESTS

    def start(self):
        tp = testpmd_path()
        if not tp:
            raise Unavailable('no dpdk-testpmd: bench/deps.sh unpacks it '
                              'from Debian\'s dpdk-dev (as root), or set '
                              'TESTPMD=/path')
        super().start()
        self.tp = Testpmd(tp, self.sock,
                          os.path.join(ENV['T'], 'testpmd.log'))
        self.tp.start()
        self.version += ', ' + (self.tp.version or 'testpmd')

    def ready(self):
        self.tp.cmd()

    def broken(self):
        if self.pid and not alive(self.pid):
            return 'daemon exited'
        if not self.tp.alive():
            return 'testpmd exited: ' + self.tp.last(1)
        return None

    def repairable(self, why):
        return why.startswith('testpmd')

    def repair(self):
        """repair() - Start testpmd again, if the daemon is still there

        Return: True if both run again
        """
        if not alive(self.pid):
            return False
        self.tp.stop()
        self.tp.start()
        return True

    def why_dead(self):
        tp = getattr(self, 'tp', None)
        return '%s; testpmd: %s' % (tail(self.logfile, 2),
                                    tp.last(2) if tp else '-')

    def stop(self):
        if getattr(self, 'tp', None):
            self.tp.stop()
        super().stop()


class Pasta(Impl):
    """pasta from PATH or PASTA=, attached to the guest namespace

    Debian's pasta, started as root, would switch to nobody and then lack
    the rights to join the namespace: --runas 0:0 keeps it root.
    """

    def start(self):
        self.bin = ENV.get('PASTA') or shutil.which('pasta')
        if not self.bin or not os.access(self.bin, os.X_OK):
            raise Unavailable('no pasta in PATH (apt-get install passt, or '
                              'PASTA=/path)')
        self.version = package_version(self.bin, 'pasta')
        t = ENV['T']
        self.logfile = os.path.join(t, 'pasta.log')
        self.errfile = os.path.join(t, 'pasta.err')
        cmd = netns(ENV['LAB_HOST'], self.bin, '--config-net', '--runas',
                    '0:0', '-f', '-q', '-l', self.logfile, '-u',
                    self.pps_port(), '--netns', '/run/netns/' + self.ns,
                    cpu=CPU_DAEMON)
        with open(self.errfile, 'w') as ef:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=ef,
                                 stderr=subprocess.STDOUT)
        self.pid = p.pid

        def up():
            if not alive(self.pid):
                return True
            rc, out, _ = run(['ip', '-n', self.ns, 'route', 'show',
                              'default'])
            return bool(out.strip())
        wait_until(up, 10)
        if not alive(self.pid):
            self.pid = None
            raise Unavailable('%s exited at once with status %s: %s' %
                              (self.bin, p.wait(), self.why_dead()))

    def why_dead(self):
        return (tail(self.errfile) + ' ' + tail(self.logfile)).strip() or \
            'no message'

    def runs(self, test):
        return True


class Slirp(Impl):
    """slirp4netns attached to the guest namespace by its path"""

    def start(self):
        b = shutil.which('slirp4netns')
        if not b:
            raise Unavailable('no slirp4netns (apt-get install slirp4netns)')
        self.version = ' '.join(run([b, '--version'])[1].split('\n')[0]
                                .split()[-1:]) + ', libslirp ' + \
            (re.findall(r'libslirp: (\S+)', run([b, '--version'])[1]) +
             ['?'])[0]
        self.version = 'slirp4netns ' + self.version
        self.logfile = os.path.join(ENV['T'], 'slirp4netns.log')
        cmd = netns(ENV['LAB_HOST'], b, '--configure', '--mtu=65520',
                    '--enable-ipv6', '--netns-type=path',
                    '/run/netns/' + self.ns, 'tap0', cpu=CPU_DAEMON)
        with open(self.logfile, 'w') as lf:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                 stderr=subprocess.STDOUT)
        self.pid = p.pid

        def up():
            if not alive(self.pid):
                return True
            rc, out, _ = run(['ip', '-n', self.ns, 'route', 'show',
                              'default'])
            return bool(out.strip())
        wait_until(up, 10)
        if not alive(self.pid):
            self.pid = None
            raise Unavailable('slirp4netns exited with status %s: %s' %
                              (p.wait(), tail(self.logfile)))

    def why_dead(self):
        return tail(self.logfile)


class Servers:
    """The servers in the remote namespace that stay up for the whole run"""

    def __init__(self):
        self.pids = {}
        self.logs = {}

    def start_one(self, name, cmd):
        """start_one() - One server on CPU_LOAD in the remote namespace"""
        lf = os.path.join(ENV['T'], 'srv-%s.log' % name)
        self.logs[name] = lf
        with open(lf, 'w') as f:
            p = subprocess.Popen(netns(ENV['LAB_REMOTE'], *cmd, cpu=CPU_LOAD),
                                 stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT)
        self.pids[name] = p.pid

    def start(self):
        """start() - Echo servers (TCP and UDP) on both remote addresses"""
        self.cmds = {
            'reqrep4': [reqrep(), 'server', ENV['LAB_REMOTE4'], PORT_REQREP],
            'reqrep6': [reqrep(), 'server', ENV['LAB_REMOTE6'], PORT_REQREP],
        }
        for name, cmd in self.cmds.items():
            self.start_one(name, cmd)
        time.sleep(0.5)

    def check(self):
        """check() - Restart a server that went away"""
        for name, pid in list(self.pids.items()):
            if not alive(pid):
                log('  (server %s exited: %s; restarted)' %
                    (name, tail(self.logs[name], 1)))
                stop(pid)
                self.start_one(name, self.cmds[name])
                time.sleep(0.3)

    def stop(self):
        """stop() - End every server"""
        for pid in self.pids.values():
            stop(pid)
        self.pids = {}


def run_watched(impl, cmd, timeout):
    """run_watched() - run(), but give up as soon as the implementation
    breaks (QEMU asserting leaves the client waiting for its timeout)

    Return: (exit status, stdout, stderr)
    """
    outf = os.path.join(ENV['T'], 'client.out')
    errf = os.path.join(ENV['T'], 'client.err')
    with open(outf, 'w') as o, open(errf, 'w') as e:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=o,
                             stderr=e)
    end = time.time() + timeout
    note = ''
    while p.poll() is None:
        if time.time() > end:
            note = ' (timed out)'
            break
        if impl.broken():
            note = ' (%s)' % impl.broken()
            break
        time.sleep(0.05)
    if p.poll() is None:
        p.kill()
    rc = p.wait()
    with open(outf, errors='replace') as o, open(errf, errors='replace') as e:
        return rc, o.read(), e.read() + note


def iperf_port_open(port):
    """iperf_port_open() - Whether the remote listens on a TCP port"""
    rc, out, _ = run(['ip', 'netns', 'exec', ENV['LAB_REMOTE'], 'ss', '-Hltn',
                      'sport = :%d' % port])
    return bool(out.strip())


def test_iperf(impl, test):
    """test_iperf() - One iperf3 sample: throughput, retransmissions, CPU

    Return: dict of results; 'error' set on failure
    """
    v6 = test.startswith('tcp6')
    down = '_down' in test
    streams = 4 if test.endswith('_x4') else 1
    dst = ENV['LAB_REMOTE6'] if v6 else ENV['LAB_REMOTE4']
    port = PORT_IPERF + impl.index
    srv_log = os.path.join(ENV['T'], 'iperf-srv.log')
    with open(srv_log, 'w') as f:
        srv = subprocess.Popen(netns(ENV['LAB_REMOTE'], 'iperf3', '-s', '-1',
                                     '-p', port, cpu=CPU_LOAD),
                               stdin=subprocess.DEVNULL, stdout=f,
                               stderr=subprocess.STDOUT)
    try:
        if not wait_until(lambda: iperf_port_open(port), 5):
            return {'error': 'iperf3 server: ' + tail(srv_log)}
        cmd = ['iperf3', '-c', dst, '-p', port, '-t', TP_SECS, '-O',
               TP_OMIT, '-i', INTERVAL, '-J', '--connect-timeout', 3000]
        if down:
            cmd.append('-R')
        if streams > 1:
            cmd += ['-P', streams]
        c0 = cpu_ticks(impl.pid) if impl.pid else None
        rc, out, err = run_watched(impl, netns(impl.ns, *cmd, cpu=CPU_LOAD),
                                   TP_SECS + TP_OMIT + 10)
        c1 = cpu_ticks(impl.pid) if impl.pid else None
    finally:
        stop(srv.pid)
    try:
        j = json.loads(out)
    except ValueError:
        return {'error': (err.strip() or out.strip() or
                          'iperf3 status %d' % rc)[-200:]}
    if j.get('error'):
        return {'error': j['error'] + err.strip()}
    end = j.get('end', {})
    recv = end.get('sum_received', {})
    sent = end.get('sum_sent', {})
    gbps = recv.get('bits_per_second', 0) / 1e9
    moved = sum(i['sum']['bytes'] for i in j.get('intervals', []))
    rates = [i['sum']['bits_per_second'] for i in j.get('intervals', [])
             if not i['sum'].get('omitted') and
             i['sum']['seconds'] > INTERVAL / 2]
    med = statistics.median(rates) if rates else 0
    stalls = sum(1 for r in rates if r < STALL_FRACTION * med)
    res = {test: gbps, 'retransmits': sent.get('retransmits'),
           'stalls': stalls, 'bytes': moved}
    if c0 is not None and c1 is not None and moved:
        res['cpu_s'] = c1 - c0
        res['cpu_per_gib'] = (c1 - c0) / (moved / 2**30)
    return res


def test_rr(impl, proto):
    """test_rr() - One request at a time: round-trip percentiles in µs"""
    rc, out, err = run_watched(impl, netns(impl.ns, reqrep(), 'rr', proto,
                                           ENV['LAB_REMOTE4'], PORT_REQREP,
                                           RR_SECS, cpu=CPU_LOAD),
                               RR_SECS + 10)
    m = dict(re.findall(r'(\w+) ([\d.]+)', out))
    if rc or 'p50_us' not in m:
        return {'error': ('reqrep rr: ' + (err or out).strip() or
                          'status %d' % rc)[:200]}
    res = {proto + '_rr_p50': float(m['p50_us']),
           proto + '_rr_p99': float(m['p99_us']),
           'count': int(m['count'])}
    if int(m['lost']):
        res['dropped'] = int(m['lost'])
    return res


def test_crr(impl):
    """test_crr() - Short connections one after the other: rate"""
    rc, out, err = run_watched(impl, netns(impl.ns, reqrep(), 'crr',
                                           ENV['LAB_REMOTE4'], PORT_REQREP,
                                           CRR_SECS, cpu=CPU_LOAD),
                               CRR_SECS + 10)
    m = dict(re.findall(r'(\w+) ([\d.]+)', out))
    if rc or 'rate' not in m:
        return {'error': ('reqrep crr: ' + (err or out).strip() or
                          'status %d' % rc)[:200]}
    res = {'crr': float(m['rate']), 'crr_p50_us': float(m['p50_us']),
           'crr_p99_us': float(m['p99_us'])}
    if float(m['errors']):
        res['errors'] = int(float(m['errors']))
    return res


def udp_in(pid):
    """udp_in() - Datagrams that reached a UDP port in the namespace of a
    process: InDatagrams + RcvbufErrors (those the socket had no room for)

    Return: the count, None if it can't be read
    """
    try:
        with open('/proc/%d/net/snmp' % pid) as f:
            rows = [ln.split() for ln in f if ln.startswith('Udp:')]
        d = dict(zip(rows[0][1:], (int(v) for v in rows[1][1:])))
        return d['InDatagrams'] + d.get('RcvbufErrors', 0)
    except (OSError, IndexError, KeyError, ValueError):
        return None


class UdpTool:
    """udprate sink or send, started in a namespace on CPU_LOAD"""

    def __init__(self, name, ns, *args):
        self.out = os.path.join(ENV['T'], 'udprate-%s.out' % name)
        with open(self.out, 'w') as f:
            p = subprocess.Popen(netns(ns, udprate(), *args, cpu=CPU_LOAD),
                                 stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=subprocess.STDOUT)
        self.pid = p.pid
        self.proc = p

    def text(self):
        """text() - What it printed so far"""
        try:
            with open(self.out, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def listening(self):
        """listening() - Wait for a sink to be bound; raise Unavailable"""
        if not wait_until(lambda: 'listening' in self.text() or
                          self.proc.poll() is not None, 5) or \
                self.proc.poll() is not None:
            raise Unavailable('udprate sink: ' +
                              (self.text().strip() or 'not listening'))

    def stop(self):
        """stop() - End it (it prints its summary), return its output"""
        stop(self.pid)
        return self.text()


def test_pps(impl, test):
    """test_pps() - UDP 64-byte frames as fast as they go, one direction

    guest->remote: the sink is on the remote, counted by its namespace's
    UDP counters; the sender is udprate in the guest, or testpmd txonly.
    remote->guest: udprate on the remote sends to the host's forwarded
    port; the guest counts (its UDP counters, or testpmd rxonly). The
    window starts PPS_WARM after the sender does and lasts PPS_SECS.

    Return: dict of results; 'error' set on failure
    """
    up = test == 'pps_up'
    tp = getattr(impl, 'tp', None)
    secs = PPS_WARM + PPS_SECS + 2		# stopped once measured
    sink = sender = None
    forwarding = False
    res = {}
    try:
        if up:
            sink = UdpTool('sink', ENV['LAB_REMOTE'], 'sink',
                           ENV['LAB_REMOTE4'], PORT_PPS)
        elif not tp:
            sink = UdpTool('sink', impl.ns, 'sink', '0.0.0.0',
                           impl.pps_port())
        if sink:
            sink.listening()
        if tp:
            forwarding = True
            tp.cmd('set fwd %s' % ('txonly' if up else 'rxonly'), 'start')
        if up and not tp:
            sender = UdpTool('send', impl.ns, 'send', ENV['LAB_REMOTE4'],
                             PORT_PPS, secs, PPS_PAYLOAD)
        elif not up:
            sender = UdpTool('send', ENV['LAB_REMOTE'], 'send',
                             ENV['LAB_HOST4'], impl.pps_port(), secs,
                             PPS_PAYLOAD)
        time.sleep(PPS_WARM)
        c0, t0 = (udp_in(sink.pid), time.monotonic()) if sink else (0, 0)
        s0 = tp.stats() if tp else None
        time.sleep(PPS_SECS)
        c1, t1 = (udp_in(sink.pid), time.monotonic()) if sink else (0, 0)
        s1 = tp.stats() if tp else None
        if impl.broken():
            return {'error': impl.broken()}
    except Unavailable as e:
        return {'error': str(e)}
    finally:
        if forwarding:
            try:
                tp.cmd('stop')	# or it keeps polling CPU_LOAD
            except Unavailable:
                pass
        sent = sender.stop() if sender else ''
        if sink:
            sink.stop()
    if sink and (c0 is None or c1 is None):
        return {'error': 'can\'t read the UDP counters of the sink'}
    m = re.search(r'sent (\d+) errors (\d+) secs \S+ rate (\d+)', sent)
    if sender and not m:
        return {'error': 'udprate send: ' + (sent.strip() or 'no output')}
    if sender:
        res['offered_kpps'] = int(m.group(3)) / 1e3
    if tp and up:
        res['offered_kpps'] = s1['tx_pps'] / 1e3
        res['testpmd_tx'] = s1['tx'] - s0['tx']
        if not res['testpmd_tx']:
            return {'error': 'testpmd sent nothing (the backend took no '
                             'frame from its queue)'}
    if tp and not up:
        res['count'] = s1['rx'] - s0['rx']
        res[test] = s1['rx_pps'] / 1e3
    else:
        res['count'] = c1 - c0
        res[test] = (c1 - c0) / (t1 - t0) / 1e3
    if not res['count']:
        return {'error': 'no datagram arrived (%s)' %
                ('testpmd received nothing' if tp and not up else
                 'the UDP counters of the %s did not move' %
                 ('remote' if up else 'guest'))}
    return res


def measure(impl, test):
    """measure() - One sample of a test on an implementation"""
    if test in PPS_TESTS:
        return test_pps(impl, test)
    if test.startswith('tcp4') or test.startswith('tcp6'):
        return test_iperf(impl, test)
    if test == 'tcp_rr':
        return test_rr(impl, 'tcp')
    if test == 'udp_rr':
        return test_rr(impl, 'udp')
    return test_crr(impl)


def describe(test, res):
    """describe() - The progress line's summary of one sample"""
    if 'error' in res:
        return 'FAILED: ' + res['error']
    if test in THROUGHPUT:
        s = '%7.2f Gbit/s' % res[test]
        if res.get('retransmits') is not None:
            s += '  retr %d' % res['retransmits']
        if 'cpu_per_gib' in res:
            s += '  cpu %.2f s/GiB' % res['cpu_per_gib']
        if res.get('stalls'):
            s += '  STALLS %d' % res['stalls']
        return s
    if test in PPS_TESTS:
        s = '%7.0f kpps' % res[test]
        if 'offered_kpps' in res:
            s += '  (sender: %.0f kpps)' % res['offered_kpps']
        return s
    if test in ('tcp_rr', 'udp_rr'):
        s = 'p50 %.1f us  p99 %.1f us' % (res[test + '_p50'],
                                          res[test + '_p99'])
        if res.get('dropped'):
            s += '  dropped %d' % res['dropped']
        return s
    s = '%.0f conn/s  p50 %.0f us' % (res['crr'], res['crr_p50_us'])
    if res.get('errors'):
        s += '  errors %d' % res['errors']
    return s


def flags(test, res):
    """flags() - What makes a sample suspect"""
    f = []
    if (res.get('retransmits') or 0) > RETR_FLAG:
        f.append('retransmits')
    if res.get('stalls'):
        f.append('stall')
    if res.get('errors') or res.get('dropped'):
        f.append('losses')
    return f


def machine():
    """machine() - What this ran on"""
    m = {'kernel': platform.release(), 'cpus': os.cpu_count(),
         'loadavg_1min': os.getloadavg()[0]}
    rc, out, _ = run(['lscpu'])
    for ln in out.splitlines():
        k, _, v = ln.partition(':')
        if k.strip() == 'Model name':
            m['cpu'] = v.strip()
    try:
        with open('/etc/os-release') as f:
            m['os'] = dict(ln.strip().split('=', 1) for ln in f
                           if '=' in ln).get('PRETTY_NAME', '').strip('"')
    except OSError:
        pass
    try:
        with open('/proc/meminfo') as f:
            m['mem_gib'] = round(int(f.readline().split()[1]) / 2**20)
    except (OSError, ValueError, IndexError):
        pass
    return m


def tools():
    """tools() - Versions of the load generators"""
    return {'iperf3': run(['iperf3', '--version'])[1].split('\n')[0]}


def make_impls():
    """make_impls() - The implementations to run, in column order"""
    only = ENV.get('BENCH_ONLY', '').split()
    # testpmd, vhost_user's guest, needs no namespace: it runs in the host's
    ns = {'veth': ENV['G_VETH'], 'veth65520': ENV['G_JUMBO'],
          'slirp4netns': ENV['G_SLIRP'], 'pasta': ENV['G_PASTA'],
          'tap': ENV['LAB_GUEST'], 'qemu_stream': ENV['G_QEMU'],
          'passt': ENV['G_PASST'], 'vhost_user': ENV['LAB_HOST']}
    cls = {'veth': Veth, 'veth65520': Veth, 'slirp4netns': Slirp,
           'pasta': Pasta, 'tap': Ours, 'qemu_stream': OursQemu,
           'passt': PasstQemu, 'vhost_user': OursVhost}
    return [cls[k](k, i, ns[k]) for i, (k, _) in enumerate(IMPLS)
            if not only or k in only]


def bench():
    """bench() - Start everything, run the repetitions, write the results

    Return: the results dict (also written to results.json)
    """
    t_start = time.time()
    host = machine()		# before the bench adds its own load
    impls = make_impls()
    tests = ENV.get('BENCH_TESTS', '').split() or TESTS
    log('bench: %s, %d repetition%s, throughput %d+%d s, round trips %d s,'
        ' connections %d s; daemons on CPU %s, load on CPU %s, nice %s' %
        ('QUICK' if QUICK else 'full', REPS, 's' * (REPS > 1), TP_OMIT,
         TP_SECS, RR_SECS, CRR_SECS, CPU_DAEMON, CPU_LOAD, NICE))
    servers = Servers()
    samples = []
    try:
        servers.start()
        for im in impls:
            try:
                im.start()
                im.ready()
                m = mem_kib(im.pid) if im.pid else None
                im.rss_start = m[0] if m else None
                log('  %-26s up   %s' % (im.label, im.version))
            except Unavailable as e:
                im.reason = str(e)
                im.stop()
                log('  %-26s NOT AVAILABLE: %s' % (im.label, im.reason))
        live = [im for im in impls if not im.reason]
        if ENV.get('BENCH_HOLD'):
            hold(live, float(ENV['BENCH_HOLD']))
            live = []
        total = REPS * sum(1 for t in tests for im in live if im.runs(t))
        n = 0
        for rep in range(REPS):
            k = rep % len(live) if live else 0
            order = live[k:] + live[:k]
            for test in tests:
                for im in order:
                    if not im.runs(test):
                        continue
                    n += 1
                    res = one_sample(im, test, servers)
                    res.update({'rep': rep + 1, 'test': test,
                                'impl': im.key})
                    fl = flags(test, res)
                    if fl:
                        res['flags'] = fl
                    samples.append(res)
                    log('[%3d/%d %4.0fs] rep %d  %-12s %-26s %s%s' %
                        (n, total, time.time() - t_start, rep + 1, test,
                         im.label, describe(test, res),
                         '  [flagged: %s]' % ', '.join(fl) if fl else ''))
            if rep == 0:
                for im in live:
                    if im.rss:
                        im.rss_rep1 = im.rss[-1]
    finally:
        for im in impls:
            if im.pid and not im.reason:
                m = mem_kib(im.pid)
                if m:
                    im.hwm = max(im.hwm, m[1] or 0)
            im.stop()
        servers.stop()
    return results(impls, tests, samples, time.time() - t_start, host)


def hold(live, secs):
    """hold() - Print what is up, then wait (BENCH_HOLD)"""
    path = os.path.join(ENV['T'], 'hold.env')
    with open(path, 'w') as f:
        f.write('REMOTE=%s R4=%s R6=%s HOST=%s REQREP=%s\n' %
                (ENV['LAB_REMOTE'], ENV['LAB_REMOTE4'], ENV['LAB_REMOTE6'],
                 ENV['LAB_HOST'], reqrep()))
        for im in live:
            f.write('NS_%s=%s PID_%s=%s\n' % (im.key, im.ns, im.key,
                                              im.pid or ''))
    log('bench: holding for %.0f s; names and PIDs in %s' % (secs, path))
    with open(path) as f:
        log(f.read())
    time.sleep(secs)


def one_sample(im, test, servers):
    """one_sample() - Measure, after checking (and mending) what it needs"""
    if im.reason:
        return {'error': im.reason}
    if test in im.skip:
        return {'error': im.skip[test], 'skipped': True}
    servers.check()
    why = im.broken()
    if why and im.repairable(why):
        try:
            if im.repair():
                im.restarts += 1
                why = None
        except Unavailable as e:
            why = str(e)
    if why:
        im.reason = '%s: %s' % (why, im.why_dead())
        return {'error': im.reason}
    res = measure(im, test)
    im.sample_memory()
    gone = im.broken()
    if gone:
        res.setdefault('error', 'failed')
        if gone not in res['error']:
            res['error'] += ' (%s)' % gone
        # What kills it once will again: don't spend the time twice
        im.skip[test] = 'not run again after: ' + gone
    return res


def med(vals):
    """med() - Median of a list, None if empty"""
    return statistics.median(vals) if vals else None


def results(impls, tests, samples, secs, host):
    """results() - Medians and everything needed to render, as a dict"""
    medians, flagged, counts = {}, {}, {}
    for m in METRICS:
        medians[m[0]], flagged[m[0]], counts[m[0]] = {}, {}, {}
    for im in impls:
        for key in [m[0] for m in METRICS]:
            src = {'cpu_up': ('tcp4_up', 'cpu_per_gib'),
                   'cpu_down': ('tcp4_down', 'cpu_per_gib')}.get(key)
            if src:
                sel = [s for s in samples if s['impl'] == im.key and
                       s['test'] == src[0] and src[1] in s and
                       'error' not in s]
                vals = [s[src[1]] for s in sel]
            elif key in ('rss_peak', 'rss_growth'):
                continue
            else:
                sel = [s for s in samples if s['impl'] == im.key and
                       key in s and 'error' not in s]
                vals = [s[key] for s in sel]
            if vals:
                medians[key][im.key] = med(vals)
                counts[key][im.key] = len(vals)
                if any(s.get('flags') for s in sel):
                    flagged[key][im.key] = sorted(
                        {f for s in sel for f in s.get('flags', [])})
        if im.hwm:
            medians['rss_peak'][im.key] = im.hwm / 1024
        if REPS > 1 and im.rss and im.rss_rep1:
            medians['rss_growth'][im.key] = (im.rss[-1] - im.rss_rep1) / 1024
    errors = {}
    for s in samples:
        if 'error' in s:
            errors.setdefault(s['impl'], {}).setdefault(s['test'], s['error'])
    # What the packet rate tests' senders put out, next to what arrived
    offered = {}
    for test in PPS_TESTS:
        for im in impls:
            vals = [s['offered_kpps'] for s in samples
                    if s['impl'] == im.key and s['test'] == test and
                    'offered_kpps' in s and 'error' not in s]
            if vals:
                offered.setdefault(test, {})[im.key] = med(vals)
    return {
        'date': time.strftime('%Y-%m-%d %H:%M %Z'),
        'machine': host,
        'tools': tools(),
        'quick': QUICK,
        'seconds': round(secs),
        'method': {'repetitions': REPS, 'throughput_s': TP_SECS,
                   'omit_s': TP_OMIT, 'rr_s': RR_SECS, 'crr_s': CRR_SECS,
                   'cpu_daemon': CPU_DAEMON, 'cpu_load': CPU_LOAD,
                   'nice': NICE,
                   'congestion_control': 'reno', 'stall_interval_s':
                   INTERVAL, 'retransmit_flag': RETR_FLAG,
                   'pps_warm_s': PPS_WARM, 'pps_s': PPS_SECS,
                   'pps_frame': PPS_FRAME},
        'impls': [{'key': im.key, 'label': im.label,
                   'version': im.version, 'available': not im.reason or
                   any(s['impl'] == im.key and 'error' not in s
                       for s in samples),
                   'reason': im.reason, 'notes': im.notes,
                   'restarts': im.restarts, 'frontend': im.frontend,
                   'rss_kib': im.rss, 'rss_start_kib': im.rss_start,
                   'rss_rep1_kib': im.rss_rep1,
                   'hwm_kib': im.hwm} for im in impls],
        'tests': tests,
        'medians': medians,
        'samples_per_median': counts,
        'flagged': flagged,
        'offered_kpps': offered,
        'errors': errors,
        'samples': samples,
    }


def fmt(key, v):
    """fmt() - A metric's value as the table shows it"""
    if v is None:
        return '–'
    f = METRIC[key][4]
    if METRIC[key][2] == 'Gbit/s' and v < 1:
        f = '%.2f'
    return f % v


def ratio(r, key, a, b):
    """ratio() - a's median over b's, as text"""
    va, vb = r['medians'].get(key, {}).get(a), \
        r['medians'].get(key, {}).get(b)
    if va is None or vb is None or not vb or key == 'rss_growth':
        return '–'
    return '%.2f×' % (va / vb)


def target(r, key):
    """target() - Whether OURS meets the issue's target for a metric

    Return: text for the table's last column ('' where none is set)
    """
    md = r['medians'].get(key, {})
    v, veth = md.get(OURS), md.get(REF_VETH)
    slirp, pasta = md.get('slirp4netns'), md.get('pasta')
    if v is None:
        return ''
    missed = []
    refs = {'tcp4_up': (slirp, pasta, veth), 'tcp4_down': (slirp, pasta, veth),
            'tcp6_up': (slirp, pasta, veth), 'tcp6_down': (slirp, pasta, veth),
            'tcp_rr_p50': (pasta,), 'udp_rr_p50': (pasta,),
            'cpu_up': (pasta,), 'cpu_down': (pasta,), 'crr': (pasta, slirp)}
    if key in refs and all(x is None for x in refs[key]):
        return '?'
    if key in ('tcp4_up', 'tcp4_down', 'tcp6_up', 'tcp6_down'):
        if slirp is not None and v < 1.5 * slirp:
            missed.append('< 1.5× slirp4netns')
        if pasta is not None and v < pasta:
            missed.append('< pasta')
        if veth is not None and v < 0.5 * veth:
            missed.append('< ½ veth')
        if r['flagged'][key].get(OURS) and \
                'stall' in r['flagged'][key][OURS]:
            missed.append('stalls')
    elif key in ('tcp_rr_p50', 'udp_rr_p50', 'cpu_up', 'cpu_down'):
        if pasta is not None and v > pasta:
            missed.append('> pasta')
    elif key == 'crr':
        if pasta is not None and v < pasta:
            missed.append('< pasta')
        if slirp is not None and v < 2 * slirp:
            missed.append('< 2× slirp4netns')
    elif key == 'rss_peak':
        if v >= 64:
            missed.append('≥ 64 MiB')
    elif key == 'rss_growth':
        if v > 4:
            missed.append('grows')
    else:
        return ''
    return 'no: ' + ', '.join(missed) if missed else 'yes'


def render_md(r):
    """render_md() - The Markdown table, its legend and notes"""
    imps = [i for i in r['impls']]
    keys = [i['key'] for i in imps]
    m = r['machine']
    lines = []
    load = ''
    if m.get('loadavg_1min') is not None:
        load = ', load average %.1f before the start' % m['loadavg_1min']
    lines.append('Measured %s on %s, %s CPUs, %s GiB, Linux %s (%s)%s%s; '
                 'medians of %d repetition%s, in %d s.' %
                 (r['date'], m.get('cpu', '?'), m.get('cpus', '?'),
                  m.get('mem_gib', '?'), m.get('kernel', '?'),
                  m.get('os', '?'), load, ', QUICK' if r['quick'] else '',
                  r['method']['repetitions'],
                  's' * (r['method']['repetitions'] > 1), r['seconds']))
    lines.append('')
    head = ['metric'] + [i['label'] for i in imps]
    rat = []			# (numerator, denominator) columns
    if OURS in keys:
        for ref in (REF_VETH, 'slirp4netns', 'pasta'):
            if ref in keys:
                rat.append((OURS, ref))
                head.append('tap ÷ %s' % LABELS[ref].replace(', MTU ', ' '))
    for a, b in (('qemu_stream', 'passt'), ('vhost_user', OURS)):
        if a in keys and b in keys:
            rat.append((a, b))
            head.append('%s ÷ %s' % (a, b))
    if OURS in keys:
        head.append('target met (tap)')
    lines.append('| ' + ' | '.join(head) + ' |')
    lines.append('|' + '|'.join(['---'] + ['--:'] * (len(head) - 1)) + '|')
    for key, label, unit, _, _ in METRICS:
        row = ['%s, %s' % (label, unit)]
        for k in keys:
            v = fmt(key, r['medians'].get(key, {}).get(k))
            if r['flagged'].get(key, {}).get(k):
                v += ' *'
            row.append(v)
        for a, b in rat:
            row.append(ratio(r, key, a, b))
        if OURS in keys:
            row.append(target(r, key))
        lines.append('| ' + ' | '.join(row) + ' |')
    lines.append('')
    lines.append('`*` a sample behind this median was flagged (more than %d '
                 'retransmissions, a stall of %.1f s, or losses); '
                 '`–` not measured or not applicable.' %
                 (r['method']['retransmit_flag'],
                  r['method']['stall_interval_s']))
    lines.append('Versions: ' + '; '.join(
        '%s: %s' % (i['label'], i['version']) for i in imps if i['version'])
        + '; iperf3 %s; round trips and connections: bench/reqrep.c%s.' %
        (r['tools'].get('iperf3', '?').replace('iperf ', ''),
         '; packet rates: bench/udprate.c and testpmd' if
         any(r['medians'].get(t) for t in PPS_TESTS) else ''))
    lines += compare_lines(r)
    for i in imps:
        if not i['available']:
            lines.append('- %s: **not available**: %s' %
                         (i['label'], i['reason']))
        elif i['reason']:
            lines.append('- %s: stopped during the run: %s' %
                         (i['label'], i['reason']))
        for n in i['notes']:
            lines.append('- %s: %s' % (i['label'], n))
        if i['restarts']:
            lines.append('- %s: %s restarted %d time%s during the run' %
                         (i['label'], i.get('frontend') or 'QEMU',
                          i['restarts'],
                          's' * (i['restarts'] > 1)))
        same = {}
        for test, err in r['errors'].get(i['key'], {}).items():
            if i['available'] and err != i['reason']:
                same.setdefault(err, []).append(test)
        for err, tests in same.items():
            tests.sort(key=lambda t: r['tests'].index(t)
                       if t in r['tests'] else 0)
            lines.append('- %s, %s: %s' % (i['label'], ', '.join(tests),
                                           err))
    return '\n'.join(lines) + '\n'


def compare_lines(r):
    """compare_lines() - The comparisons the issues ask for, in words"""
    keys = [i['key'] for i in r['impls']]
    md = r['medians']
    out = []

    def val(test, k):
        v = md.get(test, {}).get(k)
        return '–' if v is None else '%.0f' % v

    def times(test, a, b):
        va, vb = md.get(test, {}).get(a), md.get(test, {}).get(b)
        return '–' if va is None or not vb else '%.2f×' % (va / vb)

    if any(md.get(t, {}).get(k) is not None for t in PPS_TESTS
           for k in keys):
        m = r['method']
        refs = [k for k in (OURS, 'pasta') if k in keys]
        txt = ('- Packet rate, UDP, %d-byte frames, kpps guest→remote / '
               'remote→guest (%g s windows, %g s after the sender starts): '
               % (m.get('pps_frame', PPS_FRAME), m.get('pps_s', 0),
                  m.get('pps_warm_s', 0)))
        parts = []
        if 'vhost_user' in keys:
            parts.append('this daemon\'s vhost_user, DPDK testpmd as the '
                         'guest: %s / %s' % (val('pps_up', 'vhost_user'),
                                             val('pps_down', 'vhost_user')))
        for k in refs:
            p = '%s, a kernel socket as the guest: %s / %s' % (
                'this daemon\'s tap' if k == OURS else k,
                val('pps_up', k), val('pps_down', k))
            if 'vhost_user' in keys:
                p += ' (vhost_user ÷ %s: %s / %s)' % (
                    'tap' if k == OURS else k,
                    times('pps_up', 'vhost_user', k),
                    times('pps_down', 'vhost_user', k))
            parts.append(p)
        txt += '; '.join(parts) + '.'
        off = r.get('offered_kpps', {})
        snd = ['%s %s / %s' % (k, '%.0f' % off['pps_up'][k]
                               if k in off.get('pps_up', {}) else '–',
                               '%.0f' % off['pps_down'][k]
                               if k in off.get('pps_down', {}) else '–')
               for k in ['vhost_user'] + refs if k in keys]
        txt += (' The senders put out, kpps: ' + ', '.join(snd) +
                ' (testpmd: what the backend took from its queue; '
                'udprate: what sendmmsg() took). testpmd busy-polls CPU 0 '
                'while it forwards, where the remote\'s sender runs too.')
        out.append(txt)
    if 'qemu_stream' in keys and 'passt' in keys:
        better = []
        for key, label, unit, high, _ in METRICS:
            a, b = md.get(key, {}).get('qemu_stream'), \
                md.get(key, {}).get('passt')
            if a is None or b is None or key == 'rss_growth':
                continue
            better.append((a >= b) == high)
        if better:
            out.append('- Same QEMU hub, same guest: this daemon\'s '
                       'qemu_stream is ahead of Debian\'s passt on %d of %d '
                       'metrics (column "qemu_stream ÷ passt").' %
                       (sum(better), len(better)))
    return out


def render_png(r, path):
    """render_png() - The bar chart, with gnuplot; False if it can't"""
    gp = shutil.which('gnuplot')
    if not gp:
        return False
    tmp = ENV.get('T') or '/tmp'
    imps = r['impls']
    groups = [
        ('Throughput, Gbit/s (higher is better)', THROUGHPUT,
         ['IPv4 g→r', 'IPv4 r→g', 'IPv6 g→r', 'IPv6 r→g', '4× g→r',
          '4× r→g']),
        ('Round trip p50, µs (lower is better)',
         ['tcp_rr_p50', 'udp_rr_p50'], ['TCP', 'UDP']),
        ('TCP connections per second (higher is better)', ['crr'],
         ['connect, request, close']),
        ('Daemon CPU seconds per GiB (lower is better)',
         ['cpu_up', 'cpu_down'], ['guest→remote', 'remote→guest']),
        ('UDP 64-byte frames, kpps (higher is better)',
         ['pps_up', 'pps_down'], ['guest→remote', 'remote→guest']),
    ]
    colors = ['#9e9e9e', '#5f5f5f', '#e6a23c', '#4a90d9', '#2e9d4f',
              '#8bc34a', '#c0504d', '#7e57c2']
    script = ['set terminal pngcairo size 1400,1350 font "sans,10"',
              'set output "%s"' % path,
              'set datafile separator "\\t"',
              'set datafile missing "?"',
              'set style data histogram',
              'set style histogram cluster gap 1',
              'set style fill solid 0.9 border -1',
              'set boxwidth 0.9',
              'set grid ytics',
              'set yrange [0:*]',
              'set termoption noenhanced',
              'set key below horizontal maxcols 3 font ",9"',
              'set multiplot layout 3,2 title "make bench, %s (%s)"'
              % (r['date'], r['machine'].get('cpu', ''))]
    for gi, (title, keys, names) in enumerate(groups):
        dat = os.path.join(tmp, 'bench-chart-%d.dat' % gi)
        if not any(r['medians'].get(k) for k in keys):
            continue		# not measured (BENCH_TESTS, older results)
        with open(dat, 'w') as f:
            f.write('\t'.join(['x'] + [i['label'] for i in imps]) + '\n')
            for k, name in zip(keys, names):
                vals = [r['medians'].get(k, {}).get(i['key'])
                        for i in imps]
                f.write('\t'.join([name] + ['?' if v is None else '%g' % v
                                            for v in vals]) + '\n')
        script.append('set title "%s"' % title)
        plots = []
        for ci, i in enumerate(imps):
            plots.append('"%s" using %d:xtic(1) title columnhead lc rgb "%s"'
                         % (dat, ci + 2, colors[ci % len(colors)]))
        script.append('plot ' + ', '.join(plots))
    script.append('unset multiplot')
    sp = os.path.join(tmp, 'bench-chart.gp')
    with open(sp, 'w') as f:
        f.write('\n'.join(script) + '\n')
    rc, _, err = run([gp, sp], timeout=60)
    if rc:
        log('bench: gnuplot failed: ' + err.strip()[:300])
    return rc == 0


def render(r, readme=False):
    """render() - results.md and results.png from the results, README too"""
    md = render_md(r)
    with open(os.path.join(OUT, 'results.md'), 'w') as f:
        f.write(md)
    png = os.path.join(OUT, 'results.png')
    if render_png(r, png):
        log('bench: wrote %s' % png)
    print()
    print(md, flush=True)
    if readme:
        update_readme(md)


def update_readme(md):
    """update_readme() - Replace README.md's Performance section's table"""
    path = os.path.join(TOP, 'README.md')
    with open(path) as f:
        text = f.read()
    begin, end = '<!-- bench: begin -->', '<!-- bench: end -->'
    if begin not in text or end not in text:
        log('bench: README.md has no %s ... %s markers' % (begin, end))
        return
    head, rest = text.split(begin, 1)
    _, tail_ = rest.split(end, 1)
    with open(path, 'w') as f:
        f.write(head + begin + '\n' + md + end + tail_)
    log('bench: updated README.md')


def on_signal(signum, frame):
    """on_signal() - Ctrl-C or kill: unwind, so every process is stopped"""
    raise KeyboardInterrupt


def main():
    """main() - Measure and render, or render only"""
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    args = sys.argv[1:]
    if any(a not in ('--render', '--readme') for a in args):
        print(__doc__)
        return 1
    jp = os.path.join(OUT, 'results.json')
    if '--render' in args:
        with open(jp) as f:
            r = json.load(f)
    else:
        try:
            r = bench()
        except KeyboardInterrupt:
            log('bench: interrupted; everything it started is stopped')
            return 130
        with open(jp, 'w') as f:
            json.dump(r, f, indent=1, ensure_ascii=False)
            f.write('\n')
        log('bench: wrote %s' % jp)
    render(r, '--readme' in args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
