// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vhost_msg.c - vhost-user messages: a hostile frontend on the control
 * socket, with descriptors, through the backend's own message handling
 *
 * The backend runs on the fake core, listening on a socket in a temporary
 * directory. Each input is one or more frontend connections: the harness
 * connects as QEMU or DPDK would, sends messages with descriptors attached
 * (SCM_RIGHTS) and lets the backend read them exactly as the event loop
 * would (on_fd() on its connection), so the framing, descriptor handling
 * and every handler run as in the daemon: no seam is needed.
 *
 * Descriptors the harness can attach, chosen by input bytes: the guest's
 * memory (a 64 KiB memfd, with both queues laid out in it), a 4 KiB and an
 * empty memfd, two eventfds, both ends of a pipe, and the guest's memfd
 * reopened read-only. The backend receives its own copies, so the
 * harness's stay open and may be sent again.
 *
 * Input: records, each starting with an operation byte (modulo FUZZ_VM_OPS)
 * - 0, message: request (u8), header flags (u8), descriptor count (low four
 *   bits: up to 15, more than a message may carry), one byte per descriptor
 *   (which one), payload size (u16, little-endian), payload
 * - 1, raw bytes: length (u8), bytes (framing in pieces, or broken: replies
 *   are then only checked for form until the next connection)
 * - 2, kick: a byte choosing epoll events; every kick descriptor the backend
 *   watches gets them, after the eventfds and the pipe were written
 * - 3, frames to the guest: count (u8, 1 to 4), then a u16 length each
 * - 4, guest memory write: offset (u16), length (u8), bytes
 * - 5, disconnect and connect again; 6, hang-up event on the connection
 *   (the backend must drop it), then connect again; 7, a second frontend
 *   connects (it must be turned away); 8, a deferred turn (on_defer())
 * Input runs out mid-record: the record is ignored.
 *
 * The guest's memory starts each input with two queues of 256 entries:
 * receive queue descriptors at 0, available ring at 0x1000, used at 0x1400;
 * transmit queue likewise at 0x2000, 0x3000, 0x3400; buffers from 0x4000.
 * Guest-physical address FUZZ_VM_GPA + offset. Eight receive buffers and two
 * transmit chains are available. A session naming those addresses runs
 * frames both ways; any other one gets refused or breaks the rings.
 *
 * Findings besides crashes and sanitizer reports:
 * - after a message that keeps the framing, not exactly one reply when one
 *   is due (GET_* requests, NEED_REPLY) or any when none is, or the
 *   connection dropped; after one that breaks it, the connection kept;
 * - a reply that is not a reply header for that request with an eight-byte
 *   payload, a REPLY_ACK status other than 0 or 1, a feature set other
 *   than the offered one (or 0 for a malformed request), a GET_VRING_BASE
 *   answer for another queue, descriptors attached to a reply;
 * - a descriptor added to the event loop twice, removed without being
 *   watched, closed while watched, or still watched once the frontend is
 *   gone (other than the listening socket);
 * - any file descriptor open after an input that wasn't before it;
 * - a frame to the core longer than VU_FRAME_MAX; a core service misused.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "fake_core.h"
#include "vu_mem.h"
#include "vu_net.h"
#include "vu_ring.h"

extern const struct passt_module passt_module;

#define FUZZ_VM_MEM		(64UL << 10)
#define FUZZ_VM_SMALL		4096
#define FUZZ_VM_GPA		0x40000000ULL
#define FUZZ_VM_Q_STRIDE	0x2000UL
#define FUZZ_VM_AVAIL_OFF	0x1000UL
#define FUZZ_VM_USED_OFF	0x1400UL
#define FUZZ_VM_BUF_OFF		0x4000UL
#define FUZZ_VM_NUM		256
#define FUZZ_VM_PAYLOAD_MAX	4200	/* past the backend's 4096 */
#define FUZZ_VM_SEND_FDS	15	/* past the backend's 8 */
#define FUZZ_VM_WATCH_MAX	64

