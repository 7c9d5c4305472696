// SPDX-License-Identifier: GPL-2.0-or-later
/* qemu_stream.c - QEMU's -netdev stream over a UNIX socket
 *
 * Theory of Operation
 * ===================
 *
 * What it carries
 * ---------------
 * QEMU's stream network backend (-netdev stream, QEMU 7.2 and later) and
 * its older socket backend (-netdev socket / -net socket, given a connected
 * descriptor) both speak the same framing on a stream socket: each Ethernet
 * frame is preceded by its length, 32 bits, big-endian, and nothing else;
 * no FCS, no virtio-net header, no negotiation. This backend listens on a
 * UNIX stream socket (qemu_stream.socket), QEMU connects as the client, and
 * frames go both ways on that one connection.
 *
 * One guest at a time
 * -------------------
 * A virtual NIC is one guest. While a client is connected, a second one is
 * accepted and closed at once, with a (rate-limited) warning: a stray
 * QEMU, or a second VM started with the same command line, must not steal
 * a running guest's link. Before refusing, the current client is read
 * once, so that a guest whose hang-up is further down the same batch of
 * events (a QEMU restarted quickly) is noticed and the newcomer accepted.
 *
 * When the client goes (end of file, an error, or a protocol error), its
 * state goes with it: the half-received frame, frames queued for it, the
 * descriptor. The core is told (guest_reset()), so that every protocol
 * module drops the old guest's flows and the next client starts clean.
 * The daemon keeps listening: a disconnect never ends it.
 *
 * Guest to core
 * -------------
 * One read() takes whatever the kernel has, up to QEMU_STREAM_RBUF_DATA
 * bytes: many frames, usually, and a partial one at the end. Frames are
 * parsed in place and handed to the core with from_guest() in batches of
 * up to QEMU_STREAM_BATCH; a frame that straddles two reads is moved to the
 * start of the buffer and completed by the next read. Every length is
 * checked as soon as its four bytes are there, before waiting for the
 * frame: zero, or more than the MTU plus the Ethernet header (and four
 * bytes of slack for an 802.1Q tag), is a protocol error. The stream has
 * no way to resynchronise after a bad length, so the client is dropped
 * with a warning. The buffer holds QEMU_STREAM_RBUF_DATA bytes beyond the
 * longest frame and its header, so no accepted length can run past it.
 *
 * Core to guest
 * -------------
 * The core hands over its batch once per loop turn. Each frame becomes two
 * iovecs (its length header, then the frame) and one gathered write
 * carries up to QEMU_STREAM_IOV_MAX / 2 frames: writev(), spelt sendmsg()
 * with MSG_NOSIGNAL so that a guest gone mid-write is an error we handle,
 * never a SIGPIPE. The socket is non-blocking: when the kernel takes only
 * part of a batch, the rest is copied into a pending ring buffer allocated
 * at init() (the partly written frame always fits, as the ring is empty
 * whenever we write directly), EPOLLOUT is requested, and later batches
 * are appended behind it, whole frames only and in order, as long as they
 * fit. The core is told how much more the buffer can take (tx_window(),
 * its free space less QEMU_STREAM_TX_RESERVE), after every send() and
 * every drain, so that TCP leaves data in its sockets rather than have it
 * dropped here: QEMU reads at its own pace, often slower than the host
 * sends. What does not fit anyway is dropped and counted (a debug line
 * once the buffer drains), and the loop never blocks on one slow guest.
 *
 * The socket file
 * ---------------
 * init() creates it before the sandbox and before daemonising, so that QEMU
 * can be started as soon as passt returns. Its mode is qemu_stream.mode
 * (0600 by default: only the user starting passt can connect). A file
 * already at the path is removed first only if it is a socket nobody
 * listens on (a connect() is refused): a stale socket of an earlier run.
 * A live one, or anything that is not a socket, is an error. After the
 * sandbox has pivoted into an empty root the path is out of reach, so the
 * file is not removed at exit: it stays, stale, until the next start.
 *
 * On start-up the QEMU options to use are printed, so they can be copied.
 *
 * Configuration
 * -------------
 *	qemu_stream = { socket = "/tmp/passt.socket"; mode = "0600"; };
 */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <passt/module.h>

#include "syscalls.gen.h"

