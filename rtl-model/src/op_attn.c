// SPDX-License-Identifier: MIT
/*
 * ATTN_PREFILL / ATTN_DECODE: append the new tokens' K/V to the fp16
 * caches, then causal GQA attention of each new query over the cache with
 * an online softmax in tiles of LLA_ATTN_TILE keys.
 *
 * The order of every fp32 operation is part of the contract (hw-spec
 * 7.12): per (token, head) the tiles are visited in ascending order,
 * keys within a tile ascending, and the score dot is the 16-lane
 * structure of lla_dot_f16.  Nothing else is ordered: each (token,
 * head) has its own state (mx, l, acc), so the engine is free to
 * interleave them.  It does so to fetch each cache tile once per block
 * of LLA_ATTN_TILE query tokens (the cycle model's on-chip query block)
 * instead of once per token, which makes prefill O(T^2 / 64) in cache
 * reads and conversions instead of O(T^2), with the same bits.
 *
 * Scratch is bounded independently of M: LLA_ATTN_TILE query rows (q
 * and acc) plus one tile of K and V (fp16 and fp32).
 *
 * Arithmetic: the scalar path below is the reference; with a vector
 * instruction set (lla_kern_isa(), LLA_ISA) the kernels of
 * kern_attn_avx2.c compute the same operations (tile conversion, dots,
 * expf, p * v) bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include "internal.h"
#include "kern.h"
#include "kern_attn.h"
#include "kern_misc.h"

#define QBLK	LLA_ATTN_TILE	/* query tokens per block */

struct attn_ctx {
	const struct lla_cmd_attn *c;
	int isa;		/* LLA_ISA_NONE: the scalar reference */
	uint32_t hd, group;
	uint32_t kv_elems;	/* n_kv_head * head_dim */
	uint64_t qrow;		/* n_head * head_dim */
	uint64_t cache_row;	/* bytes of one cache row */
	float scale;
	/* the current query block: tokens [t0, t0 + nq) */
	uint32_t t0, nq;
	float *q;		/* QBLK * qrow, also the output rows */
	float *acc;		/* QBLK * qrow */
	float *mx, *l;		/* QBLK * n_head */
	/* the current cache tile: rows [j0, j0 + LLA_ATTN_TILE) at most */
	uint16_t *rawk, *rawv;	/* LLA_ATTN_TILE * kv_elems fp16 */
	float *kt, *vt;		/* the same as fp32 (kt: vector path only) */
	struct lla_rows rm;	/* vector path: K or V rows read in place */
	float *s;		/* LLA_ATTN_TILE scores, then weights p */
};

/* Step 1: store token t's K and V (fp32 rows) at cache row @row as fp16. */
static int attn_store_kv(struct lla_exec *x, struct attn_ctx *a, uint32_t t,
			 uint64_t row)
{
	const struct lla_cmd_attn *c = a->c;
	uint64_t src[2] = { c->k_iova, c->v_iova };
	uint64_t dst[2] = { c->k_cache_iova, c->v_cache_iova };
	int err;

	for (int i = 0; i < 2; i++) {
		err = lla_rd(x, src[i] + (uint64_t)t * c->kv_stride, a->vt,
			     (uint64_t)a->kv_elems * sizeof(float));
		if (err)
			return err;
		lla_kmisc_f32_to_f16(a->isa, a->vt, a->rawv, a->kv_elems);
		err = lla_wr(x, dst[i] + row * a->cache_row, a->rawv,
			     a->cache_row);
		if (err)
			return err;
	}
	return LLA_OK;
}

/* ---------------- per-(token, head) arithmetic ---------------- */

/* s[j] = unscaled score of key j of the tile for query @q, KV head kvh. */
static void tile_dots(const struct attn_ctx *a, const float *q, uint32_t kvh,
		      uint32_t n)
{
	uint64_t off = (uint64_t)kvh * a->hd;

	if (a->isa != LLA_ISA_NONE) {
		lla_kern_attn_dots(a->isa, q, a->kt + off, a->kv_elems, n,
				   a->hd, a->s);
		return;
	}
	for (uint32_t j = 0; j < n; j++)
		a->s[j] = lla_dot_f16(q, a->rawk + (uint64_t)j * a->kv_elems +
				      off, a->hd);
}

static void tile_expf(const struct attn_ctx *a, uint32_t n)
{
	if (a->isa != LLA_ISA_NONE) {
		lla_kern_attn_expf(a->isa, a->s, n);
		return;
	}
	for (uint32_t j = 0; j < n; j++)
		a->s[j] = lla_expf(a->s[j]);
}