/* The backend's kinds of watched descriptor (vhost_user.c) */
#define FUZZ_VM_FD_LISTEN	1
#define FUZZ_VM_FD_CONN		2
#define FUZZ_VM_FD_KICK		3

/* Protocol numbers, written out from the specification */
#define FUZZ_VM_VERSION		1
#define FUZZ_VM_REPLY		4
#define FUZZ_VM_NEED_REPLY	8
#define FUZZ_VM_GET_FEATURES	1
#define FUZZ_VM_GET_VRING_BASE	11
#define FUZZ_VM_GET_PROTO	15
#define FUZZ_VM_GET_QUEUE_NUM	17
#define FUZZ_VM_FEATURES	0x140008003ULL
#define FUZZ_VM_PROTO		0x8ULL

/**
 * enum fuzz_vm_op - Operations of the input, see the top of the file
 */
enum fuzz_vm_op {
	FUZZ_VM_OP_MSG,
	FUZZ_VM_OP_RAW,
	FUZZ_VM_OP_KICK,
	FUZZ_VM_OP_SEND,
	FUZZ_VM_OP_MEM,
	FUZZ_VM_OP_RECONNECT,
	FUZZ_VM_OP_HUP,
	FUZZ_VM_OP_SECOND,
	FUZZ_VM_OP_DEFER,
	FUZZ_VM_OPS
};

/**
 * enum fuzz_vm_fd - Descriptors the harness attaches to messages
 */
enum fuzz_vm_fd {
	FUZZ_VM_FD_MEM,		/* the guest's memory */
	FUZZ_VM_FD_SMALL,	/* a 4 KiB memfd */
	FUZZ_VM_FD_EMPTY,	/* an empty memfd */
	FUZZ_VM_FD_EVT0,
	FUZZ_VM_FD_EVT1,
	FUZZ_VM_FD_PIPE_R,
	FUZZ_VM_FD_PIPE_W,
	FUZZ_VM_FD_RDONLY,	/* the guest's memory, read-only */
	FUZZ_VM_FDS
};

/**
 * struct fuzz_vm_watch - A descriptor the backend asked the loop to watch
 * @fd:		Descriptor
 * @type:	Backend's kind of descriptor
 * @data:	Backend's data
 */
struct fuzz_vm_watch {
	int fd;
	uint8_t type;
	uint32_t data;
};

/**
 * struct fuzz_vm - The harness
 * @dir:	Temporary directory of the socket
 * @path:	Socket path
 * @m:		The backend, loaded in the fake core
 * @ops:	The fake core's services, fd_add() and fd_del() tracked
 * @fds:	Descriptors to attach, enum fuzz_vm_fd
 * @base:	Our mapping of the guest's memory
 * @sk:		Our end of the connection, or -1
 * @framed:	Our messages and the backend's reading are in step (no raw
 *		bytes sent on this connection): reply counts are known
 * @watch:	Descriptors watched now
 * @nwatch:	Number of entries in @watch
 * @open_fds:	Descriptors open before the input
 */
static struct fuzz_vm {
	char dir[32];
	char path[64];
	struct passt_mod *m;
	struct passt_core_ops ops;
	int fds[FUZZ_VM_FDS];
	uint8_t *base;
	int sk;
	bool framed;
	struct fuzz_vm_watch watch[FUZZ_VM_WATCH_MAX];
	unsigned int nwatch;
	struct fuzz_fds open_fds;
} v = { .sk = -1 };

/**
 * fuzz_vm_watched() - Find a watched descriptor
 * @fd:		Descriptor
 *
 * Return: its index in v.watch, or -1
 */
static int fuzz_vm_watched(int fd)
{
	unsigned int i;

	for (i = 0; i < v.nwatch; i++)
		if (v.watch[i].fd == fd)
			return (int)i;
	return -1;
}

/**
 * fuzz_vm_find() - Find the watched descriptor of a kind
 * @type:	Backend's kind
 * @from:	Index to start from
 *
 * Return: its index in v.watch, or -1
 */