#define QEMU_STREAM_HDR_LEN	4		/* big-endian frame length */
#define QEMU_STREAM_VLAN_SLACK	4		/* an 802.1Q tag */
#define QEMU_STREAM_RBUF_DATA	(8UL << 20)	/* bytes one read() may take */
#define QEMU_STREAM_WBUF_SIZE	(2UL << 20)	/* pending bytes to the guest */
#define QEMU_STREAM_BATCH	256		/* frames per from_guest() */
#define QEMU_STREAM_IOV_MAX	1024		/* Linux's IOV_MAX */
#define QEMU_STREAM_TX_BATCH	(QEMU_STREAM_IOV_MAX / 2)
#define QEMU_STREAM_READS	4		/* reads per event, at most */
#define QEMU_STREAM_BACKLOG	8
#define QEMU_STREAM_SNDBUF	(4 << 20)	/* asked for, capped by wmem_max */
/* Kept free of TCP data for frames nobody holds back (ACKs, UDP, ICMP)
 * and for the length headers
 */
#define QEMU_STREAM_TX_RESERVE	(512UL << 10)
#define QEMU_STREAM_GEN_MASK	0xffffffU	/* epoll data is 24 bits */
#define QEMU_STREAM_MODE_DEFAULT	0600
/* QEMU's NET_BUFSIZE: it drops the connection on longer frames */
#define QEMU_STREAM_TX_FRAME_MAX	(4096 + 65536)

/**
 * enum qemu_stream_fd_type - Our kinds of watched file descriptors
 * @QEMU_STREAM_FD_LISTEN:	The listening socket
 * @QEMU_STREAM_FD_CLIENT:	The connected guest; data is its generation
 */
enum qemu_stream_fd_type {
	QEMU_STREAM_FD_LISTEN = 1,
	QEMU_STREAM_FD_CLIENT = 2,
};

/**
 * struct qemu_stream - This backend's state
 * @core:	Core services
 * @path:	Socket path
 * @mode:	Permission bits of the socket file
 * @listen_fd:	Listening socket, or -1
 * @fd:		Connected client, or -1
 * @gen:	Generation of the client, to tell a stale event from a new
 *		client that got the same descriptor number
 * @broken:	A write failed (errno): close the client from on_fd()
 * @frame_max:	Longest frame accepted from the guest
 * @rbuf:	Receive buffer: a partial frame at the start, then room
 * @rsize:	Size of @rbuf
 * @rlen:	Bytes held in @rbuf
 * @wbuf:	Bytes for the guest that the socket did not take yet
 * @wstart:	Offset of the first pending byte in @wbuf, a ring
 * @wlen:	Pending bytes in @wbuf
 * @tx_dropped:	Frames dropped since the pending buffer last drained
 * @rx_frames:	Frames from the current client
 * @tx_frames:	Frames to the current client (written or queued)
 * @drops:	Frames dropped for want of room, since start
 * @clients:	Clients accepted, since start
 * @hdr:	Length headers of one sendmsg() batch
 * @txidx:	Index in send()'s frames of each frame in the batch
 * @iov:	iovecs of one sendmsg() batch
 * @batch:	Frames of one from_guest() batch
 */
struct qemu_stream {
	const struct passt_core_ops *core;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mode_t mode;
	int listen_fd;
	int fd;
	uint32_t gen;
	int broken;
	size_t frame_max;
	uint8_t *rbuf;
	size_t rsize;
	size_t rlen;
	uint8_t *wbuf;
	size_t wstart;
	size_t wlen;
	unsigned long long tx_dropped;
	unsigned long long rx_frames;
	unsigned long long tx_frames;
	uint64_t drops;
	uint64_t clients;
	uint8_t hdr[QEMU_STREAM_TX_BATCH][QEMU_STREAM_HDR_LEN];
	size_t txidx[QEMU_STREAM_TX_BATCH];
	struct iovec iov[QEMU_STREAM_IOV_MAX];
	struct passt_frame batch[QEMU_STREAM_BATCH];
};

static const char *const qemu_stream_keys[] = {
	"socket",
	"mode",
	NULL
};

/**
 * qemu_stream_parse_mode() - Parse permission bits written in octal
 * @s:		Text: one to four octal digits, such as "0600" or "660"
 * @mode:	Result
 *
 * Return: 0, or -EINVAL if @s is not that
 */
static int qemu_stream_parse_mode(const char *s, mode_t *mode)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (i >= 4 || s[i] < '0' || s[i] > '7')
			return -EINVAL;
		v = v * 8 + (unsigned int)(s[i] - '0');
	}
	if (!i || v > 0777)
		return -EINVAL;
	*mode = (mode_t)v;
	return 0;
}

