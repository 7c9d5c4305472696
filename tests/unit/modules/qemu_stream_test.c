// SPDX-License-Identifier: GPL-2.0-or-later
/* qemu_stream_test.c - qemu_stream backend: real UNIX sockets, fake core
 *
 * The backend listens on a real socket in a temporary directory; the tests
 * connect to it as QEMU would, drive the module's on_fd() by hand (the fake
 * core has no event loop) and check what reaches the core (from_guest())
 * and what the client reads back (send()), byte for byte. Hostile framing
 * (zero and huge lengths, headers and frames split across writes, clients
 * leaving mid-frame, garbage) must never hurt the next client.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <CUnit/CUnit.h>

#include "unit.h"
#include "fake_core.h"

extern const struct passt_module passt_module;

#define FD_LISTEN	1	/* the module's fd types */
#define FD_CLIENT	2
#define WBUF_SIZE	(2UL << 20)	/* the module's pending buffer */
#define TX_RESERVE	(512UL << 10)	/* ...kept from TCP: tx_window() */
#define BIG_FRAME	60000

static char dir[64];
static char path[128];
static struct passt_mod *mod;
static int lfd = -1;		/* the module's listening socket */

/**
 * struct client - One connection, both ends
 * @fd:		Our end, as QEMU would hold it
 * @sfd:	The module's end
 * @gen:	Data the module registered it with
 */
struct client {
	int fd;
	int sfd;
	uint32_t gen;
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/**
 * put32() - Write 32 bits in network order
 * @p:		Destination
 * @v:		Value
 */
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/**
 * get32() - Read 32 bits in network order
 * @p:		Source
 *
 * Return: value
 */
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/**
 * fill() - Fill a frame with a pattern that tells frames apart
 * @p:		Frame
 * @len:	Length
 * @id:		Frame number
 */
static void fill(uint8_t *p, size_t len, unsigned int id)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(id * 31 + i * 7);
}

/**
 * check_fill() - Whether a frame holds fill()'s pattern
 * @p:		Frame
 * @len:	Length
 * @id:		Frame number
 *
 * Return: true if it does
 */
static bool check_fill(const uint8_t *p, size_t len, unsigned int id)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(id * 31 + i * 7))
			return false;
	return true;
}

/**
 * put_frame() - Append a header and a patterned frame to a buffer
 * @buf:	Buffer
 * @off:	Offset, advanced
 * @len:	Frame length
 * @id:		Frame number
 */
static void put_frame(uint8_t *buf, size_t *off, size_t len, unsigned int id)
{
	put32(buf + *off, (uint32_t)len);
	fill(buf + *off + 4, len, id);
	*off += 4 + len;
}

/**
 * write_all() - Write a whole buffer to a blocking socket
 * @fd:		Socket
 * @buf:	Data
 * @len:	Length
 */
static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		CU_ASSERT_FATAL(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/**
 * last_fd_call() - Index of the last recorded call of a kind
 * @op:		FAKE_FD_ADD, FAKE_FD_MOD or FAKE_FD_DEL
 * @fd:		File descriptor, or -1 for any
 *
 * Return: index in fake_core.fd_calls, or -1
 */
static int last_fd_call(enum fake_fd_op op, int fd)
{
	int i;

	for (i = (int)fake_core.n_fd_calls - 1; i >= 0; i--)
		if (fake_core.fd_calls[i].op == op &&
		    (fd < 0 || fake_core.fd_calls[i].fd == fd))
			return i;
	return -1;
}

/**
 * start() - Load, configure and initialise the module on the test socket
 * @mode:	qemu_stream.mode, or NULL for the default
 * @mtu:	MTU of the link, 0 for the fake core's default
 *
 * Return: init()'s result
 */
static int start(const char *mode, unsigned int mtu)
{
	int rc;

	if (mod)		/* a test before this one stopped half-way */
		fake_core_unload(mod);
	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", path);
	if (mode)
		fake_core_cfg_set_str("mode", mode);
	if (mtu)
		fake_core.net.mtu = mtu;
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(mod), 0);
	rc = fake_core_init(mod);
	lfd = -1;
	if (!rc) {
		int i = last_fd_call(FAKE_FD_ADD, -1);

		CU_ASSERT_FATAL(i >= 0);
		CU_ASSERT_EQUAL(fake_core.fd_calls[i].type, FD_LISTEN);
		CU_ASSERT_EQUAL(fake_core.fd_calls[i].events, EPOLLIN);
		lfd = fake_core.fd_calls[i].fd;
	}
	return rc;
}

/**
 * stop() - Unload the module and remove the socket file
 */
