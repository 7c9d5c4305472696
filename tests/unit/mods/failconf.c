// SPDX-License-Identifier: GPL-2.0-or-later
/* failconf.c - Test module whose configure() fails, saying why */

#include "common.h"

static const char *const failconf_keys[] = { "level", NULL };

/**
 * failconf_configure() - Reject any 'level' above 3
 * @m:		Module
 * @core:	Core services
 *
 * Return: 0, or -EINVAL
 */
static int failconf_configure(struct passt_mod *m,
			      const struct passt_core_ops *core)
{
	long long v = 0;
	int rc = core->cfg_int(m, "level", &v);

	if (rc < 0)
		return rc;
	if (v > 3) {
		core->log(m, PASST_LOG_ERR, "level %lld: must be 0 to 3", v);
		return -EINVAL;
	}
	return 0;
}

PASST_MODULE(MODS_BASE("failconf"), .config_keys = failconf_keys,
	     .configure = failconf_configure);