static int fuzz_vm_find(uint8_t type, unsigned int from)
{
	unsigned int i;

	for (i = from; i < v.nwatch; i++)
		if (v.watch[i].type == type)
			return (int)i;
	return -1;
}

/**
 * fuzz_vm_fd_add() - fd_add(), tracked: never twice
 * @m:		Backend
 * @fd:		Descriptor
 * @events:	epoll events
 * @type:	Backend's kind of descriptor
 * @data:	Backend's data
 *
 * Return: what the fake core returns
 */
static int fuzz_vm_fd_add(struct passt_mod *m, int fd, uint32_t events,
			  uint8_t type, uint32_t data)
{
	if (fuzz_vm_watched(fd) >= 0)
		fuzz_fail("descriptor %d added to the loop twice", fd);
	if (fcntl(fd, F_GETFD) < 0)
		fuzz_fail("descriptor %d added to the loop, but not open", fd);
	if (v.nwatch == FUZZ_VM_WATCH_MAX)
		fuzz_fail("more than %u descriptors watched", v.nwatch);
	v.watch[v.nwatch].fd = fd;
	v.watch[v.nwatch].type = type;
	v.watch[v.nwatch].data = data;
	v.nwatch++;
	return fake_core_ops.fd_add(m, fd, events, type, data);
}

/**
 * fuzz_vm_fd_del() - fd_del(), tracked: only what is watched
 * @m:		Backend
 * @fd:		Descriptor
 */
static void fuzz_vm_fd_del(struct passt_mod *m, int fd)
{
	int i = fuzz_vm_watched(fd);

	if (i < 0)
		fuzz_fail("descriptor %d removed from the loop, not watched",
			  fd);
	v.watch[i] = v.watch[--v.nwatch];
	fake_core_ops.fd_del(m, fd);
}

/**
 * fuzz_vm_from_guest() - from_guest(), each frame's length checked
 * @m:		Backend
 * @f:		Frames
 * @n:		Number of frames
 *
 * Return: what the fake core returns
 */
static int fuzz_vm_from_guest(struct passt_mod *m, const struct passt_frame *f,
			      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].len > VU_FRAME_MAX)
			fuzz_fail("frame of %zu bytes from the guest",
				  f[i].len);
	return fake_core_ops.from_guest(m, f, n);
}

/**
 * fuzz_vm_watch_check() - Every watched descriptor must still be open
 */
static void fuzz_vm_watch_check(void)
{
	unsigned int i;

	for (i = 0; i < v.nwatch; i++)
		if (fcntl(v.watch[i].fd, F_GETFD) < 0)
			fuzz_fail("descriptor %d (kind %u) closed while "
				  "watched", v.watch[i].fd, v.watch[i].type);
}

/**
 * fuzz_vm_cleanup() - Remove the socket and its directory at exit
 */
static void fuzz_vm_cleanup(void)
{
	unlink(v.path);
	rmdir(v.dir);
}

/**
 * fuzz_vm_memfd() - A memfd of a given size
 * @size:	Size
 *
 * Return: the memfd
 */