static void stop(void)
{
	fake_core_unload(mod);
	mod = NULL;
	unlink(path);
}

/**
 * on_listen() - Deliver an event on the listening socket
 */
static void on_listen(void)
{
	passt_module.on_fd(mod, FD_LISTEN, lfd, 0, EPOLLIN, fake_core_now());
}

/**
 * on_client() - Deliver an event on a client
 * @c:		Client
 * @events:	EPOLL* events
 */
static void on_client(const struct client *c, uint32_t events)
{
	passt_module.on_fd(mod, FD_CLIENT, c->sfd, c->gen, events,
			   fake_core_now());
}

/**
 * dial() - Connect to the module's socket, without accepting
 *
 * Return: our end
 */
static int dial(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	strcpy(a.sun_path, path);
	CU_ASSERT_EQUAL_FATAL(connect(fd, (struct sockaddr *)&a, sizeof(a)),
			      0);
	return fd;
}

/**
 * connect_client() - Connect and have the module accept it
 * @c:		Filled with both ends
 */
static void connect_client(struct client *c)
{
	unsigned int before = fake_core.n_fd_calls;
	int i;

	c->fd = dial();
	on_listen();
	i = last_fd_call(FAKE_FD_ADD, -1);
	CU_ASSERT_FATAL(i >= (int)before);
	CU_ASSERT_EQUAL(fake_core.fd_calls[i].type, FD_CLIENT);
	CU_ASSERT_EQUAL(fake_core.fd_calls[i].events, EPOLLIN);
	c->sfd = fake_core.fd_calls[i].fd;
	c->gen = fake_core.fd_calls[i].data;
	CU_ASSERT(fcntl(c->sfd, F_GETFL) & O_NONBLOCK);
}

/**
 * closed_by_module() - Whether the module closed its end of a client
 * @c:		Client
 *
 * Return: true if fd_del() was called for it and our end reads EOF
 */
static bool closed_by_module(const struct client *c)
{
	char b[16];
	ssize_t n;

	if (last_fd_call(FAKE_FD_DEL, c->sfd) < 0)
		return false;
	do
		n = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
	while (n > 0);
	return n == 0;
}

/**
 * check_next_client() - A new client gets exactly its own frame through
 *
 * Connects, sends one frame, checks the core got exactly that, closes.
 */
static void check_next_client(void)
{
	unsigned int before;
	uint8_t buf[128];
	struct client c;
	size_t off = 0;

	connect_client(&c);
	before = fake_core.n_from_guest;
	put_frame(buf, &off, 60, 77);
	write_all(c.fd, buf, off);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, before + 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[before].len, 60);
	CU_ASSERT(check_fill(fake_core.from_guest[before].data, 60, 77));

	close(c.fd);
	on_client(&c, EPOLLIN | EPOLLHUP);
	CU_ASSERT(last_fd_call(FAKE_FD_DEL, c.sfd) >= 0);
}

/**
 * recv_exact() - Read exactly some bytes from our end of a client
 * @c:		Client
 * @buf:	Buffer
 * @len:	Bytes wanted
 * @drain:	Deliver EPOLLOUT to the module while waiting
 *
 * Return: true if they all came, false on EOF or after 1000 idle tries
 */
static bool recv_exact(const struct client *c, uint8_t *buf, size_t len,
		       bool drain)
{
	size_t got = 0;
	int idle = 0;

	while (got < len) {
		ssize_t r = recv(c->fd, buf + got, len - got, MSG_DONTWAIT);

		if (r > 0) {
			got += (size_t)r;
			idle = 0;
			continue;
		}
		if (!r || ++idle > 1000)
			return false;
		if (drain)
			on_client(c, EPOLLOUT);
	}
	return true;
}

/**
 * read_frames() - Read frames our end gets, checking fill() patterns
 * @c:		Client
 * @first:	Expected number of the first frame
 * @lens:	Expected lengths, one per frame
 * @n:		Number of frames expected
 * @drain:	Deliver EPOLLOUT to the module while reading
 * @last:	Nothing may follow these frames
 *
 * Return: number of frames read and correct, stopping at the first wrong
 *	   one; 0 if anything follows the last and @last is set
 */
static size_t read_frames_more(const struct client *c, unsigned int first,
			       const size_t *lens, size_t n, bool drain,
			       bool last)
{
	static uint8_t buf[70000];
	size_t got;
	char extra;

	for (got = 0; got < n; got++) {
		uint8_t hdr[4];

		if (!recv_exact(c, hdr, 4, drain) || get32(hdr) != lens[got])
			return got;
		if (!recv_exact(c, buf, lens[got], drain) ||
		    !check_fill(buf, lens[got], first + (unsigned int)got))
			return got;
	}
	if (last && recv(c->fd, &extra, 1, MSG_DONTWAIT) != -1)
		return 0;
	return got;
}

