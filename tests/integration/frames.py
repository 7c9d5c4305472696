#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# frames.py - Write and read frame files for tests (stream format: each
# frame is a 32-bit big-endian length, then the Ethernet frame)
#
#   frames.py write FILE SPEC...   SPEC: arp:SENDER_MAC:SENDER_IP:TARGET_IP
#                                         eth:TYPE_HEX:SRC_MAC:PAYLOAD
#   frames.py read FILE            one line per frame: type, then details

import socket
import struct
import sys


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def fmt_mac(b):
    return ':'.join('%02x' % x for x in b)


def build(spec):
    kind, rest = spec.split(':', 1)
    if kind == 'arp':
        parts = rest.split(':')
        smac, sip, tip = mac(':'.join(parts[0:6])), parts[6], parts[7]
        arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + smac + \
            socket.inet_aton(sip) + b'\0' * 6 + socket.inet_aton(tip)
        return b'\xff' * 6 + smac + b'\x08\x06' + arp
    if kind == 'eth':
        parts = rest.split(':')
        etype = int(parts[0], 16)
        smac = mac(':'.join(parts[1:7]))
        payload = ':'.join(parts[7:]).encode()
        return b'\x02\x70\x61\x73\x73\x74' + smac + \
            struct.pack('!H', etype) + payload
    raise SystemExit('unknown frame kind: ' + kind)


def describe(f):
    if len(f) < 14:
        return 'short %d' % len(f)
    etype = struct.unpack('!H', f[12:14])[0]
    if etype == 0x0806 and len(f) >= 42:
        op = struct.unpack('!H', f[20:22])[0]
        return 'arp op=%d dst=%s sha=%s spa=%s tha=%s tpa=%s' % (
            op, fmt_mac(f[0:6]), fmt_mac(f[22:28]),
            socket.inet_ntoa(f[28:32]), fmt_mac(f[32:38]),
            socket.inet_ntoa(f[38:42]))
    return 'eth type=%04x dst=%s src=%s payload=%s' % (
        etype, fmt_mac(f[0:6]), fmt_mac(f[6:12]),
        f[14:].decode('ascii', 'replace'))


def main():
    if sys.argv[1] == 'write':
        with open(sys.argv[2], 'wb') as out:
            for spec in sys.argv[3:]:
                f = build(spec)
                out.write(struct.pack('!I', len(f)) + f)
    elif sys.argv[1] == 'read':
        data = open(sys.argv[2], 'rb').read()
        off = 0
        while off + 4 <= len(data):
            n = struct.unpack('!I', data[off:off + 4])[0]
            print(describe(data[off + 4:off + 4 + n]))
            off += 4 + n
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
