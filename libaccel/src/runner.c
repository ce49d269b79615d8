// SPDX-License-Identifier: MIT
/*
 * The BitNet model runner: weights uploaded once, KV cache and
 * activations allocated once, one submission per prefill and one per
 * decode step (see runner.h for the buffers and the step-args protocol).
 *
 * Graph of one pass of m tokens (llama.cpp "bitnet", as the cycle
 * estimate of rtl-model/src/estimate.c issues it):
 *   EMBED                         ids -> x0
 *   per layer:
 *     NORM_QUANT attn_norm        x0 -> xq, xs
 *     TLMM q, k, v                -> Q, K, V (fp32)
 *     ROPE Q, ROPE K              positions from step.pos
 *     ATTN_PREFILL/DECODE         Q, K, V, caches -> O
 *     NORM_QUANT attn_sub_norm    O -> xq, xs
 *     TLMM o + residual x0        -> x1
 *     NORM_QUANT ffn_norm         x1 -> xq, xs
 *     TLMM gate, act              -> G
 *     TLMM up, * G                -> U
 *     NORM_QUANT ffn_sub_norm     U -> xq, xs
 *     TLMM down + residual x1     -> x0
 *   (last pass) NORM output_norm on the last row, QMM head -> logits,
 *   SAMPLE -> step.token (ADVANCE: step.rng_counter += 1)
 *   SEM_SIGNAL step.pos += m
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libaccel.h"
#include "llmaccel_model.h"
#include "gguf.h"
#include "model.h"
#include "tokenizer.h"
#include "runner.h"

#define RL_ALIGN	256ull

/*
 * Failures are reported through accel_last_error(), like every libaccel
 * function.  The unit test compiles this file into a program linked
 * against libaccel.so, which does not export accel_err(): there the
 * message goes to stderr.
 */
#ifdef RUN_MSG_STDERR
#include <stdarg.h>
__attribute__((format(printf, 2, 3)))
static int rl_err(int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return e;
}
#else
#include "accel_priv.h"
#define rl_err(e, ...) accel_err(e, __VA_ARGS__)
#endif

struct rl_mat {
	uint64_t off;
	uint32_t n, k, row_bytes;
	float gamma;
};

struct rl_layer {
	uint64_t attn_norm, sub_norm, ffn_norm, ffn_sub_norm;
	struct rl_mat wq, wk, wv, wo, wg, wu, wd;
	uint64_t kc, vc;	/* offsets in the kv buffer */
};

struct accel_model {
	accel_device *dev;
	struct accel_caps caps;
	struct mdl_hparams hp;
	uint32_t max_ctx, batch, qd, kvd;
	uint8_t wfmt, head_wfmt, embd_dtype;
	int head_shared;	/* the head reads the embedding rows */
	uint32_t n_absmean;	/* matrices the loader ternarized itself */
	float eps, attn_scale;
	struct tokenizer *tok;

	accel_bo *wbo, *kvbo, *abo, *sbo;
	/* weights buffer */
	uint64_t w_embd, w_out_norm, w_head, w_head_scale, w_rope;
	struct rl_layer *L;
	/* activation buffer */
	uint64_t a_x0, a_x1, a_xq, a_xs, a_q, a_k, a_v, a_o, a_g, a_up;
	uint64_t a_hn, a_hq, a_hs, a_logits, a_ids;
	uint64_t wbytes, kvbytes, abytes;
	uint64_t dwbytes;	/* weight bytes one decode step reads */

	accel_cmdbuf *decode_cb, *prefill_cb;
	int started;
	struct accel_sampling samp;
	uint32_t pos;
	struct accel_model_stats st;
};

static uint64_t rl_take(uint64_t *cur, uint64_t bytes)
{
	uint64_t at = *cur;

	*cur += (bytes + RL_ALIGN - 1) / RL_ALIGN * RL_ALIGN;
	return at;
}

/* ------------------------------------------------------------------ */
/* layout and upload                                                   */
/* ------------------------------------------------------------------ */

static void rl_mat_lay(struct rl_mat *r, const struct mdl_matrix *m,
		       uint64_t *cur)
{
	r->n = m->n;
	r->k = m->k;
	r->row_bytes = m->row_bytes;
	r->gamma = m->gamma;
	r->off = rl_take(cur, (uint64_t)m->n * m->row_bytes);
}

