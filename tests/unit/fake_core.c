// SPDX-License-Identifier: GPL-2.0-or-later
/* fake_core.c - A fake passt core for module unit tests
 *
 * See fake_core.h for how to use it. Everything here is allowed to allocate
 * and print: it runs in tests, never in the daemon. State is one global, as
 * only one module is loaded at a time; fake_core_load() starts afresh.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "fake_core.h"

/**
 * enum fake_cfg_type - Type of a configuration value
 * @FAKE_CFG_INT:	Integer
 * @FAKE_CFG_BOOL:	Boolean
 * @FAKE_CFG_STR:	String
 * @FAKE_CFG_LIST:	List of strings
 */
enum fake_cfg_type {
	FAKE_CFG_INT,
	FAKE_CFG_BOOL,
	FAKE_CFG_STR,
	FAKE_CFG_LIST,
};

/**
 * struct fake_cfg - One configuration key of the module's group
 * @key:	Key, kept by pointer
 * @s:		String value, kept by pointer
 * @list:	List elements, kept by pointer
 * @n:		Number of elements in @list
 * @i:		Integer value
 * @type:	Type of the value
 * @b:		Boolean value
 */
struct fake_cfg {
	const char *key;
	const char *s;
	const char *const *list;
	size_t n;
	long long i;
	enum fake_cfg_type type;
	bool b;
};

/**
 * struct fake_flow - One entry of the fake flow table
 * @used:	Allocated
 * @type:	Module's tag
 * @hashed:	Which sides are findable
 * @f:		The flow as the module sees it
 */
struct fake_flow {
	bool used;
	uint8_t type;
	bool hashed[2];
	struct passt_flow f;
};

/**
 * struct passt_mod - The fake core's record of the loaded module
 * @desc:	Its descriptor
 * @priv:	Its private state
 * @inited:	init() succeeded, so unloading calls fini()
 */
struct passt_mod {
	struct passt_mod_head head;	/* first: passt_core(), passt_priv() */
	const struct passt_module *desc;
	bool inited;
};

struct fake_core fake_core;

static struct passt_mod fake_core_mod;
static struct fake_cfg fake_core_cfg[FAKE_CORE_CFG_MAX];
static size_t fake_core_n_cfg;
static struct fake_flow fake_core_flows[FAKE_CORE_FLOWS_MAX];
static uint8_t *fake_core_pending;	/* frame_alloc() buffer */
static size_t fake_core_pending_len;

/**
 * fake_core_flow_cap() - Usable size of the flow table
 *
 * Return: fake_core.flow_max, at most FAKE_CORE_FLOWS_MAX
 */
static unsigned int fake_core_flow_cap(void)
{
	return fake_core.flow_max < FAKE_CORE_FLOWS_MAX ?
	       fake_core.flow_max : FAKE_CORE_FLOWS_MAX;
}

static const char *const fake_core_level_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info",
	"debug", "trace",
};

/**
 * fake_core_log() - Record, count and maybe print a log line
 * @m:		Module
 * @level:	PASST_LOG_*, maybe or'ed with PASST_LOG_RATELIMIT
 * @fmt:	Format string
 */
static void fake_core_log(struct passt_mod *m, int level, const char *fmt,
			  ...)
	__attribute__((format(printf, 3, 4)));

/**
 * fake_core_check() - Count a call with a module pointer other than ours
 * @m:		Module pointer given by the caller
 * @what:	Name of the service, for the log
 *
 * Return: true if @m is the loaded module
 */
static bool fake_core_check(const struct passt_mod *m, const char *what)
{
	if (m == &fake_core_mod && m->desc)
		return true;

	fake_core.misuse++;
	fake_core_log(NULL, PASST_LOG_ERR, "%s() called with module %p, not %p",
		      what, (const void *)m, (void *)&fake_core_mod);
	return false;
}

static void fake_core_log(struct passt_mod *m, int level, const char *fmt,
			  ...)
{
	int lv = level & ~PASST_LOG_RATELIMIT;
	char text[FAKE_CORE_LOG_LEN];
	va_list ap;

	(void)m;	/* not checked: fake_core_check() logs through here */

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	if (lv < 0)
		lv = 0;
	if (lv > PASST_LOG_TRACE)
		lv = PASST_LOG_TRACE;
	fake_core.log_count[lv]++;

	if (fake_core.n_logs < FAKE_CORE_LOGS_MAX) {
		struct fake_log *l = &fake_core.logs[fake_core.n_logs++];

		l->level = lv;
		l->ratelimit = !!(level & PASST_LOG_RATELIMIT);
		memcpy(l->text, text, sizeof(l->text));
	}

	if (getenv("FAKE_CORE_VERBOSE")) {
		const char *name = fake_core.desc ? fake_core.desc->name : "?";

		(void)fprintf(stderr, "fake_core: %s: %s: %s\n", name,
			fake_core_level_names[lv], text);
	}
}

/**
 * fake_core_cfg_declared() - Check that the module declared a key
 * @key:	Key it asked for
 */
static void fake_core_cfg_declared(const char *key)
{
	const char *const *k;

	for (k = fake_core.desc->config_keys; k && *k; k++)
		if (!strcmp(*k, key))
			return;

	fake_core.misuse++;
	fake_core_log(NULL, PASST_LOG_ERR, "config key '%s' not declared", key);
}

