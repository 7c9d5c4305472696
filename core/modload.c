// SPDX-License-Identifier: GPL-2.0-or-later
/* modload.c - Finding, loading and checking modules; the module table
 *
 * Modules are found in one directory given by 'module_dir', or else, in
 * this order: ../lib/passt/modules and ./modules beside the binary (an
 * installed tree, a build tree), then the directory compiled in. The first
 * file of a name wins.
 *
 * A file is opened with RTLD_NOW | RTLD_LOCAL, so a missing symbol fails
 * here and not on the packet path, and two modules never see each other's
 * symbols. Its descriptor is checked before anything in it is used, in the
 * order of the messages: symbol, ABI version, size, name, kind, system
 * calls, claims. A checked descriptor is copied into the core's record,
 * zero-filled past the module's own size, so members an older module lacks
 * read as NULL.
 *
 * All of this happens before the sandbox: afterwards nothing is loaded.
 */

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "frame.h"
#include "json.h"
#include "log.h"
#include "modload.h"
#include "ops.h"
#include "sandbox.h"
#include "util.h"

struct passt_mod *mods[MOD_MAX];
unsigned int mods_n = 1;		/* index 0 is the core */
struct passt_mod *mod_backend;

/* Modules opened only to check the keys of their config group */
static struct passt_mod *modload_peeked[MOD_MAX];
static unsigned int modload_peeked_n;

/* Names of those, to accept their groups again on a reload, when no file
 * can be opened any more
 */
static char modload_peeked_names[MOD_MAX][CONF_NAME_MAX];
static unsigned int modload_peeked_names_n;

/* The modules of the project: the sample config has a group for each */
static const char *const modload_standard[] = {
	"tcp", "udp", "icmp", "dhcp", "ndp", "tap", "qemu_stream", "vhost_user",
};

/**
 * modload_min_desc_size() - Smallest descriptor a given ABI minor may have
 * @minor:	ABI minor version of the module
 *
 * Return: bytes; members appended in later minors are not required
 */
size_t modload_min_desc_size(unsigned int minor)
{
	/* 1.0 ends with send(): guest_socket() came before it was frozen */
	if (!minor)
		return offsetof(struct passt_module, send) +
		       sizeof(((struct passt_module *)0)->send);
	if (minor == 1)
		return offsetof(struct passt_module, stats) +
		       sizeof(((struct passt_module *)0)->stats);
	return offsetof(struct passt_module, on_tx_ready) +
	       sizeof(((struct passt_module *)0)->on_tx_ready);
}

/**
 * modload_exe_dir() - Directory of the running binary
 * @buf:	Buffer, PATH_MAX bytes
 *
 * Return: 0, or -errno
 */