static int fuzz_vm_memfd(size_t size)
{
	int fd = memfd_create("fuzz-vu-msg", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		fuzz_fail("memfd: %s", strerror(errno));
	return fd;
}

/**
 * LLVMFuzzerInitialize() - Descriptors, the guest's memory, the backend
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char proc[64];
	int p[2];

	(void)argc;
	(void)argv;
	fuzz_quiet();

	v.fds[FUZZ_VM_FD_MEM] = fuzz_vm_memfd(FUZZ_VM_MEM);
	v.fds[FUZZ_VM_FD_SMALL] = fuzz_vm_memfd(FUZZ_VM_SMALL);
	v.fds[FUZZ_VM_FD_EMPTY] = fuzz_vm_memfd(0);
	v.fds[FUZZ_VM_FD_EVT0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	v.fds[FUZZ_VM_FD_EVT1] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		fuzz_fail("pipe: %s", strerror(errno));
	v.fds[FUZZ_VM_FD_PIPE_R] = p[0];
	v.fds[FUZZ_VM_FD_PIPE_W] = p[1];
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d",
		       v.fds[FUZZ_VM_FD_MEM]);
	v.fds[FUZZ_VM_FD_RDONLY] = open(proc, O_RDONLY | O_CLOEXEC);
	if (v.fds[FUZZ_VM_FD_EVT0] < 0 || v.fds[FUZZ_VM_FD_EVT1] < 0 ||
	    v.fds[FUZZ_VM_FD_RDONLY] < 0)
		fuzz_fail("descriptors: %s", strerror(errno));

	v.base = mmap(NULL, FUZZ_VM_MEM, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v.fds[FUZZ_VM_FD_MEM], 0);
	if (v.base == MAP_FAILED)
		fuzz_fail("mmap: %s", strerror(errno));

	(void)snprintf(v.dir, sizeof(v.dir), "/tmp/fuzz-vu-msg.XXXXXX");
	if (!mkdtemp(v.dir))
		fuzz_fail("mkdtemp: %s", strerror(errno));
	(void)snprintf(v.path, sizeof(v.path), "%s/vu.sock", v.dir);
	atexit(fuzz_vm_cleanup);

	v.m = fake_core_load(&passt_module);
	v.ops = fake_core_ops;
	v.ops.fd_add = fuzz_vm_fd_add;
	v.ops.fd_del = fuzz_vm_fd_del;
	v.ops.from_guest = fuzz_vm_from_guest;
	/* The backend reaches the core through passt_core(m): ours */
	((struct passt_mod_head *)(void *)v.m)->core = &v.ops;
	fake_core_cfg_set_str("socket", v.path);
	if (fake_core_configure(v.m) || fake_core_init(v.m))
		fuzz_fail("vhost_user: configure or init failed");
	if (fuzz_vm_find(FUZZ_VM_FD_LISTEN, 0) < 0)
		fuzz_fail("vhost_user: no listening socket watched");
	return 0;
}

/**
 * fuzz_vm_desc() - Write a descriptor into the guest's memory
 * @off:	Offset of the descriptor table
 * @i:		Index
 * @buf:	Offset of the buffer
 * @len:	Its length
 * @flags:	VU_DESC_F_*
 * @next:	Next index
 */
static void fuzz_vm_desc(size_t off, unsigned int i, size_t buf, uint32_t len,
			 uint16_t flags, uint16_t next)
{
	struct vu_desc d = { FUZZ_VM_GPA + buf, len, flags, next };

	memcpy(v.base + off + i * sizeof(d), &d, sizeof(d));
}

/**
 * fuzz_vm_avail() - Make chains available in the guest's memory
 * @off:	Offset of the available ring
 * @heads:	Heads of the chains
 * @n:		How many
 */
static void fuzz_vm_avail(size_t off, const uint16_t *heads, uint16_t n)
{
	uint16_t hdr[2] = { 0, n };

	memcpy(v.base + off, hdr, sizeof(hdr));
	memcpy(v.base + off + sizeof(hdr), heads, n * sizeof(*heads));
}

/**
 * fuzz_vm_guest() - The guest's memory as its driver leaves it at start
 */
