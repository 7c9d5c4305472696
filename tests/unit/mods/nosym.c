// SPDX-License-Identifier: GPL-2.0-or-later
/* nosym.c - Test module without a descriptor: the loader must refuse it */

__attribute__((visibility("default"))) int not_a_passt_module(void);

/**
 * not_a_passt_module() - Something to export that isn't a descriptor
 *
 * Return: 42
 */
int not_a_passt_module(void)
{
	return 42;
}