/**
 * fake_core_cfg_get() - Find a configuration key
 * @m:		Module
 * @key:	Key
 *
 * Return: entry, or NULL if absent
 */
static const struct fake_cfg *fake_core_cfg_get(struct passt_mod *m,
						const char *key)
{
	size_t i;

	if (!fake_core_check(m, "cfg"))
		return NULL;
	fake_core_cfg_declared(key);

	for (i = 0; i < fake_core_n_cfg; i++)
		if (!strcmp(fake_core_cfg[i].key, key))
			return &fake_core_cfg[i];
	return NULL;
}

/**
 * fake_core_cfg_int() - cfg_int() service
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type
 */
static int fake_core_cfg_int(struct passt_mod *m, const char *key,
			     long long *v)
{
	const struct fake_cfg *c = fake_core_cfg_get(m, key);

	if (!c)
		return 1;
	if (c->type != FAKE_CFG_INT)
		return -EINVAL;
	*v = c->i;
	return 0;
}

/**
 * fake_core_cfg_bool() - cfg_bool() service
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type
 */
static int fake_core_cfg_bool(struct passt_mod *m, const char *key, bool *v)
{
	const struct fake_cfg *c = fake_core_cfg_get(m, key);

	if (!c)
		return 1;
	if (c->type != FAKE_CFG_BOOL)
		return -EINVAL;
	*v = c->b;
	return 0;
}

/**
 * fake_core_cfg_str() - cfg_str() service
 * @m:		Module
 * @key:	Key
 * @v:		Value, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL wrong type
 */
static int fake_core_cfg_str(struct passt_mod *m, const char *key,
			     const char **v)
{
	const struct fake_cfg *c = fake_core_cfg_get(m, key);

	if (!c)
		return 1;
	if (c->type != FAKE_CFG_STR)
		return -EINVAL;
	*v = c->s;
	return 0;
}

/**
 * fake_core_cfg_list_len() - cfg_list_len() service
 * @m:		Module
 * @key:	Key
 * @n:		Number of elements, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL not a list
 */
static int fake_core_cfg_list_len(struct passt_mod *m, const char *key,
				  size_t *n)
{
	const struct fake_cfg *c = fake_core_cfg_get(m, key);

	if (!c)
		return 1;
	if (c->type != FAKE_CFG_LIST)
		return -EINVAL;
	*n = c->n;
	return 0;
}

/**
 * fake_core_cfg_list_str() - cfg_list_str() service
 * @m:		Module
 * @key:	Key
 * @idx:	Element index
 * @v:		Element, set if found
 *
 * Return: 0 found, 1 absent, -EINVAL not a list or @idx out of range
 */
static int fake_core_cfg_list_str(struct passt_mod *m, const char *key,
				  size_t idx, const char **v)
{
	const struct fake_cfg *c = fake_core_cfg_get(m, key);

	if (!c)
		return 1;
	if (c->type != FAKE_CFG_LIST || idx >= c->n)
		return -EINVAL;
	*v = c->list[idx];
	return 0;
}

/**
 * fake_core_net() - net() service: @m may be NULL, as the ABI allows
 * @m:		Module, or NULL
 *
 * Return: the test's network settings
 */
static const struct passt_netcfg *fake_core_net(struct passt_mod *m)
{
	if (m)
		fake_core_check(m, "net");
	return &fake_core.net;
}

/**
 * fake_core_fd_record() - Record one fd service call
 * @op:		Which service
 * @fd:		File descriptor
 * @events:	Events
 * @type:	Module's fd type
 * @data:	Module's data
 */
static void fake_core_fd_record(enum fake_fd_op op, int fd, uint32_t events,
				uint8_t type, uint32_t data)
{
	struct fake_fd_call *c;

	if (fake_core.n_fd_calls >= FAKE_CORE_FD_CALLS_MAX)
		return;
	c = &fake_core.fd_calls[fake_core.n_fd_calls++];
	c->op = op;
	c->fd = fd;
	c->events = events;
	c->type = type;
	c->data = data;
}

/**
 * fake_core_fd_add() - fd_add() service
 * @m:		Module
 * @fd:		File descriptor
 * @events:	Events
 * @type:	Module's fd type
 * @data:	Module's data
 *
 * Return: fake_core.fd_err
 */
static int fake_core_fd_add(struct passt_mod *m, int fd, uint32_t events,
			    uint8_t type, uint32_t data)
{
	fake_core_check(m, "fd_add");
	fake_core_fd_record(FAKE_FD_ADD, fd, events, type, data);
	return fake_core.fd_err;
}

/**
 * fake_core_fd_mod() - fd_mod() service
 * @m:		Module
 * @fd:		File descriptor
 * @events:	Events
 * @type:	Module's fd type
 * @data:	Module's data
 *
 * Return: fake_core.fd_err
 */
static int fake_core_fd_mod(struct passt_mod *m, int fd, uint32_t events,
			    uint8_t type, uint32_t data)
{
	fake_core_check(m, "fd_mod");
	fake_core_fd_record(FAKE_FD_MOD, fd, events, type, data);
	return fake_core.fd_err;
}

/**
 * fake_core_fd_del() - fd_del() service
 * @m:		Module
 * @fd:		File descriptor
 */
static void fake_core_fd_del(struct passt_mod *m, int fd)
{
	fake_core_check(m, "fd_del");
	fake_core_fd_record(FAKE_FD_DEL, fd, 0, 0, 0);
}