/**
 * qemu_stream_configure() - Read and check the qemu_stream group
 * @m:		This module
 * @core:	Core services, kept for the module's whole life
 *
 * Return: 0, or -EINVAL after saying which setting is wrong
 */
static int qemu_stream_configure(struct passt_mod *m,
				 const struct passt_core_ops *core)
{
	struct qemu_stream *s = passt_priv(m);
	const char *path = "/tmp/passt.socket", *mode = NULL;
	size_t len;
	int rc;

	s->core = core;
	s->listen_fd = s->fd = -1;

	rc = core->cfg_str(m, "socket", &path);
	if (rc < 0)
		return rc;
	len = strlen(path);
	if (!len || len >= sizeof(s->path)) {
		core->log(m, PASST_LOG_ERR, "socket \"%s\": a UNIX socket path "
			  "must be 1 to %zu bytes long", path,
			  sizeof(s->path) - 1);
		return -EINVAL;
	}
	memcpy(s->path, path, len + 1);

	s->mode = QEMU_STREAM_MODE_DEFAULT;
	rc = core->cfg_str(m, "mode", &mode);
	if (rc < 0)
		return rc;
	if (!rc && qemu_stream_parse_mode(mode, &s->mode)) {
		core->log(m, PASST_LOG_ERR, "mode \"%s\": must be permission "
			  "bits in octal, \"0000\" to \"0777\" (such as "
			  "\"0600\" or \"0660\")", mode);
		return -EINVAL;
	}
	return 0;
}

/**
 * qemu_stream_probe() - Remove a stale socket file, refuse a live one
 * @m:		This module
 * @addr:	Address of the socket
 *
 * Return: 0 if the path is free now, or -errno after saying why not
 *
 * Runs before the sandbox: no #syscalls needed.
 */
static int qemu_stream_probe(struct passt_mod *m,
			     const struct sockaddr_un *addr)
{
	struct qemu_stream *s = passt_priv(m);
	struct stat st;
	int fd, rc, e;

	if (lstat(s->path, &st)) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "%s: %s", s->path, strerror(e));
		return -e;
	}
	if (!S_ISSOCK(st.st_mode)) {
		s->core->log(m, PASST_LOG_ERR, "%s: exists and is not a "
			     "socket; not removing it (choose another "
			     "qemu_stream.socket)", s->path);
		return -EEXIST;
	}

	/* Non-blocking, so that a listener with a full backlog can't stall
	 * us: EAGAIN says someone listens just as well
	 */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "socket: %s", strerror(e));
		return -e;
	}
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	e = errno;
	close(fd);

	if (!rc || e == EAGAIN || e == EINPROGRESS) {
		s->core->log(m, PASST_LOG_ERR, "%s: another process is "
			     "listening on this socket (another passt?)",
			     s->path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		s->core->log(m, PASST_LOG_ERR, "%s: can't tell whether it is "
			     "in use: %s", s->path, strerror(e));
		return -e;
	}

	if (unlink(s->path) && errno != ENOENT) {
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "%s: can't remove stale socket: "
			     "%s", s->path, strerror(e));
		return -e;
	}
	s->core->log(m, PASST_LOG_DEBUG, "%s: removed a stale socket",
		     s->path);
	return 0;
}

/**
 * qemu_stream_listen() - Create, bind and listen on the socket
 * @m:		This module
 *
 * Return: listening socket, or -errno after saying why
 *
 * Runs before the sandbox: no #syscalls needed.
 */
static int qemu_stream_listen(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, rc, e;

	memcpy(addr.sun_path, s->path, strlen(s->path) + 1);

	rc = qemu_stream_probe(m, &addr);
	if (rc)
		return rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "socket: %s", strerror(e));
		return -e;
	}

	/* bind() creates the file with the socket's mode less the umask:
	 * set both, so the file never has more than it should, even briefly,
	 * and gets exactly what was configured
	 */
	if (fchmod(fd, s->mode)) {
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "%s: can't set mode %04o: %s",
			     s->path, (unsigned int)s->mode, strerror(e));
		close(fd);
		return -e;
	}
	old_mask = umask(~s->mode & 0777);
	rc = bind(fd, (const struct sockaddr *)&addr, sizeof(addr));
	e = errno;
	umask(old_mask);
	if (rc) {
		s->core->log(m, PASST_LOG_ERR, "%s: can't bind: %s", s->path,
			     strerror(e));
		close(fd);
		return -e;
	}

	if (listen(fd, QEMU_STREAM_BACKLOG)) {
		e = errno;
		s->core->log(m, PASST_LOG_ERR, "%s: can't listen: %s", s->path,
			     strerror(e));
		close(fd);
		unlink(s->path);
		return -e;
	}
	return fd;
}

