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
#                          for conf and fwd_spec, guest memory images
#                          with well-formed virtqueues for vhost_user, and
#                          vhost-user sessions for vhost_msg: QEMU's and
#                          DPDK's order of messages (as observed, see
#                          /work/shared/tools/README-vhost-user.md), guest
#                          reboot, reconnect, RESET_OWNER, hostile tables
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


# vhost_msg records (tests/fuzz/fuzz_vhost_msg.c): an operation byte, then
# its arguments; descriptors are named by the harness's table
(VM_OP_MSG, VM_OP_RAW, VM_OP_KICK, VM_OP_SEND, VM_OP_MEM, VM_OP_RECONNECT,
 VM_OP_HUP, VM_OP_SECOND, VM_OP_DEFER) = range(9)
(VM_FD_MEM, VM_FD_SMALL, VM_FD_EMPTY, VM_FD_EVT0, VM_FD_EVT1, VM_FD_PIPE_R,
 VM_FD_PIPE_W, VM_FD_RDONLY) = range(8)
VM_MEM = 0x10000
VM_GPA = VU_GPA                     # the harness's guest-physical base
VM_UVA_QEMU = 0x7f1234560000      # QEMU: frontend addresses are not gpa
VM_FEATURES = 0x140008000
VM_F, VM_NEED_REPLY = 1, 9          # header flags: version, + NEED_REPLY
(GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE,
 SET_LOG_BASE) = 1, 2, 3, 4, 5, 6
(SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE,
 SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR, GET_PROTOCOL_FEATURES,
 SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE) = range(8, 19)


def vm_msg(req, payload=b'', fds=(), flags=VM_F):
    return (bytes([VM_OP_MSG, req, flags, len(fds)]) + bytes(fds) +
            struct.pack('<H', len(payload)) + payload)


def vm_u64(req, v, fds=(), flags=VM_F):
    return vm_msg(req, struct.pack('<Q', v), fds, flags)


def vm_state(req, q, num, flags=VM_F):
    return vm_msg(req, struct.pack('<II', q, num), (), flags)


def vm_table(regions, fds=None, flags=VM_NEED_REPLY):
    """SET_MEM_TABLE: regions of (gpa, size, uva, offset)"""
    p = struct.pack('<II', len(regions), 0)
    for r in regions:
        p += struct.pack('<QQQQ', *r)
    return vm_msg(SET_MEM_TABLE, p, fds or [VM_FD_MEM] * len(regions), flags)


def vm_ring(q, uva):
    """NUM, BASE, ADDR (the harness's layout), KICK, as frontends send"""
    base = uva + q * 0x2000
    addr = struct.pack('<IIQQQQ', q, 0, base, base + 0x1400, base + 0x1000,
                       0)
    return (vm_state(SET_VRING_NUM, q, 256) + vm_state(SET_VRING_BASE, q, 0) +
            vm_msg(SET_VRING_ADDR, addr, (), VM_NEED_REPLY) +
            vm_u64(SET_VRING_KICK, q, [VM_FD_EVT0]))


def vm_traffic():
    """The guest sends its two chains, then gets three frames"""
    return (bytes([VM_OP_KICK, 0, VM_OP_DEFER, VM_OP_SEND, 2]) +
            struct.pack('<HHH', 60, 1514, 342))


def vm_qemu_start():
    """QEMU 7.2 at start, before the guest runs"""
    b = (vm_msg(GET_FEATURES) + vm_msg(GET_PROTOCOL_FEATURES) +
         vm_u64(SET_PROTOCOL_FEATURES, 8) + vm_msg(SET_OWNER) +
         vm_msg(GET_FEATURES))
    for q in (0, 1):
        b += (vm_u64(SET_VRING_CALL, q, [VM_FD_EVT1]) +
              vm_u64(SET_VRING_ERR, q, [VM_FD_EVT1]))
    for i in range(8):
        b += vm_state(SET_VRING_ENABLE, i % 2, 1)
    return b


def vm_qemu_driver_ok():
    """QEMU 7.2 when the guest's driver is ready"""
    b = (vm_u64(SET_FEATURES, VM_FEATURES) +
         vm_table([(VM_GPA, VM_MEM, VM_UVA_QEMU, 0)]))
    for q in (0, 1):
        b += vm_ring(q, VM_UVA_QEMU) + vm_u64(SET_VRING_CALL, q, [VM_FD_EVT1])
    return b + vm_state(SET_VRING_ENABLE, 0, 1) + \
        vm_state(SET_VRING_ENABLE, 1, 1)


def vm_qemu_stop():
    """QEMU 7.2 at the guest's power-off or reset"""
    return (vm_state(GET_VRING_BASE, 0, 0) + vm_state(GET_VRING_BASE, 1, 0) +
            vm_state(SET_VRING_ENABLE, 0, 0))


def vm_dpdk():
    """DPDK virtio_user: SET_OWNER first, calls before features, no ERR,
    one region whose guest-physical and virtual addresses are equal"""
    b = (vm_msg(SET_OWNER) + vm_msg(GET_FEATURES) +
         vm_u64(SET_VRING_CALL, 0, [VM_FD_EVT1]) +
         vm_u64(SET_VRING_CALL, 1, [VM_FD_EVT1]) +
         vm_u64(SET_FEATURES, VM_FEATURES) + vm_msg(GET_PROTOCOL_FEATURES) +
         vm_u64(SET_PROTOCOL_FEATURES, 8) +
         vm_table([(VM_GPA, VM_MEM, VM_GPA, 0)]))
    for q in (0, 1):
        b += vm_ring(q, VM_GPA)
    b += vm_state(SET_VRING_ENABLE, 0, 1) + vm_state(SET_VRING_ENABLE, 1, 1)
    b += vm_traffic()
    return (b + vm_state(SET_VRING_ENABLE, 0, 0) +
            vm_state(SET_VRING_ENABLE, 1, 0) +
            vm_state(GET_VRING_BASE, 0, 0) + vm_state(GET_VRING_BASE, 1, 0))


