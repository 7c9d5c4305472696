/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pif.h - Registry of packet interfaces (pifs) */

#ifndef PIF_H
#define PIF_H

#include <stdint.h>

#include <passt/module.h>

#define PIF_MAX		16	/* registered pifs, including the built-ins */

void pif_init(void);
int pif_register(const char *name);
int pif_lookup(const char *name);
const char *pif_name(uint8_t id);
unsigned int pif_count(void);

#endif /* PIF_H */