/**
 * read_frames() - Read the last frames our end gets, checking them
 * @c:		Client
 * @first:	Expected number of the first frame
 * @lens:	Expected lengths, one per frame
 * @n:		Number of frames expected
 * @drain:	Deliver EPOLLOUT to the module while reading
 *
 * Return: number of frames read and correct; 0 if anything follows
 */
static size_t read_frames(const struct client *c, unsigned int first,
			  const size_t *lens, size_t n, bool drain)
{
	return read_frames_more(c, first, lens, n, drain, true);
}

/* ---------------------------------------------------------------------- */
/* Configuration and the socket file                                      */
/* ---------------------------------------------------------------------- */

/**
 * test_descriptor() - Name, kind, keys and callbacks of a backend
 */
static void test_descriptor(void)
{
	CU_ASSERT_STRING_EQUAL(passt_module.name, "qemu_stream");
	CU_ASSERT_EQUAL(passt_module.kind, PASST_MOD_BACKEND);
	CU_ASSERT_STRING_EQUAL(passt_module.config_keys[0], "socket");
	CU_ASSERT_STRING_EQUAL(passt_module.config_keys[1], "mode");
	CU_ASSERT_PTR_NULL(passt_module.config_keys[2]);
	CU_ASSERT_PTR_NOT_NULL(passt_module.send);
	CU_ASSERT_PTR_NOT_NULL(passt_module.on_fd);
	CU_ASSERT_PTR_NOT_NULL(passt_module.fini);
	CU_ASSERT_PTR_NULL(passt_module.claims);
}

/**
 * test_config_errors() - Bad settings are refused with a line naming them
 */
static void test_config_errors(void)
{
	static const char *const bad_modes[] = {
		"", "0800", "abc", "01777", "7777", "-600", "0x1ff",
	};
	char longpath[200];
	size_t i;

	for (i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		mod = fake_core_load(&passt_module);
		fake_core_cfg_set_str("mode", bad_modes[i]);
		CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
		CU_ASSERT(fake_core_log_find("mode \"") >= 0);
		CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_ERR], 1);
		fake_core_unload(mod);
	}

	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", longpath);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	CU_ASSERT(fake_core_log_find("1 to 107 bytes") >= 0);
	fake_core_unload(mod);

	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", "");
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	fake_core_unload(mod);

	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_int("socket", 5);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	fake_core_unload(mod);

	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_int("mode", 600);
	CU_ASSERT_EQUAL(fake_core_configure(mod), -EINVAL);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	fake_core_unload(mod);
}

/**
 * test_default_socket() - Without settings: /tmp/passt.socket, mode 0600
 */
static void test_default_socket(void)
{
	mod = fake_core_load(&passt_module);
	CU_ASSERT_EQUAL(fake_core_configure(mod), 0);
	/* No init(): the default path is shared, the test must not take it */
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	CU_ASSERT_EQUAL(fake_core.n_logs, 0);
	fake_core_unload(mod);
	mod = NULL;
}

/**
 * test_socket_file_mode() - The file is a socket with exactly the mode
 */
static void test_socket_file_mode(void)
{
	struct stat st;
	mode_t old;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
	stop();

	/* Exactly what was asked, whatever the umask, which stays as it was */
	old = umask(022);
	CU_ASSERT_EQUAL_FATAL(start("0666", 0), 0);
	CU_ASSERT_EQUAL(umask(old), 022);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0666);
	CU_ASSERT(fake_core_log_find("mode 0666") >= 0);
	stop();

	old = umask(0);
	CU_ASSERT_EQUAL_FATAL(start("640", 0), 0);
	umask(old);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	stop();
}

/**
 * test_qemu_command_line() - The QEMU options are printed, ready to copy
 */
