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

/* The image is one host buffer: one span, in place, same checks. */
static int flat_map_read(void *opaque, uint64_t iova, uint64_t len,
			 struct lla_span *spans, uint32_t max_spans,
			 uint32_t *nspans, void **cookie, uint64_t *fault_iova)
{
	struct lla_flat_mem *f = opaque;
	int err = flat_range(f, iova, len, fault_iova);

	if (err)
		return err;
	*cookie = NULL;
	*nspans = 0;
	if (len && max_spans) {
		spans[0].p = f->data + (iova - f->base);
		spans[0].len = len;
		*nspans = 1;
	}
	return LLA_OK;
}

void lla_flat_mem_init(struct lla_mem *mem, struct lla_flat_mem *flat)
{
	mem->opaque = flat;
	mem->read = flat_read;
	mem->write = flat_write;
	mem->map_read = flat_map_read;
	mem->unmap = NULL;
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

/* ---------------- rows read in place ---------------- */

int lla_rows_alloc(struct lla_rows *rm, uint64_t max_bytes)
{
	memset(rm, 0, sizeof(*rm));
	/* Any block of max_bytes at any page offset. */
	rm->max_spans = max_bytes / LLA_PAGE_SIZE + 2;
	rm->spans = lla_alloc(rm->max_spans, sizeof(*rm->spans));
	return rm->spans ? LLA_OK : LLA_ERR_NOMEM;
}

void lla_rows_free(struct lla_rows *rm)
{
	free(rm->spans);
	rm->spans = NULL;
}

int lla_rows_map(struct lla_exec *x, struct lla_rows *rm, uint64_t iova,
		 uint64_t stride, uint32_t rows, uint64_t row_bytes,
		 uint8_t *buf, int map, uint32_t align)
{
	const struct lla_mem *mem = x->mem;
	uint64_t len = (uint64_t)rows * row_bytes, fault = iova, sum = 0;
	int err;

	rm->buf = buf;
	rm->rows = rows;
	rm->row = 0;
	rm->rb = row_bytes;
	rm->align = align ? align : 1;
	rm->mapped = 0;
	rm->cookie = NULL;
	rm->mem = mem;
	rm->nspans = 0;
	rm->si = 0;
	rm->soff = 0;
	if (!map || !mem->map_read || !rm->spans || !len ||
	    (rows > 1 && stride != row_bytes) ||
	    lla_mem_max_spans(iova, len) > rm->max_spans)
		return lla_rd_rows(x, iova, stride, rows, row_bytes, buf);
	err = mem->map_read(mem->opaque, iova, len, rm->spans, rm->max_spans,
			    &rm->nspans, &rm->cookie, &fault);
	if (err) {
		x->res->fault_iova = fault;
		x->res->fault_write = 0;
		return err;
	}
	for (uint32_t i = 0; i < rm->nspans && i < rm->max_spans; i++)
		sum += rm->spans[i].len;
	if (sum != len || rm->nspans > rm->max_spans) {
		/* A memory that broke its contract: never read past it. */
		if (mem->unmap)
			mem->unmap(mem->opaque, rm->cookie);
		x->res->fault_iova = iova;
		x->res->fault_write = 0;
		return LLA_ERR_DMA;
	}
	rm->mapped = 1;
	x->res->bytes_read += len;
	return LLA_OK;
}

int lla_rows_next(struct lla_rows *rm, const uint8_t **p, uint32_t *first,
		  uint32_t *count)
{
	uint64_t at, in, q, need, o, so;
	const uint8_t *sp;
	uint32_t s;

	if (rm->row >= rm->rows)
		return 0;
	if (!rm->mapped) {
		*p = rm->buf;
		*first = 0;
		*count = rm->rows;
		rm->row = rm->rows;
		return 1;
	}
	at = (uint64_t)rm->row * rm->rb;
	while (rm->soff + rm->spans[rm->si].len <= at) {
		rm->soff += rm->spans[rm->si].len;
		rm->si++;
	}
	in = at - rm->soff;
	sp = rm->spans[rm->si].p + in;
	q = (rm->spans[rm->si].len - in) / rm->rb;
	if (q > rm->rows - rm->row)
		q = rm->rows - rm->row;
	*first = rm->row;
	if (q) {
		*count = (uint32_t)q;
		rm->row += (uint32_t)q;
		if ((uintptr_t)sp % rm->align == 0) {
			*p = sp;
		} else {	/* the kernels want aligned elements */
			memcpy(rm->buf + at, sp, q * rm->rb);
			*p = rm->buf + at;
		}
		return 1;
	}
	/* A row across two or more spans: gathered into its slot of buf. */
	need = rm->rb;
	o = at;
	s = rm->si;
	so = rm->soff;
	while (need) {
		uint64_t i = o - so, n = rm->spans[s].len - i;

		if (n > need)
			n = need;
		memcpy(rm->buf + o, rm->spans[s].p + i, n);
		o += n;
		need -= n;
		if (i + n == rm->spans[s].len) {
			so += rm->spans[s].len;
			s++;
		}
	}
	*p = rm->buf + at;
	*count = 1;
	rm->row++;
	return 1;
}

void lla_rows_unmap(struct lla_rows *rm)
{
	if (rm->mapped && rm->mem->unmap)
		rm->mem->unmap(rm->mem->opaque, rm->cookie);
	rm->mapped = 0;
	rm->cookie = NULL;
	rm->row = rm->rows;
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