static void rl_layout(struct accel_model *R, const struct mdl_desc *d)
{
	const struct mdl_hparams *hp = &d->hp;
	uint64_t e = hp->n_embd, f = hp->n_ff, v = hp->n_vocab;
	/* offset 0 of the activations stays unused: 0 means "no operand" */
	uint64_t r = R->batch, w = 0, kv = 0, a = RL_ALIGN;
	uint64_t maxk = e > f ? e : f;

	if (R->qd > maxk)
		maxk = R->qd;
	R->w_embd = rl_take(&w, v * e * (d->embd_dtype == LLA_DTYPE_F16 ? 2 : 4));
	for (uint32_t l = 0; l < hp->n_layer; l++) {
		const struct mdl_layer *s = &d->layers[l];
		struct rl_layer *L = &R->L[l];

		L->attn_norm = rl_take(&w, e * 4);
		rl_mat_lay(&L->wq, &s->wq, &w);
		rl_mat_lay(&L->wk, &s->wk, &w);
		rl_mat_lay(&L->wv, &s->wv, &w);
		L->sub_norm = rl_take(&w, (uint64_t)R->qd * 4);
		rl_mat_lay(&L->wo, &s->wo, &w);
		L->ffn_norm = rl_take(&w, e * 4);
		rl_mat_lay(&L->wg, &s->wg, &w);
		rl_mat_lay(&L->wu, &s->wu, &w);
		L->ffn_sub_norm = rl_take(&w, f * 4);
		rl_mat_lay(&L->wd, &s->wd, &w);
		L->kc = rl_take(&kv, (uint64_t)R->max_ctx * R->kvd * 2);
		L->vc = rl_take(&kv, (uint64_t)R->max_ctx * R->kvd * 2);
	}
	R->w_out_norm = rl_take(&w, e * 4);
	/*
	 * A tied fp16 head over an fp16 embedding holds the same bytes: the
	 * device reads the embedding rows for both (half the memory).
	 */
	if (R->head_shared)
		R->w_head = R->w_embd;
	else
		R->w_head = rl_take(&w, v * e *
				    (d->head_wfmt == LLA_WFMT_F16 ? 2 : 1));
	R->w_head_scale = d->head_wfmt == LLA_WFMT_I8 ? rl_take(&w, v * 4) : 0;
	R->w_rope = rl_take(&w, (uint64_t)R->max_ctx * hp->head_dim * 4);
	R->wbytes = w;
	/*
	 * What one decode step reads of the weights buffer: every matrix and
	 * norm of every layer, the final norm, the whole head (and its
	 * scales), one embedding row and one RoPE row (accel_model_info).
	 */
	R->dwbytes = e * (d->embd_dtype == LLA_DTYPE_F16 ? 2 : 4) +
		     (uint64_t)hp->head_dim * 4 + e * 4 +
		     v * e * (d->head_wfmt == LLA_WFMT_F16 ? 2 : 1) +
		     (d->head_wfmt == LLA_WFMT_I8 ? v * 4 : 0);
	for (uint32_t l = 0; l < hp->n_layer; l++) {
		const struct rl_layer *L = &R->L[l];
		const struct rl_mat *mats[7] = { &L->wq, &L->wk, &L->wv,
						 &L->wo, &L->wg, &L->wu,
						 &L->wd };

		R->dwbytes += (2 * e + R->qd + f) * 4;
		for (int i = 0; i < 7; i++)
			R->dwbytes += (uint64_t)mats[i]->n * mats[i]->row_bytes;
	}
	R->kvbytes = kv;

	R->a_x0 = rl_take(&a, r * e * 4);
	R->a_x1 = rl_take(&a, r * e * 4);
	R->a_xq = rl_take(&a, r * maxk);
	R->a_xs = rl_take(&a, r * 4);
	R->a_q = rl_take(&a, r * R->qd * 4);
	R->a_k = rl_take(&a, r * R->kvd * 4);
	R->a_v = rl_take(&a, r * R->kvd * 4);
	R->a_o = rl_take(&a, r * R->qd * 4);
	R->a_g = rl_take(&a, r * f * 4);
	R->a_up = rl_take(&a, r * f * 4);
	R->a_hn = rl_take(&a, e * 4);
	R->a_hq = rl_take(&a, e);
	R->a_hs = rl_take(&a, 4);
	R->a_logits = rl_take(&a, v * 4);
	R->a_ids = rl_take(&a, (uint64_t)R->max_ctx * 4);
	R->abytes = a;
}