static void test_qemu_command_line(void)
{
	char want[300], comma[128], cwd[4096];
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	snprintf(want, sizeof(want), "-device virtio-net-pci,netdev=s "
		 "-netdev stream,id=s,server=off,addr.type=unix,"
		 "addr.path=%s", path);
	CU_ASSERT(fake_core_log_find(want) >= 0);
	CU_ASSERT(fake_core_log_find("-netdev socket,id=s,fd=N") >= 0);
	CU_ASSERT(fake_core.logs[fake_core_log_find(want)].level ==
		  PASST_LOG_INFO);
	stop();

	/* QEMU's option parser takes ",," for a comma in a value */
	snprintf(comma, sizeof(comma), "%s/a,b", dir);
	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", comma);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(mod), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(mod), 0);
	snprintf(want, sizeof(want), "addr.path=%s/a,,b", dir);
	CU_ASSERT(fake_core_log_find(want) >= 0);
	fake_core_unload(mod);
	unlink(comma);

	/* A relative path is printed absolute: QEMU's cwd may differ */
	p = strrchr(path, '/');
	CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
	mod = fake_core_load(&passt_module);
	fake_core_cfg_set_str("socket", p + 1);
	CU_ASSERT_EQUAL_FATAL(fake_core_configure(mod), 0);
	CU_ASSERT_EQUAL_FATAL(fake_core_init(mod), 0);
	snprintf(want, sizeof(want), "addr.path=%s", path);
	CU_ASSERT(fake_core_log_find(want) >= 0);
	fake_core_unload(mod);
	unlink(path);
	CU_ASSERT_EQUAL(chdir(cwd), 0);
}

/**
 * test_stale_socket() - A dead socket file is replaced
 */
static void test_stale_socket(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, path);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);		/* the file stays, nobody listens */

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	check_next_client();
	stop();
}

/**
 * test_live_socket() - A socket someone listens on is left alone
 */
static void test_live_socket(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct stat st1, st2;

	strcpy(a.sun_path, path);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(fd, 1), 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st1), 0);

	CU_ASSERT_EQUAL(start(NULL, 0), -EADDRINUSE);
	CU_ASSERT(fake_core_log_find("another process is listening") >= 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st2), 0);
	CU_ASSERT_EQUAL(st1.st_ino, st2.st_ino);
	fake_core_unload(mod);

	/* Even with a full backlog: connect() must not block us */
	{
		int c[16], k, n = 0;

		for (k = 0; k < 16; k++) {
			c[k] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
			n++;
			if (connect(c[k], (struct sockaddr *)&a, sizeof(a)))
				break;
		}
		CU_ASSERT_EQUAL(errno, EAGAIN);
		CU_ASSERT(k < 16);
		CU_ASSERT_EQUAL(start(NULL, 0), -EADDRINUSE);
		fake_core_unload(mod);
		for (k = 0; k < n; k++)
			close(c[k]);
	}
	close(fd);
	unlink(path);
}

/**
 * test_not_a_socket() - A regular file at the path is never removed
 */
static void test_not_a_socket(void)
{
	struct stat st;
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "keep", 4), 4);
	close(fd);

	CU_ASSERT_EQUAL(start(NULL, 0), -EEXIST);
	CU_ASSERT(fake_core_log_find("not a socket") >= 0);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(st.st_size, 4);
	fake_core_unload(mod);
	unlink(path);
}

/**
 * test_fini_closes() - fini() closes the socket and the client
 */
static void test_fini_closes(void)
{
	struct client c;
	char b;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	fake_core_unload(mod);
	CU_ASSERT_EQUAL(recv(c.fd, &b, 1, 0), 0);	/* EOF: closed */
	CU_ASSERT_EQUAL(fcntl(lfd, F_GETFD), -1);
	close(c.fd);
	unlink(path);
}

/* ---------------------------------------------------------------------- */
/* Guest to core                                                          */
/* ---------------------------------------------------------------------- */

/**
 * test_frames_one_read() - Several frames in one read, in order, exact
 */
static void test_frames_one_read(void)
{
	static const size_t lens[] = { 60, 1, 1514, 65534, 14 };
	static uint8_t buf[80000];
	struct client c;
	size_t off = 0, i;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	for (i = 0; i < 5; i++)
		put_frame(buf, &off, lens[i], (unsigned int)i);
	write_all(c.fd, buf, off);
	on_client(&c, EPOLLIN);

	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(fake_core.from_guest[i].len, lens[i]);
		CU_ASSERT(check_fill(fake_core.from_guest[i].data, lens[i],
				     (unsigned int)i));
	}
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	close(c.fd);
	stop();
}

/**
 * test_many_frames() - More frames in one read than one batch holds
 */
static void test_many_frames(void)
{
	static uint8_t buf[3000 * 24];
	struct client c;
	size_t off = 0, i;
	bool ok = true;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	for (i = 0; i < 3000; i++)
		put_frame(buf, &off, 20, (unsigned int)i);
	write_all(c.fd, buf, off);
	while (fake_core.n_from_guest < 3000 && !fake_core.resets) {
		unsigned int before = fake_core.n_from_guest;

		on_client(&c, EPOLLIN);
		if (fake_core.n_from_guest == before)
			break;
	}
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 3000);
	for (i = 0; i < 3000; i++)
		ok = ok && fake_core.from_guest[i].len == 20 &&
		     check_fill(fake_core.from_guest[i].data, 20,
				(unsigned int)i);
	CU_ASSERT(ok);
	close(c.fd);
	stop();
}