static void fuzz_vm_guest(void)
{
	static const uint16_t rx[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint16_t tx[2] = { 0, 1 };
	size_t t = FUZZ_VM_Q_STRIDE;
	unsigned int i;

	memset(v.base, 0, FUZZ_VM_MEM);
	for (i = 0; i < 8; i++)
		fuzz_vm_desc(0, i, FUZZ_VM_BUF_OFF + i * 0x800, 0x800,
			     VU_DESC_F_WRITE, 0);
	fuzz_vm_avail(FUZZ_VM_AVAIL_OFF, rx, 8);

	/* A frame in one buffer; then a header and a frame, chained */
	fuzz_vm_desc(t, 0, 0x8000, 12 + 60, 0, 0);
	fuzz_vm_desc(t, 1, 0x9000, 12, VU_DESC_F_NEXT, 2);
	fuzz_vm_desc(t, 2, 0x9100, 100, 0, 0);
	memset(v.base + 0x8000 + 12, 0x11, 60);
	memset(v.base + 0x9100, 0x22, 100);
	fuzz_vm_avail(t + FUZZ_VM_AVAIL_OFF, tx, 2);
}

/**
 * fuzz_vm_drain() - Empty the eventfds and the pipe
 */
static void fuzz_vm_drain(void)
{
	uint8_t buf[512];
	uint64_t x;

	(void)!read(v.fds[FUZZ_VM_FD_EVT0], &x, sizeof(x));
	(void)!read(v.fds[FUZZ_VM_FD_EVT1], &x, sizeof(x));
	while (read(v.fds[FUZZ_VM_FD_PIPE_R], buf, sizeof(buf)) > 0)
		;
}

/**
 * fuzz_vm_alive() - Whether the backend still has our connection
 *
 * Return: its index in v.watch, or -1
 */
static int fuzz_vm_alive(void)
{
	return fuzz_vm_find(FUZZ_VM_FD_CONN, 0);
}

/**
 * fuzz_vm_pump() - Let the backend handle what is on its connection
 * @events:	epoll events to deliver
 */
static void fuzz_vm_pump(uint32_t events)
{
	int c = fuzz_vm_alive();

	if (c < 0)
		return;
	passt_module.on_fd(v.m, FUZZ_VM_FD_CONN, v.watch[c].fd,
			   v.watch[c].data, events, fake_core_now());
	fuzz_vm_watch_check();
}

/**
 * fuzz_vm_connect() - Connect as a frontend, let the backend accept
 *
 * Return: our socket
 */
static int fuzz_vm_connect(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = fuzz_vm_find(FUZZ_VM_FD_LISTEN, 0), sk;

	if (l < 0)
		fuzz_fail("the listening socket is no longer watched");
	memcpy(a.sun_path, v.path, strlen(v.path) + 1);
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0 || connect(sk, (struct sockaddr *)&a, sizeof(a)))
		fuzz_fail("connect: %s", strerror(errno));
	passt_module.on_fd(v.m, FUZZ_VM_FD_LISTEN, v.watch[l].fd,
			   v.watch[l].data, EPOLLIN, fake_core_now());
	return sk;
}

/**
 * fuzz_vm_hang_up() - Close our end, let the backend see it
 */
static void fuzz_vm_hang_up(void)
{
	if (v.sk < 0)
		return;
	close(v.sk);
	v.sk = -1;
	fuzz_vm_pump(EPOLLIN | EPOLLRDHUP | EPOLLHUP);
	if (fuzz_vm_alive() >= 0)
		fuzz_fail("the frontend closed its end: still connected");
}

/**
 * fuzz_vm_ensure() - Be connected: again, if the backend dropped us
 */
static void fuzz_vm_ensure(void)
{
	if (v.sk >= 0 && fuzz_vm_alive() >= 0)
		return;
	fuzz_vm_hang_up();
	v.sk = fuzz_vm_connect();
	v.framed = true;
	if (fuzz_vm_alive() < 0)
		fuzz_fail("a frontend connected, the backend doesn't watch it");
}

/**
 * fuzz_vm_check_reply() - Check the form and value of one reply
 * @hdr:	Its header
 * @val:	Its payload
 * @req:	Request it answers, if known (else -1)
 * @msg:	That request's payload, if it reached its handler (else NULL)
 * @size:	Its size
 */
