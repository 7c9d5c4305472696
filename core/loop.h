/* SPDX-License-Identifier: GPL-2.0-or-later */
/* loop.h - The epoll loop, timers and deferred work */

#ifndef LOOP_H
#define LOOP_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/epoll.h>

#define LOOP_FD_MAX		((1U << 24) - 1)
#define LOOP_DATA_MAX		((1U << 24) - 1)
#define LOOP_POLL_MIN_NS	4000	/* first polling window */
#define LOOP_EVENTS		128	/* taken from epoll at once */

/**
 * union loop_ref - The epoll_data of every watched fd
 * @mod:	Module table index, 0: the core
 * @fd:		File descriptor
 * @type:	The owner's own kind of fd
 * @data:	Flow or forwarding rule index, or the owner's data
 * @u64:	All of it, as epoll stores it
 */
union loop_ref {
	struct {
		unsigned int mod:8;
		unsigned int fd:24;
		unsigned int type:8;
		unsigned int data:24;
	};
	uint64_t u64;
};
static_assert(sizeof(union loop_ref) == sizeof(uint64_t), "fits epoll_data");

/**
 * typedef loop_signal_fn - What SIGHUP or SIGUSR1 runs, between two turns
 */
typedef void (*loop_signal_fn)(void);

int loop_init(void);
int loop_signals_open(void);
int loop_on_signal(int signo, loop_signal_fn fn);
int loop_fd_add(unsigned int mod, int fd, uint32_t events, uint8_t type,
		uint32_t data);
int loop_fd_mod(unsigned int mod, int fd, uint32_t events, uint8_t type,
		uint32_t data);
void loop_fd_del(int fd);
void loop_timers_dirty(void);
void loop_defer_request(void);
const struct timespec *loop_now(void);
void loop_quit(int status);
void loop_busy_poll(unsigned int us);
int64_t loop_poll_adapt(int64_t cur, int64_t max, int64_t waited);
int loop_wait(struct epoll_event *ev, int timeout);
int loop_run(void);

#endif /* LOOP_H */