/**
 * test_frame_split() - A frame straddling reads is put back together
 */
static void test_frame_split(void)
{
	static uint8_t buf[4000];
	struct client c;
	size_t off = 0;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	put_frame(buf, &off, 100, 1);
	put_frame(buf, &off, 1500, 2);
	put_frame(buf, &off, 200, 3);

	/* First frame and 700 bytes of the second */
	write_all(c.fd, buf, 104 + 700);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT(check_fill(fake_core.from_guest[0].data, 100, 1));

	/* A few more bytes: still incomplete */
	write_all(c.fd, buf + 804, 10);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);

	/* The rest of the second, the third */
	write_all(c.fd, buf + 814, off - 814);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 3);
	CU_ASSERT_EQUAL(fake_core.from_guest[1].len, 1500);
	CU_ASSERT(check_fill(fake_core.from_guest[1].data, 1500, 2));
	CU_ASSERT_EQUAL(fake_core.from_guest[2].len, 200);
	CU_ASSERT(check_fill(fake_core.from_guest[2].data, 200, 3));
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	close(c.fd);
	stop();
}

/**
 * test_header_split() - A length header split byte by byte across writes
 */
static void test_header_split(void)
{
	static uint8_t buf[400];
	struct client c;
	size_t off = 0, i;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	put_frame(buf, &off, 300, 9);
	for (i = 0; i < 4; i++) {
		write_all(c.fd, buf + i, 1);
		on_client(&c, EPOLLIN);
		CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	}
	write_all(c.fd, buf + 4, 299);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	write_all(c.fd, buf + 303, 1);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 300);
	CU_ASSERT(check_fill(fake_core.from_guest[0].data, 300, 9));
	close(c.fd);
	stop();
}

/**
 * bad_length() - A length that must drop the client, then a good client
 * @len:	Length to send
 * @mtu:	MTU of the link, 0 for the default
 * @split:	Send the header in two writes
 */
static void bad_length(uint32_t len, unsigned int mtu, bool split)
{
	uint8_t buf[200];
	struct client c;
	size_t off = 0;

	CU_ASSERT_EQUAL_FATAL(start(NULL, mtu), 0);
	connect_client(&c);

	/* A good frame first, in the same write: it still goes through */
	put_frame(buf, &off, 64, 5);
	put32(buf + off, len);
	off += 4;
	memset(buf + off, 0xee, 64);
	off += 64;
	if (split) {
		write_all(c.fd, buf, 70);
		on_client(&c, EPOLLIN);
		CU_ASSERT_EQUAL(fake_core.resets, 0);
		write_all(c.fd, buf + 70, off - 70);
	} else {
		write_all(c.fd, buf, off);
	}
	on_client(&c, EPOLLIN);

	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT(check_fill(fake_core.from_guest[0].data, 64, 5));
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT(closed_by_module(&c));
	CU_ASSERT(fake_core_log_find("protocol error") >= 0);
	CU_ASSERT_EQUAL(fake_core.log_count[PASST_LOG_WARNING], 1);
	CU_ASSERT(fake_core.logs[fake_core_log_find("protocol error")]
		  .ratelimit);
	close(c.fd);

	/* Late events for the old client are ignored */
	on_client(&c, EPOLLIN | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 1);

	check_next_client();
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 2);
	CU_ASSERT_EQUAL(fake_core.resets, 2);
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	stop();
}

/**
 * test_zero_length() - Length 0: protocol error
 */
static void test_zero_length(void)
{
	bad_length(0, 0, false);
	bad_length(0, 0, true);
}

/**
 * test_huge_length() - Lengths past the MTU and past any buffer
 */
static void test_huge_length(void)
{
	bad_length(0xffffffff, 0, false);
	bad_length(0x80000000, 0, true);
	bad_length(65520 + 14 + 4 + 1, 0, false);
	bad_length(8U << 20, 0, false);
	bad_length(1500 + 14 + 4 + 1, 1500, false);
}

/**
 * test_mtu_limit() - The longest frame for the MTU passes, one more doesn't
 */
static void test_mtu_limit(void)
{
	static uint8_t buf[2000];
	struct client c;
	size_t off = 0;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 1500), 0);
	connect_client(&c);
	put_frame(buf, &off, 1500 + 14 + 4, 3);
	write_all(c.fd, buf, off);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL_FATAL(fake_core.n_from_guest, 1);
	CU_ASSERT_EQUAL(fake_core.from_guest[0].len, 1518);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	close(c.fd);
	stop();
}

