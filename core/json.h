/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.h - Writing JSON for --json: escaped strings */

#ifndef JSON_H
#define JSON_H

#include <stdio.h>

void json_str(FILE *f, const char *s);

#endif /* JSON_H */
