// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_mem.c - The frontend's memory regions: mapping and address translation
 *
 * SET_MEM_TABLE hands over up to eight regions of the frontend's memory,
 * each with a file descriptor (a memfd, for QEMU with share=on) and three
 * names for its first byte: its guest-physical address, its address in the
 * frontend's own process, and its offset in the file. Each file is mapped
 * here whole from offset 0 to the region's end (so that offsets need not be
 * page-aligned), and the region's first byte is the mapping plus the
 * offset.
 *
 * Two kinds of address are translated, and they must not be confused:
 * ring addresses (SET_VRING_ADDR) are the frontend's virtual addresses,
 * buffer addresses in descriptors are guest-physical. DPDK's virtio_user
 * uses the same numbers for both, QEMU does not, so code that mixes them
 * up works with one and breaks with the other.
 *
 * Before a region is mapped, its file must hold all of it: mmap() happily
 * maps past the end of a file, and the first touch of a page there raises
 * SIGBUS, which would kill the daemon the first time a descriptor points
 * into the missing part. So the file must be a regular one (memfds, tmpfs
 * and hugetlbfs files are) whose size, from fstat(), covers offset plus
 * size. Other kinds are refused: a character device or a DAX device has no
 * size to check against, and no frontend shares guest memory that way. A
 * frontend that shrinks the file after the check is not stopped by this:
 * QEMU seals its memfds against that (memory-backend-memfd, seal=on).
 *
 * Every translation checks that the whole range lies in mapped regions:
 * what a guest writes in a descriptor never becomes a pointer outside them.
 * A buffer may run from one region into the next one if their
 * guest-physical ranges touch; it then takes one iovec per region.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vu_mem.h"

/**
 * vu_mem_desc_ok() - Check that a region's numbers are coherent
 * @d:		Region as the frontend described it
 *
 * Return: true if it is not empty, no end wraps around, and its mapping
 *	   length fits in a size_t
 */
static bool vu_mem_desc_ok(const struct vu_mem_desc *d)
{
	if (!d->size)
		return false;
	if (d->gpa > UINT64_MAX - d->size || d->uva > UINT64_MAX - d->size)
		return false;
	if (d->offset > UINT64_MAX - d->size)
		return false;
	return d->offset + d->size <= SIZE_MAX;
}

/**
 * vu_mem_fd_check() - Check that a region's file holds the whole region
 * @d:		Region as the frontend described it
 * @fd:		File descriptor passed with it
 * @fsize:	Set to the file's size when it could be read (else 0)
 *
 * glibc 2.33 and later implement fstat() as newfstatat(fd, "",
 * AT_EMPTY_PATH), older ones call fstat itself.
 *
 * Return: 0, -EINVAL for a description that wraps around, -EBADF if @fd
 *	   is not a descriptor, -ENODEV if it is not a regular file, -ERANGE
 *	   if the region (offset plus size) runs past the end of the file
 *
 * #syscalls fstat newfstatat
 */
int vu_mem_fd_check(const struct vu_mem_desc *d, int fd, uint64_t *fsize)
{
	struct stat st;
	uint64_t size;

	*fsize = 0;
	if (!vu_mem_desc_ok(d))
		return -EINVAL;
	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	if (!S_ISREG(st.st_mode) || st.st_size < 0)
		return -ENODEV;

	size = (uint64_t)st.st_size;
	*fsize = size;
	/* Not offset + size > file size: that sum may wrap */
	if (d->offset > size || d->size > size - d->offset)
		return -ERANGE;
	return 0;
}

/**
 * vu_mem_map() - Map the regions of a memory table
 * @mem:	Empty table to fill
 * @d:		Regions as the frontend described them
 * @n:		Number of regions, 1 to VU_MEM_REGIONS_MAX
 * @fds:	One file descriptor per region (not closed here)
 *
 * Return: 0, or what vu_mem_fd_check() found wrong with a region, or what
 *	   mmap() said; nothing stays mapped on failure
 *
 * #syscalls mmap munmap
 */
int vu_mem_map(struct vu_mem *mem, const struct vu_mem_desc *d,
	       unsigned int n, const int *fds)
{
	unsigned int i;
	int rc;

	memset(mem, 0, sizeof(*mem));
	if (!n || n > VU_MEM_REGIONS_MAX)
		return -EINVAL;

	for (i = 0; i < n; i++) {
		struct vu_mem_region *r = &mem->r[i];
		uint64_t fsize;
		void *p;

		rc = vu_mem_fd_check(&d[i], fds[i], &fsize);
		if (rc)
			goto fail;

		r->d = d[i];
		r->map_len = (size_t)(d[i].offset + d[i].size);
		p = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], 0);
		if (p == MAP_FAILED) {
			rc = -errno;
			goto fail;
		}
		r->map = p;
		r->host = (uint8_t *)p + d[i].offset;
		mem->n = i + 1;
	}
	return 0;

fail:
	vu_mem_unmap(mem);
	return rc;
}

/**
 * vu_mem_unmap() - Unmap every region, leave the table empty
 * @mem:	Memory table
 *
 * #syscalls munmap
 */
void vu_mem_unmap(struct vu_mem *mem)
{
	unsigned int i;

	for (i = 0; i < mem->n; i++)
		munmap(mem->r[i].map, mem->r[i].map_len);
	memset(mem, 0, sizeof(*mem));
}

/**
 * vu_mem_uva() - Translate a range of the frontend's virtual addresses
 * @mem:	Memory table
 * @uva:	First address, in the frontend's address space
 * @len:	Length of the range
 *
 * Rings are allocated as one piece by every driver, so a ring must lie in
 * one region.
 *
 * Return: our pointer to @uva, or NULL unless the whole range is mapped
 */
void *vu_mem_uva(const struct vu_mem *mem, uint64_t uva, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mem->n; i++) {
		const struct vu_mem_region *r = &mem->r[i];

		if (uva < r->d.uva || uva - r->d.uva >= r->d.size)
			continue;
		if (len > r->d.size - (uva - r->d.uva))
			return NULL;
		return r->host + (uva - r->d.uva);
	}
	return NULL;
}

/**
 * vu_mem_gpa() - Translate a guest-physical buffer into iovecs
 * @mem:	Memory table
 * @gpa:	First guest-physical address of the buffer
 * @len:	Length of the buffer, not zero
 * @iov:	iovecs to fill
 * @iov_max:	Room in @iov
 *
 * Return: number of iovecs used (one per region the buffer touches),
 *	   -EFAULT if a byte of it is not in any region, -ENOBUFS if @iov is
 *	   too short
 */
int vu_mem_gpa(const struct vu_mem *mem, uint64_t gpa, uint64_t len,
	       struct iovec *iov, size_t iov_max)
{
	size_t n = 0;

	while (len) {
		const struct vu_mem_region *r = NULL;
		uint64_t off, chunk;
		unsigned int i;

		for (i = 0; i < mem->n; i++) {
			if (gpa >= mem->r[i].d.gpa &&
			    gpa - mem->r[i].d.gpa < mem->r[i].d.size) {
				r = &mem->r[i];
				break;
			}
		}
		if (!r)
			return -EFAULT;
		if (n == iov_max)
			return -ENOBUFS;

		off = gpa - r->d.gpa;
		chunk = r->d.size - off;
		if (chunk > len)
			chunk = len;
		iov[n].iov_base = r->host + off;
		iov[n].iov_len = (size_t)chunk;
		n++;

		/* No wrap: a region ends at most at UINT64_MAX */
		gpa += chunk;
		len -= chunk;
	}
	return (int)n;
}
