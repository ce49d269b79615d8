// SPDX-License-Identifier: MIT
/*
 * CPU reference forward pass (see cpu_ref.h).  Written from the numerics
 * of hw-spec sections 7 and 8, independently of the rtl-model's command
 * implementations: every loop below states its evaluation order, which
 * is the contract's (ascending index unless the contract defines lanes,
 * as for the fp16 head; no FMA, each operation rounded).  The attention
 * score dot calls the rtl-model's lla_dot_f16, the numerics helper that
 * defines that lane order, so the order is written down once.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "llmaccel_model.h"
#include "cpu_ref.h"

struct cpu_ref {
	const struct mdl_desc *d;
	uint32_t max_ctx, qd, kvd;
	float *rope;			/* [max_ctx][hd/2][2] */
	uint16_t **kc, **vc;		/* per layer [max_ctx][kvd] fp16 */
	int8_t *wrow;			/* one decoded weight row */
};

RUN_API void cpu_ref_free(struct cpu_ref *r)
{
	if (!r)
		return;
	for (uint32_t l = 0; r->kc && l < r->d->hp.n_layer; l++) {
		free(r->kc[l]);
		free(r->vc[l]);
	}
	free(r->kc);
	free(r->vc);
	free(r->rope);
	free(r->wrow);
	free(r);
}

