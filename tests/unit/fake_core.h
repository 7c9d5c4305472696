/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fake_core.h - A fake passt core for module unit tests
 *
 * A module's unit test links the module's sources with fake_core.c instead
 * of the daemon: fake_core_ops is a complete struct passt_core_ops that
 * records what the module asks for and answers from tables the test sets.
 * No sockets, epoll, timers or privileges are involved; one module is
 * "loaded" at a time, and everything lives in the global 'fake_core'.
 *
 * Typical test
 * ------------
 *	extern const struct passt_module passt_module;	(the module's own)
 *
 *	struct passt_mod *m = fake_core_load(&passt_module);
 *	fake_core_cfg_set_bool("enable", true);		(optional)
 *	fake_core.net.mtu = 1500;			(optional)
 *	CU_ASSERT_EQUAL(fake_core_configure(m), 0);
 *	CU_ASSERT_EQUAL(fake_core_init(m), 0);
 *	passt_module.on_frames(m, &frame, 1, fake_core_now());
 *	CU_ASSERT_EQUAL(fake_core.n_to_guest, 1);
 *	... inspect fake_core.to_guest[0].data / .len ...
 *	fake_core_unload(m);
 *
 * fake_core_load() forgets everything of the previous test (frames, logs,
 * fd calls, flows, config, forwarding rules, counters), restores the test
 * network defaults below, allocates the zeroed priv block and calls no
 * module code. fake_core_configure() and fake_core_init() call the
 * descriptor's configure() (with &fake_core_ops) and init(); the test calls
 * every other callback itself through the descriptor. fake_core_unload()
 * calls fini() if init() ran and frees everything.
 *
 * What is recorded
 * ----------------
 * - Frames towards the guest (frame_alloc() + frame_send(), to_guest()):
 *   copied into fake_core.to_guest[], fake_core.n_to_guest of them; clear
 *   them with fake_core_frames_clear(). frame_alloc() returns a buffer of
 *   exactly the requested size (so AddressSanitizer catches overruns), or
 *   NULL if fake_core.frame_fail is set, the size exceeds
 *   FAKE_CORE_FRAME_LEN_MAX or the list is full.
 * - Frames a backend hands in with from_guest(): fake_core.from_guest[].
 * - fd_add(), fd_mod(), fd_del(): fake_core.fd_calls[] in call order;
 *   fd_add() and fd_mod() return fake_core.fd_err (0 unless the test sets it).
 * - Log lines: fake_core.logs[] (text without the module prefix, level
 *   without PASST_LOG_RATELIMIT, which is kept in .ratelimit), and
 *   fake_core.log_count[level]. With FAKE_CORE_VERBOSE set in the
 *   environment every line is also printed to stderr.
 * - timer_arm() (last value and count), defer() and flush() counts,
 *   guest_reset() count, quit() status.
 * - Misuse: a service called with a module pointer that is not the loaded
 *   one, or a configuration key the descriptor did not declare, counts in
 *   fake_core.misuse and logs a PASST_LOG_ERR line: tests can assert that
 *   fake_core.misuse is 0.
 *
 * What is answered
 * ----------------
 * - Configuration: fake_core_cfg_set_*() fill a small key table; cfg_*()
 *   answer 0 and the value for a key of the right type, 1 for an absent key,
 *   -EINVAL for a key of another type (like the real core).
 * - net(): &fake_core.net, which tests may change at any time.
 * - Flows: a working table of fake_core.flow_max entries (default 128, at
 *   most FAKE_CORE_FLOWS_MAX), searched linearly: flow_new(), flow_at(),
 *   flow_hash() (-EEXIST on a duplicate tuple), flow_find(), flow_free(),
 *   flow_max(). fake_core_flows_used() counts allocated flows.
 * - Forwarding: fwd_rule() and fwd_lookup() over the rules given to
 *   fake_core_fwd_set() (kept by pointer). A rule matches a lookup if
 *   protocol and pif are equal, the port is in first..last and the rule's
 *   address is unspecified (:: or 0.0.0.0) or equal to the address.
 * - pif_name(): "none", "tap", "host", "splice", else NULL.
 * - now(): fake_core.now, default 1000.000000000 s; fake_core_now() too.
 * - tx_room(): fake_core.tx_room, default SIZE_MAX (a backend that never
 *   pushes back); unless SIZE_MAX, each frame to the guest takes its
 *   length off it. An answer short of what was wanted counts in
 *   fake_core.tx_waits, with the amount in fake_core.tx_want.
 *   tx_window(): the last value in fake_core.tx_window (SIZE_MAX before
 *   any call), calls in fake_core.tx_windows.
 * - csum(): a plain portable implementation, fake_core_csum().
 */

#ifndef FAKE_CORE_H
#define FAKE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <passt/module.h>

/* Network defaults set by fake_core_load(), in the style of QEMU's user
 * network; use these in tests rather than repeating literals
 */
#define FAKE_OUR_MAC		{ 0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55 }
#define FAKE_GUEST_MAC		{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }
#define FAKE_MTU		65520
#define FAKE_IP4_ADDR		"10.0.2.15"
#define FAKE_IP4_PREFIX_LEN	24
#define FAKE_IP4_GW		"10.0.2.2"
#define FAKE_IP4_DNS0		"10.0.2.3"
#define FAKE_IP4_DNS1		"192.0.2.53"
#define FAKE_IP6_ADDR		"2001:db8::15"
#define FAKE_IP6_PREFIX_LEN	64
#define FAKE_IP6_GW		"fe80::2"
#define FAKE_IP6_OUR_LL		"fe80::2"
#define FAKE_IP6_GUEST_LL	"fe80::5054:ff:fe12:3456"
#define FAKE_IP6_DNS0		"2001:db8::3"
#define FAKE_SEARCH0		"example.com"
#define FAKE_SEARCH1		"lab.example.org"
#define FAKE_GUEST_IFINDEX	2

#define FAKE_CORE_FRAMES_MAX	4096
#define FAKE_CORE_FRAME_LEN_MAX	(PASST_ETH_HLEN + 65535 + 4)
#define FAKE_CORE_LOGS_MAX	1024
#define FAKE_CORE_LOG_LEN	512
#define FAKE_CORE_FD_CALLS_MAX	1024
#define FAKE_CORE_CFG_MAX	64
#define FAKE_CORE_FLOWS_MAX	4096
#define FAKE_CORE_FLOW_MAX_DEFAULT	128

/**
 * enum fake_fd_op - Which fd service was called
 * @FAKE_FD_ADD:	fd_add()
 * @FAKE_FD_MOD:	fd_mod()
 * @FAKE_FD_DEL:	fd_del()
 */
enum fake_fd_op {
	FAKE_FD_ADD,
	FAKE_FD_MOD,
	FAKE_FD_DEL,
};

/**
 * struct fake_fd_call - One recorded fd_add(), fd_mod() or fd_del() call
 * @op:		Which one
 * @fd:		File descriptor
 * @events:	Events (0 for fd_del())
 * @type:	Module's fd type (0 for fd_del())
 * @data:	Module's data (0 for fd_del())
 */
struct fake_fd_call {
	enum fake_fd_op op;
	int fd;
	uint32_t events;
	uint8_t type;
	uint32_t data;
};

/**
 * struct fake_frame - One recorded frame, a private copy
 * @data:	Frame bytes (malloc'ed, freed by fake_core_frames_clear())
 * @len:	Length
 * @flags:	PASST_FRAME_* flags (frames from the guest)
 */
struct fake_frame {
	uint8_t *data;
	size_t len;
	uint8_t flags;
};

/**
 * struct fake_log - One recorded log line
 * @level:	PASST_LOG_* without PASST_LOG_RATELIMIT
 * @ratelimit:	PASST_LOG_RATELIMIT was given
 * @text:	Formatted message, truncated to FAKE_CORE_LOG_LEN - 1 bytes
 */
struct fake_log {
	int level;
	bool ratelimit;
	char text[FAKE_CORE_LOG_LEN];
};

/**
 * struct fake_core - Everything the fake core records; tests read it freely
 * @desc:		Descriptor of the loaded module
 * @net:		Network settings answered by net(); tests may change it
 * @to_guest:		Frames sent to the guest, in order
 * @n_to_guest:		Number of entries in @to_guest
 * @frame_fail:		Make frame_alloc() return NULL, to_guest() -ENOBUFS
 * @flushes:		flush() calls
 * @from_guest:		Frames a backend passed to from_guest()
 * @n_from_guest:	Number of entries in @from_guest
 * @fd_calls:		fd_add(), fd_mod(), fd_del() calls, in order
 * @n_fd_calls:		Number of entries in @fd_calls
 * @fd_err:		Return value of fd_add() and fd_mod()
 * @logs:		Log lines, the first FAKE_CORE_LOGS_MAX of them
 * @n_logs:		Number of entries in @logs
 * @log_count:		Lines per level (PASST_LOG_*), all of them
 * @timer_calls:	timer_arm() calls
 * @timer_ms:		Value of the last timer_arm() call
 * @defers:		defer() calls
 * @resets:		guest_reset() calls
 * @quit_called:	quit() was called...
 * @quit_status:	...with this status
 * @now:		Answer of now()
 * @flow_max:		Capacity of the flow table (<= FAKE_CORE_FLOWS_MAX)
 * @rules:		Forwarding rules given to fake_core_fwd_set()
 * @n_rules:		Number of @rules
 * @tx_room:		Answer of tx_room()
 * @tx_waits:		tx_room() answers short of what was wanted
 * @tx_want:		What the last such call wanted
 * @tx_window:		Last value given to tx_window()
 * @tx_windows:		tx_window() calls
 * @misuse:		Services called with a wrong module pointer, or keys
 *			the descriptor does not declare
 */
struct fake_core {
	const struct passt_module *desc;
	struct passt_netcfg net;

	struct fake_frame to_guest[FAKE_CORE_FRAMES_MAX];
	unsigned int n_to_guest;
	bool frame_fail;
	unsigned int flushes;
	struct fake_frame from_guest[FAKE_CORE_FRAMES_MAX];
	unsigned int n_from_guest;

	struct fake_fd_call fd_calls[FAKE_CORE_FD_CALLS_MAX];
	unsigned int n_fd_calls;
	int fd_err;

	struct fake_log logs[FAKE_CORE_LOGS_MAX];
	unsigned int n_logs;
	unsigned int log_count[PASST_LOG_TRACE + 1];

	unsigned int timer_calls;
	uint32_t timer_ms;
	unsigned int defers;
	unsigned int resets;
	bool quit_called;
	char *const *command;		/* what command() returns */
	const struct passt_claim *claims; /* claimed() looks here */
	size_t reserve_max;		/* frames_reserve() cap, 0: none */
	bool guest_sockets;		/* guest_socket() makes local ones */
	int quit_status;
	struct timespec now;

	unsigned int flow_max;
	const struct passt_fwd_rule *rules;
	size_t n_rules;

	size_t tx_room;
	unsigned int tx_waits;
	size_t tx_want;
	size_t tx_window;
	unsigned int tx_windows;

	unsigned int misuse;
};

extern struct fake_core fake_core;
extern const struct passt_core_ops fake_core_ops;

/* Life cycle */
struct passt_mod *fake_core_load(const struct passt_module *desc);
int fake_core_configure(struct passt_mod *m);
int fake_core_init(struct passt_mod *m);
void fake_core_unload(struct passt_mod *m);
void *fake_core_priv(struct passt_mod *m);

/* Settings */
void fake_core_net_defaults(struct passt_netcfg *net);
void fake_core_cfg_clear(void);
void fake_core_cfg_set_int(const char *key, long long v);
void fake_core_cfg_set_bool(const char *key, bool v);
void fake_core_cfg_set_str(const char *key, const char *v);
void fake_core_cfg_set_list(const char *key, const char *const *v, size_t n);
void fake_core_fwd_set(const struct passt_fwd_rule *rules, size_t n);
const struct timespec *fake_core_now(void);

/* Records */
void fake_core_frames_clear(void);
void fake_core_logs_clear(void);
int fake_core_log_find(const char *needle);
unsigned int fake_core_flows_used(void);

/* Helpers */
uint32_t fake_core_csum(const void *buf, size_t len, uint32_t init);

#endif /* FAKE_CORE_H */