static void rl_put_mat(uint8_t *w, const struct rl_mat *r,
		       const struct mdl_matrix *m)
{
	memcpy(w + r->off, m->rows, (size_t)m->n * m->row_bytes);
}

static void rl_upload(struct accel_model *R, const struct mdl_desc *d,
		      uint8_t *w)
{
	const struct mdl_hparams *hp = &d->hp;
	size_t e = hp->n_embd, v = hp->n_vocab;

	memcpy(w + R->w_embd, d->tok_embd,
	       v * e * (d->embd_dtype == LLA_DTYPE_F16 ? 2 : 4));
	for (uint32_t l = 0; l < hp->n_layer; l++) {
		const struct mdl_layer *s = &d->layers[l];
		const struct rl_layer *L = &R->L[l];

		memcpy(w + L->attn_norm, s->attn_norm, e * 4);
		memcpy(w + L->sub_norm, s->attn_sub_norm, (size_t)R->qd * 4);
		memcpy(w + L->ffn_norm, s->ffn_norm, e * 4);
		memcpy(w + L->ffn_sub_norm, s->ffn_sub_norm,
		       (size_t)hp->n_ff * 4);
		rl_put_mat(w, &L->wq, &s->wq);
		rl_put_mat(w, &L->wk, &s->wk);
		rl_put_mat(w, &L->wv, &s->wv);
		rl_put_mat(w, &L->wo, &s->wo);
		rl_put_mat(w, &L->wg, &s->wg);
		rl_put_mat(w, &L->wu, &s->wu);
		rl_put_mat(w, &L->wd, &s->wd);
	}
	memcpy(w + R->w_out_norm, d->output_norm, e * 4);
	if (!R->head_shared)
		memcpy(w + R->w_head, d->head,
		       v * e * (d->head_wfmt == LLA_WFMT_F16 ? 2 : 1));
	if (d->head_wfmt == LLA_WFMT_I8)
		memcpy(w + R->w_head_scale, d->head_scale, v * 4);
	accel_rope_table((float *)(void *)(w + R->w_rope), R->max_ctx,
			 hp->head_dim, hp->rope_theta);
}

RUN_API int accel_model_create(accel_device *dev, const struct mdl_desc *d,
			       struct tokenizer *tok,
			       const struct accel_model_opts *o,
			       accel_model **out)
{
	struct accel_model *R;
	void *wmap;
	int err;

	if (!dev || !d || !out)
		return rl_err(-EINVAL, "accel_model_create: dev, d and out are required");
	*out = NULL;
	R = calloc(1, sizeof(*R));
	if (!R)
		return rl_err(-ENOMEM, "accel_model_create: out of memory");
	R->dev = dev;
	R->tok = tok;
	R->hp = d->hp;
	err = accel_device_caps(dev, &R->caps);
	if (err)
		goto fail;
	R->max_ctx = o && o->max_ctx ? o->max_ctx :
		     (d->hp.n_ctx_train < 512 ? d->hp.n_ctx_train : 512);
	if (!R->max_ctx || R->max_ctx > LLA_MAX_CTX) {
		err = rl_err(-EINVAL, "accel_model_create: max_ctx must be 1..%u (got %u)",
			     LLA_MAX_CTX, R->max_ctx);
		goto fail;
	}
	R->batch = o && o->batch ? o->batch :
		   (R->max_ctx < 128 ? R->max_ctx : 128);
	if (R->batch > R->max_ctx)
		R->batch = R->max_ctx;
	if (R->batch > LLA_MAX_M)
		R->batch = LLA_MAX_M;
	R->qd = d->hp.n_head * d->hp.head_dim;
	R->kvd = d->hp.n_head_kv * d->hp.head_dim;
	R->wfmt = d->layers[0].wq.wfmt;
	R->head_wfmt = d->head_wfmt;
	R->embd_dtype = d->embd_dtype;
	R->n_absmean = d->n_absmean;
	R->eps = d->hp.rms_eps;
	R->attn_scale = 1.0f / sqrtf((float)d->hp.head_dim);
	R->head_shared = d->head_tied && d->embd_dtype == LLA_DTYPE_F16 &&
			 d->head_wfmt == LLA_WFMT_F16 &&
			 !memcmp(d->head, d->tok_embd, (size_t)d->hp.n_vocab *
				 d->hp.n_embd * 2);
	R->L = calloc(d->hp.n_layer, sizeof(*R->L));
	if (!R->L) {
		err = -ENOMEM;
		goto fail;
	}
	rl_layout(R, d);
	err = accel_bo_alloc(dev, R->wbytes, ACCEL_BO_DEVICE_RO, &R->wbo);
	if (!err)
		err = accel_bo_alloc(dev, R->kvbytes, 0, &R->kvbo);
	if (!err)
		err = accel_bo_alloc(dev, R->abytes, 0, &R->abo);
	if (!err)
		err = accel_bo_alloc(dev, sizeof(struct lla_step_args), 0,
				     &R->sbo);
	if (!err)
		err = accel_bo_map(R->wbo, &wmap);
	if (!err)
		err = accel_cmdbuf_create(dev, &R->decode_cb);
	if (!err)
		err = accel_cmdbuf_create(dev, &R->prefill_cb);
	if (err)
		goto fail;
	rl_upload(R, d, wmap);
	R->st.clock_khz = R->caps.clock_khz;
	*out = R;
	return 0;
fail:
	R->tok = NULL;		/* the caller keeps it on failure */
	accel_model_free(R);
	return err;
}

