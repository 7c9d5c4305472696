// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - The epoll loop, timers and deferred work
 *
 * One thread, one epoll instance. Every watched fd carries a union loop_ref
 * cookie: the owning module's index, the fd, the owner's own type and 24
 * bits of data (a flow or rule index), so dispatch is a table lookup and
 * never a search. Index 0 is the core itself: its timerfd and signalfd.
 *
 * A turn of the loop: wait, take the time once, hand each event to its
 * owner, run the on_defer() hooks that were asked for, then flush the frames
 * queued for the guest to the backend in one batch. Module timers share one
 * timerfd armed for the earliest deadline (periodic timer_ms, or a one-shot
 * timer_arm()); there is no per-packet scan of timers.
 *
 * Waking a sleeping thread costs tens of microseconds on a busy machine
 * (more in a virtual machine, where an idle CPU halts): that is most of a
 * request and its reply between a guest and a local server. So before it
 * sleeps, the loop polls (epoll_wait() with no timeout) for up to a window
 * that adapts to what it sees, as QEMU's iothreads do: a sleep that ended
 * within busy_poll_us doubles the window (from 4 us up to busy_poll_us), a
 * longer one closes it, and an event found while polling keeps it. Traffic
 * whose next event comes soon is answered without the wake-up; bulk
 * traffic rarely waits at all; and a daemon whose events are farther apart
 * than busy_poll_us (idle, or a remote peer) never polls. busy_poll_us = 0,
 * or a single online CPU, where polling could only delay the thread that
 * would bring the event, turns it off.
 *
 * Signals arrive through a signalfd, so nothing runs in signal context:
 * SIGTERM and SIGINT end the loop cleanly; SIGHUP (reload) and SIGUSR1
 * (counters) run the hooks set with loop_on_signal() once the events of
 * the turn are handled, so no event of the batch refers to a socket such
 * a hook closed, or worse, to one that took its number since. They are
 * blocked, which also makes them deliverable when the daemon is PID 1 of
 * its own PID namespace.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "frame.h"
#include "log.h"
#include "loop.h"
#include "modload.h"
#include "stats.h"
#include "util.h"


enum loop_core_type {
	LOOP_CORE_TIMER = 1,
	LOOP_CORE_SIGNAL,
};

static int loop_epfd = -1;
static int loop_timerfd = -1;
static int loop_sigfd = -1;
static struct timespec loop_ts;
static bool loop_timers_changed;
static bool loop_defer_pending;
static bool loop_stop;
static int loop_status;
static loop_signal_fn loop_hup_fn, loop_usr1_fn;
static bool loop_hup_pending, loop_usr1_pending;
static int64_t loop_poll_max_ns;	/* 0: never poll */
static int64_t loop_poll_ns;		/* current window */
static long loop_cpus;			/* online, read before the sandbox */

/**
 * loop_noop_handler() - Handler for signals read through the signalfd
 * @sig:	Signal
 *
 * A handler (never run while the signal is blocked) rather than the default
 * disposition, so the kernel queues the signal even for PID 1
 */
static void loop_noop_handler(int sig)
{
	(void)sig;
}

/**
 * loop_init() - Create the epoll instance and timerfd, block signals
 *
 * Return: 0, or -errno
 */
int loop_init(void)
{
	struct sigaction sa;
	union loop_ref ref = { .mod = 0 };
	struct epoll_event ev;
	sigset_t set;

	loop_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	loop_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop_epfd < 0)
		return -errno;

	loop_timerfd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop_timerfd < 0)
		return -errno;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_noop_handler;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	/* Blocked from now on, so none is lost before the signalfd exists */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;

	ref.type = LOOP_CORE_TIMER;
	ref.fd = (unsigned int)loop_timerfd;
	ev.events = EPOLLIN;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(loop_epfd, EPOLL_CTL_ADD, loop_timerfd, &ev))
		return -errno;

	clock_gettime(CLOCK_MONOTONIC, &loop_ts);
	return 0;
}

/**
 * loop_signals_open() - Read blocked signals through a signalfd
 *
 * Call it after daemonising: a signalfd watched by epoll wakes the loop for
 * signals of the process that registered it, so one registered before
 * fork() would stay silent in the child.
 *
 * Return: 0, or -errno
 */
