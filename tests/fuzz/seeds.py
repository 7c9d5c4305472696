#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# seeds.py - Seed corpora for the fuzz harnesses (tests/fuzz/corpus/)
#
# seeds.py pcap FILE OUT   cut a capture of the daemon (pcap = FILE, made by
#                          tests/fuzz/capture.sh) into seeds: the guest's
#                          frames, one seed per conversation and one per
#                          protocol, for frames-<module>, and the same
#                          frames as a QEMU stream for qemu_stream
# seeds.py text OUT        the config files and port specs the tests use,
#                          for conf and fwd_spec, and guest memory images
#                          with well-formed virtqueues for vhost_user
#
# The frames harnesses read records: an operation byte, a 16-bit big-endian
# length, the data (tests/fuzz/fuzz_frames.c). Frames get operation 1
# (checksums fixed up, harmless when they are right already), TCP segments
# acknowledging something operation 2 (acknowledgement number set to what
# the module sent), and each is followed by a turn of the loop (3), so that
# the module answers before the next frame, as it did in the capture. MAC
# addresses are rewritten to the fake core's (tests/unit/fake_core.h).

import glob
import hashlib
import os
import struct
import sys

OUR_MAC_LAB = bytes.fromhex('027061737374')
OUR_MAC_FAKE = bytes.fromhex('9a559a559a55')
GUEST_MAC_FAKE = bytes.fromhex('525400123456')

OP_FRAME_CSUM, OP_FRAME_ACK, OP_TURN, OP_TIME, OP_HOST_CONN = 1, 2, 3, 4, 6
SEEDS_PER_KIND = 12


def pcap_frames(path):
    """Frames of a pcap file (Ethernet link type), in order"""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def l4(frame):
    """(ethertype, proto, l4 offset) of a frame, offset None if none"""
    et = struct.unpack('!H', frame[12:14])[0]
    if et == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0f) * 4
        return et, frame[23], 14 + ihl
    if et == 0x86dd and len(frame) >= 54:
        return et, frame[20], 54
    return et, 0, None


def kind(frame):
    """Harness a guest frame seeds, and a conversation key, or None"""
    et, proto, off = l4(frame)
    if off is None or len(frame) < off + 4:
        return None
    sport, dport = struct.unpack('!HH', frame[off:off + 4])
    if proto == 17:
        if (et == 0x0800 and dport == 67) or (et == 0x86dd and dport == 547):
            return 'frames-dhcp', (et, dport)
        return 'frames-udp', (et, sport, dport)
    if proto == 6:
        return 'frames-tcp', (et, sport, dport)
    if proto == 1 or proto == 58:
        t = frame[off]
        if proto == 58 and 133 <= t <= 137:
            return 'frames-ndp', (et, t)
        if t in (8, 128):
            return 'frames-icmp', (et,)
    return None


def record(op, data):
    return struct.pack('!BH', op, len(data)) + data


def frame_records(frames, harness):
    out = b''
    for f in frames:
        op = OP_FRAME_CSUM
        if harness == 'frames-tcp':
            _, _, off = l4(f)
            flags = f[off + 13]
            if flags & 0x10 and not flags & 0x02:
                op = OP_FRAME_ACK
        out += record(op, f) + record(OP_TURN, b'')
    return out