void accel_model_free(accel_model *R)
{
	if (!R)
		return;
	accel_cmdbuf_destroy(R->decode_cb);
	accel_cmdbuf_destroy(R->prefill_cb);
	accel_bo_free(R->wbo);
	accel_bo_free(R->kvbo);
	accel_bo_free(R->abo);
	accel_bo_free(R->sbo);
	if (R->tok)
		tok_free(R->tok);
	free(R->L);
	free(R);
}

int accel_model_load(accel_device *dev, const char *path,
		     const struct accel_model_opts *o,
		     accel_model **out)
{
	struct mdl_load_opts lo;
	struct gguf_file *f = NULL;
	struct mdl_desc *d = NULL;
	struct tokenizer *tok = NULL;
	char msg[512] = "";
	int err;

	if (!dev || !path || !out)
		return rl_err(-EINVAL, "accel_model_load: dev, path and out are required");
	*out = NULL;
	memset(&lo, 0, sizeof(lo));
	lo.wfmt = LLA_WFMT_T2;
	lo.ffn_act = -1;	/* from the file */
	if (o && (o->flags & ~ACCEL_MODEL_FLAGS))
		return rl_err(-EINVAL, "accel_model_load: unknown flags 0x%x",
			      o->flags & ~ACCEL_MODEL_FLAGS);
	if (o && o->wfmt != LLA_WFMT_T2 && o->wfmt != LLA_WFMT_T5)
		return rl_err(-EINVAL, "accel_model_load: wfmt must be LLA_WFMT_T2 or LLA_WFMT_T5 (got %u)",
			      o->wfmt);
	if (o) {
		lo.wfmt = o->wfmt;
		lo.flags = o->flags;
		lo.progress = o->progress;
		lo.progress_ud = o->progress_ud;
	}
	err = gguf_open(path, &f, msg, sizeof(msg));
	if (err)	/* gguf_open's message names the file already */
		return rl_err(err, "accel_model_load: %s", msg[0] ? msg :
			      strerror(-err));
	err = mdl_load(f, &lo, &d, msg, sizeof(msg));
	if (err) {
		rl_err(err, "accel_model_load: %s: %s", path,
		       msg[0] ? msg : strerror(-err));
		goto out;
	}
	err = tok_load(f, &tok, msg, sizeof(msg));
	if (err) {
		rl_err(err, "accel_model_load: %s: tokenizer: %s", path,
		       msg[0] ? msg : strerror(-err));
		goto out;
	}
	err = accel_model_create(dev, d, tok, o, out);
	if (err) {
		/* the message is rewritten below: copy it first */
		snprintf(msg, sizeof(msg), "%s", accel_last_error());
		rl_err(err, "accel_model_load: %s: cannot set the model up on "
		       "the device: %s (%s)", path, accel_strerror(err), msg);
		tok_free(tok);
	}
out:
	mdl_free(d);
	gguf_close(f);
	return err;
}