/**
 * qemu_stream_qemu_path() - The socket path as a QEMU option value
 * @path:	Socket path
 * @out:	Buffer: absolute path, commas doubled as QEMU's parser wants
 * @size:	Size of @out
 *
 * Runs before the sandbox: no #syscalls needed.
 */
static void qemu_stream_qemu_path(const char *path, char *out, size_t size)
{
	char abs[PATH_MAX + sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t i, o = 0;

	abs[0] = '\0';
	if (path[0] != '/' && getcwd(abs, PATH_MAX)) {
		size_t l = strlen(abs);

		if (l > 1)
			abs[l++] = '/';
		abs[l] = '\0';
	}
	strncat(abs, path, sizeof(abs) - strlen(abs) - 1);

	for (i = 0; abs[i] && o + 2 < size; i++) {
		if (abs[i] == ',')
			out[o++] = ',';
		out[o++] = abs[i];
	}
	out[o] = '\0';
}

/**
 * qemu_stream_init() - Allocate buffers, create and watch the socket
 * @m:		This module
 *
 * Return: 0, or -errno after saying why
 */
static int qemu_stream_init(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	const struct passt_netcfg *net = s->core->net(m);
	char qpath[2 * PATH_MAX];
	int fd, rc;

	s->frame_max = (size_t)net->mtu + PASST_ETH_HLEN +
		       QEMU_STREAM_VLAN_SLACK;
	/* A partial frame at the start leaves QEMU_STREAM_RBUF_DATA bytes
	 * free for the next read, and the longest frame always fits
	 */
	s->rsize = QEMU_STREAM_RBUF_DATA + QEMU_STREAM_HDR_LEN + s->frame_max;
	s->rbuf = malloc(s->rsize);
	s->wbuf = malloc(QEMU_STREAM_WBUF_SIZE);
	if (!s->rbuf || !s->wbuf) {
		s->core->log(m, PASST_LOG_ERR, "can't allocate %zu bytes of "
			     "buffers", s->rsize + QEMU_STREAM_WBUF_SIZE);
		rc = -ENOMEM;
		goto fail;
	}

	fd = qemu_stream_listen(m);
	if (fd < 0) {
		rc = fd;
		goto fail;
	}
	rc = s->core->fd_add(m, fd, EPOLLIN, QEMU_STREAM_FD_LISTEN, 0);
	if (rc) {
		s->core->log(m, PASST_LOG_ERR, "can't watch the socket: %s",
			     strerror(-rc));
		close(fd);
		unlink(s->path);
		goto fail;
	}
	s->listen_fd = fd;

	qemu_stream_qemu_path(s->path, qpath, sizeof(qpath));
	s->core->log(m, PASST_LOG_INFO, "listening on %s (mode %04o), "
		     "one guest at a time", s->path, (unsigned int)s->mode);
	s->core->log(m, PASST_LOG_INFO, "connect QEMU 7.2 or later with: "
		     "-device virtio-net-pci,netdev=s -netdev stream,id=s,"
		     "server=off,addr.type=unix,addr.path=%s", qpath);
	s->core->log(m, PASST_LOG_INFO, "or, with an older QEMU, connect a "
		     "descriptor N to %s and use: -device virtio-net-pci,"
		     "netdev=s -netdev socket,id=s,fd=N", s->path);
	return 0;

fail:
	free(s->rbuf);
	free(s->wbuf);
	s->rbuf = s->wbuf = NULL;
	return rc;
}

/**
 * qemu_stream_dropped() - Count frames dropped for want of room
 * @s:		Backend state
 * @k:		How many
 */
static void qemu_stream_dropped(struct qemu_stream *s, size_t k)
{
	s->tx_dropped += k;	/* for the line once the buffer drains */
	s->drops += k;		/* for SIGUSR1, since start */
}

/**
 * qemu_stream_window() - Tell the core how much more we can take
 * @m:		This module
 *
 * That is the free part of the pending buffer, less a reserve: what the
 * socket takes directly comes on top. Without a client, frames are
 * dropped anyway, and nobody should wait for room.
 */
static void qemu_stream_window(struct passt_mod *m)
{
	const struct qemu_stream *s = passt_priv(m);
	size_t free_bytes = QEMU_STREAM_WBUF_SIZE - s->wlen;

	if (s->fd < 0 || s->broken) {
		s->core->tx_window(m, SIZE_MAX);
		return;
	}
	s->core->tx_window(m, free_bytes > QEMU_STREAM_TX_RESERVE ?
			      free_bytes - QEMU_STREAM_TX_RESERVE : 0);
}

/**
 * qemu_stream_client_close() - Forget the client and tell the core
 * @m:		This module
 * @why:	What happened, for the log
 *
 * #syscalls close
 */
static void qemu_stream_client_close(struct passt_mod *m, const char *why)
{
	struct qemu_stream *s = passt_priv(m);

	if (s->fd < 0)
		return;

	s->core->fd_del(m, s->fd);
	close(s->fd);
	s->fd = -1;

	if (s->rlen)
		s->core->log(m, PASST_LOG_DEBUG, "%zu bytes of an incomplete "
			     "frame discarded", s->rlen);
	if (s->wlen)
		s->core->log(m, PASST_LOG_DEBUG, "%zu bytes queued for the "
			     "guest discarded", s->wlen);
	s->core->log(m, PASST_LOG_INFO, "connection closed (%s): %llu frames "
		     "in, %llu out", why, s->rx_frames, s->tx_frames);

	s->rlen = s->wstart = s->wlen = 0;
	s->tx_dropped = s->rx_frames = s->tx_frames = 0;
	s->broken = 0;

	qemu_stream_window(m);
	s->core->guest_reset(m);
}

/**
 * qemu_stream_deliver() - Hand a batch of frames to the core
 * @m:		This module
 * @n:		Frames in s->batch
 */
static void qemu_stream_deliver(struct passt_mod *m, size_t n)
{
	struct qemu_stream *s = passt_priv(m);

	if (!n)
		return;
	/* The core may flush frames to us meanwhile: a failing write then
	 * only marks the client broken, and the caller closes it after this
	 */
	s->core->from_guest(m, s->batch, n);
	s->rx_frames += n;
}

/**
 * qemu_stream_parse() - Hand every complete frame in the buffer to the core
 * @m:		This module
 *
 * Complete frames are consumed; a partial one is moved to the start of
 * the buffer for the next read to complete.
 *
 * Return: 0, or -EPROTO if a length is invalid (client closed), -EPIPE if a
 *	   write failed meanwhile (client closed)
 */
static int qemu_stream_parse(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	size_t off = 0, n = 0;

	while (s->rlen - off >= QEMU_STREAM_HDR_LEN) {
		uint32_t len = passt_get32(s->rbuf + off);

		if (!len || len > s->frame_max) {
			qemu_stream_deliver(m, n);
			s->rlen = 0;	/* nothing in it is a frame */
			s->core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				     "protocol error: frame length %u, "
				     "expected 1 to %zu: disconnecting the "
				     "guest", len, s->frame_max);
			qemu_stream_client_close(m, "protocol error");
			return -EPROTO;
		}
		if (s->rlen - off - QEMU_STREAM_HDR_LEN < len)
			break;

		s->batch[n].data = s->rbuf + off + QEMU_STREAM_HDR_LEN;
		s->batch[n].len = len;
		off += QEMU_STREAM_HDR_LEN + len;

		if (++n == QEMU_STREAM_BATCH) {
			qemu_stream_deliver(m, n);
			n = 0;
			if (s->broken)
				break;
		}
	}
	qemu_stream_deliver(m, n);

	if (s->broken) {
		qemu_stream_client_close(m, strerror(s->broken));
		return -EPIPE;
	}

	if (off) {
		s->rlen -= off;
		memmove(s->rbuf, s->rbuf + off, s->rlen);
	}
	return 0;
}

