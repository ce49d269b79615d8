// SPDX-License-Identifier: MIT
/*
 * ATTN_PREFILL / ATTN_DECODE: append the new tokens' K/V to the fp16
 * caches, then causal GQA attention of each new query over the cache with
 * an online softmax in tiles of LLA_ATTN_TILE keys.
 *
 * The order of every fp32 operation is part of the contract (see the
 * header and docs): per (token, head) the tiles are visited in ascending
 * order and keys within a tile ascending.  Heads are processed together
 * per tile only so that one tile of the cache is fetched once for all of
 * them; each head's own operation sequence is unchanged by that.
 */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

struct attn_ctx {
	const struct lla_cmd_attn *c;
	uint32_t hd;
	uint32_t kv_elems;	/* n_kv_head * head_dim */
	uint64_t cache_row;	/* bytes of one cache row */
	float scale;
	/* scratch */
	float *q;		/* n_head * hd, also the output row */
	float *acc;		/* n_head * hd */
	float *mx, *l;		/* n_head */
	float *s;		/* LLA_ATTN_TILE scores */
	uint16_t *raw;		/* LLA_ATTN_TILE * kv_elems fp16 */
	float *kt, *vt;		/* LLA_ATTN_TILE * kv_elems fp32 */
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
		err = lla_rd(x, src[i] + (uint64_t)t * c->kv_stride, a->kt,
			     (uint64_t)a->kv_elems * sizeof(float));
		if (err)
			return err;
		for (uint32_t e = 0; e < a->kv_elems; e++)
			a->raw[e] = lla_f32_to_f16(a->kt[e]);
		err = lla_wr(x, dst[i] + row * a->cache_row, a->raw,
			     a->cache_row);
		if (err)
			return err;
	}
	return LLA_OK;
}

/* Fetch cache rows [j0, j0 + n) of one cache as fp32 into @out. */
static int attn_load_tile(struct lla_exec *x, struct attn_ctx *a,
			  uint64_t cache, uint64_t j0, uint32_t n, float *out)
{
	uint64_t cnt = (uint64_t)n * a->kv_elems;
	int err;

	err = lla_rd(x, cache + j0 * a->cache_row, a->raw, cnt * 2);
	if (err)
		return err;
	for (uint64_t e = 0; e < cnt; e++)
		out[e] = lla_f16_to_f32(a->raw[e]);
	return LLA_OK;
}

/* One tile of @n keys for query head @h (state mx/l/acc of that head). */
static void attn_tile_head(struct attn_ctx *a, uint32_t h, uint32_t n)
{
	uint32_t hd = a->hd;
	uint32_t kvh = h / (a->c->n_head / a->c->n_kv_head);
	const float *q = a->q + (uint64_t)h * hd;
	float *acc = a->acc + (uint64_t)h * hd;
	float tmax = -INFINITY, mnew, corr;

	for (uint32_t j = 0; j < n; j++) {
		const float *k = a->kt + (uint64_t)j * a->kv_elems +
				 (uint64_t)kvh * hd;
		float dot = 0.0f;

		for (uint32_t d = 0; d < hd; d++)
			dot = dot + q[d] * k[d];
		a->s[j] = dot * a->scale;
		if (a->s[j] > tmax)
			tmax = a->s[j];
	}
	mnew = a->mx[h] > tmax ? a->mx[h] : tmax;
	corr = a->mx[h] == -INFINITY ? 0.0f : lla_expf(a->mx[h] - mnew);
	a->l[h] = a->l[h] * corr;
	for (uint32_t d = 0; d < hd; d++)
		acc[d] = acc[d] * corr;
	for (uint32_t j = 0; j < n; j++) {
		const float *v = a->vt + (uint64_t)j * a->kv_elems +
				 (uint64_t)kvh * hd;
		float p = lla_expf(a->s[j] - mnew);

		a->l[h] = a->l[h] + p;
		for (uint32_t d = 0; d < hd; d++)
			acc[d] = acc[d] + p * v[d];
	}
	a->mx[h] = mnew;
}