/**
 * fake_core_timer_arm() - timer_arm() service
 * @m:		Module
 * @ms:		Delay, 0 cancels
 */
static void fake_core_timer_arm(struct passt_mod *m, uint32_t ms)
{
	fake_core_check(m, "timer_arm");
	fake_core.timer_calls++;
	fake_core.timer_ms = ms;
}

/**
 * fake_core_defer() - defer() service
 * @m:		Module
 */
static void fake_core_defer(struct passt_mod *m)
{
	fake_core_check(m, "defer");
	fake_core.defers++;
}

/**
 * fake_core_now_op() - now() service
 * @m:		Module
 *
 * Return: fake_core.now
 */
static const struct timespec *fake_core_now_op(struct passt_mod *m)
{
	fake_core_check(m, "now");
	return &fake_core.now;
}

/**
 * fake_core_priv_op() - priv() service
 * @m:		Module
 *
 * Return: its priv block
 */
static void *fake_core_priv_op(struct passt_mod *m)
{
	if (!fake_core_check(m, "priv"))
		return NULL;
	return m->head.priv;
}

/**
 * fake_core_record() - Append a copy of a frame to a list
 * @list:	List
 * @n:		Entries in @list, updated
 * @data:	Frame, or NULL to take ownership of @own instead
 * @own:	malloc'ed frame to take over, if @data is NULL
 * @len:	Frame length
 *
 * Return: 0, or -ENOBUFS if the list is full (@own is then freed)
 */