static int modload_exe_dir(char *buf)
{
	ssize_t n = readlink("/proc/self/exe", buf, PATH_MAX - 1);
	char *slash;

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/**
 * modload_dirs() - Directories searched for modules, in order
 * @c:		Configuration
 * @dirs:	MOD_DIRS_MAX buffers of PATH_MAX bytes, filled
 *
 * Return: number of directories
 */
int modload_dirs(const struct conf *c, char dirs[][PATH_MAX])
{
	char exe[PATH_MAX];
	int n = 0, i;

	if (*c->module_dir) {
		snprintf(dirs[n++], PATH_MAX, "%s", c->module_dir);
		return n;
	}
	if (!modload_exe_dir(exe)) {
		snprintf(dirs[n++], PATH_MAX, "%.*s/../lib/passt/modules",
			 PATH_MAX - 32, exe);
		snprintf(dirs[n++], PATH_MAX, "%.*s/modules",
			 PATH_MAX - 32, exe);
	}
	snprintf(dirs[n], PATH_MAX, "%s", MODULEDIR);
	for (i = 0; i < n; i++)
		if (!strcmp(dirs[i], dirs[n]))
			return n;
	return n + 1;
}

/**
 * modload_find() - Path of a module's file
 * @c:		Configuration
 * @name:	Module name
 * @path:	Buffer, PATH_MAX bytes
 * @quiet:	Don't say where it looked if it's not there
 *
 * Return: 0, or -ENOENT (after saying where it looked, unless @quiet)
 */
static int modload_find(const struct conf *c, const char *name, char *path,
			bool quiet)
{
	char dirs[MOD_DIRS_MAX][PATH_MAX], where[PATH_MAX * 2] = "";
	size_t w = 0;
	int n, i;

	n = modload_dirs(c, dirs);
	for (i = 0; i < n; i++) {
		snprintf(path, PATH_MAX, "%.*s/%s.so", PATH_MAX - 64,
			 dirs[i], name);
		if (!access(path, R_OK))
			return 0;
		if (w < sizeof(where))
			w += (size_t)snprintf(where + w, sizeof(where) - w,
					      "%s%s", i ? ", " : "", dirs[i]);
	}
	if (!quiet)
		err("module '%s': not found in %s", name, where);
	return -ENOENT;
}

/**
 * modload_name_ok() - Whether a module name is well formed
 * @name:	Name
 *
 * Return: true for [a-z0-9_], 1 to CONF_NAME_MAX - 1 characters
 */
static bool modload_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len && len < CONF_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/**
 * modload_claim_fmt() - Describe a claim for messages
 * @cl:		Claim
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: @buf, such as "UDP port 67" or "EtherType 0x88b5"
 */
static const char *modload_claim_fmt(const struct passt_claim *cl, char *buf,
				     size_t len)
{
	const char *ipv = cl->ethertype == PASST_ETHERTYPE_IPV6 ? "IPv6" :
			  "IPv4";
	const char *p;

	if (cl->ethertype != PASST_ETHERTYPE_IP &&
	    cl->ethertype != PASST_ETHERTYPE_IPV6) {
		snprintf(buf, len, "EtherType 0x%04x", cl->ethertype);
		return buf;
	}
	switch (cl->l4proto) {
	case 0:
		snprintf(buf, len, "all of %s", ipv);
		return buf;
	case IPPROTO_TCP:
		p = "TCP";
		break;
	case IPPROTO_UDP:
		p = "UDP";
		break;
	case IPPROTO_ICMP:
		p = "ICMP";
		break;
	case IPPROTO_ICMPV6:
		p = "ICMPv6";
		break;
	default:
		snprintf(buf, len, "IP protocol %u over %s", cl->l4proto, ipv);
		return buf;
	}
	if (!cl->l4dst)
		snprintf(buf, len, "all %s over %s", p, ipv);
	else if (cl->l4proto == IPPROTO_TCP || cl->l4proto == IPPROTO_UDP)
		snprintf(buf, len, "%s port %u over %s", p, cl->l4dst, ipv);
	else
		snprintf(buf, len, "%s type %u", p, cl->l4dst);
	return buf;
}

/**
 * modload_check() - Check a descriptor, in the order of the messages
 * @d:		Descriptor as the module exports it
 * @path:	File, for messages
 * @expect:	Name the file gives it
 * @errbuf:	Message buffer
 * @errlen:	Its size
 *
 * Return: 0, or -EINVAL with the reason in @errbuf
 */
static int modload_check(const struct passt_module *d, const char *path,
			 const char *expect, char *errbuf, size_t errlen)
{
	const char *const *p;
	size_t min;

	if (d->abi_major != PASST_ABI_MAJOR || d->abi_minor > PASST_ABI_MINOR) {
		snprintf(errbuf, errlen, "%s: built for module ABI %u.%u; "
			 "this passt loads %d.0 to %d.%d", path,
			 d->abi_major, d->abi_minor, PASST_ABI_MAJOR,
			 PASST_ABI_MAJOR, PASST_ABI_MINOR);
		return -EINVAL;
	}
	min = modload_min_desc_size(d->abi_minor);
	if (d->size < min) {
		snprintf(errbuf, errlen, "%s: descriptor is %u bytes; ABI "
			 "%u.%u needs at least %zu", path, d->size,
			 d->abi_major, d->abi_minor, min);
		return -EINVAL;
	}
	if (!d->name || !modload_name_ok(d->name)) {
		snprintf(errbuf, errlen, "%s: descriptor has no valid name "
			 "([a-z0-9_], at most %d characters)", path,
			 CONF_NAME_MAX - 1);
		return -EINVAL;
	}
	if (expect && strcmp(d->name, expect)) {
		snprintf(errbuf, errlen, "%s: descriptor names itself '%s'; "
			 "the file says '%s'", path, d->name, expect);
		return -EINVAL;
	}
	if (d->kind != PASST_MOD_PROTOCOL && d->kind != PASST_MOD_BACKEND) {
		snprintf(errbuf, errlen, "%s: kind %d is neither protocol (%d) "
			 "nor backend (%d)", path, (int)d->kind,
			 PASST_MOD_PROTOCOL, PASST_MOD_BACKEND);
		return -EINVAL;
	}
	for (p = d->syscalls; p && *p; p++) {
		if (!sandbox_seccomp_allowed(*p)) {
			snprintf(errbuf, errlen, "%s: unknown system call "
				 "'%s' in its syscalls list", path, *p);
			return -EINVAL;
		}
	}
	for (p = d->config_keys; p && *p; p++) {
		if (!modload_name_ok(*p)) {
			snprintf(errbuf, errlen, "%s: config key '%s' is not "
				 "a valid setting name", path, *p);
			return -EINVAL;
		}
	}
	if (!d->configure || !d->init) {
		snprintf(errbuf, errlen, "%s: descriptor lacks configure() or "
			 "init()", path);
		return -EINVAL;
	}
	if (d->kind == PASST_MOD_BACKEND && !d->send) {
		snprintf(errbuf, errlen, "%s: backend without send()", path);
		return -EINVAL;
	}
	if (d->claims && d->claims->ethertype && !d->on_frames) {
		snprintf(errbuf, errlen, "%s: claims frames but has no "
			 "on_frames()", path);
		return -EINVAL;
	}
	return 0;
}

/**
 * modload_accept() - Check a descriptor and copy it into a record
 * @d:		Descriptor, as the module exports it: only its first
 *		@d->size bytes are read, once they are found to be there
 * @path:	File, for messages
 * @expect:	Name it must have (the file name), or NULL
 * @m:		Record to fill: desc points to the copy, zero-filled past
 *		the module's size, so members a module of an older minor
 *		lacks (stats() for 1.0, on_tx_ready() for 1.1) read as
 *		NULL
 * @errbuf:	Message buffer
 * @errlen:	Its size
 *
 * Return: 0, or -EINVAL with the reason in @errbuf (@m untouched)
 */
int modload_accept(const struct passt_module *d, const char *path,
		   const char *expect, struct passt_mod *m, char *errbuf,
		   size_t errlen)
{
	int rc = modload_check(d, path, expect, errbuf, errlen);

	if (rc)
		return rc;

	memset(m, 0, sizeof(*m));
	memcpy(&m->d, d, MIN((size_t)d->size, sizeof(m->d)));
	m->desc = &m->d;
	snprintf(m->name, sizeof(m->name), "%s", d->name);
	snprintf(m->path, sizeof(m->path), "%s", path);
	return 0;
}

/**
 * modload_open() - dlopen a module and check its descriptor
 * @path:	File
 * @expect:	Name it must have (the file name), or NULL
 * @m:		Record to fill (desc points to a copy)
 * @errbuf:	Message buffer
 * @errlen:	Its size
 *
 * Return: 0, or -errno with the reason in @errbuf (nothing left open)
 */
int modload_open(const char *path, const char *expect, struct passt_mod *m,
		 char *errbuf, size_t errlen)
{
	const struct passt_module *d;
	void *dl;
	int rc;

	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		snprintf(errbuf, errlen, "%s", dlerror());
		return -ENOEXEC;
	}
	d = dlsym(dl, "passt_module");
	if (!d) {
		snprintf(errbuf, errlen, "%s: no 'passt_module' symbol: not a "
			 "passt module", path);
		dlclose(dl);
		return -ENOEXEC;
	}
	rc = modload_accept(d, path, expect, m, errbuf, errlen);
	if (rc) {
		dlclose(dl);
		return rc;
	}
	m->dl = dl;
	return 0;
}