int loop_signals_open(void)
{
	union loop_ref ref = { .mod = 0 };
	struct epoll_event ev;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	loop_sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop_sigfd < 0)
		return -errno;

	ref.type = LOOP_CORE_SIGNAL;
	ref.fd = (unsigned int)loop_sigfd;
	ev.events = EPOLLIN;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(loop_epfd, EPOLL_CTL_ADD, loop_sigfd, &ev))
		return -errno;
	return 0;
}

/**
 * loop_ctl() - Add or modify a watched fd
 * @op:		EPOLL_CTL_ADD or EPOLL_CTL_MOD
 * @mod:	Owner's module index
 * @fd:		File descriptor
 * @events:	EPOLL* events
 * @type:	Owner's type of fd
 * @data:	Owner's data, 24 bits
 *
 * Return: 0, or -errno
 *
 * #syscalls epoll_ctl
 */
static int loop_ctl(int op, unsigned int mod, int fd, uint32_t events,
		    uint8_t type, uint32_t data)
{
	union loop_ref ref;
	struct epoll_event ev;

	if (fd < 0 || (unsigned int)fd > LOOP_FD_MAX || data > LOOP_DATA_MAX ||
	    mod >= MOD_MAX)
		return -EINVAL;

	ref.u64 = 0;
	ref.mod = mod & 0xff;
	ref.fd = (unsigned int)fd & LOOP_FD_MAX;
	ref.type = type;
	ref.data = data & LOOP_DATA_MAX;
	ev.events = events;
	ev.data.u64 = ref.u64;
	if (epoll_ctl(loop_epfd, op, fd, &ev))
		return -errno;
	return 0;
}

/**
 * loop_on_signal() - Set what SIGHUP or SIGUSR1 does
 * @signo:	SIGHUP or SIGUSR1
 * @fn:		Called at the end of the turn the signal arrived in, or
 *		NULL: the signal is then only logged
 *
 * Return: 0, or -EINVAL for another signal
 */
int loop_on_signal(int signo, loop_signal_fn fn)
{
	if (signo == SIGHUP)
		loop_hup_fn = fn;
	else if (signo == SIGUSR1)
		loop_usr1_fn = fn;
	else
		return -EINVAL;
	return 0;
}

/**
 * loop_fd_add() - Watch a file descriptor
 * @mod:	Owner's module index
 * @fd:		File descriptor
 * @events:	EPOLL* events
 * @type:	Owner's type of fd
 * @data:	Owner's data, 24 bits
 *
 * Return: 0, or -errno
 */
int loop_fd_add(unsigned int mod, int fd, uint32_t events, uint8_t type,
		uint32_t data)
{
	return loop_ctl(EPOLL_CTL_ADD, mod, fd, events, type, data);
}

/**
 * loop_fd_mod() - Change what a watched file descriptor waits for
 * @mod:	Owner's module index
 * @fd:		File descriptor
 * @events:	EPOLL* events
 * @type:	Owner's type of fd
 * @data:	Owner's data, 24 bits
 *
 * Return: 0, or -errno
 */
int loop_fd_mod(unsigned int mod, int fd, uint32_t events, uint8_t type,
		uint32_t data)
{
	return loop_ctl(EPOLL_CTL_MOD, mod, fd, events, type, data);
}

/**
 * loop_fd_del() - Stop watching a file descriptor
 * @fd:		File descriptor
 */
void loop_fd_del(int fd)
{
	epoll_ctl(loop_epfd, EPOLL_CTL_DEL, fd, NULL);
}

/**
 * loop_timers_dirty() - A module's deadline changed: re-arm after the turn
 */
void loop_timers_dirty(void)
{
	loop_timers_changed = true;
}

/**
 * loop_defer_request() - Some module asked for on_defer() this turn
 */
void loop_defer_request(void)
{
	loop_defer_pending = true;
}

/**
 * loop_now() - Time of the current turn
 *
 * Return: CLOCK_MONOTONIC time taken when the turn began
 */
const struct timespec *loop_now(void)
{
	return &loop_ts;
}

/**
 * loop_quit() - Leave the loop after this turn
 * @status:	Exit status
 */
void loop_quit(int status)
{
	loop_stop = true;
	loop_status = status;
}

/**
 * loop_ts_before() - Whether a time is before another
 * @a:		Time
 * @b:		Time
 *
 * Return: true if @a < @b
 */