/**
 * test_close_mid_frame() - A client leaving mid-frame leaves nothing behind
 */
static void test_close_mid_frame(void)
{
	static uint8_t buf[3000];
	struct client c;
	size_t off = 0;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	put_frame(buf, &off, 2000, 4);
	write_all(c.fd, buf, 1000);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	close(c.fd);
	on_client(&c, EPOLLIN | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT(last_fd_call(FAKE_FD_DEL, c.sfd) >= 0);
	CU_ASSERT(fake_core_log_find("1000 bytes of an incomplete frame") >= 0);

	/* Mid-header too */
	connect_client(&c);
	write_all(c.fd, buf, 3);
	on_client(&c, EPOLLIN);
	close(c.fd);
	on_client(&c, EPOLLIN | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 2);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);

	/* The next client's first bytes are a header, not the old frame's */
	check_next_client();
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	stop();
}

/**
 * test_garbage() - Random bytes: the module survives, the next client works
 */
static void test_garbage(void)
{
	static uint8_t buf[65536];
	unsigned int seed, i;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	for (seed = 1; seed <= 20; seed++) {
		unsigned int resets = fake_core.resets;
		struct client c;
		size_t len = 1 + (size_t)(seed * 3271) % sizeof(buf);
		uint32_t x = seed;

		for (i = 0; i < len; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = (uint8_t)(x >> 16);
		}
		/* Half of the runs: plausible small lengths, random frames,
		 * so parsing goes on for a while before it breaks
		 */
		if (seed % 2) {
			size_t off = 0;

			while (off + 4 + 1600 < len) {
				uint32_t l = 1 + buf[off] % 1500;

				put32(buf + off, l);
				off += 4 + l;
			}
		}
		fake_core_frames_clear();
		connect_client(&c);
		write_all(c.fd, buf, len);
		on_client(&c, EPOLLIN);
		close(c.fd);
		on_client(&c, EPOLLIN | EPOLLHUP);
		CU_ASSERT_EQUAL(fake_core.resets, resets + 1);
		CU_ASSERT(last_fd_call(FAKE_FD_DEL, c.sfd) >= 0);
		check_next_client();
	}
	CU_ASSERT_EQUAL(fake_core.misuse, 0);
	stop();
}

/* ---------------------------------------------------------------------- */
/* Clients                                                                */
/* ---------------------------------------------------------------------- */

/**
 * test_second_client_refused() - One guest at a time; it keeps working
 */
static void test_second_client_refused(void)
{
	unsigned int adds;
	struct client c;
	uint8_t buf[100];
	size_t off = 0;
	int fd2;
	char b;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	adds = fake_core.n_fd_calls;
	fd2 = dial();
	on_listen();
	CU_ASSERT_EQUAL(fake_core.n_fd_calls, adds);	/* not watched */
	CU_ASSERT_EQUAL(recv(fd2, &b, 1, 0), 0);	/* closed */
	CU_ASSERT(fake_core_log_find("second client refused") >= 0);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	close(fd2);

	put_frame(buf, &off, 50, 8);
	write_all(c.fd, buf, off);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	close(c.fd);
	stop();
}

/**
 * test_quick_reconnect() - The old guest's hang-up not handled yet: the
 * new one is still accepted, and the old one's events are ignored
 */
static void test_quick_reconnect(void)
{
	struct client c1, c2;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c1);
	close(c1.fd);
	connect_client(&c2);		/* before c1's event */
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT(last_fd_call(FAKE_FD_DEL, c1.sfd) >= 0);
	CU_ASSERT_NOT_EQUAL(c1.gen, c2.gen);

	/* c1's late event, maybe on the same fd number: ignored */
	on_client(&c1, EPOLLIN | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	close(c2.fd);
	on_client(&c2, EPOLLIN | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 2);
	check_next_client();
	stop();
}

/**
 * test_stale_generation() - An event with an old generation reads nothing
 */
static void test_stale_generation(void)
{
	struct client c, old;
	uint8_t buf[100];
	size_t off = 0;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	put_frame(buf, &off, 50, 8);
	write_all(c.fd, buf, off);
	old = c;
	old.gen = (c.gen - 1) & 0xffffff;
	on_client(&old, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 0);
	on_client(&c, EPOLLIN);
	CU_ASSERT_EQUAL(fake_core.n_from_guest, 1);
	close(c.fd);
	stop();
}

/* ---------------------------------------------------------------------- */
/* Core to guest                                                          */
/* ---------------------------------------------------------------------- */

/**
 * test_send_none_connected() - Without a client nothing is taken
 */
