#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# stream_client.py - A QEMU-like client of the qemu_stream socket, friendly
# and hostile: each frame is a 32-bit big-endian length, then the frame.
#
#   stream_client.py SOCKET PID
#
# Runs every check in order against the daemon listening on SOCKET (whose
# process is PID) and prints one line per check, "ok NAME" or "FAIL NAME:
# why". After each hostile case the daemon must still run and a new client
# must get answers. Exit status: 0 if every check passed, 1 otherwise.
#
# The daemon is expected to hand the guest 10.77.0.2/24, gateway and DNS
# 10.77.0.1, MTU 65520, with IPv6 disabled (see qemu_framing.sh).

import os
import random
import socket
import struct
import sys
import time

GUEST_MAC = bytes.fromhex('525400123456')
OUR_MAC = bytes.fromhex('027061737374')	# 02, then "passt"
GUEST_IP = '10.77.0.2'
GW_IP = '10.77.0.1'
MTU = 65520
FRAME_MAX = MTU + 14 + 4
TIMEOUT = 3.0


class Fail(Exception):
    """A check failed: the message says why"""


def csum(data):
    """Internet checksum of data, as an integer to store big-endian"""
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def arp_request(tpa, spa=GUEST_IP, smac=GUEST_MAC):
    """ARP request frame from the guest for tpa"""
    arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + smac + \
        socket.inet_aton(spa) + b'\0' * 6 + socket.inet_aton(tpa)
    return b'\xff' * 6 + smac + b'\x08\x06' + arp


def dhcp_frame(msgtype, xid, requested=None):
    """DHCPv4 DISCOVER (1) or REQUEST (3) from the guest, broadcast"""
    bootp = struct.pack('!BBBBIHH', 1, 1, 6, 0, xid, 0, 0x8000)
    bootp += b'\0' * 16 + GUEST_MAC + b'\0' * 10 + b'\0' * 192
    opts = bytes([99, 130, 83, 99, 53, 1, msgtype])
    if requested:
        opts += bytes([50, 4]) + socket.inet_aton(requested)
        opts += bytes([54, 4]) + socket.inet_aton(GW_IP)
    opts += bytes([55, 4, 1, 3, 6, 26, 255])
    payload = bootp + opts
    udp = struct.pack('!HHHH', 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, b'\0' * 4, b'\xff' * 4)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\xff' * 6 + GUEST_MAC + b'\x08\x00' + ip + udp


def hdr(n):
    """Length header for a frame of n bytes"""
    return struct.pack('!I', n)


def framed(f):
    """A frame with its length header"""
    return hdr(len(f)) + f


class Client:
    """One connection to the daemon, parsing what it sends back"""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b''

    def send(self, data):
        self.s.sendall(data)

    def close(self):
        self.s.close()

    def frame(self, timeout=TIMEOUT):
        """Next frame, or None at end of file; Fail on timeout"""
        end = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack('!I', self.buf[:4])[0]
                if n == 0 or n > FRAME_MAX:
                    raise Fail('daemon sent a frame length of %d' % n)
                if len(self.buf) >= 4 + n:
                    f = self.buf[4:4 + n]
                    self.buf = self.buf[4 + n:]
                    return f
            left = end - time.monotonic()
            if left <= 0:
                raise Fail('nothing from the daemon in %.1f s' % timeout)
            self.s.settimeout(left)
            try:
                d = self.s.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionResetError:
                return None
            if not d:
                if self.buf:
                    raise Fail('daemon closed mid-frame')
                return None
            self.buf += d

    def expect_closed(self):
        """The daemon closes this connection (frames before EOF ignored)"""
        while True:
            if self.frame() is None:
                return

    def arp_reply(self):
        """Wait for the ARP reply to a request for the gateway; check it"""
        while True:
            f = self.frame()
            if f is None:
                raise Fail('closed while waiting for an ARP reply')
            if len(f) < 42 or f[12:14] != b'\x08\x06':
                continue
            op = struct.unpack('!H', f[20:22])[0]
            want = (2, OUR_MAC, socket.inet_aton(GW_IP), GUEST_MAC,
                    socket.inet_aton(GUEST_IP))
            got = (op, f[22:28], f[28:32], f[32:38], f[38:42])
            if got != want or f[0:6] != GUEST_MAC or f[6:12] != OUR_MAC:
                raise Fail('ARP reply %s, expected %s' % (got, want))
            return

    def dhcp_reply(self, xid):
        """Next DHCP reply with our xid: (message type, yiaddr, options)"""
        while True:
            f = self.frame()
            if f is None:
                raise Fail('closed while waiting for a DHCP reply')
            if len(f) < 14 + 20 + 8 + 240 or f[12:14] != b'\x08\x00':
                continue
            ihl = (f[14] & 0xf) * 4
            udp = 14 + ihl
            if f[14 + 9] != 17 or f[udp:udp + 4] != b'\x00\x43\x00\x44':
                continue
            d = f[udp + 8:]
            if d[0] != 2 or struct.unpack('!I', d[4:8])[0] != xid:
                continue
            opts, i = {}, 240
            while i < len(d) and d[i] != 255:
                if d[i] == 0:
                    i += 1
                    continue
                opts[d[i]] = d[i + 2:i + 2 + d[i + 1]]
                i += 2 + d[i + 1]
            return opts.get(53, b'\0')[0], socket.inet_ntoa(d[16:20]), opts


def check_arp(path):
    """A fresh client gets its ARP answered"""
    c = Client(path)
    c.send(framed(arp_request(GW_IP)))
    c.arp_reply()
    c.close()


