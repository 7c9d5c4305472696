// SPDX-License-Identifier: GPL-2.0-or-later
/* dupclaim.c - Test module claiming what dhcp claims: refused next to it */

#include "common.h"

static const struct passt_claim dupclaim_claims[] = {
	{ PASST_ETHERTYPE_IP, IPPROTO_UDP, 67 },
	{ 0 },
};

/**
 * dupclaim_frames() - Never called: the module can't load next to dhcp
 * @m:		Module
 * @f:		Frames
 * @n:		Number of frames
 * @now:	Current time
 */
static void dupclaim_frames(struct passt_mod *m, const struct passt_frame *f,
			    size_t n, const struct timespec *now)
{
	(void)m;
	(void)f;
	(void)n;
	(void)now;
}

PASST_MODULE(MODS_BASE("dupclaim"), .claims = dupclaim_claims,
	     .on_frames = dupclaim_frames);
