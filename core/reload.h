/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload.h - Forwarding sockets, and the live reload on SIGHUP */

#ifndef RELOAD_H
#define RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "fwd.h"

int reload_check_forward(const struct conf *c, const struct fwd_table *t,
			 char *errbuf, size_t errlen);
int reload_listen_all(char *errbuf, size_t errlen);
size_t reload_sock_count(int rule);
int reload_sock_fd(unsigned int rule, uint16_t port);
int reload_prepare(const struct conf *c);
const char *const *reload_syscalls(size_t *n);
int reload_apply(const char *text, char *errbuf, size_t errlen);
void reload_run(void);

#endif /* RELOAD_H */
