// SPDX-License-Identifier: MIT
/*
 * Memory commands: COPY, FILL, TIMESTAMP and the semaphores SEM_SIGNAL and
 * SEM_WAIT.  Bulk transfers go through a bounded staging buffer so a
 * 1 GiB COPY never needs 1 GiB of host memory.
 */
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define LLA_MEM_CHUNK	(1ull << 20)	/* staging buffer, bytes */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int lla_op_copy(struct lla_exec *x, const struct lla_cmd_copy *c)
{
	uint64_t chunk = min_u64(c->len, LLA_MEM_CHUNK);
	uint8_t *buf;
	int err = LLA_OK;

	buf = lla_alloc(chunk, 1);
	if (!buf)
		return LLA_ERR_NOMEM;
	/* Validation rejects overlap, so a forward chunked copy is exact. */
	for (uint64_t off = 0; off < c->len; off += chunk) {
		uint64_t n = min_u64(chunk, c->len - off);

		err = lla_rd(x, c->src_iova + off, buf, n);
		if (err)
			break;
		err = lla_wr(x, c->dst_iova + off, buf, n);
		if (err)
			break;
	}
	free(buf);
	return err;
}

int lla_op_fill(struct lla_exec *x, const struct lla_cmd_fill *c)
{
	/* len is a multiple of 4 and so is the chunk size. */
	uint64_t chunk = min_u64(c->len, LLA_MEM_CHUNK);
	uint8_t *buf;
	int err = LLA_OK;

	buf = lla_alloc(chunk, 1);
	if (!buf)
		return LLA_ERR_NOMEM;
	for (uint64_t i = 0; i + 4 <= chunk; i += 4)
		memcpy(buf + i, &c->value, 4);
	for (uint64_t off = 0; off < c->len; off += chunk) {
		uint64_t n = min_u64(chunk, c->len - off);

		err = lla_wr(x, c->dst_iova + off, buf, n);
		if (err)
			break;
	}
	free(buf);
	return err;
}

int lla_op_timestamp(struct lla_exec *x, const struct lla_cmd_timestamp *c)
{
	uint64_t now = x->now_cycle;

	return lla_wr(x, c->dst_iova, &now, sizeof(now));
}

/* Semaphore access: a u32 or u64 cell, zero-extended to u64. */
static int sem_read(struct lla_exec *x, const struct lla_cmd_sem *c,
		    uint64_t *val)
{
	int err;

	if (c->hdr.flags & LLA_SEM_F_32BIT) {
		uint32_t v32;

		err = lla_rd(x, c->iova, &v32, sizeof(v32));
		*val = v32;
	} else {
		err = lla_rd(x, c->iova, val, sizeof(*val));
	}
	return err;
}

static int sem_write(struct lla_exec *x, const struct lla_cmd_sem *c,
		     uint64_t val)
{
	if (c->hdr.flags & LLA_SEM_F_32BIT) {
		uint32_t v32 = (uint32_t)val;

		return lla_wr(x, c->iova, &v32, sizeof(v32));
	}
	return lla_wr(x, c->iova, &val, sizeof(val));
}

int lla_op_sem_signal(struct lla_exec *x, const struct lla_cmd_sem *c)
{
	uint64_t old, val = c->value;
	int err;

	/* SET is a plain store: it never needs read permission. */
	if (c->op == LLA_SEM_ADD) {
		err = sem_read(x, c, &old);
		if (err)
			return err;
		val = old + c->value;	/* wraps; truncated by sem_write */
	}
	return sem_write(x, c, val);
}

int lla_op_sem_wait(struct lla_exec *x, const struct lla_cmd_sem *c)
{
	uint64_t want = c->value, cur;
	int ok, err;

	err = sem_read(x, c, &cur);
	if (err)
		return err;
	if (c->hdr.flags & LLA_SEM_F_32BIT)
		want = (uint32_t)want;
	ok = c->op == LLA_SEM_EQ ? cur == want : cur >= want;
	return ok ? LLA_OK : LLA_EXEC_BLOCKED;
}