static void fuzz_vm_check_reply(const uint32_t *hdr, uint64_t val, int req,
				const uint8_t *msg, size_t size)
{
	uint32_t st[2];

	if (hdr[1] != (FUZZ_VM_VERSION | FUZZ_VM_REPLY) || hdr[2] != 8)
		fuzz_fail("reply to %u: flags %#x, %u bytes", hdr[0], hdr[1],
			  hdr[2]);
	if (req < 0)
		return;
	if (hdr[0] != (uint32_t)req)
		fuzz_fail("reply to %u, but %d was sent", hdr[0], req);

	switch (req) {
	case FUZZ_VM_GET_FEATURES:
		if (val != FUZZ_VM_FEATURES && val)
			fuzz_fail("features %#llx", (unsigned long long)val);
		break;
	case FUZZ_VM_GET_PROTO:
		if (val != FUZZ_VM_PROTO && val)
			fuzz_fail("protocol features %#llx",
				  (unsigned long long)val);
		break;
	case FUZZ_VM_GET_QUEUE_NUM:
		if (val > 1)
			fuzz_fail("%llu queues", (unsigned long long)val);
		break;
	case FUZZ_VM_GET_VRING_BASE:
		memcpy(st, &val, sizeof(st));
		if (msg && size == 8 && memcmp(st, msg, 4))
			fuzz_fail("GET_VRING_BASE answered for queue %u",
				  st[0]);
		if (st[1] > UINT16_MAX)
			fuzz_fail("GET_VRING_BASE: index %u", st[1]);
		break;
	default:
		if (val > 1)
			fuzz_fail("REPLY_ACK status %llu to %d",
				  (unsigned long long)val, req);
	}
}

/**
 * fuzz_vm_replies() - Read and check the replies waiting for us
 * @req:	Request they answer, if known (else -1)
 * @msg:	That request's payload, if it reached its handler (else NULL)
 * @size:	Its size
 *
 * Return: how many there were
 */
static unsigned int fuzz_vm_replies(int req, const uint8_t *msg, size_t size)
{
	unsigned int n = 0;

	if (v.sk < 0)
		return 0;
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 8)];
			struct cmsghdr align;
		} ctl;
		uint8_t r[12 + 8];
		struct iovec iov = { r, sizeof(r) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		uint32_t hdr[3];
		uint64_t val;
		ssize_t rc;

		rc = recvmsg(v.sk, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (rc <= 0)
			break;
		if (mh.msg_controllen || (mh.msg_flags & MSG_CTRUNC))
			fuzz_fail("descriptors attached to a reply");
		/* Every reply is 20 bytes, sent at once */
		if (rc != sizeof(r))
			fuzz_fail("reply of %zd bytes", rc);
		memcpy(hdr, r, sizeof(hdr));
		memcpy(&val, r + sizeof(hdr), sizeof(val));
		fuzz_vm_check_reply(hdr, val, v.framed ? req : -1, msg, size);
		n++;
	}
	return n;
}

/**
 * fuzz_vm_send() - Send bytes with descriptors on our connection
 * @buf:	Bytes
 * @len:	How many
 * @fds:	Descriptors
 * @nfds:	How many
 */