/**
 * qemu_stream_read() - Read what the client sent and pass its frames on
 * @m:		This module
 *
 * #syscalls read
 */
static void qemu_stream_read(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	int i;

	for (i = 0; i < QEMU_STREAM_READS && s->fd >= 0; i++) {
		size_t room = s->rsize - s->rlen;
		ssize_t n = read(s->fd, s->rbuf + s->rlen, room);

		if (!n) {
			qemu_stream_client_close(m, "closed by the guest");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			qemu_stream_client_close(m, strerror(errno));
			return;
		}

		s->rlen += (size_t)n;
		if (qemu_stream_parse(m))
			return;
		/* Less than we had room for: the socket is empty */
		if ((size_t)n < room)
			return;
	}
}

/**
 * qemu_stream_drain() - Write pending bytes now that the socket has room
 * @m:		This module
 *
 * #syscalls sendmsg
 */
static void qemu_stream_drain(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	struct iovec v[2];
	struct msghdr mh = { .msg_iov = v };

	while (s->wlen) {
		size_t first = QEMU_STREAM_WBUF_SIZE - s->wstart;
		ssize_t n;

		/* The pending bytes may wrap around the end of the ring */
		first = first < s->wlen ? first : s->wlen;
		v[0].iov_base = s->wbuf + s->wstart;
		v[0].iov_len = first;
		v[1].iov_base = s->wbuf;
		v[1].iov_len = s->wlen - first;
		mh.msg_iovlen = s->wlen > first ? 2 : 1;

		n = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				qemu_stream_window(m);
				return;
			}
			qemu_stream_client_close(m, strerror(errno));
			return;
		}
		s->wstart = (s->wstart + (size_t)n) % QEMU_STREAM_WBUF_SIZE;
		s->wlen -= (size_t)n;
	}
	qemu_stream_window(m);

	s->wstart = 0;
	if (s->tx_dropped) {
		s->core->log(m, PASST_LOG_DEBUG | PASST_LOG_RATELIMIT,
			     "guest was not reading: %llu frames to it dropped",
			     s->tx_dropped);
		s->tx_dropped = 0;
	}
	if (s->core->fd_mod(m, s->fd, EPOLLIN, QEMU_STREAM_FD_CLIENT, s->gen))
		qemu_stream_client_close(m, "can't watch the socket");
}