/**
 * modload_close() - Unload a module opened with modload_open()
 * @m:		Record
 */
void modload_close(struct passt_mod *m)
{
	if (m->dl)
		dlclose(m->dl);
	m->dl = NULL;
	m->desc = NULL;
}

/**
 * modload_kind_name() - Name of a module kind
 * @kind:	PASST_MOD_*
 *
 * Return: "protocol" or "backend"
 */
static const char *modload_kind_name(enum passt_mod_kind kind)
{
	return kind == PASST_MOD_BACKEND ? "backend" : "protocol";
}

/**
 * modload_so_name() - Module name of a directory entry
 * @file:	File name
 * @name:	Buffer, CONF_NAME_MAX bytes
 *
 * Return: true if @file is NAME.so with a valid NAME
 */
static bool modload_so_name(const char *file, char *name)
{
	size_t len = strlen(file);

	if (len < 4 || len - 3 >= CONF_NAME_MAX ||
	    strcmp(file + len - 3, ".so"))
		return false;
	memcpy(name, file, len - 3);
	name[len - 3] = '\0';
	return modload_name_ok(name);
}

/**
 * modload_scandir_cmp() - alphasort for scandir(), without its prototype
 * @a:		Entry
 * @b:		Entry
 *
 * Return: strcmp() order of the names
 */
