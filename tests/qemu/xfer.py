#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# xfer.py - Bulk TCP transfers and UDP echoes with checksums, for the
# QEMU tests (both ends run in namespaces the test made)
#
#   xfer.py mkfile FILE MIB            FILE: MIB MiB of pseudo-random bytes
#   xfer.py sum FILE                   print "SHA256 LENGTH" of FILE
#   xfer.py tcp-sink ADDR PORT OUT [LEN]   accept one connection, read to
#                                      EOF (or LEN bytes, then close), write
#                                      "SHA256 LENGTH" to OUT
#   xfer.py tcp-source ADDR PORT FILE  accept one connection, send FILE, close
#   xfer.py tcp-send ADDR PORT FILE BUF    connect, send FILE (SO_SNDBUF and
#                                      SO_RCVBUF BUF bytes, 0: default)
#   xfer.py tcp-recv ADDR PORT BUF     connect, read to EOF, print
#                                      "SHA256 LENGTH"
#   xfer.py udp-echo ADDR PORT COUNT   echo COUNT datagrams back, then exit
#   xfer.py udp-ping ADDR PORT COUNT   send COUNT datagrams, print how many
#                                      came back intact
#
# Servers print "listening" once bound, so the caller can wait for it.
# Every socket operation has a timeout: nothing here waits forever.

import hashlib
import os
import random
import socket
import sys

TIMEOUT = 120
CHUNK = 1 << 16
RBUF = 1 << 20


def mkfile(path, mib):
    rnd = random.Random(0x9a55)
    with open(path, 'wb') as f:
        for _ in range(int(mib) * 16):
            f.write(rnd.randbytes(CHUNK))


def file_sum(path):
    h, n = hashlib.sha256(), 0
    with open(path, 'rb') as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
            n += len(b)
    return '%s %d' % (h.hexdigest(), n)


def listen(addr, port, kind=socket.SOCK_STREAM):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    if kind == socket.SOCK_STREAM:
        s.listen(1)
    s.settimeout(TIMEOUT)
    print('listening', flush=True)
    return s


def connect(addr, port, buf):
    fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if int(buf):
        # Before connect(), so the window and the send queue start small
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(buf))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(buf))
    s.settimeout(TIMEOUT)
    s.connect((addr, int(port)))
    return s


def read_all(c, limit=None):
    # Into one buffer, no allocation per read: fast enough that the
    # guest's socket, not this loop, sets the pace
    h, n = hashlib.sha256(), 0
    buf = bytearray(RBUF)
    view = memoryview(buf)
    while limit is None or n < limit:
        k = c.recv_into(view, RBUF if limit is None else min(RBUF, limit - n))
        if not k:
            break
        h.update(view[:k])
        n += k
    return '%s %d' % (h.hexdigest(), n)


def send_file(c, path):
    with open(path, 'rb') as f:
        c.sendfile(f)		# sendfile(2): no copy through Python
    c.shutdown(socket.SHUT_WR)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'mkfile':
        mkfile(*args)
    elif cmd == 'sum':
        print(file_sum(args[0]))
    elif cmd == 'tcp-sink':
        c, _ = listen(args[0], args[1]).accept()
        c.settimeout(TIMEOUT)
        r = read_all(c, int(args[3]) if len(args) > 3 else None)
        c.close()
        with open(args[2] + '.tmp', 'w') as f:
            f.write(r + '\n')
        os.rename(args[2] + '.tmp', args[2])
    elif cmd == 'tcp-source':
        c, _ = listen(args[0], args[1]).accept()
        c.settimeout(TIMEOUT)
        send_file(c, args[2])
        c.recv(1)		# wait for the peer's close
    elif cmd == 'tcp-send':
        c = connect(args[0], args[1], args[3])
        send_file(c, args[2])
        c.recv(1)
    elif cmd == 'tcp-recv':
        c = connect(args[0], args[1], args[2])
        print(read_all(c))
    elif cmd == 'udp-echo':
        s = listen(args[0], args[1], socket.SOCK_DGRAM)
        for _ in range(int(args[2])):
            d, peer = s.recvfrom(65535)
            s.sendto(d, peer)
    elif cmd == 'udp-ping':
        fam = socket.AF_INET6 if ':' in args[0] else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
        ok = 0
        for i in range(int(args[2])):
            d = (b'%06d' % i) * (1 + i * 397 % 5000)
            s.sendto(d, (args[0], int(args[1])))
            try:
                if s.recv(65535) == d:
                    ok += 1
            except socket.timeout:
                pass
        print(ok)
    else:
        sys.exit('unknown command: ' + cmd)


if __name__ == '__main__':
    main()