static void fuzz_vm_send(const void *buf, size_t len, const int *fds,
			 unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * FUZZ_VM_SEND_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t rc;

	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	rc = sendmsg(v.sk, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (rc != (ssize_t)len)
		fuzz_fail("sendmsg of %zu bytes: %zd (%s)", len, rc,
			  strerror(errno));
}

/**
 * fuzz_vm_msg() - Operation: one message, and what must come of it
 * @p:		Record, after the operation byte
 * @end:	End of the input
 *
 * Return: the end of the record, or NULL if the input ended in it
 */
static const uint8_t *fuzz_vm_msg(const uint8_t *p, const uint8_t *end)
{
	static uint8_t msg[12 + FUZZ_VM_PAYLOAD_MAX];
	int fds[FUZZ_VM_SEND_FDS];
	unsigned int nfds, i, n;
	uint32_t hdr[3];
	bool framing, due;
	uint16_t size;

	if (end - p < 3)
		return NULL;
	hdr[0] = p[0];
	hdr[1] = p[1];
	nfds = p[2] & 0xf;
	p += 3;
	if (end - p < (ptrdiff_t)nfds + 2)
		return NULL;
	for (i = 0; i < nfds; i++)
		fds[i] = v.fds[p[i] % FUZZ_VM_FDS];
	p += nfds;
	memcpy(&size, p, sizeof(size));
	p += sizeof(size);
	if (size > FUZZ_VM_PAYLOAD_MAX)
		size = FUZZ_VM_PAYLOAD_MAX;
	if (end - p < size)
		size = (uint16_t)(end - p);
	hdr[2] = size;
	memcpy(msg, hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), p, size);
	p += size;

	fuzz_vm_ensure();
	fuzz_vm_send(msg, sizeof(hdr) + size, fds, nfds);
	fuzz_vm_pump(EPOLLIN);

	framing = (hdr[1] & 3) == FUZZ_VM_VERSION && size <= 4096 &&
		  nfds <= 8;
	due = hdr[0] == FUZZ_VM_GET_FEATURES || hdr[0] == FUZZ_VM_GET_PROTO ||
	      hdr[0] == FUZZ_VM_GET_QUEUE_NUM ||
	      hdr[0] == FUZZ_VM_GET_VRING_BASE ||
	      (hdr[1] & FUZZ_VM_NEED_REPLY);
	/* A request refused before its handler runs gets a zeroed answer */
	n = fuzz_vm_replies((int)hdr[0], nfds ? NULL : msg + sizeof(hdr),
			    size);
	if (!v.framed)
		return p;
	if (!framing) {
		if (fuzz_vm_alive() >= 0)
			fuzz_fail("request %u, flags %#x, %u bytes, %u "
				  "descriptors: connection kept", hdr[0],
				  hdr[1], size, nfds);
		if (n)
			fuzz_fail("reply to a message that broke the framing");
		return p;
	}
	if (fuzz_vm_alive() < 0)
		fuzz_fail("request %u, flags %#x, %u bytes, %u descriptors: "
			  "connection dropped", hdr[0], hdr[1], size, nfds);
	if (n != (due ? 1U : 0U))
		fuzz_fail("request %u, flags %#x: %u replies", hdr[0], hdr[1],
			  n);
	return p;
}

/**
 * fuzz_vm_kick() - Operation: notifications on every watched kick fd
 * @sel:	Events: EPOLLIN unless bit 0, EPOLLHUP with bit 1, EPOLLERR
 *		with bit 2
 */
static void fuzz_vm_kick(uint8_t sel)
{
	uint32_t events = 0;
	uint64_t one = 1;
	unsigned int i;
	int k;

	(void)!write(v.fds[FUZZ_VM_FD_EVT0], &one, sizeof(one));
	(void)!write(v.fds[FUZZ_VM_FD_EVT1], &one, sizeof(one));
	(void)!write(v.fds[FUZZ_VM_FD_PIPE_W], &one, sizeof(one));
	if (!(sel & 1))
		events |= EPOLLIN;
	if (sel & 2)
		events |= EPOLLHUP;
	if (sel & 4)
		events |= EPOLLERR;

	for (i = 0; (k = fuzz_vm_find(FUZZ_VM_FD_KICK, i)) >= 0; i = k + 1) {
		struct fuzz_vm_watch w = v.watch[k];

		passt_module.on_fd(v.m, FUZZ_VM_FD_KICK, w.fd, w.data, events,
				   fake_core_now());
		fuzz_vm_watch_check();
		/* It may have stopped watching that one: look again there */
		if (k < (int)v.nwatch && v.watch[k].fd != w.fd)
			k--;
	}
	fake_core_frames_clear();
}

/**
 * fuzz_vm_to_guest() - Operation: frames to the guest
 * @p:		Record, after the operation byte
 * @end:	End of the input
 *
 * Return: the end of the record, or NULL if the input ended in it
 */