static void test_send_none_connected(void)
{
	uint8_t f[60] = { 0 };
	struct iovec iov = { f, sizeof(f) };

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	CU_ASSERT_EQUAL(passt_module.send(mod, &iov, 1), 0);
	stop();
}

/**
 * test_send_frames() - Frames arrive with their headers, in order; more
 * than one gathered write's worth; empty frames are skipped
 */
static void test_send_frames(void)
{
	static uint8_t frames[1500][40];
	static struct iovec iov[1501];
	static size_t lens[1500];
	struct client c;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	for (i = 0; i < 1500; i++) {
		lens[i] = 14 + i % 26;
		fill(frames[i], lens[i], (unsigned int)i);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = lens[i];
	}
	CU_ASSERT_EQUAL(passt_module.send(mod, iov, 1500), 1500);
	CU_ASSERT_EQUAL(read_frames(&c, 0, lens, 1500, false), 1500);
	CU_ASSERT_EQUAL(last_fd_call(FAKE_FD_MOD, -1), -1);

	/* An empty frame in the middle is taken and not written */
	iov[0].iov_len = lens[0];
	iov[1].iov_len = 0;
	iov[2].iov_base = frames[1];
	iov[2].iov_len = lens[1];
	CU_ASSERT_EQUAL(passt_module.send(mod, iov, 3), 3);
	CU_ASSERT_EQUAL(read_frames(&c, 0, lens, 2, false), 2);
	close(c.fd);
	stop();
}

static uint8_t big_frames[300][BIG_FRAME];
static struct iovec big_iov[300];
static size_t big_lens[300];

/**
 * big_client() - Connect a client with a tiny send buffer, make 300 big
 * big_frames, each a byte shorter than the one before
 * @c:		Client to connect
 */
static void big_client(struct client *c)
{
	int sndbuf = 4096, i;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(c);
	CU_ASSERT_EQUAL(setsockopt(c->sfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				   sizeof(sndbuf)), 0);
	for (i = 0; i < 300; i++) {
		big_lens[i] = BIG_FRAME - (size_t)i;
		fill(big_frames[i], big_lens[i], (unsigned int)i);
		big_iov[i].iov_base = big_frames[i];
		big_iov[i].iov_len = big_lens[i];
	}
}

/**
 * test_send_partial() - The socket takes part of a batch: the rest waits,
 * in order, for EPOLLOUT; what doesn't fit is dropped, never reordered
 */
static void test_send_partial(void)
{
	struct client c;
	size_t taken;
	int rc, i;

	big_client(&c);

	rc = passt_module.send(mod, big_iov, 300);
	CU_ASSERT_FATAL(rc > 0 && rc < 300);
	taken = (size_t)rc;
	/* About 2 MiB of pending big_frames, plus what the socket took */
	CU_ASSERT(taken * BIG_FRAME > WBUF_SIZE - 2 * BIG_FRAME);
	CU_ASSERT(taken * BIG_FRAME < WBUF_SIZE + 4 * BIG_FRAME);
	/* Less free than the reserve: the core is told there is no room */
	CU_ASSERT_EQUAL(fake_core.tx_window, 0);
	i = last_fd_call(FAKE_FD_MOD, c.sfd);
	CU_ASSERT_FATAL(i >= 0);
	CU_ASSERT_EQUAL(fake_core.fd_calls[i].events, EPOLLIN | EPOLLOUT);
	CU_ASSERT_EQUAL(fake_core.fd_calls[i].data, c.gen);

	/* Behind the pending bytes, in order: the frame that didn't fit
	 * still doesn't, so nothing is taken, not even smaller ones after it
	 */
	rc = passt_module.send(mod, big_iov + taken, 300 - taken);
	CU_ASSERT_EQUAL(rc, 0);

	/* Each frame not taken counts once for SIGUSR1, in both calls */
	{
		struct passt_stat st[PASST_STATS_MAX];
		size_t j, k = passt_module.stats(mod, st, PASST_STATS_MAX);
		uint64_t drops = UINT64_MAX;

		for (j = 0; j < k; j++)
			if (!strcmp(st[j].name, "drop_no_room"))
				drops = st[j].value;
		CU_ASSERT_EQUAL(drops, 2 * (300 - taken));
	}

	CU_ASSERT_EQUAL(read_frames(&c, 0, big_lens, taken, true), taken);
	i = last_fd_call(FAKE_FD_MOD, c.sfd);
	CU_ASSERT_EQUAL(fake_core.fd_calls[i].events, EPOLLIN);
	CU_ASSERT(fake_core_log_find("frames to it dropped") >= 0);
	CU_ASSERT_EQUAL(fake_core.tx_window, WBUF_SIZE - TX_RESERVE);

	/* Drained: big_frames are written directly again */
	CU_ASSERT_EQUAL(passt_module.send(mod, big_iov + 10, 1), 1);
	CU_ASSERT_EQUAL(read_frames(&c, 10, big_lens + 10, 1, true), 1);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	close(c.fd);
	stop();
}

