// SPDX-License-Identifier: MIT
/*
 * Selection over logits: ARGMAX, TOPK and SAMPLE.
 *
 * The ranking used by TOPK (and by SAMPLE's candidate list) is a strict
 * total order on (value, index): larger numbers first, equal numbers by
 * lower index, NaN below every number (-inf included) and NaNs among
 * themselves by index.  Because the order is total the selected set and
 * its order do not depend on the algorithm, so a bounded heap (O(n log k))
 * gives exactly what a full sort would.
 */
#include <stdlib.h>
#include "internal.h"

struct cand {
	float v;
	uint32_t i;
};

/* Non-zero if a ranks strictly above b. */
static int rank_above(const struct cand *a, const struct cand *b)
{
	int an = a->v != a->v, bn = b->v != b->v;

	if (an || bn) {
		if (an != bn)
			return bn;	/* the number beats the NaN */
		return a->i < b->i;
	}
	if (a->v != b->v)
		return a->v > b->v;
	return a->i < b->i;	/* equal (also -0 == +0): lower index */
}

/* Min-heap on rank: h[0] is the lowest-ranked of the kept candidates. */
static void heap_sift_down(struct cand *h, uint32_t len, uint32_t pos)
{
	for (;;) {
		uint32_t l = 2 * pos + 1, r = l + 1, low = pos;
		struct cand t;

		if (l < len && rank_above(&h[low], &h[l]))
			low = l;
		if (r < len && rank_above(&h[low], &h[r]))
			low = r;
		if (low == pos)
			return;
		t = h[pos];
		h[pos] = h[low];
		h[low] = t;
		pos = low;
	}
}

/*
 * The k (1 <= k <= n) top-ranked elements of x[n], left in h[0..k) best
 * first.  A min-heap of the k best seen so far, then heap sort.
 */
static void topk_select(const float *x, uint32_t n, uint32_t k,
			struct cand *h)
{
	uint32_t len = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct cand c = { x[i], i };

		if (len < k) {
			/* Sift up the new leaf. */
			uint32_t pos = len++;

			h[pos] = c;
			while (pos) {
				uint32_t par = (pos - 1) / 2;
				struct cand t;

				if (!rank_above(&h[par], &h[pos]))
					break;
				t = h[par];
				h[par] = h[pos];
				h[pos] = t;
				pos = par;
			}
		} else if (rank_above(&c, &h[0])) {
			h[0] = c;
			heap_sift_down(h, len, 0);
		}
	}
	/* Heap sort in place: popping the minimum fills from the back. */
	while (len > 1) {
		struct cand t = h[0];

		h[0] = h[len - 1];
		h[len - 1] = t;
		len--;
		heap_sift_down(h, len, 0);
	}
}

/* First index of the largest non-NaN value; 0 if every value is NaN. */
static uint32_t argmax_row(const float *x, uint32_t n)
{
	uint32_t best = 0;
	int found = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (x[i] != x[i])
			continue;
		if (!found || x[i] > x[best]) {
			best = i;
			found = 1;
		}
	}
	return best;
}

int lla_op_argmax(struct lla_exec *x, const struct lla_cmd_argmax *c)
{
	float *row = lla_alloc(c->n, sizeof(float));
	int32_t *y = lla_alloc(c->m, sizeof(int32_t));
	int err = LLA_ERR_NOMEM;

	if (!row || !y)
		goto out;
	for (uint32_t m = 0; m < c->m; m++) {
		err = lla_rd(x, c->x_iova + (uint64_t)m * c->x_stride, row,
			     (uint64_t)c->n * sizeof(float));
		if (err)
			goto out;
		y[m] = (int32_t)argmax_row(row, c->n);
	}
	err = lla_wr(x, c->y_iova, y, (uint64_t)c->m * sizeof(int32_t));
out:
	free(row);
	free(y);
	return err;
}