/**
 * qemu_stream_accept() - A client connects: take it if we have none
 * @m:		This module
 *
 * #syscalls accept4 accept getsockopt setsockopt close
 */
static void qemu_stream_accept(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);
	int fd, rc, sndbuf = QEMU_STREAM_SNDBUF;
	struct ucred cred;
	socklen_t sl = sizeof(cred);

	/* The current guest may be gone, its hang-up not seen yet */
	if (s->fd >= 0)
		qemu_stream_read(m);

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			s->core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
				     "accept: %s", strerror(errno));
		return;
	}

	if (s->fd >= 0) {
		s->core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			     "a guest is connected already: second client "
			     "refused");
		close(fd);
		return;
	}

	s->gen = (s->gen + 1) & QEMU_STREAM_GEN_MASK;
	rc = s->core->fd_add(m, fd, EPOLLIN, QEMU_STREAM_FD_CLIENT, s->gen);
	if (rc) {
		s->core->log(m, PASST_LOG_WARNING | PASST_LOG_RATELIMIT,
			     "can't watch the new client: %s", strerror(-rc));
		close(fd);
		return;
	}

	/* As much socket buffer as the system allows (net.core.wmem_max):
	 * fewer, larger writes, and fewer wake-ups for QEMU and for us
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));

	s->fd = fd;
	s->rlen = s->wstart = s->wlen = 0;
	s->tx_dropped = s->rx_frames = s->tx_frames = 0;
	s->broken = 0;
	s->clients++;
	qemu_stream_window(m);

	/* In our own PID namespace (detached), the peer's PID reads 0 */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl))
		s->core->log(m, PASST_LOG_INFO, "guest connected");
	else if (cred.pid)
		s->core->log(m, PASST_LOG_INFO, "guest connected: pid %d, "
			     "uid %u", (int)cred.pid, (unsigned int)cred.uid);
	else
		s->core->log(m, PASST_LOG_INFO, "guest connected: uid %u",
			     (unsigned int)cred.uid);
}

/**
 * qemu_stream_on_fd() - Events on the listening socket or the client
 * @m:		This module
 * @type:	QEMU_STREAM_FD_LISTEN or QEMU_STREAM_FD_CLIENT
 * @fd:		File descriptor
 * @data:	Client generation (QEMU_STREAM_FD_CLIENT)
 * @events:	EPOLL* events
 * @now:	Current time (unused)
 */