RUN_API int cpu_ref_create(const struct mdl_desc *d, uint32_t max_ctx,
			   struct cpu_ref **out)
{
	const struct mdl_hparams *hp = &d->hp;
	struct cpu_ref *r = calloc(1, sizeof(*r));
	uint32_t maxk;
	int bad = 0;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->d = d;
	r->max_ctx = max_ctx;
	r->qd = hp->n_head * hp->head_dim;
	r->kvd = hp->n_head_kv * hp->head_dim;
	maxk = hp->n_embd > hp->n_ff ? hp->n_embd : hp->n_ff;
	if (r->qd > maxk)
		maxk = r->qd;
	r->rope = malloc((size_t)max_ctx * hp->head_dim * sizeof(float));
	r->kc = calloc(hp->n_layer, sizeof(*r->kc));
	r->vc = calloc(hp->n_layer, sizeof(*r->vc));
	r->wrow = malloc(maxk);
	bad = !r->rope || !r->kc || !r->vc || !r->wrow;
	for (uint32_t l = 0; !bad && l < hp->n_layer; l++) {
		r->kc[l] = calloc((size_t)max_ctx * r->kvd, 2);
		r->vc[l] = calloc((size_t)max_ctx * r->kvd, 2);
		bad = !r->kc[l] || !r->vc[l];
	}
	if (bad) {
		cpu_ref_free(r);
		return -ENOMEM;
	}
	lla_rope_table(r->rope, max_ctx, hp->head_dim, hp->rope_theta);
	*out = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* primitives                                                          */
/* ------------------------------------------------------------------ */

/* Ternary row decoding, hw-spec 8.3 (written out, not lla_unpack_row). */
static void ref_decode_row(uint8_t wfmt, const uint8_t *src, uint32_t k,
			   int8_t *w)
{
	static const int8_t t2[4] = { -1, 0, 1, 0 };

	if (wfmt == LLA_WFMT_T2) {
		for (uint32_t i = 0; i < k; i++)
			w[i] = t2[(src[i / 4] >> (2 * (i % 4))) & 3];
		return;
	}
	for (uint32_t j = 0; j * 5 < k; j++) {
		uint32_t v = src[j];

		for (uint32_t i = 0; i < 5 && j * 5 + i < k; i++) {
			w[j * 5 + i] = v < 243 ? (int8_t)((int)(v % 3) - 1) : 0;
			v /= 3;
		}
	}
}

/*
 * RMSNorm with gamma of @m rows of @k into @y: the rtl-model's own
 * reference (lla_rms_norm), so the sum-of-squares lane order of the
 * contract is written down once.
 */
static void ref_rmsnorm(const float *x, uint32_t m, uint32_t k,
			const float *gamma, float eps, float *y)
{
	for (uint32_t r = 0; r < m; r++)
		lla_rms_norm(x + (size_t)r * k, k, eps, gamma,
			     y + (size_t)r * k);
}

/* RMSNorm then absmax int8: q [m][k], s [m]. */
static void ref_norm_quant(const float *x, uint32_t m, uint32_t k,
			   const float *gamma, float eps, float *tmp,
			   int8_t *q, float *s)
{
	ref_rmsnorm(x, m, k, gamma, eps, tmp);
	for (uint32_t r = 0; r < m; r++)
		s[r] = lla_quant_row(tmp + (size_t)r * k, k, q + (size_t)r * k);
}

/*
 * Ternary matmul with the epilogue: y = act(acc / s * gamma) [* gate]
 * [+ residual], rows of @mat->n.
 */
static void ref_tlmm(struct cpu_ref *r, const struct mdl_matrix *mat,
		     const int8_t *q, const float *s, uint32_t m, uint8_t act,
		     const float *gate, const float *res, float *y)
{
	uint32_t n = mat->n, k = mat->k;

	for (uint32_t c = 0; c < n; c++) {
		ref_decode_row(mat->wfmt, mat->rows + (size_t)c * mat->row_bytes,
			       k, r->wrow);
		for (uint32_t t = 0; t < m; t++) {
			const int8_t *qt = q + (size_t)t * k;
			int32_t acc = 0;
			float v;

			for (uint32_t i = 0; i < k; i++)
				acc += (int32_t)qt[i] * r->wrow[i];
			v = ((float)acc / s[t]) * mat->gamma;
			v = lla_act(act, v);
			if (gate)
				v = v * gate[(size_t)t * n + c];
			if (res)
				v = v + res[(size_t)t * n + c];
			y[(size_t)t * n + c] = v;
		}
	}
}

/* NEOX RoPE of @m rows of @heads heads at positions pos.. in place. */
static void ref_rope(const struct cpu_ref *r, float *x, uint32_t m,
		     uint32_t heads, uint32_t pos)
{
	uint32_t hd = r->d->hp.head_dim, half = hd / 2;

	for (uint32_t t = 0; t < m; t++) {
		const float *T = r->rope + (size_t)(pos + t) * half * 2;

		for (uint32_t h = 0; h < heads; h++) {
			float *xh = x + ((size_t)t * heads + h) * hd;

			for (uint32_t i = 0; i < half; i++) {
				float c = T[2 * i], sn = T[2 * i + 1];
				float x0 = xh[i], x1 = xh[i + half];

				xh[i] = x0 * c - x1 * sn;
				xh[i + half] = x0 * sn + x1 * c;
			}
		}
	}
}

/*
 * Causal GQA attention with the fp16 cache, tiled online softmax
 * (hw-spec 7.12).  The score dot is the rtl-model's lla_dot_f16, the
 * one definition of the contract's lane order, rather than a copy.
 */
static void ref_attn(struct cpu_ref *r, uint32_t l, const float *q,
		     const float *k, const float *v, uint32_t m, uint32_t pos,
		     float *o, float *sc, float *acc)
{
	const struct mdl_hparams *hp = &r->d->hp;
	uint32_t hd = hp->head_dim, group = hp->n_head / hp->n_head_kv;
	float scale = 1.0f / sqrtf((float)hd);
	uint16_t *kc = r->kc[l], *vc = r->vc[l];

	for (uint32_t t = 0; t < m; t++)
		for (uint32_t i = 0; i < r->kvd; i++) {
			kc[(size_t)(pos + t) * r->kvd + i] =
				lla_f32_to_f16(k[(size_t)t * r->kvd + i]);
			vc[(size_t)(pos + t) * r->kvd + i] =
				lla_f32_to_f16(v[(size_t)t * r->kvd + i]);
		}
	for (uint32_t t = 0; t < m; t++) {
		uint32_t keys = pos + t + 1;

		for (uint32_t h = 0; h < hp->n_head; h++) {
			const float *qh = q + (size_t)t * r->qd + (size_t)h * hd;
			size_t kvo = (size_t)(h / group) * hd;
			float mx = -INFINITY, l_sum = 0.0f;

			for (uint32_t d = 0; d < hd; d++)
				acc[d] = 0.0f;
			for (uint32_t j0 = 0; j0 < keys; j0 += LLA_ATTN_TILE) {
				uint32_t j1 = j0 + LLA_ATTN_TILE < keys ?
					      j0 + LLA_ATTN_TILE : keys;
				float tmax = -INFINITY, mnew, corr;

				for (uint32_t j = j0; j < j1; j++) {
					const uint16_t *kr = kc + (size_t)j * r->kvd + kvo;

					/* the contract's 16-lane score dot */
					sc[j - j0] = lla_dot_f16(qh, kr, hd) * scale;
					if (sc[j - j0] > tmax)
						tmax = sc[j - j0];
				}
				mnew = mx > tmax ? mx : tmax;
				corr = mx == -INFINITY ? 0.0f : lla_expf(mx - mnew);
				l_sum = l_sum * corr;
				for (uint32_t d = 0; d < hd; d++)
					acc[d] = acc[d] * corr;
				for (uint32_t j = j0; j < j1; j++) {
					const uint16_t *vr = vc + (size_t)j * r->kvd + kvo;
					float p = lla_expf(sc[j - j0] - mnew);

					l_sum = l_sum + p;
					for (uint32_t d = 0; d < hd; d++)
						acc[d] = acc[d] + p * lla_f16_to_f32(vr[d]);
				}
				mx = mnew;
			}
			for (uint32_t d = 0; d < hd; d++)
				o[(size_t)t * r->qd + (size_t)h * hd + d] =
					acc[d] / l_sum;
		}
	}
}

/*
 * fp16 output head (QMM F16) on one normalized row, in the contract's
 * lane order (hw-spec section 7.4): lane j of 16 sums the products of
 * k = j, j + 16, ... in ascending k; then lanes j and j + h are added
 * for h = 8, 4, 2, 1.
 */
static void ref_head(const struct cpu_ref *r, const float *x, float *logits)
{
	const struct mdl_desc *d = r->d;
	const uint16_t *w = d->head;
	uint32_t e = d->hp.n_embd;

	for (uint32_t c = 0; c < d->hp.n_vocab; c++) {
		float lane[16] = { 0 };

		for (uint32_t i = 0; i < e; i++)
			lane[i % 16] = lane[i % 16] +
				x[i] * lla_f16_to_f32(w[(size_t)c * e + i]);
		for (uint32_t h = 8; h >= 1; h /= 2)
			for (uint32_t j = 0; j < h; j++)
				lane[j] = lane[j] + lane[j + h];
		logits[c] = lane[0];
	}
}

static void ref_head_i8(const struct cpu_ref *r, const int8_t *q, float s,
			float *logits)
{
	const struct mdl_desc *d = r->d;
	const int8_t *w = d->head;
	uint32_t e = d->hp.n_embd;

	for (uint32_t c = 0; c < d->hp.n_vocab; c++) {
		int32_t acc = 0;

		for (uint32_t i = 0; i < e; i++)
			acc += (int32_t)q[i] * w[(size_t)c * e + i];
		logits[c] = ((float)acc / s) * d->head_scale[c];
	}
}

/* ------------------------------------------------------------------ */
/* the forward pass                                                    */
/* ------------------------------------------------------------------ */

struct ref_bufs {
	float *x0, *x1, *tmp, *q, *k, *v, *o, *g, *up, *xs, *sc, *acc;
	int8_t *xq;
};

static void ref_bufs_free(struct ref_bufs *b)
{
	free(b->x0);
	free(b->x1);
	free(b->tmp);
	free(b->q);
	free(b->k);
	free(b->v);
	free(b->o);
	free(b->g);
	free(b->up);
	free(b->xs);
	free(b->sc);
	free(b->acc);
	free(b->xq);
}

static int ref_bufs_alloc(const struct cpu_ref *r, uint32_t m,
			  struct ref_bufs *b)
{
	const struct mdl_hparams *hp = &r->d->hp;
	size_t e = hp->n_embd, f = hp->n_ff, maxk = e > f ? e : f;

