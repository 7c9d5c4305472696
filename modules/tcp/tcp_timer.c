// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_timer.c - Protocol timers on a wheel, keepalive and inactivity sweeps
 *
 * Each connection has at most one protocol deadline at a time, whose
 * meaning depends on its state: the host connect() (TCP_S_CONNECTING), the
 * SYN or SYN-ACK we sent (resent with a doubling timeout, then given up),
 * or, once established, the retransmission timeout of data or FIN sent to
 * the guest, or the persist timer probing a zero window. Deadlines sit on a
 * hashed timing wheel (TCP_WHEEL_SLOTS slots of TCP_TICK_MS): setting,
 * moving and clearing one is O(1), and only due slots are looked at. The
 * core's one-shot timer is armed for the nearest non-empty slot, so an idle
 * daemon doesn't wake up for the wheel.
 *
 * Keepalive and inactivity are clock sweeps over all connections, run from
 * the periodic timer: any segment from the guest sets a connection's
 * TCP_F_TAP_ACTIVE, any event at all its TCP_F_ACTIVE. Every
 * keepalive_interval, established connections whose guest stayed silent
 * for the whole interval get a keepalive (an ACK for a byte already
 * acknowledged, which a live guest answers and a guest that forgot the
 * connection answers with RST); every inactivity_timeout, connections with
 * no activity for the whole interval are reset on both sides. A connection
 * idle since just after a sweep lasts almost two intervals, one idle since
 * just before it exactly one: the 2 h default resets after 2 to 4 hours.
 */

#include <string.h>

#include <passt/module.h>

#include "tcp.h"

#define TCP_WHEEL_MASK		(TCP_WHEEL_SLOTS - 1)

static_assert(!(TCP_WHEEL_SLOTS & TCP_WHEEL_MASK), "slots: a power of 2");

/**
 * tcp_timer_init() - Empty wheel, starting now
 * @s:		Module state
 * @now:	Current time
 */
void tcp_timer_init(struct tcp_state *s, const struct timespec *now)
{
	unsigned int i;

	for (i = 0; i < TCP_WHEEL_SLOTS; i++)
		s->wheel.head[i] = TCP_NONE;
	s->wheel.tick = tcp_ms(now) / TCP_TICK_MS;
	s->wheel.armed = 0;
	s->wheel.count = 0;
}

/**
 * tcp_timer_stop() - Take a connection off the wheel
 * @s:		Module state
 * @c:		Connection
 */
void tcp_timer_stop(struct tcp_state *s, struct tcp_conn *c)
{
	if (!(c->flags & TCP_F_TIMER))
		return;
	if (c->prev != TCP_NONE)
		s->conn[c->prev].next = c->next;
	else
		s->wheel.head[(c->deadline / TCP_TICK_MS) & TCP_WHEEL_MASK] =
			c->next;
	if (c->next != TCP_NONE)
		s->conn[c->next].prev = c->prev;
	c->prev = c->next = TCP_NONE;
	c->flags &= ~TCP_F_TIMER;
	s->wheel.count--;
}

/**
 * tcp_timer_set() - Set (or move) a connection's deadline
 * @m:		This module
 * @c:		Connection
 * @ms:		Milliseconds from now
 */
void tcp_timer_set(struct passt_mod *m, struct tcp_conn *c, uint32_t ms)
{
	struct tcp_state *s = passt_priv(m);
	uint64_t now = tcp_ms(s->core->now(m)), slot_tick;
	uint32_t idx = tcp_idx(s, c), *head;

	tcp_timer_stop(s, c);
	c->deadline = now + ms;
	/* A deadline in a tick already looked at goes where the next look
	 * starts; tcp_timer_stop() finds it from the deadline, so keep the
	 * two in step
	 */
	slot_tick = c->deadline / TCP_TICK_MS;
	if (slot_tick < s->wheel.tick) {
		slot_tick = s->wheel.tick;
		c->deadline = slot_tick * TCP_TICK_MS;
	}
	head = &s->wheel.head[slot_tick & TCP_WHEEL_MASK];
	c->prev = TCP_NONE;
	c->next = *head;
	if (*head != TCP_NONE)
		s->conn[*head].prev = idx;
	*head = idx;
	c->flags |= TCP_F_TIMER;
	s->wheel.count++;

	if (!s->wheel.armed || c->deadline < s->wheel.armed) {
		s->wheel.armed = c->deadline;
		s->core->timer_arm(m, c->deadline > now ?
				      (uint32_t)(c->deadline - now) : 1);
	}
}

/**
 * tcp_timer_fire() - A connection's deadline passed
 * @m:		This module
 * @c:		Connection, already off the wheel
 */