int lla_op_topk(struct lla_exec *x, const struct lla_cmd_topk *c)
{
	uint32_t k = c->k < c->n ? c->k : c->n;
	float *row = lla_alloc(c->n, sizeof(float));
	struct cand *h = lla_alloc(k, sizeof(*h));
	int32_t *idx = lla_alloc(k, sizeof(int32_t));
	float *val = lla_alloc(k, sizeof(float));
	int err = LLA_ERR_NOMEM;

	if (!row || !h || !idx || !val)
		goto out;
	err = lla_rd(x, c->x_iova, row, (uint64_t)c->n * sizeof(float));
	if (err)
		goto out;
	topk_select(row, c->n, k, h);
	for (uint32_t i = 0; i < k; i++) {
		idx[i] = (int32_t)h[i].i;
		val[i] = h[i].v;
	}
	err = lla_wr(x, c->idx_iova, idx, (uint64_t)k * sizeof(int32_t));
	if (!err && c->val_iova)
		err = lla_wr(x, c->val_iova, val, (uint64_t)k * sizeof(float));
out:
	free(row);
	free(h);
	free(idx);
	free(val);
	return err;
}

/*
 * Temperature / top-k / top-p draw over the candidates h[0..K) (ranked
 * like TOPK).  @p is scratch of K floats.  Returns the logit index.
 */
static uint32_t sample_draw(const struct cand *h, uint32_t kc, float temp,
			    float top_p, float u, float *p)
{
	float total = 0.0f, thresh, cum = 0.0f, kept, target;
	uint32_t keep = kc;

	for (uint32_t i = 0; i < kc; i++) {
		float l = h[i].v;

		p[i] = l != l ? 0.0f : lla_expf((l - h[0].v) / temp);
		total = total + p[i];
	}
	/* p[] becomes the running (sequential) cumulative sum. */
	thresh = top_p * total;
	for (uint32_t i = 0; i < kc; i++) {
		cum = cum + p[i];
		p[i] = cum;
		if (keep == kc && cum >= thresh)
			keep = i + 1;
	}
	kept = p[keep - 1];
	target = u * kept;
	for (uint32_t i = 0; i < keep; i++)
		if (p[i] > target)
			return h[i].i;
	return h[keep - 1].i;
}

static int sample_counter(struct lla_exec *x, const struct lla_cmd_sample *c,
			  uint64_t *ctr)
{
	*ctr = c->counter;
	if (!c->counter_iova)
		return LLA_OK;
	return lla_rd(x, c->counter_iova, ctr, sizeof(*ctr));
}

int lla_op_sample(struct lla_exec *x, const struct lla_cmd_sample *c)
{
	float temp = lla_bits_f32(c->temperature);
	uint32_t kc = c->top_k ? c->top_k : LLA_MAX_TOPK;
	float *row = NULL, *p = NULL;
	struct cand *h = NULL;
	uint64_t ctr;
	int32_t token;
	int err;

	if (kc > c->n)
		kc = c->n;
	err = sample_counter(x, c, &ctr);
	if (err)
		return err;
	err = LLA_ERR_NOMEM;
	row = lla_alloc(c->n, sizeof(float));
	h = lla_alloc(kc, sizeof(*h));
	p = lla_alloc(kc, sizeof(float));
	if (!row || !h || !p)
		goto out;
	err = lla_rd(x, c->logits_iova, row, (uint64_t)c->n * sizeof(float));
	if (err)
		goto out;
	if (temp == 0.0f) {
		token = (int32_t)argmax_row(row, c->n);
	} else {
		float u = lla_rng_uniform(c->seed, ctr);

		topk_select(row, c->n, kc, h);
		token = (int32_t)sample_draw(h, kc, temp,
					     lla_bits_f32(c->top_p), u, p);
	}
	err = lla_wr(x, c->out_iova, &token, sizeof(token));
	if (!err && (c->hdr.flags & LLA_SAMPLE_F_ADVANCE) && c->counter_iova) {
		uint64_t next = ctr + 1;

		err = lla_wr(x, c->counter_iova, &next, sizeof(next));
	}
out:
	free(row);
	free(h);
	free(p);
	return err;
}