static bool loop_ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/**
 * loop_ts_add_ms() - Add milliseconds to a time
 * @ts:		Time, updated
 * @ms:		Milliseconds
 */
static void loop_ts_add_ms(struct timespec *ts, unsigned int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/**
 * loop_timers_rearm() - Arm the timerfd for the earliest module deadline
 *
 * #syscalls timerfd_settime
 */
static void loop_timers_rearm(void)
{
	struct itimerspec it = { { 0, 0 }, { 0, 0 } };
	bool any = false;
	unsigned int i;

	for (i = 1; i < mods_n; i++) {
		const struct passt_mod *m = mods[i];

		if (m->desc->timer_ms && m->desc->on_timer &&
		    (!any || loop_ts_before(&m->timer_next, &it.it_value))) {
			it.it_value = m->timer_next;
			any = true;
		}
		if (m->oneshot_armed &&
		    (!any || loop_ts_before(&m->oneshot, &it.it_value))) {
			it.it_value = m->oneshot;
			any = true;
		}
	}
	/* An all-zero it_value disarms: a deadline at 0 would mean "never" */
	if (any && !it.it_value.tv_sec && !it.it_value.tv_nsec)
		it.it_value.tv_nsec = 1;
	timerfd_settime(loop_timerfd, TFD_TIMER_ABSTIME, &it, NULL);
	loop_timers_changed = false;
}

/**
 * loop_timers_run() - Call on_timer() of modules whose deadline passed
 *
 * #syscalls read
 */
static void loop_timers_run(void)
{
	uint64_t expirations;
	unsigned int i;

	/* A spurious wake-up is harmless: deadlines are checked below */
	if (read(loop_timerfd, &expirations, sizeof(expirations)) < 0)
		expirations = 0;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];
		bool due = false;

		if (m->desc->timer_ms && m->desc->on_timer &&
		    !loop_ts_before(&loop_ts, &m->timer_next)) {
			loop_ts_add_ms(&m->timer_next, m->desc->timer_ms);
			if (loop_ts_before(&m->timer_next, &loop_ts)) {
				m->timer_next = loop_ts;
				loop_ts_add_ms(&m->timer_next,
					       m->desc->timer_ms);
			}
			due = true;
		}
		if (m->oneshot_armed && !loop_ts_before(&loop_ts, &m->oneshot)) {
			m->oneshot_armed = false;
			due = true;
		}
		if (due && m->desc->on_timer)
			m->desc->on_timer(m, &loop_ts);
	}
	loop_timers_changed = true;
}

/**
 * loop_signals() - Read pending signals from the signalfd
 */
static void loop_signals(void)
{
	struct signalfd_siginfo si;

	while (read(loop_sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			info("%s: exiting", strsignal((int)si.ssi_signo));
			loop_quit(0);
			break;
		case SIGHUP:
			if (loop_hup_fn)
				loop_hup_pending = true;
			else
				info("SIGHUP: started without a configuration "
				     "file: nothing to reload");
			break;
		case SIGUSR1:
			loop_usr1_pending = true;
			break;
		default:
			break;
		}
	}
}

/**
 * loop_signal_hooks() - Run what signals of this turn asked for
 */
static void loop_signal_hooks(void)
{
	if (loop_hup_pending) {
		loop_hup_pending = false;
		if (loop_hup_fn)
			loop_hup_fn();
	}
	if (loop_usr1_pending) {
		loop_usr1_pending = false;
		if (loop_usr1_fn)
			loop_usr1_fn();
		else
			info("SIGUSR1: no counters to report");
	}
}

/**
 * loop_deferred() - Run the on_defer() hooks asked for in this turn
 *
 * Return: true if a hook asked again (the next turn mustn't sleep)
 */
static bool loop_deferred(void)
{
	unsigned int i;
	bool again = false;

	if (!loop_defer_pending)
		return false;
	loop_defer_pending = false;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];

		if (!m->deferred)
			continue;
		m->deferred = false;
		if (m->desc->on_defer)
			m->desc->on_defer(m, &loop_ts);
		again |= m->deferred;
	}
	return again;
}

/**
 * loop_busy_poll() - Set the longest time to poll for events before sleeping
 * @us:		Microseconds, 0: sleep at once
 *
 * With a single CPU online, polling never happens: the event could only
 * come from a thread that polling keeps off that CPU.
 */
