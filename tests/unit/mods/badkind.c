// SPDX-License-Identifier: GPL-2.0-or-later
/* badkind.c - Test module of no known kind: refused */

#include "common.h"

PASST_MODULE(MODS_BASE("badkind"), .kind = (enum passt_mod_kind)7);
