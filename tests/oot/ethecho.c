// SPDX-License-Identifier: GPL-2.0-or-later
/* ethecho.c - An out-of-tree protocol module, built from passt/module.h alone
 *
 * Theory of Operation
 * -------------------
 * Claims EtherType 0x88b5 (IEEE 802 local experimental) and answers every
 * such frame from the guest with one back to it: the payload prefixed with
 * the 'greeting' of its config group and a colon. It logs each batch it
 * gets, so a test can see that its own group and its own frames reached it
 * and nothing else did.
 *
 * Build: cc -shared -fPIC -fvisibility=hidden -I<dir with passt/module.h>
 *	  ethecho.c -o ethecho.so
 */

#include <errno.h>
#include <string.h>

#include <passt/module.h>

#define ETHECHO_TYPE		0x88b5
#define ETHECHO_GREETING_MAX	64

/**
 * struct ethecho_state - This module's state
 * @greeting:	Prefix of every answer, from the config group
 * @glen:	Its length
 * @seen:	Frames answered so far
 */
struct ethecho_state {
	char greeting[ETHECHO_GREETING_MAX];
	size_t glen;
	unsigned long seen;
};

static const char *const ethecho_keys[] = { "greeting", NULL };

static const struct passt_claim ethecho_claims[] = {
	{ ETHECHO_TYPE, 0, 0 },
	{ 0 },
};

/**
 * ethecho_configure() - Read 'greeting'
 * @m:		This module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL if the greeting is too long
 */
static int ethecho_configure(struct passt_mod *m,
			     const struct passt_core_ops *core)
{
	struct ethecho_state *s = passt_priv(m);
	const char *g = "hi";
	int rc = core->cfg_str(m, "greeting", &g);

	if (rc < 0)
		return rc;
	s->glen = strlen(g);
	if (s->glen >= sizeof(s->greeting)) {
		core->log(m, PASST_LOG_ERR, "greeting: at most %zu characters",
			  sizeof(s->greeting) - 1);
		return -EINVAL;
	}
	memcpy(s->greeting, g, s->glen + 1);
	return 0;
}

/**
 * ethecho_init() - Nothing to open
 * @m:		This module
 *
 * Return: 0
 */
static int ethecho_init(struct passt_mod *m)
{
	(void)m;
	return 0;
}

/**
 * ethecho_frames() - Answer a batch of 0x88b5 frames
 * @m:		This module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Current time
 */
static void ethecho_frames(struct passt_mod *m, const struct passt_frame *f,
			   size_t n, const struct timespec *now)
{
	const struct passt_core_ops *core = passt_core(m);
	struct ethecho_state *s = passt_priv(m);
	size_t i;

	(void)now;
	core->log(m, PASST_LOG_INFO, "%zu frames, greeting '%s'", n,
		  s->greeting);
	for (i = 0; i < n; i++) {
		const uint8_t *src = passt_frame_at(&f[i], 6, 6);
		size_t plen = f[i].len - PASST_ETH_HLEN, len;
		const uint8_t *payload;
		uint8_t *out;

		payload = passt_frame_at(&f[i], PASST_ETH_HLEN, plen);
		if (!src || !payload)
			continue;
		len = PASST_ETH_HLEN + s->glen + 1 + plen;
		out = core->frame_alloc(m, len);
		if (!out)
			return;
		memcpy(out, src, 6);
		memcpy(out + 6, core->net(m)->our_mac, 6);
		passt_put16(out + 12, ETHECHO_TYPE);
		memcpy(out + PASST_ETH_HLEN, s->greeting, s->glen);
		out[PASST_ETH_HLEN + s->glen] = ':';
		memcpy(out + PASST_ETH_HLEN + s->glen + 1, payload, plen);
		core->frame_send(m, len);
		s->seen++;
	}
}

/**
 * ethecho_fini() - Say how many frames were answered
 * @m:		This module
 */
static void ethecho_fini(struct passt_mod *m)
{
	struct ethecho_state *s = passt_priv(m);

	passt_core(m)->log(m, PASST_LOG_INFO, "answered %lu frames", s->seen);
}

PASST_MODULE(
	.name		= "ethecho",
	.kind		= PASST_MOD_PROTOCOL,
	.summary	= "answers EtherType 0x88b5 frames (test)",
	.priv_size	= sizeof(struct ethecho_state),
	.config_keys	= ethecho_keys,
	.claims		= ethecho_claims,
	.configure	= ethecho_configure,
	.init		= ethecho_init,
	.fini		= ethecho_fini,
	.on_frames	= ethecho_frames,
);