static void qemu_stream_on_fd(struct passt_mod *m, uint8_t type, int fd,
			      uint32_t data, uint32_t events,
			      const struct timespec *now)
{
	struct qemu_stream *s = passt_priv(m);

	(void)now;

	if (type == QEMU_STREAM_FD_LISTEN) {
		qemu_stream_accept(m);
		return;
	}

	/* A client closed earlier in this batch of events may have left
	 * its number to a new one: only the current one counts
	 */
	if (type != QEMU_STREAM_FD_CLIENT || fd != s->fd || data != s->gen) {
		s->core->log(m, PASST_LOG_TRACE, "stale event on fd %d", fd);
		return;
	}

	if (s->broken) {
		qemu_stream_client_close(m, strerror(s->broken));
		return;
	}
	if (events & EPOLLOUT)
		qemu_stream_drain(m);
	if (s->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		qemu_stream_read(m);
}

/**
 * qemu_stream_put() - Append bytes to the pending ring
 * @s:		Our state
 * @p:		Bytes
 * @len:	How many, at most the free space in the ring
 */
static void qemu_stream_put(struct qemu_stream *s, const void *p, size_t len)
{
	size_t end = (s->wstart + s->wlen) % QEMU_STREAM_WBUF_SIZE;
	size_t first = QEMU_STREAM_WBUF_SIZE - end;

	first = first < len ? first : len;
	memcpy(s->wbuf + end, p, first);
	memcpy(s->wbuf, (const uint8_t *)p + first, len - first);
	s->wlen += len;
}

/**
 * qemu_stream_queue() - Append whole frames to the pending buffer
 * @s:		Our state
 * @iov:	Frames, one per iovec
 * @n:		Number of frames
 * @i:		First frame to append
 *
 * Return: index of the first frame that did not fit (@n if all did)
 */
static size_t qemu_stream_queue(struct qemu_stream *s,
				const struct iovec *iov, size_t n, size_t i)
{
	for (; i < n; i++) {
		size_t len = iov[i].iov_len;

		uint8_t hdr[QEMU_STREAM_HDR_LEN];

		if (!len || len > QEMU_STREAM_TX_FRAME_MAX)
			continue;
		if (QEMU_STREAM_WBUF_SIZE - s->wlen < sizeof(hdr) + len)
			break;

		passt_put32(hdr, (uint32_t)len);
		qemu_stream_put(s, hdr, sizeof(hdr));
		qemu_stream_put(s, iov[i].iov_base, len);
	}
	return i;
}

/**
 * qemu_stream_queue_rest() - Keep what a sendmsg() left of a batch
 * @m:		This module
 * @iov:	Frames given to send(), one per iovec
 * @n:		Number of frames
 * @cnt:	iovecs in the batch (s->iov: a header and a frame each)
 * @sent:	Bytes of the batch written, fewer than all of them
 *
 * Return: frames taken: those written, the partly written one, and those
 *	   that fit in the pending buffer after it
 */
static size_t qemu_stream_queue_rest(struct passt_mod *m,
				     const struct iovec *iov, size_t n,
				     size_t cnt, size_t sent)
{
	struct qemu_stream *s = passt_priv(m);
	size_t k = 0, j, taken;

	/* Skip the frames written whole */
	while (k + 2 < cnt &&
	       sent >= s->iov[k].iov_len + s->iov[k + 1].iov_len) {
		sent -= s->iov[k].iov_len + s->iov[k + 1].iov_len;
		k += 2;
	}

	/* The frame written in part (or not at all) must be completed, or
	 * the stream is out of step; the buffer is empty and larger than
	 * any frame, so it fits
	 */
	s->wstart = s->wlen = 0;
	for (j = k; j < k + 2; j++) {
		size_t skip = sent < s->iov[j].iov_len ? sent
						       : s->iov[j].iov_len;

		qemu_stream_put(s, (const uint8_t *)s->iov[j].iov_base + skip,
				s->iov[j].iov_len - skip);
		sent -= skip;
	}

	taken = qemu_stream_queue(s, iov, n, s->txidx[k / 2] + 1);
	qemu_stream_dropped(s, n - taken);

	if (s->core->fd_mod(m, s->fd, EPOLLIN | EPOLLOUT,
			    QEMU_STREAM_FD_CLIENT, s->gen))
		s->broken = EIO;
	return taken;
}

/**
 * qemu_stream_send() - Frames for the guest: write them, or keep them
 * @m:		This module
 * @iov:	Frames, one per iovec
 * @n:		Number of frames
 *
 * This is writev() of a header and a frame per frame, as sendmsg() with
 * MSG_NOSIGNAL: a guest gone in the middle is an error to handle here, not
 * a SIGPIPE, whatever the process does with signals.
 *
 * Return: frames taken (the rest are dropped by the core)
 *
 * #syscalls sendmsg
 */
static int qemu_stream_send(struct passt_mod *m, const struct iovec *iov,
			    size_t n)
{
	struct qemu_stream *s = passt_priv(m);
	struct msghdr mh = { 0 };
	size_t i = 0, taken;

	if (s->fd < 0 || s->broken)
		return 0;

	/* Behind bytes already waiting: keep the order, wait for EPOLLOUT */
	if (s->wlen) {
		taken = qemu_stream_queue(s, iov, n, 0);
		qemu_stream_dropped(s, n - taken);
		s->tx_frames += taken;
		qemu_stream_window(m);
		return (int)taken;
	}

	while (i < n) {
		size_t first = i, cnt = 0, total = 0, nh = 0;
		ssize_t w;

		for (; i < n && cnt < QEMU_STREAM_IOV_MAX; i++) {
			size_t len = iov[i].iov_len;

			if (!len || len > QEMU_STREAM_TX_FRAME_MAX)
				continue;	/* QEMU would choke on it */

			s->txidx[nh] = i;
			passt_put32(s->hdr[nh], (uint32_t)len);
			s->iov[cnt].iov_base = s->hdr[nh++];
			s->iov[cnt++].iov_len = QEMU_STREAM_HDR_LEN;
			s->iov[cnt].iov_base = iov[i].iov_base;
			s->iov[cnt++].iov_len = len;
			total += QEMU_STREAM_HDR_LEN + len;
		}
		if (!cnt)
			break;

		mh.msg_iov = s->iov;
		mh.msg_iovlen = cnt;
		do
			w = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (w < 0 && errno == EINTR);

		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* Closing here would reset flows in the middle of
			 * the core's flush: on_fd() does it, soon
			 */
			s->broken = errno;
			s->core->fd_mod(m, s->fd, EPOLLIN | EPOLLOUT,
					QEMU_STREAM_FD_CLIENT, s->gen);
			s->tx_frames += first;
			qemu_stream_window(m);
			return (int)first;
		}
		if (w < 0)
			w = 0;

		if ((size_t)w < total) {
			taken = qemu_stream_queue_rest(m, iov, n, cnt,
						       (size_t)w);
			s->tx_frames += taken;
			qemu_stream_window(m);
			return (int)taken;
		}
	}

	s->tx_frames += n;
	return (int)n;
}