/**
 * test_send_ring_wrap() - Frames queued while the pending ring is half
 * drained wrap around its end, and still come out whole and in order
 */
static void test_send_ring_wrap(void)
{
	size_t taken, more;
	struct client c;
	int rc;

	big_client(&c);
	rc = passt_module.send(mod, big_iov, 300);
	CU_ASSERT_FATAL(rc > 25 && rc < 50);
	taken = (size_t)rc;

	/* About half of the ring goes out, the rest stays; the core hears
	 * of the room made
	 */
	CU_ASSERT_EQUAL_FATAL(read_frames_more(&c, 0, big_lens, 18, true,
					       false), 18);
	CU_ASSERT(fake_core.tx_window > WBUF_SIZE / 2 - TX_RESERVE -
					2 * BIG_FRAME);
	CU_ASSERT(fake_core.tx_window < WBUF_SIZE - TX_RESERVE);
	rc = passt_module.send(mod, big_iov + taken, 300 - taken);
	CU_ASSERT_FATAL(rc > 8);		/* about 1 MiB was freed */
	more = (size_t)rc;
	CU_ASSERT(taken + more < 300);

	CU_ASSERT_EQUAL(read_frames(&c, 18, big_lens + 18, taken + more - 18,
				    true), taken + more - 18);
	CU_ASSERT_EQUAL(fake_core.resets, 0);
	close(c.fd);
	stop();
}

/**
 * test_send_peer_gone() - Writing to a client that left: no signal, the
 * client is closed from on_fd(), and the next one works
 */
static void test_send_peer_gone(void)
{
	uint8_t f[60] = { 0 };
	struct iovec iov = { f, sizeof(f) };
	struct client c;

	CU_ASSERT_EQUAL_FATAL(start(NULL, 0), 0);
	connect_client(&c);
	close(c.fd);
	CU_ASSERT_EQUAL(passt_module.send(mod, &iov, 1), 0);	/* EPIPE */
	CU_ASSERT_EQUAL(fake_core.resets, 0);		/* not from send() */
	CU_ASSERT_EQUAL(passt_module.send(mod, &iov, 1), 0);
	on_client(&c, EPOLLOUT | EPOLLHUP);
	CU_ASSERT_EQUAL(fake_core.resets, 1);
	CU_ASSERT(last_fd_call(FAKE_FD_DEL, c.sfd) >= 0);
	check_next_client();
	stop();
}

/**
 * suite_setup() - A temporary directory for the sockets
 *
 * Return: 0
 */
static void setup(void)
{
	if (dir[0])
		return;
	strcpy(dir, "/tmp/qemu_stream_test.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
}

/**
 * test_setup() - First test: make the directory
 */
static void test_setup(void)
{
	setup();
	CU_ASSERT(dir[0] != '\0');
}

/**
 * test_cleanup() - Last test: remove the directory
 */
static void test_cleanup(void)
{
	unlink(path);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

UNIT_SUITE(qemu_stream,
	{ "setup", test_setup },
	{ "descriptor", test_descriptor },
	{ "config_errors", test_config_errors },
	{ "default_socket", test_default_socket },
	{ "socket_file_mode", test_socket_file_mode },
	{ "qemu_command_line", test_qemu_command_line },
	{ "stale_socket", test_stale_socket },
	{ "live_socket", test_live_socket },
	{ "not_a_socket", test_not_a_socket },
	{ "fini_closes", test_fini_closes },
	{ "frames_one_read", test_frames_one_read },
	{ "many_frames", test_many_frames },
	{ "frame_split", test_frame_split },
	{ "header_split", test_header_split },
	{ "zero_length", test_zero_length },
	{ "huge_length", test_huge_length },
	{ "mtu_limit", test_mtu_limit },
	{ "close_mid_frame", test_close_mid_frame },
	{ "garbage", test_garbage },
	{ "second_client_refused", test_second_client_refused },
	{ "quick_reconnect", test_quick_reconnect },
	{ "stale_generation", test_stale_generation },
	{ "send_none_connected", test_send_none_connected },
	{ "send_frames", test_send_frames },
	{ "send_partial", test_send_partial },
	{ "send_ring_wrap", test_send_ring_wrap },
	{ "send_peer_gone", test_send_peer_gone },
	{ "cleanup", test_cleanup })
