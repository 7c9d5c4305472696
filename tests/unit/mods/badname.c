// SPDX-License-Identifier: GPL-2.0-or-later
/* badname.c - Test module whose descriptor names another file: refused */

#include "common.h"

PASST_MODULE(MODS_BASE("udp6"));