static void tcp_timer_fire(struct passt_mod *m, struct tcp_conn *c)
{
	const struct passt_core_ops *core = passt_core(m);
	const struct tcp_state *s = passt_priv(m);

	switch (c->state) {
	case TCP_S_CONNECTING:
		core->log(m, PASST_LOG_DEBUG, "flow %u: connect timed out",
			  tcp_idx(s, c));
		tcp_conn_rst(m, c, true, false);
		return;
	case TCP_S_SYN_SENT:
	case TCP_S_SYN_RCVD:
		if (++c->retries > TCP_SYN_RETRIES_MAX) {
			core->log(m, PASST_LOG_DEBUG,
				  "flow %u: no answer to our SYN",
				  tcp_idx(s, c));
			tcp_conn_rst(m, c, c->state == TCP_S_SYN_RCVD, true);
			return;
		}
		c->rto *= 2;
		tcp_frame_ctl(m, c, c->state == TCP_S_SYN_SENT ?
				    TCP_SYN : TCP_SYN | TCP_ACK, c->iss);
		tcp_timer_set(m, c, c->rto);
		return;
	case TCP_S_SPLICE:
		tcp_splice_timeout(m, c);
		return;
	case TCP_S_ESTABLISHED:
		break;
	default:
		return;
	}

	if (c->snd_una == c->snd_max &&
	    !(c->snd_wnd == 0 && (c->flags & TCP_F_SOCK_DATA)))
		return;
	if (++c->retries > TCP_RETRIES_MAX) {
		core->log(m, PASST_LOG_DEBUG, "flow %u: guest stopped "
			  "acknowledging: reset", tcp_idx(s, c));
		tcp_conn_rst(m, c, true, true);
		return;
	}
	if (c->snd_una != c->snd_max)
		tcp_pending(m, c, TCP_F_REWIND | TCP_F_SEND);
	else	/* zero window probe: a byte it has, for its window */
		tcp_frame_ctl(m, c, TCP_ACK, c->snd_una - 1);
	c->rto = c->rto * 2 > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : c->rto * 2;
	tcp_timer_set(m, c, c->rto);
}

/**
 * tcp_timer_run() - Fire due deadlines, arm the core's timer for the next
 * @m:		This module
 * @now:	Current time
 */
void tcp_timer_run(struct passt_mod *m, const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	struct tcp_wheel *w = &s->wheel;
	uint64_t now_ms = tcp_ms(now), nt = now_ms / TCP_TICK_MS, steps, k;

	if (w->tick > nt)
		w->tick = nt;
	w->armed = 0;

	steps = nt - w->tick + 1;
	if (steps > TCP_WHEEL_SLOTS)
		steps = TCP_WHEEL_SLOTS;
	for (k = 0; k < steps && w->count; k++) {
		uint32_t i = w->head[(w->tick + k) & TCP_WHEEL_MASK];

		while (i != TCP_NONE) {
			struct tcp_conn *c = &s->conn[i];
			uint32_t next = c->next;

			if (c->deadline <= now_ms) {
				tcp_timer_stop(s, c);
				tcp_timer_fire(m, c);
			}
			i = next;
		}
	}
	w->tick = nt;

	if (!w->count) {
		s->core->timer_arm(m, 0);
		return;
	}
	for (k = 0; k < TCP_WHEEL_SLOTS; k++) {
		if (w->head[(nt + k) & TCP_WHEEL_MASK] != TCP_NONE)
			break;
	}
	w->armed = (nt + k + 1) * TCP_TICK_MS;
	s->core->timer_arm(m, (uint32_t)(w->armed - now_ms));
}

/**
 * tcp_timer_sweep() - Keepalive and inactivity sweeps, when due
 * @m:		This module
 * @now:	Current time
 */
void tcp_timer_sweep(struct passt_mod *m, const struct timespec *now)
{
	struct tcp_state *s = passt_priv(m);
	uint64_t now_ms = tcp_ms(now);
	unsigned int i;

	if (now_ms >= s->ka_next) {
		s->ka_next = now_ms + (uint64_t)s->keepalive_interval * 1000;
		for (i = 0; i < s->conn_hi; i++) {
			struct tcp_conn *c = &s->conn[i];

			if (c->state != TCP_S_ESTABLISHED)
				continue;
			if (!(c->flags & TCP_F_TAP_ACTIVE))
				tcp_frame_ctl(m, c, TCP_ACK, c->snd_una - 1);
			c->flags &= ~TCP_F_TAP_ACTIVE;
		}
	}

	if (now_ms >= s->idle_next) {
		s->idle_next = now_ms + (uint64_t)s->inactivity_timeout * 1000;
		for (i = 0; i < s->conn_hi; i++) {
			struct tcp_conn *c = &s->conn[i];

			if (c->state == TCP_S_FREE)
				continue;
			if (!(c->flags & TCP_F_ACTIVE)) {
				s->core->log(m, PASST_LOG_DEBUG,
					     "flow %u: inactive: reset", i);
				tcp_conn_rst(m, c, true, true);
				continue;
			}
			c->flags &= ~TCP_F_ACTIVE;
		}
	}
}