/**
 * qemu_stream_fini() - Close the client and the socket, free buffers
 * @m:		This module
 *
 * The socket file stays: see "The socket file" above.
 *
 * #syscalls close
 */
static void qemu_stream_fini(struct passt_mod *m)
{
	struct qemu_stream *s = passt_priv(m);

	if (s->fd >= 0) {
		s->core->fd_del(m, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	if (s->listen_fd >= 0) {
		s->core->fd_del(m, s->listen_fd);
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	free(s->rbuf);
	free(s->wbuf);
	s->rbuf = s->wbuf = NULL;
}

/**
 * qemu_stream_stats() - Counters for SIGUSR1
 * @m:		This module
 * @st:		Counters to fill
 * @n:		Room in @st
 *
 * Return: counters filled
 */
static size_t qemu_stream_stats(struct passt_mod *m, struct passt_stat *st,
				size_t n)
{
	const struct qemu_stream *s = passt_priv(m);
	const struct passt_stat all[] = {
		{ "clients", s->clients },
		{ "connected", s->fd >= 0 },
		{ "bytes_pending", s->wlen },
		{ "drop_no_room", s->drops },
	};
	size_t k = sizeof(all) / sizeof(all[0]);

	if (k > n)
		k = n;
	memcpy(st, all, k * sizeof(*st));
	return k;
}

PASST_MODULE(
	.name		= "qemu_stream",
	.kind		= PASST_MOD_BACKEND,
	.summary	= "QEMU's -netdev stream (or -netdev socket) over a "
			  "UNIX socket",
	.priv_size	= sizeof(struct qemu_stream),
	.syscalls	= module_syscalls,
	.config_keys	= qemu_stream_keys,
	.configure	= qemu_stream_configure,
	.init		= qemu_stream_init,
	.fini		= qemu_stream_fini,
	.on_fd		= qemu_stream_on_fd,
	.send		= qemu_stream_send,
	.stats		= qemu_stream_stats,
);