int accel_model_info(const accel_model *R,
		     struct accel_model_info *info)
{
	if (!R || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	snprintf(info->arch, sizeof(info->arch), "%s", R->hp.arch);
	snprintf(info->name, sizeof(info->name), "%s", R->hp.name);
	info->n_layer = R->hp.n_layer;
	info->n_embd = R->hp.n_embd;
	info->n_ff = R->hp.n_ff;
	info->n_head = R->hp.n_head;
	info->n_head_kv = R->hp.n_head_kv;
	info->head_dim = R->hp.head_dim;
	info->n_vocab = R->hp.n_vocab;
	info->n_ctx_train = R->hp.n_ctx_train;
	info->rope_theta = R->hp.rope_theta;
	info->rms_eps = R->hp.rms_eps;
	info->ffn_act = R->hp.ffn_act;
	info->max_ctx = R->max_ctx;
	info->batch = R->batch;
	info->wfmt = R->wfmt;
	info->head_wfmt = R->head_wfmt;
	info->embd_dtype = R->embd_dtype;
	info->weight_bytes = R->wbytes;
	info->decode_weight_bytes = R->dwbytes;
	info->kv_bytes = R->kvbytes;
	info->act_bytes = R->abytes;
	info->decode_commands = accel_cmdbuf_count(R->decode_cb);
	info->decode_cmdbuf_bytes = accel_cmdbuf_bytes(R->decode_cb);
	info->absmean_matrices = R->n_absmean;
	return 0;
}

/* ------------------------------------------------------------------ */
/* command emission                                                    */
/* ------------------------------------------------------------------ */

struct rl_pass {
	accel_model *R;
	accel_cmdbuf *cb;
	uint32_t m;
	int decode;
};

static struct accel_addr W(const accel_model *R, uint64_t off)
{
	return accel_at(R->wbo, off);
}

static struct accel_addr A(const accel_model *R, uint64_t off)
{
	return accel_at(R->abo, off);
}

static int rl_norm(const struct rl_pass *p, uint64_t x, uint32_t m,
		   uint32_t k, uint64_t gamma, uint32_t flags)
{
	const accel_model *R = p->R;
	struct accel_norm_quant c;

	memset(&c, 0, sizeof(c));
	c.x = A(R, x);
	c.gamma = W(R, gamma);
	c.m = m;
	c.k = k;
	c.eps = R->eps;
	c.flags = flags;
	c.q = A(R, R->a_xq);
	c.scale = A(R, R->a_xs);
	return accel_cmd_norm_quant(p->cb, &c);
}

static int rl_tlmm(const struct rl_pass *p, const struct rl_mat *w,
		   uint64_t y, uint8_t act, uint64_t gate, uint64_t residual)
{
	const accel_model *R = p->R;
	struct accel_tlmm c;

	memset(&c, 0, sizeof(c));
	c.x = A(R, R->a_xq);
	c.x_scale = A(R, R->a_xs);
	c.w = W(R, w->off);
	c.y = A(R, y);
	c.m = p->m;
	c.n = w->n;
	c.k = w->k;
	c.w_stride = w->row_bytes;
	c.w_scale = w->gamma;
	c.wfmt = R->wfmt;
	c.epi.act = act;
	c.epi.out_dtype = LLA_DTYPE_F32;
	if (gate)
		c.epi.gate = A(R, gate);
	if (residual)
		c.epi.residual = A(R, residual);
	return accel_cmd_tlmm(p->cb, &c);
}

static int rl_rope(const struct rl_pass *p, uint64_t x, uint32_t heads)
{
	const accel_model *R = p->R;
	struct accel_rope c;

	memset(&c, 0, sizeof(c));
	c.x = A(R, x);
	c.table = W(R, R->w_rope);
	c.pos_addr = accel_at(R->sbo, offsetof(struct lla_step_args, pos));
	c.m = p->m;
	c.n_head = heads;
	c.head_dim = R->hp.head_dim;
	c.table_len = R->max_ctx;
	return accel_cmd_rope(p->cb, &c);
}

static int rl_attn(const struct rl_pass *p, const struct rl_layer *L)
{
	const accel_model *R = p->R;
	struct accel_attn c;

	memset(&c, 0, sizeof(c));
	c.q = A(R, R->a_q);
	c.k = A(R, R->a_k);
	c.v = A(R, R->a_v);
	c.k_cache = accel_at(R->kvbo, L->kc);
	c.v_cache = accel_at(R->kvbo, L->vc);
	c.o = A(R, R->a_o);
	c.pos_addr = accel_at(R->sbo, offsetof(struct lla_step_args, pos));
	c.m = p->m;
	c.n_head = R->hp.n_head;
	c.n_kv_head = R->hp.n_head_kv;
	c.head_dim = R->hp.head_dim;
	c.max_ctx = R->max_ctx;
	c.scale = R->attn_scale;
	return p->decode ? accel_cmd_attn_decode(p->cb, &c) :
			   accel_cmd_attn_prefill(p->cb, &c);
}

static int rl_layer(const struct rl_pass *p, const struct rl_layer *L)
{
	const accel_model *R = p->R;
	uint32_t e = R->hp.n_embd, f = R->hp.n_ff, m = p->m;
	uint32_t nq = LLA_NQ_F_NORM | LLA_NQ_F_QUANT;
	int err;

	if ((err = rl_norm(p, R->a_x0, m, e, L->attn_norm, nq)) ||
	    (err = rl_tlmm(p, &L->wq, R->a_q, LLA_ACT_NONE, 0, 0)) ||
	    (err = rl_tlmm(p, &L->wk, R->a_k, LLA_ACT_NONE, 0, 0)) ||
	    (err = rl_tlmm(p, &L->wv, R->a_v, LLA_ACT_NONE, 0, 0)) ||
	    (err = rl_rope(p, R->a_q, R->hp.n_head)) ||
	    (err = rl_rope(p, R->a_k, R->hp.n_head_kv)) ||
	    (err = rl_attn(p, L)) ||
	    (err = rl_norm(p, R->a_o, m, R->qd, L->sub_norm, nq)) ||
	    (err = rl_tlmm(p, &L->wo, R->a_x1, LLA_ACT_NONE, 0, R->a_x0)) ||
	    (err = rl_norm(p, R->a_x1, m, e, L->ffn_norm, nq)) ||
	    (err = rl_tlmm(p, &L->wg, R->a_g, R->hp.ffn_act, 0, 0)) ||
	    (err = rl_tlmm(p, &L->wu, R->a_up, LLA_ACT_NONE, R->a_g, 0)) ||
	    (err = rl_norm(p, R->a_up, m, f, L->ffn_sub_norm, nq)))
		return err;
	return rl_tlmm(p, &L->wd, R->a_x0, LLA_ACT_NONE, 0, R->a_x1);
}

/* Final norm of the last row, the output head, SAMPLE into step.token. */
static int rl_head(const struct rl_pass *p)
{
	const accel_model *R = p->R;
	uint32_t e = R->hp.n_embd;
	uint64_t last = R->a_x0 + (uint64_t)(p->m - 1) * e * 4;
	int i8 = R->head_wfmt == LLA_WFMT_I8;
	struct accel_norm_quant nq;
	struct accel_qmm q;
	struct accel_sample s;
	int err;

	memset(&nq, 0, sizeof(nq));
	nq.x = A(R, last);
	nq.gamma = W(R, R->w_out_norm);
	nq.m = 1;
	nq.k = e;
	nq.eps = R->eps;
	nq.flags = LLA_NQ_F_NORM | (i8 ? LLA_NQ_F_QUANT : LLA_NQ_F_F32OUT);
	if (i8) {
		nq.q = A(R, R->a_hq);
		nq.scale = A(R, R->a_hs);
	} else {
		nq.y = A(R, R->a_hn);
	}
	err = accel_cmd_norm_quant(p->cb, &nq);
	if (err)
		return err;

	memset(&q, 0, sizeof(q));
	q.x = A(R, i8 ? R->a_hq : R->a_hn);
	if (i8) {
		q.x_scale = A(R, R->a_hs);
		q.w_scale = W(R, R->w_head_scale);
	}
	q.w = W(R, R->w_head);
	q.y = A(R, R->a_logits);
	q.m = 1;
	q.n = R->hp.n_vocab;
	q.k = e;
	q.wfmt = R->head_wfmt;
	q.epi.out_dtype = LLA_DTYPE_F32;
	err = accel_cmd_qmm(p->cb, &q);
	if (err)
		return err;

	memset(&s, 0, sizeof(s));
	s.logits = A(R, R->a_logits);
	s.out = accel_at(R->sbo, offsetof(struct lla_step_args, token));
	s.counter_addr = accel_at(R->sbo,
				  offsetof(struct lla_step_args, rng_counter));
	s.seed = R->samp.seed;
	s.n = R->hp.n_vocab;
	s.top_k = R->samp.top_k;
	s.temperature = R->samp.temperature;
	s.top_p = R->samp.top_p;
	s.flags = LLA_SAMPLE_F_ADVANCE;
	return accel_cmd_sample(p->cb, &s);
}

/* One pass of @m tokens; @ids_off < 0: the token of the step args. */
static int rl_pass(accel_model *R, accel_cmdbuf *cb, uint32_t m,
		   int64_t ids_off, int decode, int head)
{
	struct rl_pass p = { R, cb, m, decode };
	struct accel_embed em;
	int err;

	memset(&em, 0, sizeof(em));
	em.table = W(R, R->w_embd);
	em.ids = ids_off < 0 ?
		 accel_at(R->sbo, offsetof(struct lla_step_args, token)) :
		 A(R, R->a_ids + (uint64_t)ids_off);
	em.y = A(R, R->a_x0);
	em.vocab = R->hp.n_vocab;
	em.dim = R->hp.n_embd;
	em.m = m;
	em.dtype = R->embd_dtype;
	err = accel_cmd_embed(cb, &em);
	for (uint32_t l = 0; !err && l < R->hp.n_layer; l++)
		err = rl_layer(&p, &R->L[l]);
	if (!err && head)
		err = rl_head(&p);
	if (!err)
		err = accel_cmd_sem_signal(cb, accel_at(R->sbo,
				offsetof(struct lla_step_args, pos)),
				LLA_SEM_ADD, m, LLA_SEM_F_32BIT);
	return err;
}

/* ------------------------------------------------------------------ */
/* sessions                                                            */
/* ------------------------------------------------------------------ */

static int rl_run(accel_model *R, accel_cmdbuf *cb, uint64_t *cycles,
		  uint64_t *wall)
{
	struct accel_job_result res;
	accel_fence *f = NULL;
	int err;

	err = accel_submit(cb, NULL, &f);
	if (err)
		return err;
	R->st.submissions++;
	R->st.last_step_submissions = 1;
	err = accel_fence_wait(f, -1);
	if (accel_fence_result(f, &res) == 0) {
		*cycles = res.cycles;
		*wall = res.wall_ns;
	}
	accel_fence_release(f);
	/* the step args may be half-advanced: a new session is needed */
	if (err)
		R->started = 0;
	return err;
}

static int rl_read_token(accel_model *R, int32_t *next)
{
	struct lla_step_args sa;
	int err = accel_bo_read(R->sbo, 0, &sa, sizeof(sa));

	if (err)
		return err;
	if (sa.pos != R->pos) {	/* the device advanced it: must agree */
		R->started = 0;
		return rl_err(-EIO, "accel_model: the device left position %u, expected %u",
			      sa.pos, R->pos);
	}
	if (next)
		*next = sa.token;
	return 0;
}

int accel_model_start(accel_model *R, const struct accel_sampling *s)
{
	struct lla_step_args sa = { 0, 0, 0 };
	int err;

	if (!R)
		return -EINVAL;
	memset(&R->samp, 0, sizeof(R->samp));
	if (s)
		R->samp = *s;
	if (!(R->samp.top_p > 0))
		R->samp.top_p = 1.0f;
	err = accel_bo_write(R->sbo, 0, &sa, sizeof(sa));
	if (!err)
		err = accel_cmdbuf_reset(R->decode_cb);
	if (!err)
		err = rl_pass(R, R->decode_cb, 1, -1, 1, 1);
	if (err)
		return err;
	R->pos = 0;
	R->started = 1;
	memset(&R->st, 0, sizeof(R->st));
	R->st.clock_khz = R->caps.clock_khz;
	return 0;
}

int accel_model_prefill(accel_model *R, const int32_t *ids,
			uint32_t n, int32_t *next)
{
	uint64_t cyc = 0, wall = 0;
	int err;

	if (!R || !ids || !n)
		return rl_err(-EINVAL, "accel_model_prefill: model, ids and n are required");
	if (!R->started)
		return rl_err(-EINVAL, "accel_model_prefill: no session (accel_model_start)");
	if ((uint64_t)R->pos + n > R->max_ctx)
		return rl_err(-ENOSPC, "accel_model_prefill: %u tokens at position %u exceed the context (%u)",
			      n, R->pos, R->max_ctx);
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] < 0 || (uint32_t)ids[i] >= R->hp.n_vocab)
			return rl_err(-EINVAL, "accel_model_prefill: ids[%u] = %d is not below the vocabulary size %u",
				      i, ids[i], R->hp.n_vocab);
	err = accel_bo_write(R->abo, R->a_ids, ids, (uint64_t)n * 4);
	if (!err)
		err = accel_cmdbuf_reset(R->prefill_cb);
	for (uint32_t at = 0; !err && at < n; at += R->batch) {
		uint32_t m = n - at < R->batch ? n - at : R->batch;

		err = rl_pass(R, R->prefill_cb, m, (int64_t)at * 4, 0,
			      at + m == n);
	}
	if (err)
		return err;
	err = rl_run(R, R->prefill_cb, &cyc, &wall);
	if (err)
		return err;
	R->pos += n;
	R->st.prefill_tokens += n;
	R->st.prefill_cycles += cyc;
	R->st.prefill_wall_ns += wall;
	R->st.last_cycles = cyc;
	R->st.last_wall_ns = wall;
	return rl_read_token(R, next);
}