	if (r->qd > maxk)
		maxk = r->qd;
	memset(b, 0, sizeof(*b));
	b->x0 = malloc(m * e * 4);
	b->x1 = malloc(m * e * 4);
	b->tmp = malloc(m * maxk * 4);
	b->q = malloc((size_t)m * r->qd * 4);
	b->k = malloc((size_t)m * r->kvd * 4);
	b->v = malloc((size_t)m * r->kvd * 4);
	b->o = malloc((size_t)m * r->qd * 4);
	b->g = malloc(m * f * 4);
	b->up = malloc(m * f * 4);
	b->xs = malloc((size_t)m * 4);
	b->sc = malloc(LLA_ATTN_TILE * 4);
	b->acc = malloc((size_t)hp->head_dim * 4);
	b->xq = malloc(m * maxk);
	if (!b->x0 || !b->x1 || !b->tmp || !b->q || !b->k || !b->v ||
	    !b->o || !b->g || !b->up || !b->xs || !b->sc || !b->acc ||
	    !b->xq) {
		ref_bufs_free(b);
		return -ENOMEM;
	}
	return 0;
}

static void ref_embed(const struct mdl_desc *d, const int32_t *ids,
		      uint32_t m, float *x)
{
	size_t e = d->hp.n_embd;

	for (uint32_t t = 0; t < m; t++) {
		size_t row = (size_t)ids[t] * e;

		if (d->embd_dtype == LLA_DTYPE_F16) {
			const uint16_t *h = d->tok_embd;

			for (size_t i = 0; i < e; i++)
				x[t * e + i] = lla_f16_to_f32(h[row + i]);
		} else {
			memcpy(x + t * e, (const float *)d->tok_embd + row,
			       e * 4);
		}
	}
}

static void ref_layer(struct cpu_ref *r, uint32_t l, struct ref_bufs *b,
		      uint32_t m, uint32_t pos)
{
	const struct mdl_desc *d = r->d;
	const struct mdl_layer *L = &d->layers[l];
	uint32_t e = d->hp.n_embd, f = d->hp.n_ff;
	float eps = d->hp.rms_eps;

	ref_norm_quant(b->x0, m, e, L->attn_norm, eps, b->tmp, b->xq, b->xs);
	ref_tlmm(r, &L->wq, b->xq, b->xs, m, LLA_ACT_NONE, NULL, NULL, b->q);
	ref_tlmm(r, &L->wk, b->xq, b->xs, m, LLA_ACT_NONE, NULL, NULL, b->k);
	ref_tlmm(r, &L->wv, b->xq, b->xs, m, LLA_ACT_NONE, NULL, NULL, b->v);
	ref_rope(r, b->q, m, d->hp.n_head, pos);
	ref_rope(r, b->k, m, d->hp.n_head_kv, pos);
	ref_attn(r, l, b->q, b->k, b->v, m, pos, b->o, b->sc, b->acc);
	ref_norm_quant(b->o, m, r->qd, L->attn_sub_norm, eps, b->tmp, b->xq,
		       b->xs);
	ref_tlmm(r, &L->wo, b->xq, b->xs, m, LLA_ACT_NONE, NULL, b->x0, b->x1);
	ref_norm_quant(b->x1, m, e, L->ffn_norm, eps, b->tmp, b->xq, b->xs);
	ref_tlmm(r, &L->wg, b->xq, b->xs, m, d->hp.ffn_act, NULL, NULL, b->g);
	ref_tlmm(r, &L->wu, b->xq, b->xs, m, LLA_ACT_NONE, b->g, NULL, b->up);
	ref_norm_quant(b->up, m, f, L->ffn_sub_norm, eps, b->tmp, b->xq,
		       b->xs);
	ref_tlmm(r, &L->wd, b->xq, b->xs, m, LLA_ACT_NONE, NULL, b->x1, b->x0);
}

RUN_API int cpu_ref_forward(struct cpu_ref *r, const int32_t *ids,
			    uint32_t m, uint32_t pos, float *logits)
{
	const struct mdl_desc *d;
	struct ref_bufs b;
	uint32_t e;
	float *last;

	if (!r || !ids || !m || !logits || (uint64_t)pos + m > r->max_ctx)
		return -EINVAL;
	d = r->d;
	e = d->hp.n_embd;
	for (uint32_t t = 0; t < m; t++)
		if (ids[t] < 0 || (uint32_t)ids[t] >= d->hp.n_vocab)
			return -EINVAL;
	if (ref_bufs_alloc(r, m, &b))
		return -ENOMEM;
	ref_embed(d, ids, m, b.x0);
	for (uint32_t l = 0; l < d->hp.n_layer; l++)
		ref_layer(r, l, &b, m, pos);
	last = b.x0 + (size_t)(m - 1) * e;
	ref_rmsnorm(last, 1, e, d->output_norm, d->hp.rms_eps, b.tmp);
	if (d->head_wfmt == LLA_WFMT_I8) {
		float s = lla_quant_row(b.tmp, e, b.xq);

		ref_head_i8(r, b.xq, s, logits);
	} else {
		ref_head(r, b.tmp, logits);
	}
	ref_bufs_free(&b);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sampling                                                            */
/* ------------------------------------------------------------------ */

/* Does (a, i) rank before (b, j) in TOPK order? NaN below every number. */
static int ref_beats(float a, uint32_t i, float b, uint32_t j)
{
	if (isnan(a))
		return isnan(b) && i < j;
	if (isnan(b))
		return 1;
	return a > b || (a == b && i < j);
}

RUN_API int32_t cpu_ref_sample(const float *logits, uint32_t n,
			       float temperature, uint32_t top_k, float top_p,
			       uint64_t seed, uint64_t counter)
{
	uint32_t idx[LLA_MAX_TOPK], K, cnt = 0, keep;
	float p[LLA_MAX_TOPK], cum[LLA_MAX_TOPK], total = 0.0f, target;

	if (temperature == 0.0f) {
		int32_t best = 0;
		int found = 0;

		for (uint32_t i = 0; i < n; i++)
			if (!isnan(logits[i]) &&
			    (!found || logits[i] > logits[best])) {
				best = (int32_t)i;
				found = 1;
			}
		return best;
	}
	K = top_k ? top_k : LLA_MAX_TOPK;
	if (K > n)
		K = n;
	/* insertion into a sorted candidate list */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t at;

		if (cnt == K && !ref_beats(logits[i], i, logits[idx[K - 1]],
					   idx[K - 1]))
			continue;
		at = cnt < K ? cnt++ : K - 1;
		while (at > 0 && ref_beats(logits[i], i, logits[idx[at - 1]],
					   idx[at - 1])) {
			idx[at] = idx[at - 1];
			at--;
		}
		idx[at] = i;
	}
	for (uint32_t c = 0; c < K; c++) {
		float l = logits[idx[c]];

		p[c] = isnan(l) ? 0.0f :
		       lla_expf((l - logits[idx[0]]) / temperature);
		total = total + p[c];
	}
	keep = K;
	for (uint32_t c = 0; c < K; c++) {
		cum[c] = (c ? cum[c - 1] : 0.0f) + p[c];
		if (keep == K && cum[c] >= top_p * total)
			keep = c + 1;
	}
	/* the cumulative sums beyond keep are not needed */
	target = lla_rng_uniform(seed, counter) * cum[keep - 1];
	for (uint32_t c = 0; c < keep; c++)
		if (cum[c] > target)
			return (int32_t)idx[c];
	return (int32_t)idx[keep - 1];
}