static int modload_scandir_cmp(const struct dirent **a,
			       const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/**
 * typedef modload_each_fn - Called for each module file found
 * @opaque:	Caller's pointer
 * @name:	Module name
 * @path:	File
 */
typedef void (*modload_each_fn)(void *opaque, const char *name,
				const char *path);

/**
 * modload_each() - Every module file in the search path, first of a name
 * @c:		Configuration
 * @fn:		Called for each, in directory order then name order
 * @opaque:	Passed to @fn
 */
static void modload_each(const struct conf *c, modload_each_fn fn,
			 void *opaque)
{
	char dirs[MOD_DIRS_MAX][PATH_MAX], seen[256][CONF_NAME_MAX];
	unsigned int n_seen = 0, k;
	int n, i, j, ents;

	n = modload_dirs(c, dirs);
	for (i = 0; i < n; i++) {
		struct dirent **list;

		ents = scandir(dirs[i], &list, NULL, modload_scandir_cmp);
		if (ents < 0)
			continue;
		for (j = 0; j < ents; j++) {
			char name[CONF_NAME_MAX], path[PATH_MAX];

			if (!modload_so_name(list[j]->d_name, name))
				goto next;
			for (k = 0; k < n_seen; k++)
				if (!strcmp(seen[k], name))
					goto next;
			if (n_seen < ARRAY_SIZE(seen))
				memcpy(seen[n_seen++], name, CONF_NAME_MAX);
			snprintf(path, sizeof(path), "%.*s/%s", PATH_MAX - 320,
				 dirs[i], list[j]->d_name);
			fn(opaque, name, path);
next:
			free(list[j]);
		}
		free(list);
	}
}

/**
 * struct modload_listing - State of --list-modules
 * @json:	Print a JSON array instead of lines
 * @listed:	Modules printed so far
 * @refused:	Files refused so far (said on stderr)
 */
struct modload_listing {
	bool json;
	unsigned int listed;
	unsigned int refused;
};

/**
 * modload_list_one() - Print one --list-modules line, or JSON object
 * @opaque:	struct modload_listing
 * @name:	Module name
 * @path:	File
 */
static void modload_list_one(void *opaque, const char *name, const char *path)
{
	struct modload_listing *l = opaque;
	struct passt_mod m;
	char e[PATH_MAX + 256];

	if (modload_open(path, name, &m, e, sizeof(e))) {
		fprintf(stderr, "%s\n", e);
		l->refused++;
		return;
	}
	if (l->json) {
		printf("%s\n  { \"name\": ", l->listed ? "," : "");
		json_str(stdout, m.name);
		printf(", \"kind\": \"%s\", \"abi\": \"%u.%u\", \"file\": ",
		       modload_kind_name(m.desc->kind), m.desc->abi_major,
		       m.desc->abi_minor);
		json_str(stdout, path);
		printf(", \"summary\": ");
		json_str(stdout, m.desc->summary ? m.desc->summary : "");
		printf(" }");
	} else {
		printf("%s\t%s\t%u.%u\t%s\n", m.name,
		       modload_kind_name(m.desc->kind), m.desc->abi_major,
		       m.desc->abi_minor, path);
	}
	l->listed++;
	modload_close(&m);
}

/**
 * modload_list() - --list-modules: every module found, one line each, or
 *		    with --json one array of objects
 * @c:		Configuration
 *
 * Return: 0, or 1 if a file was refused (said on stderr)
 */
int modload_list(const struct conf *c)
{
	struct modload_listing l = { .json = c->json };

	if (l.json)
		printf("[");
	modload_each(c, modload_list_one, &l);
	if (l.json)
		printf("%s]\n", l.listed ? "\n" : "");
	fflush(stdout);
	return l.refused ? 1 : 0;
}

/**
 * modload_add() - Load one module into the table, or exit 1
 * @c:		Configuration
 * @name:	Module name
 * @kind:	Kind it must have
 *
 * Return: its record
 */
static struct passt_mod *modload_add(const struct conf *c, const char *name,
				     enum passt_mod_kind kind)
{
	char path[PATH_MAX], e[PATH_MAX + 256];
	const struct passt_claim *cl;
	struct passt_mod *m;
	unsigned int i;

	for (i = 1; i < mods_n; i++)
		if (!strcmp(mods[i]->name, name))
			die("module '%s': loaded twice (backend and modules "
			    "can't name the same module)", name);
	if (mods_n >= MOD_MAX)
		die("module '%s': too many modules; at most %d", name,
		    MOD_MAX - 1);
	if (modload_find(c, name, path, false))
		exit(EXIT_FAILURE);

	m = calloc(1, sizeof(*m));
	if (!m)
		die("module '%s': out of memory", name);
	if (modload_open(path, name, m, e, sizeof(e)))
		die("%s", e);

	if (m->desc->kind != kind) {
		if (kind == PASST_MOD_BACKEND)
			die("backend '%s': %s is a protocol module", name,
			    path);
		die("modules: '%s': %s is a backend module; select it with "
		    "'backend'", name, path);
	}

	m->idx = mods_n;
	m->head.core = &core_ops;

	for (cl = m->desc->claims; cl && cl->ethertype; cl++) {
		unsigned int other = 0;
		char what[64];
		int rc;

		rc = frame_claim_add(m->idx, cl, &other);
		if (rc == -EEXIST)
			die("%s: claims %s, already claimed by %s", path,
			    modload_claim_fmt(cl, what, sizeof(what)),
			    mods[other] ? mods[other]->name : "the core");
		if (rc)
			die("%s: cannot claim %s: %s", path,
			    modload_claim_fmt(cl, what, sizeof(what)),
			    strerror(-rc));
	}

	if (m->desc->priv_size) {
		if (m->desc->priv_size > (1UL << 30))
			die("%s: asks for %zu bytes of state; at most 1 GiB",
			    path, m->desc->priv_size);
		m->head.priv = calloc(1, m->desc->priv_size);
		if (!m->head.priv)
			die("%s: cannot allocate %zu bytes of state", path,
			    m->desc->priv_size);
	}

	mods[mods_n++] = m;
	debug("loaded %s (%s, ABI %u.%u) from %s", m->name,
	      modload_kind_name(m->desc->kind), m->desc->abi_major,
	      m->desc->abi_minor, path);
	return m;
}

/**
 * struct modload_protos - Protocol modules found, for "every one found"
 * @c:		Configuration to fill
 */
struct modload_protos {
	struct conf *c;
};

/**
 * modload_collect_proto() - Add a module to the list if it's a protocol
 * @opaque:	struct modload_protos
 * @name:	Module name
 * @path:	File
 */
static void modload_collect_proto(void *opaque, const char *name,
				  const char *path)
{
	struct modload_protos *p = opaque;
	char e[PATH_MAX + 256];
	struct passt_mod m;

	if (modload_open(path, name, &m, e, sizeof(e))) {
		warn("%s (skipped)", e);
		return;
	}
	if (m.desc->kind == PASST_MOD_PROTOCOL &&
	    p->c->n_modules < CONF_MODULES_MAX)
		snprintf(p->c->modules[p->c->n_modules++], CONF_NAME_MAX,
			 "%s", name);
	modload_close(&m);
}

/**
 * modload_all() - Load the backend and the protocol modules, or exit 1
 * @c:		Configuration ('modules' filled in if it was omitted)
 */
void modload_all(struct conf *c)
{
	unsigned int i;

	frame_claims_reset();
	if (!c->modules_set) {
		struct modload_protos p = { c };

		c->n_modules = 0;
		modload_each(c, modload_collect_proto, &p);
	}

	mod_backend = modload_add(c, c->backend, PASST_MOD_BACKEND);
	for (i = 0; i < c->n_modules; i++)
		modload_add(c, c->modules[i], PASST_MOD_PROTOCOL);
}

/**
 * modload_by_name() - Loaded module by name
 * @name:	Name
 *
 * Return: record, or NULL
 */
struct passt_mod *modload_by_name(const char *name)
{
	unsigned int i;

	for (i = 1; i < mods_n; i++)
		if (!strcmp(mods[i]->name, name))
			return mods[i];
	return NULL;
}

/**
 * modload_by_idx() - Loaded module by index
 * @idx:	Index
 *
 * Return: record, or NULL
 */
struct passt_mod *modload_by_idx(unsigned int idx)
{
	return idx && idx < mods_n ? mods[idx] : NULL;
}

/**
 * modload_group_keys() - Keys of a top-level group named like a module
 * @name:	Group name
 * @found:	Set if a module of that name is loaded or installed
 *
 * Return: the module's config keys (NULL-terminated), or NULL
 */
const char *const *modload_group_keys(const char *name, bool *found)
{
	char path[PATH_MAX], e[PATH_MAX + 256];
	struct passt_mod *m = modload_by_name(name);

	*found = false;
	if (m) {
		*found = true;
		return m->desc->config_keys;
	}
	if (!modload_name_ok(name) || modload_peeked_n >= MOD_MAX)
		return NULL;

	/* Not loaded (a backend not selected): check against its file */
	if (modload_find(&conf, name, path, true)) {
		size_t i;

		/* The sample config has a group for each module of the
		 * project, and a distribution may package some apart:
		 * one not installed is no typo
		 */
		for (i = 0; i < ARRAY_SIZE(modload_standard); i++) {
			if (!strcmp(name, modload_standard[i])) {
				*found = true;
				return conf_keys_unchecked;
			}
		}
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m || modload_open(path, name, m, e, sizeof(e))) {
		free(m);
		return NULL;
	}
	modload_peeked[modload_peeked_n++] = m;
	if (modload_peeked_names_n < ARRAY_SIZE(modload_peeked_names))
		memcpy(modload_peeked_names[modload_peeked_names_n++],
		       m->name, CONF_NAME_MAX);
	*found = true;
	return m->desc->config_keys;
}

/**
 * modload_group_keys_running() - Keys of a group, as a reload checks them
 * @name:	Group name
 * @found:	Set if a module of that name is loaded, is one of the
 *		project's, or had its file checked at start-up
 *
 * Inside the sandbox no module file can be opened: a group of a module
 * that is not loaded can't be checked key by key, and its settings take
 * effect only at a restart anyway.
 *
 * Return: the keys of a loaded module, conf_keys_unchecked for another
 *	   one, or NULL
 */
const char *const *modload_group_keys_running(const char *name, bool *found)
{
	struct passt_mod *m = modload_by_name(name);
	size_t i;

	*found = true;
	if (m)
		return m->desc->config_keys;
	for (i = 0; i < ARRAY_SIZE(modload_standard); i++)
		if (!strcmp(name, modload_standard[i]))
			return conf_keys_unchecked;
	for (i = 0; i < modload_peeked_names_n; i++)
		if (!strcmp(name, modload_peeked_names[i]))
			return conf_keys_unchecked;
	*found = false;
	return NULL;
}

/**
 * modload_peek_release() - Unload modules opened only for their keys
 */
static void modload_peek_release(void)
{
	while (modload_peeked_n) {
		struct passt_mod *m = modload_peeked[--modload_peeked_n];

		modload_close(m);
		free(m);
	}
}

/**
 * modload_configure() - Each module reads its group; then reject typos
 * @c:		Configuration
 */
void modload_configure(struct conf *c)
{
	unsigned int i;
	int rc;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];
		unsigned int errs = log_error_count();

		rc = m->desc->configure(m, &core_ops);
		if (rc < 0) {
			if (log_error_count() == errs)
				err("%s: configure: %s", m->name,
				    strerror(-rc));
			exit(EXIT_FAILURE);
		}
	}
	conf_reject_unknown(c, modload_group_keys);
	modload_peek_release();
}