int accel_model_decode(accel_model *R, int32_t *next)
{
	uint64_t cyc = 0, wall = 0, before;
	int err;

	if (!R || !R->started || !R->pos)
		return rl_err(-EINVAL, "accel_model_decode: no session with a prefill");
	if (R->pos + 1 > R->max_ctx)
		return rl_err(-ENOSPC, "accel_model_decode: the context is full (%u positions)",
			      R->max_ctx);
	before = R->st.submissions;
	err = rl_run(R, R->decode_cb, &cyc, &wall);
	if (err)
		return err;
	R->pos++;
	R->st.decode_steps++;
	R->st.decode_cycles += cyc;
	R->st.decode_wall_ns += wall;
	R->st.decode_submissions += R->st.submissions - before;
	R->st.last_step_submissions = (uint32_t)(R->st.submissions - before);
	R->st.last_cycles = cyc;
	R->st.last_wall_ns = wall;
	return rl_read_token(R, next);
}

const float *accel_model_logits(const accel_model *R)
{
	void *p;

	if (!R || accel_bo_map(R->abo, &p))
		return NULL;
	return (const float *)(const void *)((const uint8_t *)p + R->a_logits);
}

int accel_model_stats(const accel_model *R,
		      struct accel_model_stats *st)
{
	if (!R || !st)
		return -EINVAL;
	*st = R->st;
	st->pos = R->pos;
	return 0;
}

/* ------------------------------------------------------------------ */
/* tokenizer                                                           */
/* ------------------------------------------------------------------ */

int accel_model_tokenize(const accel_model *R, const char *text,
			 size_t len, int add_bos, int32_t *ids,
			 size_t max, size_t *n)
{
	if (!R)
		return -EINVAL;
	if (!R->tok)
		return -ENODEV;
	return tok_encode(R->tok, text, len, add_bos, ids, max, n);
}

int accel_model_token_piece(const accel_model *R, int32_t id,
			    char *buf, size_t cap)
{
	if (!R)
		return -EINVAL;
	if (!R->tok)
		return -ENODEV;
	return tok_piece(R->tok, id, buf, cap);
}

int32_t accel_model_eos(const accel_model *R)
{
	return R && R->tok ? tok_eos(R->tok) : -1;
}

int accel_model_add_bos(const accel_model *R)
{
	return R && R->tok ? tok_add_bos(R->tok) : 0;
}