def write_seed(out, harness, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def from_pcap(path, out):
    guest = []
    for f in pcap_frames(path):
        if len(f) < 14 or f[6:12] == OUR_MAC_LAB:
            continue
        f = bytearray(f)
        f[6:12] = GUEST_MAC_FAKE
        if f[0:6] == OUR_MAC_LAB:
            f[0:6] = OUR_MAC_FAKE
        guest.append(bytes(f))

    by_kind, convs = {}, {}
    for f in guest:
        k = kind(f)
        if k is None:
            continue
        by_kind.setdefault(k[0], []).append(f)
        convs.setdefault(k, []).append(f)

    for h, frames in by_kind.items():
        # Connections from the host: the harness opens one first
        pre = b''
        if h == 'frames-tcp':
            pre = record(OP_HOST_CONN, b'\x00') + record(OP_TURN, b'')
        elif h == 'frames-udp':
            pre = record(OP_HOST_CONN, b'\x01hello') + record(OP_TURN, b'')
        write_seed(out, h, frame_records(frames, h) +
                   record(OP_TIME, struct.pack('!H', 5000)))
        write_seed(out, h, pre + frame_records(frames[:8], h))
    n = {}
    for (h, _), frames in convs.items():
        if n.get(h, 0) >= SEEDS_PER_KIND:
            continue
        n[h] = n.get(h, 0) + 1
        write_seed(out, h, frame_records(frames, h))

    # qemu_stream: chunk size and flags (tests/fuzz/fuzz_qemu_stream.c),
    # then the stream
    stream = b''.join(struct.pack('!I', len(f)) + f for f in guest)
    write_seed(out, 'qemu_stream', b'\x3f\x01' + stream[:60000])
    write_seed(out, 'qemu_stream', b'\xff\x02' + b''.join(
        struct.pack('!I', len(f)) + f for f in guest[:4]))
    for h in sorted(by_kind):
        print('%s: %d frames' % (h, len(by_kind[h])))


SPECS = [
    '8080:80', '80', '1-1024', '5000-5010', '22,80,443', '~22', 'all',
    'auto', '127.0.0.1/8080:80', '::1/22', '10.0.0.1%eth0/53',
    '2001:db8::1/1000-2000:3000-4000', '~1-1023', 'all,~22',
    '%lo/80', '0.0.0.0/443', '[::]/80',
]


VU_GPA = 0x40000000


def vu_desc(addr, length, flags, nxt):
    return struct.pack('<QIHH', addr, length, flags, nxt)


def vhost_seed(order, flags, tx_chains, rx_bufs):
    """A guest memory image for fuzz_vhost_user.c: ring size 1 << order"""
    mem = bytearray(0x4000)
    buf = 0x4000
    data = bytearray()
    # Transmit queue at 0x2000: chains of (header + frame) split as given
    desc, heads, i = bytearray(), [], 0
    for parts in tx_chains:
        heads.append(i)
        for k, n in enumerate(parts):
            last = k == len(parts) - 1
            desc += vu_desc(VU_GPA + buf + len(data), n, 0 if last else 1,
                            0 if last else i + 1)
            data += bytes((0x11 * (i + 1)) & 0xff for _ in range(n))
            i += 1
    mem[0x2000:0x2000 + len(desc)] = desc
    mem[0x3000:0x3004] = struct.pack('<HH', 0, len(heads))
    for k, h in enumerate(heads):
        mem[0x3004 + 2 * k:0x3006 + 2 * k] = struct.pack('<H', h)
    # Receive queue at 0: writable buffers, one chain each
    desc = bytearray()
    for k, n in enumerate(rx_bufs):
        desc += vu_desc(VU_GPA + buf + len(data) + 0x100 * k, n, 2, 0)
    mem[0:len(desc)] = desc
    mem[0x1000:0x1004] = struct.pack('<HH', 0, len(rx_bufs))
    for k in range(len(rx_bufs)):
        mem[0x1004 + 2 * k:0x1006 + 2 * k] = struct.pack('<H', k)
    return bytes([order | flags]) + bytes(mem) + bytes(data)


def from_text(top, out):
    # vhost_user: byte 0 (ring size, features, frames to send), then memory
    write_seed(out, 'vhost_user', vhost_seed(
        3, 8 | 16 | (3 << 5), [[12 + 60], [12, 60], [12, 20, 40]],
        [2048, 2048, 2048, 2048]))
    write_seed(out, 'vhost_user', vhost_seed(
        4, 8 | (2 << 5), [[12 + 1514], [12 + 14, 1500]], [1526, 1526]))
    write_seed(out, 'vhost_user', vhost_seed(
        0, 16 | (1 << 5), [[10 + 60]], [100]))
    for p in [os.path.join(top, 'etc', 'passt.conf')] + sorted(
            glob.glob(os.path.join(top, 'tests', 'integration', 'config',
                                   '*.conf'))):
        with open(p, 'rb') as f:
            write_seed(out, 'conf', f.read())
    # fwd_spec: byte 0 picks protocol and pif (tests/fuzz/fuzz_fwd_spec.c)
    for i, s in enumerate(SPECS):
        write_seed(out, 'fwd_spec', bytes([i % 4]) + s.encode())
    write_seed(out, 'fwd_spec', b'\x00' + '\n'.join(SPECS[:6]).encode())


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'pcap':
        from_pcap(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == 'text':
        top = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           '..', '..')
        from_text(top, sys.argv[2])
    else:
        sys.exit('usage: seeds.py pcap FILE OUT | seeds.py text OUT')


if __name__ == '__main__':
    main()
