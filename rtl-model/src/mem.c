// SPDX-License-Identifier: MIT
/* Device-memory access helpers and the bounded flat memory image. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

static int flat_range(const struct lla_flat_mem *f, uint64_t iova,
		      uint64_t len, uint64_t *fault_iova)
{
	if (iova < f->base) {
		*fault_iova = iova;
		return LLA_ERR_MMU_FAULT;
	}
	if (iova - f->base > f->size || len > f->size - (iova - f->base)) {
		*fault_iova = iova - f->base >= f->size ? iova :
			      f->base + f->size;
		return LLA_ERR_MMU_FAULT;
	}
	return LLA_OK;
}

static int flat_read(void *opaque, uint64_t iova, void *dst, uint64_t len,
		     uint64_t *fault_iova)
{
	struct lla_flat_mem *f = opaque;
	int err = flat_range(f, iova, len, fault_iova);

	if (err)
		return err;
	if (len)
		memcpy(dst, f->data + (iova - f->base), len);
	return LLA_OK;
}

static int flat_write(void *opaque, uint64_t iova, const void *src,
		      uint64_t len, uint64_t *fault_iova)
{
	struct lla_flat_mem *f = opaque;
	int err = flat_range(f, iova, len, fault_iova);

	if (err)
		return err;
	if (len)
		memcpy(f->data + (iova - f->base), src, len);
	return LLA_OK;
}

void lla_flat_mem_init(struct lla_mem *mem, struct lla_flat_mem *flat)
{
	mem->opaque = flat;
	mem->read = flat_read;
	mem->write = flat_write;
}

int lla_rd(struct lla_exec *x, uint64_t iova, void *dst, uint64_t len)
{
	uint64_t fault = iova;
	int err = x->mem->read(x->mem->opaque, iova, dst, len, &fault);

	if (err) {
		x->res->fault_iova = fault;
		x->res->fault_write = 0;
		return err;
	}
	x->res->bytes_read += len;
	return LLA_OK;
}

int lla_wr(struct lla_exec *x, uint64_t iova, const void *src, uint64_t len)
{
	uint64_t fault = iova;
	int err = x->mem->write(x->mem->opaque, iova, src, len, &fault);

	if (err) {
		x->res->fault_iova = fault;
		x->res->fault_write = 1;
		return err;
	}
	x->res->bytes_written += len;
	return LLA_OK;
}

int lla_rd_rows(struct lla_exec *x, uint64_t iova, uint64_t stride,
		uint32_t rows, uint64_t row_bytes, void *dst)
{
	uint8_t *d = dst;

	if (stride == row_bytes)
		return lla_rd(x, iova, dst, (uint64_t)rows * row_bytes);
	for (uint32_t r = 0; r < rows; r++) {
		int err = lla_rd(x, iova + r * stride, d + r * row_bytes,
				 row_bytes);
		if (err)
			return err;
	}
	return LLA_OK;
}

int lla_wr_rows(struct lla_exec *x, uint64_t iova, uint64_t stride,
		uint32_t rows, uint64_t row_bytes, const void *src)
{
	const uint8_t *s = src;

	if (stride == row_bytes)
		return lla_wr(x, iova, src, (uint64_t)rows * row_bytes);
	for (uint32_t r = 0; r < rows; r++) {
		int err = lla_wr(x, iova + r * stride, s + r * row_bytes,
				 row_bytes);
		if (err)
			return err;
	}
	return LLA_OK;
}

int lla_rd_pos(struct lla_exec *x, uint64_t pos_iova, uint32_t imm,
	       uint32_t *pos)
{
	*pos = imm;
	if (pos_iova) {
		int err = lla_rd(x, pos_iova, pos, sizeof(*pos));

		if (err)
			return err;
	}
	x->pos = *pos;
	return LLA_OK;
}

void *lla_alloc(uint64_t n, uint64_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (n * size == 0)
		return malloc(1);
	return malloc((size_t)(n * size));
}