/* Step 2 for token t: attend over cache rows [0, len). */
static int attn_query(struct lla_exec *x, struct attn_ctx *a, uint32_t t,
		      uint64_t len)
{
	const struct lla_cmd_attn *c = a->c;
	uint64_t row = (uint64_t)c->n_head * a->hd;
	int err;

	err = lla_rd(x, c->q_iova + (uint64_t)t * c->q_stride, a->q,
		     row * sizeof(float));
	if (err)
		return err;
	for (uint32_t h = 0; h < c->n_head; h++) {
		a->mx[h] = -INFINITY;
		a->l[h] = 0.0f;
	}
	for (uint64_t i = 0; i < row; i++)
		a->acc[i] = 0.0f;
	for (uint64_t j0 = 0; j0 < len; j0 += LLA_ATTN_TILE) {
		uint32_t n = (uint32_t)(len - j0 < LLA_ATTN_TILE ?
					len - j0 : LLA_ATTN_TILE);

		err = attn_load_tile(x, a, c->k_cache_iova, j0, n, a->kt);
		if (!err)
			err = attn_load_tile(x, a, c->v_cache_iova, j0, n,
					     a->vt);
		if (err)
			return err;
		for (uint32_t h = 0; h < c->n_head; h++)
			attn_tile_head(a, h, n);
		/* scores and weighted sum: two MACs per element */
		lla_progress(x, 2ull * n * row);
	}
	/* The output overwrites the query buffer: q is no longer needed. */
	for (uint32_t h = 0; h < c->n_head; h++)
		for (uint32_t d = 0; d < a->hd; d++) {
			uint64_t i = (uint64_t)h * a->hd + d;

			a->q[i] = a->acc[i] / a->l[h];
		}
	return lla_wr(x, c->o_iova + (uint64_t)t * c->o_stride, a->q,
		      row * sizeof(float));
}

static void attn_free(struct attn_ctx *a)
{
	free(a->q);
	free(a->acc);
	free(a->mx);
	free(a->l);
	free(a->s);
	free(a->raw);
	free(a->kt);
	free(a->vt);
}

static int attn_alloc(struct attn_ctx *a)
{
	uint64_t qrow = (uint64_t)a->c->n_head * a->hd;
	uint64_t tile = (uint64_t)LLA_ATTN_TILE * a->kv_elems;

	a->q = lla_alloc(qrow, sizeof(float));
	a->acc = lla_alloc(qrow, sizeof(float));
	a->mx = lla_alloc(a->c->n_head, sizeof(float));
	a->l = lla_alloc(a->c->n_head, sizeof(float));
	a->s = lla_alloc(LLA_ATTN_TILE, sizeof(float));
	a->raw = lla_alloc(tile, sizeof(uint16_t));
	a->kt = lla_alloc(tile, sizeof(float));
	a->vt = lla_alloc(tile, sizeof(float));
	if (!a->q || !a->acc || !a->mx || !a->l || !a->s || !a->raw ||
	    !a->kt || !a->vt)
		return LLA_ERR_NOMEM;
	return LLA_OK;
}

int lla_op_attn(struct lla_exec *x, const struct lla_cmd_attn *c)
{
	struct attn_ctx a = { 0 };
	uint32_t pos;
	uint64_t base;
	int err;

	err = lla_rd_pos(x, c->pos_iova, c->pos, &pos);
	if (err)
		return err;
	base = pos;
	if (base + c->m > c->max_ctx)
		return LLA_ERR_INDEX;
	a.c = c;
	a.hd = c->head_dim;
	a.kv_elems = c->n_kv_head * c->head_dim;
	a.cache_row = (uint64_t)a.kv_elems * sizeof(uint16_t);
	a.scale = lla_bits_f32(c->scale);
	err = attn_alloc(&a);
	for (uint32_t t = 0; t < c->m && !err; t++)
		err = attn_store_kv(x, &a, t, base + t);
	for (uint32_t t = 0; t < c->m && !err; t++)
		err = attn_query(x, &a, t, base + t + 1);
	attn_free(&a);
	return err;
}