static const uint8_t *fuzz_vm_to_guest(const uint8_t *p, const uint8_t *end)
{
	static uint8_t frame[1514];
	struct iovec iov[4];
	unsigned int n, i;
	int rc;

	if (p == end)
		return NULL;
	n = *p++ % 4 + 1;
	if ((size_t)(end - p) < n * sizeof(uint16_t))
		return NULL;
	memset(frame, 0x5a, sizeof(frame));
	for (i = 0; i < n; i++) {
		uint16_t len;

		memcpy(&len, p, sizeof(len));
		p += sizeof(len);
		iov[i].iov_base = frame;
		iov[i].iov_len = len % (sizeof(frame) + 1);
	}
	rc = passt_module.send(v.m, iov, n);
	if (rc < 0 || (unsigned int)rc > n)
		fuzz_fail("send() of %u frames: %d", n, rc);
	return p;
}

/**
 * LLVMFuzzerTestOneInput() - One or more frontend sessions: see the top
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;

	fuzz_fds_take(&v.open_fds);
	fuzz_vm_guest();
	fuzz_vm_drain();
	fake_core_frames_clear();
	v.sk = -1;
	fuzz_vm_ensure();

	while (p && p < end) {
		uint8_t op = *p++ % FUZZ_VM_OPS;

		switch (op) {
		case FUZZ_VM_OP_MSG:
			p = fuzz_vm_msg(p, end);
			break;
		case FUZZ_VM_OP_RAW:
			if (p == end || end - p < 1 + *p) {
				p = NULL;
				break;
			}
			fuzz_vm_ensure();
			if (*p) {
				fuzz_vm_send(p + 1, *p, NULL, 0);
				v.framed = false;
			}
			p += 1 + *p;
			fuzz_vm_pump(EPOLLIN);
			fuzz_vm_replies(-1, NULL, 0);
			break;
		case FUZZ_VM_OP_KICK:
			if (p == end) {
				p = NULL;
				break;
			}
			fuzz_vm_kick(*p++);
			break;
		case FUZZ_VM_OP_SEND:
			p = fuzz_vm_to_guest(p, end);
			break;
		case FUZZ_VM_OP_MEM: {
			uint16_t off;

			if (end - p < 3 || end - p < 3 + p[2]) {
				p = NULL;
				break;
			}
			memcpy(&off, p, sizeof(off));
			off %= FUZZ_VM_MEM - 256;
			memcpy(v.base + off, p + 3, p[2]);
			p += 3 + p[2];
			break;
		}
		case FUZZ_VM_OP_RECONNECT:
			fuzz_vm_hang_up();
			fuzz_vm_ensure();
			break;
		case FUZZ_VM_OP_HUP:
			fuzz_vm_ensure();
			fuzz_vm_pump(EPOLLHUP);
			if (fuzz_vm_alive() >= 0)
				fuzz_fail("hang-up: connection kept");
			fuzz_vm_ensure();
			break;
		case FUZZ_VM_OP_SECOND: {
			int second;
			char c;

			fuzz_vm_ensure();
			second = fuzz_vm_connect();
			if (recv(second, &c, 1, MSG_DONTWAIT) != 0)
				fuzz_fail("a second frontend was not turned "
					  "away");
			close(second);
			break;
		}
		case FUZZ_VM_OP_DEFER:
			passt_module.on_defer(v.m, fake_core_now());
			fake_core_frames_clear();
			break;
		default:
			break;
		}
		/* Nothing comes back unasked */
		if (p && op != FUZZ_VM_OP_MSG && op != FUZZ_VM_OP_RAW &&
		    fuzz_vm_replies(-1, NULL, 0) && v.framed)
			fuzz_fail("a reply after operation %u", op);
	}

	fuzz_vm_hang_up();
	if (v.nwatch != 1 || fuzz_vm_find(FUZZ_VM_FD_LISTEN, 0) != 0)
		fuzz_fail("%u descriptors watched with no frontend", v.nwatch);
	if (fake_core.misuse)
		fuzz_fail("vhost_user misused a core service");
	fake_core_frames_clear();
	fake_core.n_logs = 0;
	fake_core.n_fd_calls = 0;
	fuzz_vm_drain();
	fuzz_fds_check(&v.open_fds, "vhost_msg");
	return 0;
}
