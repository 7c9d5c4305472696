/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - The flow table: fixed size, two sides per flow, hash lookup */

#ifndef FLOW_H
#define FLOW_H

#include <stdint.h>

#include <passt/module.h>

#define FLOW_MAX_DEFAULT	65536
#define FLOW_MAX_LIMIT		(1U << 22)	/* fits the 24-bit epoll data */
#define FLOW_OWNER_NONE		0		/* free entry */

int flow_table_init(unsigned int max);
void flow_table_fini(void);
int flow_alloc(uint8_t owner, uint8_t proto, uint8_t type);
struct passt_flow *flow_get(unsigned int idx, uint8_t owner);
int flow_owner(unsigned int idx);
int flow_hash_side(unsigned int idx, unsigned int side);
int flow_lookup(uint8_t owner, uint8_t pif, uint8_t proto,
		const union passt_inany *eaddr, uint16_t eport,
		const union passt_inany *oaddr, uint16_t oport,
		unsigned int *side);
void flow_release(unsigned int idx);
void flow_release_owner(uint8_t owner);
unsigned int flow_capacity(void);
unsigned int flow_count(void);

#endif /* FLOW_H */
