// SPDX-License-Identifier: GPL-2.0-or-later
/* pif.c - Registry of packet interfaces (pifs)
 *
 * A pif names where packets come from or go to: the guest behind the
 * backend ("tap"), host sockets ("host"), the guest namespace's loopback
 * ("splice"). Flows and forwarding rules carry the small id, logs and the
 * configuration the name. The built-ins have fixed ids because the module
 * ABI hard-codes them (PASST_PIF_*); id 0 ("none") means no interface.
 *
 * Ids are indices into one fixed table of PIF_MAX names, "none" included,
 * so every id below pif_count() has a name and ids are never reused.
 */

#include <errno.h>
#include <string.h>

#include "pif.h"
#include "util.h"

static_assert(PASST_PIF_NONE == 0 && PASST_PIF_TAP == 1 &&
	      PASST_PIF_HOST == 2 && PASST_PIF_SPLICE == 3,
	      "built-in pifs are the first four table slots");
static_assert(PIF_MAX > PASST_PIF_SPLICE && PIF_MAX <= UINT8_MAX + 1,
	      "pif ids fit a uint8_t and leave room for the built-ins");

#define PIF_BUILTIN_NUM	(PASST_PIF_SPLICE + 1)

/* Statically filled, so lookups before pif_init() still see the built-ins */
static char pif_names[PIF_MAX][PASST_PIF_NAME_MAX] = {
	[PASST_PIF_NONE]	= "none",
	[PASST_PIF_TAP]		= "tap",
	[PASST_PIF_HOST]	= "host",
	[PASST_PIF_SPLICE]	= "splice",
};
static unsigned int pif_n = PIF_BUILTIN_NUM;

/**
 * pif_init() - Forget registered pifs, keep the built-ins with fixed ids
 */
void pif_init(void)
{
	memset(pif_names[PIF_BUILTIN_NUM], 0,
	       sizeof(pif_names) - sizeof(pif_names[0]) * PIF_BUILTIN_NUM);
	pif_n = PIF_BUILTIN_NUM;
}

/**
 * pif_name_valid() - Check a pif name's length and characters
 * @name:	Name, may be NULL
 *
 * Return: true if @name is 1 to PASST_PIF_NAME_MAX - 1 characters of
 *	   [A-Za-z0-9_.-]
 */
static bool pif_name_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;

	len = strnlen(name, PASST_PIF_NAME_MAX);
	if (!len || len >= PASST_PIF_NAME_MAX)
		return false;

	/* Not isalnum(): names must not depend on the locale */
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}

	return true;
}

/**
 * pif_register() - Add a named pif
 * @name:	Name: 1 to PASST_PIF_NAME_MAX - 1 characters of [A-Za-z0-9_.-]
 *
 * Return: the new id, -EINVAL for a bad name, -EEXIST if it is taken,
 *	   -ENOSPC if all PIF_MAX ids (built-ins and "none" included) are used
 */
int pif_register(const char *name)
{
	if (!pif_name_valid(name))
		return -EINVAL;
	if (pif_lookup(name) >= 0)
		return -EEXIST;
	if (pif_n >= PIF_MAX)
		return -ENOSPC;

	/* pif_name_valid() checked that it fits with its terminator */
	memcpy(pif_names[pif_n], name, strlen(name) + 1);
	return (int)pif_n++;
}

/**
 * pif_lookup() - Find a pif by name
 * @name:	Name, may be NULL
 *
 * Return: id (PASST_PIF_NONE for "none"), or -ENOENT
 */
int pif_lookup(const char *name)
{
	unsigned int i;

	if (!name)
		return -ENOENT;

	for (i = 0; i < pif_n; i++)
		if (!strncmp(pif_names[i], name, PASST_PIF_NAME_MAX))
			return (int)i;

	return -ENOENT;
}

/**
 * pif_name() - Name of a pif
 * @id:		Id
 *
 * Return: name ("none" for PASST_PIF_NONE), or NULL if @id is not in use
 */
const char *pif_name(uint8_t id)
{
	return id < pif_n ? pif_names[id] : NULL;
}

/**
 * pif_count() - Number of pif ids in use
 *
 * Return: count, "none" and the built-ins included: ids 0 to count - 1 are
 *	   valid
 */
unsigned int pif_count(void)
{
	return pif_n;
}
