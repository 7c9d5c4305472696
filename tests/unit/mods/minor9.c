// SPDX-License-Identifier: GPL-2.0-or-later
/* minor9.c - Test module needing a newer minor ABI than the core's: refused */

#include "common.h"

__attribute__((visibility("default")))
const struct passt_module passt_module = {
	.abi_major = PASST_ABI_MAJOR, .abi_minor = PASST_ABI_MINOR + 9,
	.size = sizeof(struct passt_module), MODS_BASE("minor9"),
};
