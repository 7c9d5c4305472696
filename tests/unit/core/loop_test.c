// SPDX-License-Identifier: GPL-2.0-or-later
/* loop_test.c - Polling before sleeping: how the window adapts, and what
 * a real epoll instance sees with events close together, far apart, and
 * with polling off
 */

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "unit.h"
#include "loop.h"
#include "stats.h"

#define US	1000		/* ns */

static void test_adapt(void)
{
	/* Waits shorter than the longest window open it, doubling */
	CU_ASSERT_EQUAL(loop_poll_adapt(0, 32 * US, 10 * US), LOOP_POLL_MIN_NS);
	CU_ASSERT_EQUAL(loop_poll_adapt(4 * US, 32 * US, 10 * US), 8 * US);
	CU_ASSERT_EQUAL(loop_poll_adapt(16 * US, 32 * US, 32 * US), 32 * US);
	CU_ASSERT_EQUAL(loop_poll_adapt(32 * US, 32 * US, 1 * US), 32 * US);
	CU_ASSERT_EQUAL(loop_poll_adapt(0, 3 * US, 1 * US), 3 * US);

	/* A longer one closes it: polling would have been wasted */
	CU_ASSERT_EQUAL(loop_poll_adapt(32 * US, 32 * US, 32 * US + 1), 0);
	CU_ASSERT_EQUAL(loop_poll_adapt(0, 32 * US, 5000 * US), 0);
}

/**
 * struct writer - A thread writing one byte to a pipe at intervals
 * @fd:		Write end
 * @n:		How many bytes
 * @gap_us:	Sleep before each
 */
struct writer {
	int fd;
	unsigned int n;
	unsigned int gap_us;
};

/**
 * writer_run() - Thread body
 * @arg:	struct writer
 *
 * Return: NULL
 */
static void *writer_run(void *arg)
{
	const struct writer *w = arg;
	unsigned int i;

	for (i = 0; i < w->n; i++) {
		usleep(w->gap_us);
		if (write(w->fd, "x", 1) != 1)
			break;
	}
	return NULL;
}

/**
 * waits() - Take @n events through loop_wait(), written @gap_us apart
 * @busy_us:	busy_poll_us
 * @n:		Events
 * @gap_us:	Between two
 * @hits:	Waits that found the event while polling, set
 * @misses:	Waits that polled, then slept, set
 */
static void waits(unsigned int busy_us, unsigned int n, unsigned int gap_us,
		  uint64_t *hits, uint64_t *misses)
{
	struct epoll_event ev[LOOP_EVENTS];
	struct writer w = { .n = n, .gap_us = gap_us };
	unsigned int got = 0;
	pthread_t t;
	int p[2];

	CU_ASSERT_FATAL(!pipe(p));
	CU_ASSERT_EQUAL_FATAL(loop_fd_add(1, p[0], EPOLLIN, 0, 0), 0);
	loop_busy_poll(busy_us);
	stats_reset();
	w.fd = p[1];
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, writer_run, &w), 0);
	while (got < n) {
		char b[64];
		ssize_t r;

		if (loop_wait(ev, -1) < 1)
			continue;
		r = read(p[0], b, sizeof(b));
		if (r > 0)
			got += (unsigned int)r;
	}
	pthread_join(t, NULL);
	*hits = stats_core_get(STATS_POLL_HITS);
	*misses = stats_core_get(STATS_POLL_MISSES);
	loop_fd_del(p[0]);
	close(p[0]);
	close(p[1]);
	loop_busy_poll(0);
	stats_reset();
}

static void test_wait(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t hits, misses;

	CU_ASSERT_EQUAL_FATAL(loop_init(), 0);

	/* 200 us apart, polling up to 1 ms: found while polling, mostly */
	waits(1000, 200, 200, &hits, &misses);
	if (cpus > 1) {
		CU_ASSERT(hits >= 20);
	} else {
		CU_ASSERT_EQUAL(hits + misses, 0);	/* one CPU: never */
	}

	/* Polling off: every wait sleeps at once */
	waits(0, 50, 200, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(misses, 0);

	/* 3 ms apart against 100 us: the window never opens */
	waits(100, 20, 3000, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(misses, 0);
}

UNIT_SUITE(loop,
	   { "polling window adapts", test_adapt },
	   { "polls, then sleeps", test_wait })