void loop_busy_poll(unsigned int us)
{
	loop_poll_max_ns = loop_cpus == 1 ? 0 : (int64_t)us * 1000;
	if (loop_poll_ns > loop_poll_max_ns)
		loop_poll_ns = loop_poll_max_ns;
}

/**
 * loop_poll_adapt() - The next polling window, after a wait that slept
 * @cur:	Window of that wait (ns), 0 if it didn't poll
 * @max:	Longest window (ns), non-zero
 * @waited:	From the start of polling to the end of the sleep (ns)
 *
 * Return: @cur doubled (4 us at first, at most @max) if the event came
 *	   within @max, so the next wait like it is polled for; 0 if it came
 *	   later, as polling would have been spent for nothing
 */
int64_t loop_poll_adapt(int64_t cur, int64_t max, int64_t waited)
{
	if (waited > max)
		return 0;
	cur = cur ? cur * 2 : LOOP_POLL_MIN_NS;
	return cur > max ? max : cur;
}

/**
 * loop_ts_ns() - Nanoseconds between two monotonic times
 * @a:		Earlier
 * @b:		Later
 *
 * Return: @b - @a
 */
static int64_t loop_ts_ns(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000 +
	       (b->tv_nsec - a->tv_nsec);
}

/**
 * loop_wait() - Wait for events, polling first while that pays off
 * @ev:		Events, LOOP_EVENTS of them
 * @timeout:	0: don't wait, -1: until something happens
 *
 * Return: as epoll_wait()
 */
int loop_wait(struct epoll_event *ev, int timeout)
{
	struct timespec t0, t1;
	int n;

	if (timeout >= 0 || !loop_poll_max_ns)
		return epoll_wait(loop_epfd, ev, LOOP_EVENTS, timeout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (loop_poll_ns) {
		do {
			n = epoll_wait(loop_epfd, ev, LOOP_EVENTS, 0);
			if (n) {
				stats_core_add(STATS_POLL_HITS, 1);
				return n;
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while (loop_ts_ns(&t0, &t1) < loop_poll_ns);
		stats_core_add(STATS_POLL_MISSES, 1);
	}

	n = epoll_wait(loop_epfd, ev, LOOP_EVENTS, -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	loop_poll_ns = loop_poll_adapt(loop_poll_ns, loop_poll_max_ns,
				       loop_ts_ns(&t0, &t1));
	return n;
}

/**
 * loop_run() - Run until a module or a signal ends it
 *
 * Return: exit status
 *
 * #syscalls epoll_wait epoll_pwait clock_gettime
 */
int loop_run(void)
{
	struct epoll_event ev[LOOP_EVENTS];
	unsigned int i;
	int n, timeout = -1;

	clock_gettime(CLOCK_MONOTONIC, &loop_ts);
	for (i = 1; i < mods_n; i++) {
		mods[i]->timer_next = loop_ts;
		loop_ts_add_ms(&mods[i]->timer_next, mods[i]->desc->timer_ms);
	}
	loop_timers_rearm();

	while (!loop_stop) {
		n = loop_wait(ev, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err("epoll_wait: %s", strerror(errno));
			return EXIT_FAILURE;
		}
		clock_gettime(CLOCK_MONOTONIC, &loop_ts);

		for (i = 0; i < (unsigned int)n; i++) {
			union loop_ref ref = { .u64 = ev[i].data.u64 };
			struct passt_mod *m;

			if (!ref.mod) {
				if (ref.type == LOOP_CORE_TIMER)
					loop_timers_run();
				else if (ref.type == LOOP_CORE_SIGNAL)
					loop_signals();
				continue;
			}
			m = modload_by_idx(ref.mod);
			ASSERT(m && m->desc->on_fd);
			m->desc->on_fd(m, (uint8_t)ref.type, (int)ref.fd,
				       ref.data, ev[i].events, &loop_ts);
		}
		loop_signal_hooks();

		timeout = loop_deferred() ? 0 : -1;
		frame_txq_flush();
		/* The backend may have made room while taking the frames, and
		 * the modules woken asked for on_defer(): that is next turn
		 */
		if (loop_defer_pending)
			timeout = 0;
		if (loop_timers_changed)
			loop_timers_rearm();
	}
	return loop_status;
}