/* acc = acc * corr, then acc += p[j] * V[j] for the tile's keys. */
static void tile_pv(const struct attn_ctx *a, float *acc, float corr,
		    uint32_t kvh, uint32_t n)
{
	const float *v = a->vt + (uint64_t)kvh * a->hd;

	if (a->isa != LLA_ISA_NONE) {
		lla_kern_attn_pv(a->isa, acc, corr, a->s, v, a->kv_elems, n,
				 a->hd);
		return;
	}
	for (uint32_t d = 0; d < a->hd; d++)
		acc[d] = acc[d] * corr;
	for (uint32_t j = 0; j < n; j++)
		for (uint32_t d = 0; d < a->hd; d++)
			acc[d] = acc[d] + a->s[j] *
				 v[(uint64_t)j * a->kv_elems + d];
}

/*
 * One tile of @n keys for token t0 + @i of the block, query head @h.
 * l and acc are independent sums, so adding all p to l before the
 * p * v pass keeps each one's sequence of operations.
 */
static void attn_tile_head(struct attn_ctx *a, uint32_t i, uint32_t h,
			   uint32_t n)
{
	uint64_t sh = (uint64_t)i * a->c->n_head + h;
	float *q = a->q + sh * a->hd, *acc = a->acc + sh * a->hd;
	float tmax = -INFINITY, mnew, corr, l;
	uint32_t kvh = h / a->group;

	tile_dots(a, q, kvh, n);
	for (uint32_t j = 0; j < n; j++) {
		a->s[j] = a->s[j] * a->scale;
		if (a->s[j] > tmax)
			tmax = a->s[j];
	}
	mnew = a->mx[sh] > tmax ? a->mx[sh] : tmax;
	corr = a->mx[sh] == -INFINITY ? 0.0f : lla_expf(a->mx[sh] - mnew);
	for (uint32_t j = 0; j < n; j++)
		a->s[j] = a->s[j] - mnew;
	tile_expf(a, n);
	l = a->l[sh] * corr;
	for (uint32_t j = 0; j < n; j++)
		l = l + a->s[j];
	a->l[sh] = l;
	tile_pv(a, acc, corr, kvh, n);
	a->mx[sh] = mnew;
}

/* ---------------- blocks and tiles ---------------- */

/*
 * Vector path: @n cache rows at @iova converted to fp32 in @out, read in
 * place where the memory maps them (so a long context's cache crosses
 * the memory once), else through @raw.
 */
static int attn_load_rows(struct lla_exec *x, struct attn_ctx *a,
			  uint64_t iova, uint32_t n, uint16_t *raw, float *out)
{
	const uint8_t *p;
	uint32_t first, count;
	int err;

	err = lla_rows_map(x, &a->rm, iova, a->cache_row, n, a->cache_row,
			   (uint8_t *)raw, 1, sizeof(uint16_t));
	while (!err && lla_rows_next(&a->rm, &p, &first, &count))
		lla_kern_attn_h2f(a->isa, (const uint16_t *)p,
				  out + (uint64_t)first * a->kv_elems,
				  (uint64_t)count * a->kv_elems);
	lla_rows_unmap(&a->rm);
	return err;
}

/* Fetch cache rows [j0, j0 + n) of K and V (fp32 V; K too if vector). */
static int attn_load_tile(struct lla_exec *x, struct attn_ctx *a,
			  uint64_t j0, uint32_t n)
{
	const struct lla_cmd_attn *c = a->c;
	uint64_t cnt = (uint64_t)n * a->kv_elems;
	int err;

	if (a->isa != LLA_ISA_NONE) {
		err = attn_load_rows(x, a, c->k_cache_iova + j0 * a->cache_row,
				     n, a->rawk, a->kt);
		return err ? err : attn_load_rows(x, a, c->v_cache_iova +
						  j0 * a->cache_row, n,
						  a->rawv, a->vt);
	}
	err = lla_rd(x, c->k_cache_iova + j0 * a->cache_row, a->rawk, cnt * 2);
	if (!err)
		err = lla_rd(x, c->v_cache_iova + j0 * a->cache_row, a->rawv,
			     cnt * 2);
	if (err)
		return err;
	for (uint64_t e = 0; e < cnt; e++)
		a->vt[e] = lla_f16_to_f32(a->rawv[e]);
	return LLA_OK;
}

/*
 * Every query of the block that sees key j0 (token t attends to
 * base + t + 1 keys) takes its part of the tile, KV head by KV head so
 * that one head's slice of the tile stays in cache for all of them.
 */
static uint64_t attn_tile_block(struct attn_ctx *a, uint64_t base,
				uint64_t j0)
{
	uint64_t macs = 0;

	for (uint32_t kvh = 0; kvh < a->c->n_kv_head; kvh++)
		for (uint32_t i = 0; i < a->nq; i++) {
			uint64_t len = base + a->t0 + i + 1;
			uint32_t n;

			if (len <= j0)
				continue;
			n = (uint32_t)(len - j0 < LLA_ATTN_TILE ?
				       len - j0 : LLA_ATTN_TILE);
			for (uint32_t g = 0; g < a->group; g++)
				attn_tile_head(a, i, kvh * a->group + g, n);
			/* scores and weighted sum: two MACs per element */
			macs += 2ull * n * a->group * a->hd;
		}
	return macs;
}