/**
 * modload_init() - init() of every module, backend first, or exit 1
 */
void modload_init(void)
{
	unsigned int i, errs;
	int rc;

	errs = log_error_count();
	rc = mod_backend->desc->init(mod_backend);
	if (rc < 0) {
		if (log_error_count() == errs)
			err("%s: init: %s", mod_backend->name, strerror(-rc));
		exit(EXIT_FAILURE);
	}
	mod_backend->inited = true;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];

		if (m == mod_backend)
			continue;
		errs = log_error_count();
		rc = m->desc->init(m);
		if (rc < 0) {
			if (log_error_count() == errs)
				err("%s: init: %s", m->name, strerror(-rc));
			modload_fini();
			exit(EXIT_FAILURE);
		}
		m->inited = true;
	}
}

/**
 * modload_start() - start() of every module, inside the sandbox
 */
void modload_start(void)
{
	unsigned int i;

	for (i = 1; i < mods_n; i++) {
		struct passt_mod *m = mods[i];
		int rc;

		if (!m->desc->start)
			continue;
		rc = m->desc->start(m);
		if (rc < 0)
			die("%s: start: %s", m->name, strerror(-rc));
	}
}

/**
 * modload_fini() - fini() of every initialised module, backend last
 */
void modload_fini(void)
{
	unsigned int i;

	for (i = mods_n; i-- > 1; ) {
		struct passt_mod *m = mods[i];

		if (m == mod_backend || !m->inited)
			continue;
		if (m->desc->fini)
			m->desc->fini(m);
		m->inited = false;
	}
	if (mod_backend && mod_backend->inited) {
		if (mod_backend->desc->fini)
			mod_backend->desc->fini(mod_backend);
		mod_backend->inited = false;
	}
}

/**
 * modload_syscalls() - Every loaded module's system calls, in one list
 * @n:		Set to the number of entries
 *
 * Return: names (pointers into the modules, valid while they are loaded)
 */
const char **modload_syscalls(size_t *n)
{
	static const char *list[MOD_MAX * 64];
	const char *const *p;
	unsigned int i;

	*n = 0;
	for (i = 1; i < mods_n; i++) {
		for (p = mods[i]->desc->syscalls; p && *p; p++) {
			if (*n >= ARRAY_SIZE(list))
				die("%s: too many system calls declared",
				    mods[i]->name);
			list[(*n)++] = *p;
		}
	}
	return list;
}

/**
 * modload_unload_all() - Forget every module (tests)
 */
void modload_unload_all(void)
{
	unsigned int i;

	for (i = 1; i < mods_n; i++) {
		modload_close(mods[i]);
		free(mods[i]->head.priv);
		free(mods[i]);
		mods[i] = NULL;
	}
	mods_n = 1;
	mod_backend = NULL;
	modload_peek_release();
	frame_claims_reset();
}