def alive(pid):
    """Fail unless the daemon's process still runs"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        raise Fail('the daemon is gone')


def t_dhcp(path):
    c = Client(path)
    c.send(framed(dhcp_frame(1, 0x1234)))
    t, yiaddr, o = c.dhcp_reply(0x1234)
    got = (t, yiaddr, o.get(54), o.get(3), o.get(1), o.get(26))
    want = (2, GUEST_IP, socket.inet_aton(GW_IP), socket.inet_aton(GW_IP),
            socket.inet_aton('255.255.255.0'), struct.pack('!H', MTU))
    if got != want:
        raise Fail('OFFER %s, expected %s' % (got, want))
    c.send(framed(dhcp_frame(3, 0x1235, GUEST_IP)))
    t, yiaddr, o = c.dhcp_reply(0x1235)
    if (t, yiaddr) != (5, GUEST_IP):
        raise Fail('ACK: type %d, yiaddr %s' % (t, yiaddr))
    c.close()


def t_arp(path):
    check_arp(path)


def t_many_frames(path):
    """5000 requests in one write: 5000 replies, none lost"""
    c = Client(path)
    c.send(framed(arp_request(GW_IP)) * 5000)
    for i in range(5000):
        try:
            c.arp_reply()
        except Fail as e:
            raise Fail('reply %d: %s' % (i, e))
    c.close()


def t_header_split(path):
    c = Client(path)
    f = framed(arp_request(GW_IP))
    for i in range(4):
        c.send(f[i:i + 1])
        time.sleep(0.05)
    c.send(f[4:])
    c.arp_reply()
    c.close()


def t_frame_split(path):
    c = Client(path)
    f = framed(arp_request(GW_IP)) * 3
    for part in (f[:10], f[10:50], f[50:51], f[51:]):
        c.send(part)
        time.sleep(0.1)
    for _ in range(3):
        c.arp_reply()
    c.close()


def bad_length(n):
    def t(path):
        c = Client(path)
        # A good frame first: it goes to the core, but the bad length
        # drops us before the answer can be written
        c.send(framed(arp_request(GW_IP)) + hdr(n) + b'\xee' * 64)
        c.expect_closed()
        c.close()
    return t


def t_split_bad_length(path):
    c = Client(path)
    c.send(hdr(FRAME_MAX + 1)[:2])
    time.sleep(0.1)
    c.send(hdr(FRAME_MAX + 1)[2:])
    c.expect_closed()
    c.close()


def t_longest_frame(path):
    """MTU + Ethernet header + VLAN slack: accepted, connection stays"""
    c = Client(path)
    c.send(hdr(FRAME_MAX) + b'\xab' * FRAME_MAX + framed(arp_request(GW_IP)))
    c.arp_reply()
    c.close()


def t_close_mid_frame(path):
    c = Client(path)
    c.send(hdr(1000) + framed(arp_request(GW_IP))[:500])
    time.sleep(0.1)
    c.close()


def t_close_mid_header(path):
    c = Client(path)
    c.send(b'\x00\x00')
    time.sleep(0.1)
    c.close()


def t_garbage(path):
    rnd = random.Random(7)
    for size in (1, 3, 100, 4096, 65536, 300000):
        c = Client(path)
        try:
            c.send(bytes(rnd.getrandbits(8) for _ in range(size)))
        except (BrokenPipeError, ConnectionResetError):
            pass
        time.sleep(0.05)
        c.close()


def t_plausible_garbage(path):
    """Valid lengths, random frames (not Ethernet, not IP): dropped by the
    core, connection kept"""
    rnd = random.Random(11)
    c = Client(path)
    data = b''
    for _ in range(2000):
        n = rnd.randint(1, 1600)
        data += hdr(n) + bytes(rnd.getrandbits(8) for _ in range(n))
    c.send(data + framed(arp_request(GW_IP)))
    c.arp_reply()
    c.close()


def t_second_client(path):
    c1 = Client(path)
    c1.send(framed(arp_request(GW_IP)))
    c1.arp_reply()
    c2 = Client(path)
    c2.expect_closed()
    c2.close()
    c1.send(framed(arp_request(GW_IP)))
    c1.arp_reply()
    c1.close()


def t_quick_reconnect(path):
    """A guest replaced at once, 20 times: the new one is never refused"""
    for i in range(20):
        c = Client(path)
        c.send(framed(arp_request(GW_IP)))
        try:
            c.arp_reply()
        except Fail as e:
            raise Fail('round %d: %s' % (i, e))
        c.close()


CHECKS = [
    ('dhcp', t_dhcp),
    ('arp', t_arp),
    ('many_frames', t_many_frames),
    ('header_split', t_header_split),
    ('frame_split', t_frame_split),
    ('zero_length', bad_length(0)),
    ('huge_length', bad_length(0xffffffff)),
    ('over_mtu_length', bad_length(FRAME_MAX + 1)),
    ('split_bad_length', t_split_bad_length),
    ('longest_frame', t_longest_frame),
    ('close_mid_frame', t_close_mid_frame),
    ('close_mid_header', t_close_mid_header),
    ('garbage', t_garbage),
    ('plausible_garbage', t_plausible_garbage),
    ('second_client', t_second_client),
    ('quick_reconnect', t_quick_reconnect),
]


def main():
    path, pid = sys.argv[1], int(sys.argv[2])
    failed = 0
    for name, fn in CHECKS:
        try:
            fn(path)
            alive(pid)
            check_arp(path)		# the next client works
            print('ok %s' % name)
        except (Fail, OSError) as e:
            print('FAIL %s: %s' % (name, e))
            failed += 1
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