static int attn_read_queries(struct lla_exec *x, struct attn_ctx *a)
{
	const struct lla_cmd_attn *c = a->c;
	uint64_t heads = (uint64_t)a->nq * c->n_head;

	for (uint64_t i = 0; i < heads; i++) {
		a->mx[i] = -INFINITY;
		a->l[i] = 0.0f;
	}
	for (uint64_t i = 0; i < heads * a->hd; i++)
		a->acc[i] = 0.0f;
	return lla_rd_rows(x, c->q_iova + (uint64_t)a->t0 * c->q_stride,
			   c->q_stride, a->nq, a->qrow * sizeof(float), a->q);
}

/* The output overwrites the query rows: q is no longer needed. */
static int attn_write_outputs(struct lla_exec *x, struct attn_ctx *a)
{
	const struct lla_cmd_attn *c = a->c;
	uint64_t heads = (uint64_t)a->nq * c->n_head;

	for (uint64_t sh = 0; sh < heads; sh++)
		for (uint32_t d = 0; d < a->hd; d++) {
			uint64_t i = sh * a->hd + d;

			a->q[i] = a->acc[i] / a->l[sh];
		}
	return lla_wr_rows(x, c->o_iova + (uint64_t)a->t0 * c->o_stride,
			   c->o_stride, a->nq, a->qrow * sizeof(float), a->q);
}

/* Step 2 for the tokens [t0, t0 + nq): attend over their causal keys. */
static int attn_block(struct lla_exec *x, struct attn_ctx *a, uint64_t base)
{
	uint64_t keys = base + a->t0 + a->nq;	/* the last token's */
	int err;

	err = attn_read_queries(x, a);
	for (uint64_t j0 = 0; j0 < keys && !err; j0 += LLA_ATTN_TILE) {
		uint32_t n = (uint32_t)(keys - j0 < LLA_ATTN_TILE ?
					keys - j0 : LLA_ATTN_TILE);

		err = attn_load_tile(x, a, j0, n);
		if (!err)
			lla_progress(x, attn_tile_block(a, base, j0));
	}
	return err ? err : attn_write_outputs(x, a);
}

static void attn_free(struct attn_ctx *a)
{
	free(a->q);
	free(a->acc);
	free(a->mx);
	free(a->l);
	free(a->s);
	free(a->rawk);
	free(a->rawv);
	free(a->kt);
	free(a->vt);
	lla_rows_free(&a->rm);
}

static int attn_alloc(struct attn_ctx *a, uint32_t qblk)
{
	uint64_t tile = (uint64_t)LLA_ATTN_TILE * a->kv_elems;
	uint64_t heads = (uint64_t)qblk * a->c->n_head;

	a->q = lla_alloc(qblk * a->qrow, sizeof(float));
	a->acc = lla_alloc(qblk * a->qrow, sizeof(float));
	a->mx = lla_alloc(heads, sizeof(float));
	a->l = lla_alloc(heads, sizeof(float));
	a->s = lla_alloc(LLA_ATTN_TILE, sizeof(float));
	a->rawk = lla_alloc(tile, sizeof(uint16_t));
	a->rawv = lla_alloc(tile, sizeof(uint16_t));
	a->kt = lla_alloc(a->isa != LLA_ISA_NONE ? tile : 1, sizeof(float));
	a->vt = lla_alloc(tile, sizeof(float));
	if (!a->q || !a->acc || !a->mx || !a->l || !a->s || !a->rawk ||
	    !a->rawv || !a->kt || !a->vt ||
	    (a->isa != LLA_ISA_NONE && lla_rows_alloc(&a->rm, 2 * tile)))
		return LLA_ERR_NOMEM;
	return LLA_OK;
}

int lla_op_attn(struct lla_exec *x, const struct lla_cmd_attn *c)
{
	struct attn_ctx a = { 0 };
	uint32_t pos, qblk = c->m < QBLK ? c->m : QBLK;
	uint64_t base;
	int err;

	err = lla_rd_pos(x, c->pos_iova, c->pos, &pos);
	if (err)
		return err;
	base = pos;
	if (base + c->m > c->max_ctx)
		return LLA_ERR_INDEX;
	a.c = c;
	a.isa = lla_kern_isa();
	a.hd = c->head_dim;
	a.group = c->n_head / c->n_kv_head;
	a.kv_elems = c->n_kv_head * c->head_dim;
	a.qrow = (uint64_t)c->n_head * c->head_dim;
	a.cache_row = (uint64_t)a.kv_elems * sizeof(uint16_t);
	a.scale = lla_bits_f32(c->scale);
	err = attn_alloc(&a, qblk);
	for (uint32_t t = 0; t < c->m && !err; t++)
		err = attn_store_kv(x, &a, t, base + t);
	for (a.t0 = 0; a.t0 < c->m && !err; a.t0 += qblk) {
		a.nq = c->m - a.t0 < qblk ? c->m - a.t0 : qblk;
		err = attn_block(x, &a, base);
	}
	attn_free(&a);
	return err;
}