static int fake_core_record(struct fake_frame *list, unsigned int *n,
			    const void *data, uint8_t *own, size_t len)
{
	uint8_t *copy = own;

	if (*n >= FAKE_CORE_FRAMES_MAX) {
		free(own);
		return -ENOBUFS;
	}
	if (data) {
		copy = malloc(len ? len : 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	list[*n].data = copy;
	list[*n].len = len;
	(*n)++;
	/* Frames to the guest take room, as queued frames do in the core */
	if (list == fake_core.to_guest && fake_core.tx_room != SIZE_MAX)
		fake_core.tx_room -= len < fake_core.tx_room ? len
							     : fake_core.tx_room;
	return 0;
}

/**
 * fake_core_frame_alloc() - frame_alloc() service
 * @m:		Module
 * @len:	Frame size wanted
 *
 * Return: exactly @len bytes (uninitialised), or NULL
 */
static void *fake_core_frame_alloc(struct passt_mod *m, size_t len)
{
	fake_core_check(m, "frame_alloc");

	free(fake_core_pending);
	fake_core_pending = NULL;
	fake_core_pending_len = 0;

	if (fake_core.frame_fail || !len || len > FAKE_CORE_FRAME_LEN_MAX ||
	    fake_core.n_to_guest >= FAKE_CORE_FRAMES_MAX)
		return NULL;

	fake_core_pending = malloc(len);
	if (fake_core_pending) {
		/* Garbage, not zeroes, so a module relying on zeroed
		 * buffers fails its tests
		 */
		memset(fake_core_pending, 0xa5, len);
		fake_core_pending_len = len;
	}
	return fake_core_pending;
}

/**
 * fake_core_frame_send() - frame_send() service
 * @m:		Module
 * @len:	Length of the frame built in the frame_alloc() buffer
 *
 * Return: 0, or -EINVAL without a buffer or if @len is too long
 */
static int fake_core_frame_send(struct passt_mod *m, size_t len)
{
	uint8_t *buf = fake_core_pending;

	fake_core_check(m, "frame_send");

	if (!buf || len > fake_core_pending_len) {
		fake_core.misuse++;
		fake_core_log(NULL, PASST_LOG_ERR,
			      "frame_send(%zu) without a buffer that big", len);
		return -EINVAL;
	}
	fake_core_pending = NULL;
	fake_core_pending_len = 0;
	return fake_core_record(fake_core.to_guest, &fake_core.n_to_guest,
				NULL, buf, len);
}

#define FAKE_CORE_RESERVE_MAX	256
static uint8_t *fake_core_res[FAKE_CORE_RESERVE_MAX];
static size_t fake_core_res_n, fake_core_res_len;

/**
 * fake_core_res_free() - Release the slots of the last reservation
 */
static void fake_core_res_free(void)
{
	size_t i;

	for (i = 0; i < fake_core_res_n; i++) {
		free(fake_core_res[i]);
		fake_core_res[i] = NULL;
	}
	fake_core_res_n = 0;
}

/**
 * fake_core_frames_reserve() - frames_reserve() service: separate buffers
 * @m:		Module
 * @n:		Frames wanted
 * @len:	Largest length of each
 * @bufs:	Set to each slot
 *
 * Return: slots reserved (fewer when FAKE_CORE_FRAMES_MAX is near, or
 *	   fake_core.reserve_max is set and smaller)
 */
static size_t fake_core_frames_reserve(struct passt_mod *m, size_t n,
				       size_t len, uint8_t **bufs)
{
	size_t i, room;

	fake_core_check(m, "frames_reserve");
	fake_core_res_free();
	if (fake_core.frame_fail || !len || len > FAKE_CORE_FRAME_LEN_MAX)
		return 0;

	room = FAKE_CORE_FRAMES_MAX - fake_core.n_to_guest;
	n = n < room ? n : room;
	n = n < FAKE_CORE_RESERVE_MAX ? n : FAKE_CORE_RESERVE_MAX;
	if (fake_core.reserve_max && n > fake_core.reserve_max)
		n = fake_core.reserve_max;
	for (i = 0; i < n; i++) {
		fake_core_res[i] = malloc(len);
		if (!fake_core_res[i])
			break;
		memset(fake_core_res[i], 0xa5, len);
		bufs[i] = fake_core_res[i];
	}
	fake_core_res_n = i;
	fake_core_res_len = len;
	return i;
}

/**
 * fake_core_frames_commit() - frames_commit() service: record each frame
 * @m:		Module
 * @n:		Frames to queue
 * @lens:	Their lengths, 0 skips a slot
 *
 * Return: 0, or -EINVAL beyond the reservation (counted as misuse)
 */
static int fake_core_frames_commit(struct passt_mod *m, size_t n,
				   const size_t *lens)
{
	size_t i;

	fake_core_check(m, "frames_commit");
	if (n > fake_core_res_n)
		goto misuse;
	for (i = 0; i < n; i++)
		if (lens[i] > fake_core_res_len)
			goto misuse;
	for (i = 0; i < n; i++) {
		if (!lens[i])
			continue;
		fake_core_record(fake_core.to_guest, &fake_core.n_to_guest,
				 NULL, fake_core_res[i], lens[i]);
		fake_core_res[i] = NULL;	/* the record owns it now */
	}
	fake_core_res_free();
	return 0;
misuse:
	fake_core.misuse++;
	fake_core_log(NULL, PASST_LOG_ERR, "frames_commit(%zu) beyond the "
		      "reservation of %zu", n, fake_core_res_n);
	fake_core_res_free();
	return -EINVAL;
}

/**
 * fake_core_gather() - Copy iovecs into one new buffer
 * @iov:	Parts
 * @n:		Number of parts
 * @len:	Total length, set on success
 *
 * Return: malloc'ed buffer, or NULL
 */
static uint8_t *fake_core_gather(const struct iovec *iov, size_t n,
				 size_t *len)
{
	size_t i, tot = 0, off = 0;
	uint8_t *buf;

	for (i = 0; i < n; i++)
		tot += iov[i].iov_len;
	buf = malloc(tot ? tot : 1);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len)
			memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	*len = tot;
	return buf;
}

/**
 * fake_core_to_guest() - to_guest() service
 * @m:		Module
 * @iov:	Parts of one frame
 * @n:		Number of parts
 *
 * Return: 0, -ENOBUFS if fake_core.frame_fail or full, -ENOMEM
 */
static int fake_core_to_guest(struct passt_mod *m, const struct iovec *iov,
			      size_t n)
{
	uint8_t *buf;
	size_t len;

	fake_core_check(m, "to_guest");
	if (fake_core.frame_fail)
		return -ENOBUFS;
	buf = fake_core_gather(iov, n, &len);
	if (!buf)
		return -ENOMEM;
	return fake_core_record(fake_core.to_guest, &fake_core.n_to_guest,
				NULL, buf, len);
}

/**
 * fake_core_flush() - flush() service
 * @m:		Module
 */
static void fake_core_flush(struct passt_mod *m)
{
	fake_core_check(m, "flush");
	fake_core.flushes++;
}

/**
 * fake_core_from_guest() - from_guest() service: records the frames
 * @m:		Module (a backend)
 * @f:		Frames
 * @n:		Number of frames
 *
 * Return: 0, or -ENOBUFS if the list is full
 */
static int fake_core_from_guest(struct passt_mod *m,
				const struct passt_frame *f, size_t n)
{
	size_t i;

	fake_core_check(m, "from_guest");
	for (i = 0; i < n; i++) {
		int rc = fake_core_record(fake_core.from_guest,
				      &fake_core.n_from_guest, f[i].data, NULL,
				      f[i].len);
		if (rc)
			return rc;
		fake_core.from_guest[fake_core.n_from_guest - 1].flags =
			f[i].flags;
	}
	return 0;
}

/**
 * fake_core_guest_reset() - guest_reset() service
 * @m:		Module
 */
static void fake_core_guest_reset(struct passt_mod *m)
{
	fake_core_check(m, "guest_reset");
	fake_core.resets++;
}

/**
 * fake_core_command() - command() service: the test's fake_core.command
 * @m:		Module
 *
 * Return: fake_core.command (NULL unless a test set it)
 */
static char *const *fake_core_command(struct passt_mod *m)
{
	(void)m;
	return fake_core.command;
}

/**
 * fake_core_guest_socket() - guest_socket() service: fake_core.guest_socket
 * @m:		Module
 * @domain:	socket(2) domain
 * @type:	socket(2) type
 * @protocol:	socket(2) protocol
 *
 * Return: a socket made here (in the test's namespace) if the test set
 *	   fake_core.guest_sockets, else -ENOTSUP
 */
static int fake_core_guest_socket(struct passt_mod *m, int domain, int type,
				  int protocol)
{
	int fd;

	(void)m;
	if (!fake_core.guest_sockets)
		return -ENOTSUP;
	fd = socket(domain, type, protocol);
	return fd < 0 ? -errno : fd;
}

/**
 * fake_core_claimed() - claimed() service: the test's fake_core.claimed
 * @m:		Module
 * @claim:	Claim asked about
 *
 * Return: true if @claim equals one of fake_core.claims (zeroed end)
 */
static bool fake_core_claimed(struct passt_mod *m,
			      const struct passt_claim *claim)
{
	const struct passt_claim *c;

	(void)m;
	for (c = fake_core.claims; c && c->ethertype; c++)
		if (c->ethertype == claim->ethertype &&
		    c->l4proto == claim->l4proto && c->l4dst == claim->l4dst)
			return true;
	return false;
}

/**
 * fake_core_quit() - quit() service
 * @m:		Module
 * @status:	Exit status
 */
static void fake_core_quit(struct passt_mod *m, int status)
{
	fake_core_check(m, "quit");
	fake_core.quit_called = true;
	fake_core.quit_status = status;
}

/**
 * fake_core_flow_new() - flow_new() service
 * @m:		Module
 * @proto:	IP protocol
 * @type:	Module's tag
 *
 * Return: index, or -ENOSPC
 */
static int fake_core_flow_new(struct passt_mod *m, uint8_t proto,
			      uint8_t type)
{
	unsigned int i;

	fake_core_check(m, "flow_new");
	for (i = 0; i < fake_core_flow_cap(); i++) {
		struct fake_flow *e = &fake_core_flows[i];

		if (e->used)
			continue;
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->type = type;
		e->f.proto = proto;
		e->f.type = type;
		return (int)i;
	}
	return -ENOSPC;
}

/**
 * fake_core_flow_at() - flow_at() service
 * @m:		Module
 * @idx:	Index
 *
 * Return: flow, or NULL if @idx is free or out of range
 */
static struct passt_flow *fake_core_flow_at(struct passt_mod *m,
					    unsigned int idx)
{
	fake_core_check(m, "flow_at");
	if (idx >= fake_core_flow_cap() || !fake_core_flows[idx].used)
		return NULL;
	return &fake_core_flows[idx].f;
}

/**
 * fake_core_side_match() - Whether a flow side has a given tuple
 * @s:		Side
 * @pif:	Interface
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 *
 * Return: true on a match
 */
static bool fake_core_side_match(const struct passt_flowside *s, uint8_t pif,
				 const union passt_inany *eaddr, uint16_t eport,
				 const union passt_inany *oaddr, uint16_t oport)
{
	return s->pif == pif && s->eport == eport && s->oport == oport &&
	       memcmp(&s->eaddr, eaddr, sizeof(*eaddr)) == 0 &&
	       memcmp(&s->oaddr, oaddr, sizeof(*oaddr)) == 0;
}

/**
 * fake_core_flow_search() - Find a hashed flow side by tuple
 * @pif:	Interface
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 * @side:	Side found, set if not NULL
 *
 * Return: index, or -ENOENT
 */
static int fake_core_flow_search(uint8_t pif, uint8_t proto,
				 const union passt_inany *eaddr, uint16_t eport,
				 const union passt_inany *oaddr, uint16_t oport,
				 unsigned int *side)
{
	unsigned int i, s;

	for (i = 0; i < fake_core_flow_cap(); i++) {
		const struct fake_flow *e = &fake_core_flows[i];

		if (!e->used || e->f.proto != proto)
			continue;
		for (s = 0; s < 2; s++) {
			if (!e->hashed[s] ||
			    !fake_core_side_match(&e->f.side[s], pif, eaddr,
						  eport, oaddr, oport))
				continue;
			if (side)
				*side = s;
			return (int)i;
		}
	}
	return -ENOENT;
}

/**
 * fake_core_flow_hash() - flow_hash() service
 * @m:		Module
 * @idx:	Flow index
 * @side:	Side to make findable
 *
 * Return: 0, -EEXIST on a duplicate tuple, -EINVAL on a bad flow or side
 */
static int fake_core_flow_hash(struct passt_mod *m, unsigned int idx,
			       unsigned int side)
{
	const struct passt_flowside *s;
	struct fake_flow *e;
	int other;

	fake_core_check(m, "flow_hash");
	if (idx >= fake_core_flow_cap() || side > 1 ||
	    !fake_core_flows[idx].used)
		return -EINVAL;
	e = &fake_core_flows[idx];
	s = &e->f.side[side];

	other = fake_core_flow_search(s->pif, e->f.proto, &s->eaddr, s->eport,
				      &s->oaddr, s->oport, NULL);
	if (other >= 0 && (unsigned int)other != idx)
		return -EEXIST;
	e->hashed[side] = true;
	return 0;
}

/**
 * fake_core_flow_find() - flow_find() service
 * @m:		Module
 * @pif:	Interface
 * @proto:	IP protocol
 * @eaddr:	Endpoint address
 * @eport:	Endpoint port
 * @oaddr:	Our address
 * @oport:	Our port
 * @side:	Side found, set if not NULL
 *
 * Return: index, or -ENOENT
 */
static int fake_core_flow_find(struct passt_mod *m, uint8_t pif,
			       uint8_t proto, const union passt_inany *eaddr,
			       uint16_t eport, const union passt_inany *oaddr,
			       uint16_t oport, unsigned int *side)
{
	fake_core_check(m, "flow_find");
	return fake_core_flow_search(pif, proto, eaddr, eport, oaddr, oport,
				     side);
}

/**
 * fake_core_flow_free() - flow_free() service
 * @m:		Module
 * @idx:	Flow index
 */
static void fake_core_flow_free(struct passt_mod *m, unsigned int idx)
{
	fake_core_check(m, "flow_free");
	if (idx >= fake_core_flow_cap() || !fake_core_flows[idx].used) {
		fake_core.misuse++;
		fake_core_log(NULL, PASST_LOG_ERR, "flow_free(%u): not in use",
			      idx);
		return;
	}
	memset(&fake_core_flows[idx], 0, sizeof(fake_core_flows[idx]));
}

/**
 * fake_core_flow_max() - flow_max() service
 * @m:		Module
 *
 * Return: capacity of the flow table
 */
static unsigned int fake_core_flow_max(struct passt_mod *m)
{
	fake_core_check(m, "flow_max");
	return fake_core_flow_cap();
}

/**
 * fake_core_fwd_rule() - fwd_rule() service
 * @m:		Module
 * @idx:	Rule index
 *
 * Return: rule, or NULL
 */
static const struct passt_fwd_rule *fake_core_fwd_rule(struct passt_mod *m,
						       unsigned int idx)
{
	fake_core_check(m, "fwd_rule");
	return idx < fake_core.n_rules ? &fake_core.rules[idx] : NULL;
}

/**
 * fake_core_addr_any() - Whether a rule address is unspecified
 * @a:		Address
 *
 * Return: true for :: and for 0.0.0.0 (IPv4-mapped)
 */
static bool fake_core_addr_any(const union passt_inany *a)
{
	const struct in_addr *a4 = passt_inany_v4(a);

	if (a4)
		return !a4->s_addr;
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

/**
 * fake_core_fwd_lookup() - fwd_lookup() service
 * @m:		Module
 * @pif:	Interface packets arrive on
 * @proto:	IP protocol
 * @addr:	Destination address
 * @port:	Destination port
 *
 * Return: index of the first matching rule, or -ENOENT
 */
static int fake_core_fwd_lookup(struct passt_mod *m, uint8_t pif,
				uint8_t proto, const union passt_inany *addr,
				uint16_t port)
{
	size_t i;

	fake_core_check(m, "fwd_lookup");
	for (i = 0; i < fake_core.n_rules; i++) {
		const struct passt_fwd_rule *r = &fake_core.rules[i];

		if (r->proto != proto || r->from != pif ||
		    port < r->first || port > r->last)
			continue;
		if (fake_core_addr_any(&r->addr) ||
		    memcmp(&r->addr, addr, sizeof(*addr)) == 0)
			return (int)i;
	}
	return -ENOENT;
}

/**
 * fake_core_pif_name() - pif_name() service
 * @m:		Module
 * @pif:	Interface
 *
 * Return: name of a built-in pif, or NULL
 */
static const char *fake_core_pif_name(struct passt_mod *m, uint8_t pif)
{
	static const char *const names[] = { "none", "tap", "host", "splice" };

	fake_core_check(m, "pif_name");
	return pif < sizeof(names) / sizeof(names[0]) ? names[pif] : NULL;
}

/**
 * fake_core_csum() - Portable 16-bit ones' complement sum, unfolded
 * @buf:	Data
 * @len:	Length in bytes
 * @init:	Sum to add to
 *
 * Words are loaded in memory order, so the folded result, stored as is,
 * is the checksum in network order on either endianness
 *
 * Return: 32-bit partial sum
 */
uint32_t fake_core_csum(const void *buf, size_t len, uint32_t init)
{
	const uint8_t *p = buf;
	uint64_t sum = init;
	uint16_t w;

	for (; len >= 2; p += 2, len -= 2) {
		memcpy(&w, p, 2);
		sum += w;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		sum += w;
	}
	while (sum >> 32)
		sum = (sum & 0xffffffff) + (sum >> 32);
	return (uint32_t)sum;
}

/**
 * fake_core_tx_room() - Answer fake_core.tx_room, record a short answer
 * @m:		Module
 * @want:	Bytes it needs
 *
 * Return: fake_core.tx_room
 */
static size_t fake_core_tx_room(struct passt_mod *m, size_t want)
{
	(void)fake_core_check(m, "tx_room");
	if (fake_core.tx_room < want) {
		fake_core.tx_waits++;
		fake_core.tx_want = want;
	}
	return fake_core.tx_room;
}

/**
 * fake_core_tx_window() - Record what the backend says it can take
 * @m:		Module
 * @bytes:	Bytes
 */
static void fake_core_tx_window(struct passt_mod *m, size_t bytes)
{
	(void)fake_core_check(m, "tx_window");
	fake_core.tx_window = bytes;
	fake_core.tx_windows++;
}

const struct passt_core_ops fake_core_ops = {
	.size		= sizeof(struct passt_core_ops),
	.log		= fake_core_log,
	.cfg_int	= fake_core_cfg_int,
	.cfg_bool	= fake_core_cfg_bool,
	.cfg_str	= fake_core_cfg_str,
	.cfg_list_len	= fake_core_cfg_list_len,
	.cfg_list_str	= fake_core_cfg_list_str,
	.net		= fake_core_net,
	.fd_add		= fake_core_fd_add,
	.fd_mod		= fake_core_fd_mod,
	.fd_del		= fake_core_fd_del,
	.timer_arm	= fake_core_timer_arm,
	.defer		= fake_core_defer,
	.now		= fake_core_now_op,
	.priv		= fake_core_priv_op,
	.frame_alloc	= fake_core_frame_alloc,
	.frame_send	= fake_core_frame_send,
	.frames_reserve	= fake_core_frames_reserve,
	.frames_commit	= fake_core_frames_commit,
	.to_guest	= fake_core_to_guest,
	.flush		= fake_core_flush,
	.from_guest	= fake_core_from_guest,
	.guest_reset	= fake_core_guest_reset,
	.quit		= fake_core_quit,
	.command	= fake_core_command,
	.guest_socket	= fake_core_guest_socket,
	.claimed	= fake_core_claimed,
	.flow_new	= fake_core_flow_new,
	.flow_at	= fake_core_flow_at,
	.flow_hash	= fake_core_flow_hash,
	.flow_find	= fake_core_flow_find,
	.flow_free	= fake_core_flow_free,
	.flow_max	= fake_core_flow_max,
	.fwd_rule	= fake_core_fwd_rule,
	.fwd_lookup	= fake_core_fwd_lookup,
	.pif_name	= fake_core_pif_name,
	.csum		= fake_core_csum,
	.tx_room	= fake_core_tx_room,
	.tx_window	= fake_core_tx_window,
};

/**
 * fake_core_net_defaults() - Fill network settings with the test defaults
 * @net:	Settings to fill (FAKE_* values from fake_core.h)
 */
void fake_core_net_defaults(struct passt_netcfg *net)
{
	static const uint8_t our_mac[PASST_ETH_ALEN] = FAKE_OUR_MAC;
	static const uint8_t guest_mac[PASST_ETH_ALEN] = FAKE_GUEST_MAC;

	memset(net, 0, sizeof(*net));
	net->size = sizeof(*net);
	net->mtu = FAKE_MTU;
	memcpy(net->our_mac, our_mac, sizeof(our_mac));
	memcpy(net->guest_mac, guest_mac, sizeof(guest_mac));

	net->ip4.enable = true;
	net->ip4.prefix_len = FAKE_IP4_PREFIX_LEN;
	inet_pton(AF_INET, FAKE_IP4_ADDR, &net->ip4.addr);
	inet_pton(AF_INET, FAKE_IP4_GW, &net->ip4.gw);
	net->ip4.n_dns = 2;
	inet_pton(AF_INET, FAKE_IP4_DNS0, &net->ip4.dns[0]);
	inet_pton(AF_INET, FAKE_IP4_DNS1, &net->ip4.dns[1]);
	net->ip4.map_host_loopback = net->ip4.gw;
	net->ip4.addr_seen = net->ip4.addr;

	net->ip6.enable = true;
	net->ip6.prefix_len = FAKE_IP6_PREFIX_LEN;
	inet_pton(AF_INET6, FAKE_IP6_ADDR, &net->ip6.addr);
	inet_pton(AF_INET6, FAKE_IP6_GW, &net->ip6.gw);
	net->ip6.n_dns = 1;
	inet_pton(AF_INET6, FAKE_IP6_DNS0, &net->ip6.dns[0]);
	net->ip6.map_host_loopback = net->ip6.gw;
	net->ip6.addr_seen = net->ip6.addr;
	inet_pton(AF_INET6, FAKE_IP6_OUR_LL, &net->ip6.our_ll);
	inet_pton(AF_INET6, FAKE_IP6_GUEST_LL, &net->ip6.addr_ll_seen);

	net->n_search = 2;
	strcpy(net->search[0], FAKE_SEARCH0);
	strcpy(net->search[1], FAKE_SEARCH1);
	net->guest_ifindex = FAKE_GUEST_IFINDEX;
}

/**
 * fake_core_frames_clear() - Forget recorded frames, both directions
 */
void fake_core_frames_clear(void)
{
	unsigned int i;

	for (i = 0; i < fake_core.n_to_guest; i++)
		free(fake_core.to_guest[i].data);
	for (i = 0; i < fake_core.n_from_guest; i++)
		free(fake_core.from_guest[i].data);
	memset(fake_core.to_guest, 0, sizeof(fake_core.to_guest));
	memset(fake_core.from_guest, 0, sizeof(fake_core.from_guest));
	fake_core.n_to_guest = fake_core.n_from_guest = 0;
}

/**
 * fake_core_logs_clear() - Forget recorded log lines and counts
 */
void fake_core_logs_clear(void)
{
	fake_core.n_logs = 0;
	memset(fake_core.log_count, 0, sizeof(fake_core.log_count));
}

/**
 * fake_core_log_find() - Find a recorded log line by substring
 * @needle:	Text to look for
 *
 * Return: index of the first line containing @needle, or -1
 */
int fake_core_log_find(const char *needle)
{
	unsigned int i;

	for (i = 0; i < fake_core.n_logs; i++)
		if (strstr(fake_core.logs[i].text, needle))
			return (int)i;
	return -1;
}

/**
 * fake_core_flows_used() - Count allocated flows
 *
 * Return: number of entries in use
 */
unsigned int fake_core_flows_used(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < FAKE_CORE_FLOWS_MAX; i++)
		n += fake_core_flows[i].used;
	return n;
}

/**
 * fake_core_reset() - Free and forget everything, restore the defaults
 */
static void fake_core_reset(void)
{
	fake_core_frames_clear();
	free(fake_core_pending);
	fake_core_pending = NULL;
	fake_core_pending_len = 0;
	free(fake_core_mod.head.priv);
	memset(&fake_core_mod, 0, sizeof(fake_core_mod));

	memset(&fake_core, 0, sizeof(fake_core));
	fake_core_net_defaults(&fake_core.net);
	fake_core.now.tv_sec = 1000;
	fake_core.flow_max = FAKE_CORE_FLOW_MAX_DEFAULT;
	fake_core.tx_room = SIZE_MAX;
	fake_core.tx_window = SIZE_MAX;

	memset(fake_core_flows, 0, sizeof(fake_core_flows));
	fake_core_cfg_clear();
}

/**
 * fake_core_load() - "Load" a module: fresh state, zeroed priv block
 * @desc:	The module's descriptor (its 'passt_module')
 *
 * Return: the module handle to pass to its callbacks
 */
struct passt_mod *fake_core_load(const struct passt_module *desc)
{
	fake_core_reset();

	fake_core.desc = desc;
	fake_core_mod.desc = desc;
	fake_core_mod.head.core = &fake_core_ops;
	fake_core_mod.head.priv = calloc(1, desc->priv_size ? desc->priv_size : 1);
	if (!fake_core_mod.head.priv) {
		(void)fprintf(stderr, "fake_core: cannot allocate %zu bytes\n",
			desc->priv_size);
		abort();
	}
	return &fake_core_mod;
}

/**
 * fake_core_configure() - Call the module's configure() with fake_core_ops
 * @m:		Module from fake_core_load()
 *
 * Return: what configure() returned, 0 if it has none
 */
int fake_core_configure(struct passt_mod *m)
{
	if (!m->desc->configure)
		return 0;
	return m->desc->configure(m, &fake_core_ops);
}

/**
 * fake_core_init() - Call the module's init()
 * @m:		Module from fake_core_load()
 *
 * Return: what init() returned, 0 if it has none
 */
int fake_core_init(struct passt_mod *m)
{
	int rc = 0;

	if (m->desc->init)
		rc = m->desc->init(m);
	m->inited = !rc;
	return rc;
}

/**
 * fake_core_unload() - Call fini() if init() ran, then forget everything
 * @m:		Module from fake_core_load()
 */
void fake_core_unload(struct passt_mod *m)
{
	if (m->inited && m->desc->fini)
		m->desc->fini(m);
	fake_core_reset();
}

/**
 * fake_core_priv() - The loaded module's priv block, for white-box tests
 * @m:		Module from fake_core_load()
 *
 * Return: priv block
 */
void *fake_core_priv(struct passt_mod *m)
{
	return m->head.priv;
}

/**
 * fake_core_cfg_clear() - Empty the configuration table
 */
void fake_core_cfg_clear(void)
{
	memset(fake_core_cfg, 0, sizeof(fake_core_cfg));
	fake_core_n_cfg = 0;
}

/**
 * fake_core_cfg_slot() - Entry for a key: the existing one, or a new one
 * @key:	Key, kept by pointer
 * @type:	Type of the new value
 *
 * Return: entry with @key and @type set, other values cleared
 */
static struct fake_cfg *fake_core_cfg_slot(const char *key,
					   enum fake_cfg_type type)
{
	struct fake_cfg *c = NULL;
	size_t i;

	for (i = 0; i < fake_core_n_cfg; i++)
		if (!strcmp(fake_core_cfg[i].key, key))
			c = &fake_core_cfg[i];
	if (!c) {
		if (fake_core_n_cfg >= FAKE_CORE_CFG_MAX) {
			(void)fprintf(stderr, "fake_core: too many keys\n");
			abort();
		}
		c = &fake_core_cfg[fake_core_n_cfg++];
	}
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->type = type;
	return c;
}

/**
 * fake_core_cfg_set_int() - Set an integer key of the module's group
 * @key:	Key (must outlive its use)
 * @v:		Value
 */
void fake_core_cfg_set_int(const char *key, long long v)
{
	fake_core_cfg_slot(key, FAKE_CFG_INT)->i = v;
}

/**
 * fake_core_cfg_set_bool() - Set a boolean key of the module's group
 * @key:	Key (must outlive its use)
 * @v:		Value
 */
void fake_core_cfg_set_bool(const char *key, bool v)
{
	fake_core_cfg_slot(key, FAKE_CFG_BOOL)->b = v;
}

/**
 * fake_core_cfg_set_str() - Set a string key of the module's group
 * @key:	Key (must outlive its use)
 * @v:		Value (must outlive its use)
 */
void fake_core_cfg_set_str(const char *key, const char *v)
{
	fake_core_cfg_slot(key, FAKE_CFG_STR)->s = v;
}

/**
 * fake_core_cfg_set_list() - Set a list-of-strings key of the module's group
 * @key:	Key (must outlive its use)
 * @v:		Elements (must outlive their use)
 * @n:		Number of elements
 */
void fake_core_cfg_set_list(const char *key, const char *const *v, size_t n)
{
	struct fake_cfg *c = fake_core_cfg_slot(key, FAKE_CFG_LIST);

	c->list = v;
	c->n = n;
}

/**
 * fake_core_fwd_set() - Set the forwarding rules fwd_rule()/fwd_lookup() see
 * @rules:	Rules (kept by pointer, must outlive their use)
 * @n:		Number of rules
 */
void fake_core_fwd_set(const struct passt_fwd_rule *rules, size_t n)
{
	fake_core.rules = rules;
	fake_core.n_rules = n;
}

/**
 * fake_core_now() - Current fake time, as now() answers it
 *
 * Return: &fake_core.now
 */
const struct timespec *fake_core_now(void)
{
	return &fake_core.now;
}