def vm_hostile():
    """Tables larger than their files, stray and surplus descriptors"""
    return (vm_table([(VM_GPA, VM_MEM, VM_UVA_QEMU, 0)], [VM_FD_SMALL]) +
            vm_table([(VM_GPA, 1 << 30, VM_UVA_QEMU, 0)], [VM_FD_SMALL]) +
            vm_table([(VM_GPA, 0x1000, VM_UVA_QEMU, (1 << 64) - 0x800)]) +
            vm_table([(VM_GPA, 0x1000, VM_UVA_QEMU, 0)], [VM_FD_EMPTY]) +
            vm_table([(VM_GPA, 0x1000, VM_UVA_QEMU, 0)], [VM_FD_RDONLY]) +
            vm_table([(VM_GPA, 0x1000, VM_UVA_QEMU, 0)], [VM_FD_EVT0]) +
            vm_table([(VM_GPA, 0x1000, VM_UVA_QEMU, 0)],
                     [VM_FD_MEM, VM_FD_MEM]) +
            vm_msg(SET_LOG_BASE, struct.pack('<QQ', VM_MEM, 0), [VM_FD_MEM],
                   VM_NEED_REPLY) +
            vm_msg(SET_OWNER, b'', [VM_FD_EVT0], VM_NEED_REPLY) +
            vm_u64(SET_VRING_CALL, 1, [VM_FD_EVT0, VM_FD_EVT1],
                   VM_NEED_REPLY) +
            vm_u64(SET_VRING_KICK, 1 | 1 << 8, [VM_FD_PIPE_R],
                   VM_NEED_REPLY) +
            vm_u64(SET_VRING_KICK, 1, [VM_FD_PIPE_W], VM_NEED_REPLY) +
            vm_state(SET_VRING_NUM, 1, 255, VM_NEED_REPLY) +
            vm_msg(SET_VRING_ADDR, struct.pack('<IIQQQQ', 1, 0, 8, 0, 0, 0),
                   (), VM_NEED_REPLY) +
            vm_state(GET_VRING_BASE, 1, 0) +
            vm_msg(GET_FEATURES, b'', [VM_FD_EVT0] * 9))


def vhost_msg_seeds():
    """Sessions as QEMU and DPDK run them, and hostile ones"""
    qemu = vm_qemu_start() + vm_qemu_driver_ok()
    more_tx = (bytes([VM_OP_MEM]) + struct.pack('<HB', 0x2000 + 3 * 16, 16) +
               struct.pack('<QIHH', VM_GPA + 0xa000, 12 + 1500, 0, 0) +
               bytes([VM_OP_MEM]) + struct.pack('<HB', 0x3000 + 2, 4) +
               struct.pack('<HH', 3, 3) + bytes([VM_OP_KICK, 0]))
    return [
        qemu + vm_traffic() + more_tx + vm_qemu_stop(),
        qemu + vm_traffic() + vm_qemu_stop() + vm_qemu_driver_ok() +
        vm_traffic(),
        vm_dpdk(),
        qemu + vm_traffic() + bytes([VM_OP_RECONNECT]) + qemu + vm_traffic(),
        qemu + vm_msg(RESET_OWNER) + vm_qemu_driver_ok() + vm_traffic() +
        bytes([VM_OP_HUP]) + vm_dpdk(),
        vm_hostile() + qemu + vm_traffic(),
        vm_msg(GET_FEATURES) + vm_u64(SET_FEATURES, 0x100008000) +
        vm_table([(VM_GPA, VM_MEM, VM_UVA_QEMU, 0)], None, VM_F) +
        vm_ring(0, VM_UVA_QEMU) + vm_ring(1, VM_UVA_QEMU) + vm_traffic() +
        vm_msg(GET_QUEUE_NUM),
        bytes([VM_OP_RAW, 5]) + struct.pack('<III', GET_FEATURES, 1, 0)[:5] +
        bytes([VM_OP_RAW, 7]) + struct.pack('<III', GET_FEATURES, 1, 0)[5:] +
        bytes([VM_OP_SECOND]) + qemu + bytes([VM_OP_SECOND, VM_OP_HUP]) +
        qemu + vm_traffic(),
    ]


def from_text(top, out):
    # vhost_user: byte 0 (ring size, features, frames to send), then memory
    write_seed(out, 'vhost_user', vhost_seed(
        3, 8 | 16 | (3 << 5), [[12 + 60], [12, 60], [12, 20, 40]],
        [2048, 2048, 2048, 2048]))
    write_seed(out, 'vhost_user', vhost_seed(
        4, 8 | (2 << 5), [[12 + 1514], [12 + 14, 1500]], [1526, 1526]))
    write_seed(out, 'vhost_user', vhost_seed(
        0, 16 | (1 << 5), [[10 + 60]], [100]))
    for seed in vhost_msg_seeds():
        write_seed(out, 'vhost_msg', seed)
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
