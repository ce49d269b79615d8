// SPDX-License-Identifier: MIT
/*
 * End-to-end estimate: the command buffer of one forward pass of a
 * BitNet-class model, built the way a runner issues it, and the sum of
 * lla_cmd_cycles() over it.
 *
 * Graph (llama.cpp "bitnet" architecture), per pass of M tokens at p:
 *   EMBED
 *   per layer:
 *     NORM_QUANT attn_norm          x   -> xq, xs
 *     TLMM q, k, v                  xq  -> Q, K, V (fp32)
 *     ROPE Q, ROPE K                (NEOX, positions p..p+M-1)
 *     ATTN_PREFILL / ATTN_DECODE    Q, K, V, KV cache -> O
 *     NORM_QUANT attn_sub_norm      O   -> xq, xs
 *     TLMM o, residual              xq  -> x' = o(xq) + x
 *     NORM_QUANT ffn_norm           x'  -> xq, xs
 *     TLMM gate, act                xq  -> G = act(gate(xq))
 *     TLMM up, gate multiply        xq  -> U = up(xq) * G
 *     NORM_QUANT ffn_sub_norm       U   -> xq, xs
 *     TLMM down, residual           xq  -> x = down(xq) + x'
 *   NORM output_norm (last row only: only its logits are needed)
 *   QMM output head                 -> logits [n_vocab]
 *   SAMPLE
 * The residual stream ping-pongs between two buffers so that no command
 * reads and writes the same operand.
 *
 * Every buffer gets its own 4 KiB-aligned IOVA from a fixed layout that
 * depends only on the shape, so prefill and decode buffers agree.
 */
#include <stddef.h>
#include <string.h>
#include <math.h>
#include "internal.h"
#include "llmaccel_estimate.h"

/* ------------------------------------------------------------------ */
/* shape presets                                                       */
/* ------------------------------------------------------------------ */

/*
 * BitNet b1.58 "large" (1bitLLM/bitnet_b1_58-large, ~0.7 B): a llama-style
 * checkpoint with an untied fp16 lm_head, SiLU gate.
 */
static const struct lla_model_shape shape_bitnet_07b = {
	.name = "bitnet-0.7b",
	.n_layer = 24, .n_embd = 1536, .n_ff = 4096,
	.n_head = 16, .n_head_kv = 16, .head_dim = 96,
	.n_vocab = 32002, .max_ctx = 2048,
	.wfmt = LLA_WFMT_T2, .head_wfmt = LLA_WFMT_F16,
	.embd_dtype = LLA_DTYPE_F16, .ffn_act = LLA_ACT_SILU,
};

/*
 * BitNet b1.58 2B4T: GQA with 5 KV heads, relu^2 FFN, embedding tied to
 * the output head; the head runs as an int8 copy (half the traffic of
 * fp16 on the dominant decode stream).
 */
static const struct lla_model_shape shape_bitnet_2b = {
	.name = "bitnet-2b",
	.n_layer = 30, .n_embd = 2560, .n_ff = 6912,
	.n_head = 20, .n_head_kv = 5, .head_dim = 128,
	.n_vocab = 128256, .max_ctx = 4096,
	.wfmt = LLA_WFMT_T2, .head_wfmt = LLA_WFMT_I8,
	.embd_dtype = LLA_DTYPE_F16, .ffn_act = LLA_ACT_RELU2,
};

/* A toy shape for tests: every code path, tiny buffers. */
static const struct lla_model_shape shape_tiny = {
	.name = "tiny",
	.n_layer = 2, .n_embd = 64, .n_ff = 128,
	.n_head = 4, .n_head_kv = 2, .head_dim = 16,
	.n_vocab = 256, .max_ctx = 128,
	.wfmt = LLA_WFMT_T2, .head_wfmt = LLA_WFMT_F16,
	.embd_dtype = LLA_DTYPE_F32, .ffn_act = LLA_ACT_RELU2,
};

static const struct lla_model_shape *const shapes[] = {
	&shape_bitnet_07b, &shape_bitnet_2b, &shape_tiny,
};

static const char *const shape_names[] = {
	"bitnet-0.7b", "bitnet-2b", "tiny", NULL,
};

const struct lla_model_shape *lla_model_shape_preset(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (strcmp(shapes[i]->name, name) == 0)
			return shapes[i];
	return NULL;
}

const char *const *lla_model_shape_names(void)
{
	return shape_names;
}

int lla_model_shape_check(const struct lla_model_shape *s)
{
	uint64_t qd, kvd;

	if (!s)
		return LLA_ERR_BAD_PARAM;
	if (!s->n_layer || !s->n_embd || !s->n_ff || !s->n_head ||
	    !s->n_head_kv || !s->head_dim || !s->n_vocab || !s->max_ctx)
		return LLA_ERR_ZERO_DIM;
	if (s->wfmt != LLA_WFMT_T2 && s->wfmt != LLA_WFMT_T5)
		return LLA_ERR_BAD_FORMAT;
	if (s->head_wfmt != LLA_WFMT_F16 && s->head_wfmt != LLA_WFMT_I8)
		return LLA_ERR_BAD_FORMAT;
	if (s->embd_dtype != LLA_DTYPE_F16 && s->embd_dtype != LLA_DTYPE_F32)
		return LLA_ERR_BAD_FORMAT;
	if (s->ffn_act >= LLA_ACT_COUNT)
		return LLA_ERR_BAD_FORMAT;
	if (s->head_dim % 2 || s->n_head % s->n_head_kv)
		return LLA_ERR_BAD_PARAM;
	qd = (uint64_t)s->n_head * s->head_dim;
	kvd = (uint64_t)s->n_head_kv * s->head_dim;
	if (s->n_head > LLA_MAX_HEADS || s->head_dim > LLA_MAX_HEAD_DIM ||
	    s->n_embd > LLA_MAX_K || s->n_ff > LLA_MAX_K || qd > LLA_MAX_K ||
	    s->n_ff > LLA_MAX_N || s->n_embd > LLA_MAX_N ||
	    kvd > LLA_MAX_N || s->n_vocab > LLA_MAX_N ||
	    s->max_ctx > LLA_MAX_CTX)
		return LLA_ERR_DIM_TOO_LARGE;
	return LLA_OK;
}

/* ------------------------------------------------------------------ */
/* IOVA layout                                                         */
/* ------------------------------------------------------------------ */

#define IOVA_BASE	0x100000ull	/* leave page 0 unmapped */
#define IOVA_ALIGN	4096ull

struct layer_lay {		/* offsets from the layer's base */
	uint64_t attn_norm, wq, wk, wv, sub_norm, wo;
	uint64_t ffn_norm, wg, wu, ffn_sub_norm, wd, kc, vc;
};

struct lay {
	uint64_t step, ids, tok, rope, embd;
	uint64_t x0, x1, xq, xs, q, k, v, o, g, up;
	uint64_t out_norm, hn, hq, hs, head_w, head_s, logits;
	uint64_t layer0, layer_stride;
	struct layer_lay l;
	uint32_t rows;		/* activation rows the buffers hold */
	uint32_t wrow_e, wrow_q, wrow_f;	/* ternary row bytes, k = E/Q/F */
};

static uint64_t take(uint64_t *cur, uint64_t bytes)
{
	uint64_t at = *cur;

	*cur += (bytes + IOVA_ALIGN - 1) / IOVA_ALIGN * IOVA_ALIGN;
	return at;
}

static uint32_t tern_bytes(uint8_t wfmt, uint32_t k)
{
	return wfmt == LLA_WFMT_T5 ? k / 5 + (k % 5 != 0) :
				     k / 4 + (k % 4 != 0);
}

/* Shapes passed lla_model_shape_check: every product fits easily. */
static void layout(const struct lla_model_shape *s, struct lay *y)
{
	uint64_t e = s->n_embd, f = s->n_ff, v = s->n_vocab;
	uint64_t qd = (uint64_t)s->n_head * s->head_dim;
	uint64_t kvd = (uint64_t)s->n_head_kv * s->head_dim;
	uint64_t maxk = e > f ? e : f, cur = IOVA_BASE, lc = 0;
	uint64_t r;

	if (qd > maxk)
		maxk = qd;
	y->rows = s->max_ctx < LLA_MAX_M ? s->max_ctx : LLA_MAX_M;
	r = y->rows;
	y->wrow_e = tern_bytes(s->wfmt, s->n_embd);
	y->wrow_q = tern_bytes(s->wfmt, (uint32_t)qd);
	y->wrow_f = tern_bytes(s->wfmt, s->n_ff);

	y->step = take(&cur, sizeof(struct lla_step_args));
	y->ids = take(&cur, r * 4);
	y->tok = take(&cur, 4);
	y->rope = take(&cur, (uint64_t)s->max_ctx * s->head_dim * 4);
	y->embd = take(&cur, v * e * (s->embd_dtype == LLA_DTYPE_F16 ? 2 : 4));
	y->x0 = take(&cur, r * e * 4);
	y->x1 = take(&cur, r * e * 4);
	y->xq = take(&cur, r * maxk);
	y->xs = take(&cur, r * 4);
	y->q = take(&cur, r * qd * 4);
	y->k = take(&cur, r * kvd * 4);
	y->v = take(&cur, r * kvd * 4);
	y->o = take(&cur, r * qd * 4);
	y->g = take(&cur, r * f * 4);
	y->up = take(&cur, r * f * 4);
	y->out_norm = take(&cur, e * 4);
	y->hn = take(&cur, e * 4);
	y->hq = take(&cur, e);
	y->hs = take(&cur, 4);
	y->head_w = take(&cur, v * e * (s->head_wfmt == LLA_WFMT_F16 ? 2 : 1));
	y->head_s = take(&cur, v * 4);
	y->logits = take(&cur, v * 4);

	y->l.attn_norm = take(&lc, e * 4);
	y->l.wq = take(&lc, qd * y->wrow_e);
	y->l.wk = take(&lc, kvd * y->wrow_e);
	y->l.wv = take(&lc, kvd * y->wrow_e);
	y->l.sub_norm = take(&lc, qd * 4);
	y->l.wo = take(&lc, e * y->wrow_q);
	y->l.ffn_norm = take(&lc, e * 4);
	y->l.wg = take(&lc, f * y->wrow_e);
	y->l.wu = take(&lc, f * y->wrow_e);
	y->l.ffn_sub_norm = take(&lc, f * 4);
	y->l.wd = take(&lc, e * y->wrow_f);
	y->l.kc = take(&lc, (uint64_t)s->max_ctx * kvd * 2);
	y->l.vc = take(&lc, (uint64_t)s->max_ctx * kvd * 2);
	y->layer0 = cur;
	y->layer_stride = lc;
}

/* ------------------------------------------------------------------ */
/* command emission                                                    */
/* ------------------------------------------------------------------ */

struct emitter {
	uint8_t *buf;		/* NULL: measure/estimate only */
	size_t cap;
	size_t len;
	const struct lla_uarch *u;	/* NULL: no estimate */
	struct lla_estimate *est;
	uint32_t pos;		/* position of the pass (pos_iova commands) */
};

static void emit(struct emitter *em, void *cmd, uint8_t opcode,
		 uint16_t flags, uint32_t size)
{
	struct lla_cmd_hdr *h = cmd;
	uint64_t macs = 0, cyc;

	h->opcode = opcode;
	h->version = 0;
	h->flags = flags;
	h->size = size;
	if (em->buf && em->len + size <= em->cap)
		memcpy(em->buf + em->len, cmd, size);
	em->len += size;
	if (em->u && em->est) {
		cyc = lla_cmd_cycles_at_pos(em->u, h, em->pos, &macs);
		em->est->cycles += cyc;
		em->est->macs += macs;
		em->est->commands++;
		em->est->op_cycles[opcode] += cyc;
		em->est->op_count[opcode]++;
	}
}

static uint32_t fbits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

struct pass {
	const struct lla_model_shape *s;
	const struct lay *y;
	uint32_t m, pos, flags, decode;
};

static void emit_norm(struct emitter *em, uint64_t x, uint32_t m, uint32_t k,
		      uint64_t gamma, uint16_t flags, uint64_t q,
		      uint64_t scale, uint64_t yv)
{
	struct lla_cmd_norm_quant c;

	memset(&c, 0, sizeof(c));
	c.x_iova = x;
	c.gamma_iova = gamma;
	c.m = m;
	c.k = k;
	c.x_stride = k * 4;
	if (flags & LLA_NQ_F_QUANT) {
		c.q_iova = q;
		c.scale_iova = scale;
		c.q_stride = k;
	}
	if (flags & LLA_NQ_F_F32OUT) {
		c.y_iova = yv;
		c.y_stride = k * 4;
	}
	c.eps = fbits(1e-5f);
	emit(em, &c, LLA_OP_NORM_QUANT, flags, sizeof(c));
}

/* TLMM of the pass's M rows from the shared xq/xs buffers. */
static void emit_tlmm(struct emitter *em, const struct pass *p, uint64_t w,
		      uint32_t n, uint32_t k, uint32_t wrow, uint64_t yv,
		      uint8_t act, uint64_t gate, uint64_t residual)
{
	struct lla_cmd_tlmm c;

	memset(&c, 0, sizeof(c));
	c.x_iova = p->y->xq;
	c.x_scale_iova = p->y->xs;
	c.w_iova = w;
	c.y_iova = yv;
	c.m = p->m;
	c.n = n;
	c.k = k;
	c.x_stride = k;
	c.w_stride = wrow;
	c.y_stride = n * 4;
	c.w_scale = fbits(1.0f);	/* gamma of the matrix */
	c.wfmt = p->s->wfmt;
	c.epi.act = act;
	c.epi.out_dtype = LLA_DTYPE_F32;
	if (gate) {
		c.epi.gate_iova = gate;
		c.epi.gate_stride = n * 4;
	}
	if (residual) {
		c.epi.residual_iova = residual;
		c.epi.residual_stride = n * 4;
	}
	emit(em, &c, LLA_OP_TLMM, 0, sizeof(c));
}

static void emit_rope(struct emitter *em, const struct pass *p, uint64_t x,
		      uint32_t heads)
{
	struct lla_cmd_rope c;

	memset(&c, 0, sizeof(c));
	c.x_iova = x;
	c.table_iova = p->y->rope;
	if (p->flags & LLA_PASS_F_STEP_ARGS)
		c.pos_iova = p->y->step + offsetof(struct lla_step_args, pos);
	else
		c.pos = p->pos;
	c.m = p->m;
	c.n_head = heads;
	c.head_dim = p->s->head_dim;
	c.x_stride = heads * p->s->head_dim * 4;
	c.table_len = p->s->max_ctx;
	emit(em, &c, LLA_OP_ROPE, 0, sizeof(c));
}

static void emit_attn(struct emitter *em, const struct pass *p, uint64_t lb)
{
	const struct lla_model_shape *s = p->s;
	uint32_t qd = s->n_head * s->head_dim;
	uint32_t kvd = s->n_head_kv * s->head_dim;
	struct lla_cmd_attn c;

	memset(&c, 0, sizeof(c));
	c.q_iova = p->y->q;
	c.k_iova = p->y->k;
	c.v_iova = p->y->v;
	c.k_cache_iova = lb + p->y->l.kc;
	c.v_cache_iova = lb + p->y->l.vc;
	c.o_iova = p->y->o;
	if (p->flags & LLA_PASS_F_STEP_ARGS)
		c.pos_iova = p->y->step + offsetof(struct lla_step_args, pos);
	else
		c.pos = p->pos;
	c.m = p->m;
	c.n_head = s->n_head;
	c.n_kv_head = s->n_head_kv;
	c.head_dim = s->head_dim;
	c.max_ctx = s->max_ctx;
	c.q_stride = qd * 4;
	c.kv_stride = kvd * 4;
	c.o_stride = qd * 4;
	c.scale = fbits(1.0f / sqrtf((float)s->head_dim));
	c.kv_dtype = LLA_DTYPE_F16;
	c.mask_mode = LLA_MASK_CAUSAL;
	emit(em, &c, p->decode ? LLA_OP_ATTN_DECODE : LLA_OP_ATTN_PREFILL, 0,
	     sizeof(c));
}

static void emit_layer(struct emitter *em, const struct pass *p, uint32_t l)
{
	const struct lla_model_shape *s = p->s;
	const struct lay *y = p->y;
	uint64_t lb = y->layer0 + (uint64_t)l * y->layer_stride;
	uint32_t e = s->n_embd, f = s->n_ff, m = p->m;
	uint32_t qd = s->n_head * s->head_dim;
	uint32_t kvd = s->n_head_kv * s->head_dim;
	uint16_t nq = LLA_NQ_F_NORM | LLA_NQ_F_QUANT;

	emit_norm(em, y->x0, m, e, lb + y->l.attn_norm, nq, y->xq, y->xs, 0);
	emit_tlmm(em, p, lb + y->l.wq, qd, e, y->wrow_e, y->q, LLA_ACT_NONE,
		  0, 0);
	emit_tlmm(em, p, lb + y->l.wk, kvd, e, y->wrow_e, y->k, LLA_ACT_NONE,
		  0, 0);
	emit_tlmm(em, p, lb + y->l.wv, kvd, e, y->wrow_e, y->v, LLA_ACT_NONE,
		  0, 0);
	emit_rope(em, p, y->q, s->n_head);
	emit_rope(em, p, y->k, s->n_head_kv);
	emit_attn(em, p, lb);
	emit_norm(em, y->o, m, qd, lb + y->l.sub_norm, nq, y->xq, y->xs, 0);
	emit_tlmm(em, p, lb + y->l.wo, e, qd, y->wrow_q, y->x1, LLA_ACT_NONE,
		  0, y->x0);
	emit_norm(em, y->x1, m, e, lb + y->l.ffn_norm, nq, y->xq, y->xs, 0);
	emit_tlmm(em, p, lb + y->l.wg, f, e, y->wrow_e, y->g, s->ffn_act,
		  0, 0);
	emit_tlmm(em, p, lb + y->l.wu, f, e, y->wrow_e, y->up, LLA_ACT_NONE,
		  y->g, 0);
	emit_norm(em, y->up, m, f, lb + y->l.ffn_sub_norm, nq, y->xq,
		  y->xs, 0);
	emit_tlmm(em, p, lb + y->l.wd, e, f, y->wrow_f, y->x0, LLA_ACT_NONE,
		  0, y->x1);
}

static void emit_embed(struct emitter *em, const struct pass *p)
{
	const struct lla_model_shape *s = p->s;
	uint32_t eb = s->embd_dtype == LLA_DTYPE_F16 ? 2 : 4;
	struct lla_cmd_embed c;

	memset(&c, 0, sizeof(c));
	c.table_iova = p->y->embd;
	c.ids_iova = (p->flags & LLA_PASS_F_STEP_ARGS) ?
		     p->y->step + offsetof(struct lla_step_args, token) :
		     p->y->ids;
	c.y_iova = p->y->x0;
	c.vocab = s->n_vocab;
	c.dim = s->n_embd;
	c.m = p->m;
	c.table_stride = s->n_embd * eb;
	c.y_stride = s->n_embd * 4;
	c.dtype = s->embd_dtype;
	emit(em, &c, LLA_OP_EMBED, 0, sizeof(c));
}

/* Final norm and output head on the last row, then sampling. */
static void emit_head(struct emitter *em, const struct pass *p)
{
	const struct lla_model_shape *s = p->s;
	const struct lay *y = p->y;
	uint32_t e = s->n_embd;
	uint64_t last = y->x0 + (uint64_t)(p->m - 1) * e * 4;
	int i8 = s->head_wfmt == LLA_WFMT_I8;
	struct lla_cmd_qmm q;
	struct lla_cmd_sample sm;

	emit_norm(em, last, 1, e, y->out_norm,
		  LLA_NQ_F_NORM | (i8 ? LLA_NQ_F_QUANT : LLA_NQ_F_F32OUT),
		  y->hq, y->hs, y->hn);

	memset(&q, 0, sizeof(q));
	q.x_iova = i8 ? y->hq : y->hn;
	q.x_scale_iova = i8 ? y->hs : 0;
	q.w_iova = y->head_w;
	q.w_scale_iova = i8 ? y->head_s : 0;
	q.y_iova = y->logits;
	q.m = 1;
	q.n = s->n_vocab;
	q.k = e;
	q.x_stride = i8 ? e : e * 4;
	q.w_stride = i8 ? e : e * 2;
	q.y_stride = s->n_vocab * 4;
	q.wfmt = s->head_wfmt;
	q.epi.out_dtype = LLA_DTYPE_F32;
	emit(em, &q, LLA_OP_QMM, 0, sizeof(q));

	/* llama.cpp's default sampler chain: top-k 40, top-p 0.95, T 0.8 */
	memset(&sm, 0, sizeof(sm));
	sm.logits_iova = y->logits;
	sm.seed = 0x5eedull;
	sm.n = s->n_vocab;
	sm.top_k = 40;
	sm.temperature = fbits(0.8f);
	sm.top_p = fbits(0.95f);
	if (p->flags & LLA_PASS_F_STEP_ARGS) {
		sm.out_iova = y->step + offsetof(struct lla_step_args, token);
		sm.counter_iova = y->step +
				  offsetof(struct lla_step_args, rng_counter);
		emit(em, &sm, LLA_OP_SAMPLE, LLA_SAMPLE_F_ADVANCE, sizeof(sm));
	} else {
		sm.out_iova = y->tok;
		emit(em, &sm, LLA_OP_SAMPLE, 0, sizeof(sm));
	}
}

static int pass_ok(const struct lla_model_shape *s, uint32_t kind,
		   uint32_t n_tokens, uint32_t pos, uint32_t flags)
{
	if (lla_model_shape_check(s) != LLA_OK)
		return 0;
	if (kind != LLA_PASS_PREFILL && kind != LLA_PASS_DECODE)
		return 0;
	if (flags & ~LLA_PASS_F_STEP_ARGS)
		return 0;
	if (n_tokens == 0 || n_tokens > LLA_MAX_M)
		return 0;
	if (kind == LLA_PASS_DECODE && n_tokens != 1)
		return 0;
	return (uint64_t)pos + n_tokens <= s->max_ctx;
}

static void emit_pass(struct emitter *em, const struct lla_model_shape *s,
		      uint32_t kind, uint32_t n_tokens, uint32_t pos,
		      uint32_t flags)
{
	struct lay y;
	struct pass p;

	layout(s, &y);
	p.s = s;
	p.y = &y;
	p.m = n_tokens;
	p.pos = pos;
	p.flags = flags;
	p.decode = kind == LLA_PASS_DECODE;
	emit_embed(em, &p);
	for (uint32_t l = 0; l < s->n_layer; l++)
		emit_layer(em, &p, l);
	emit_head(em, &p);
}

size_t lla_build_forward(const struct lla_model_shape *s, uint32_t kind,
			 uint32_t n_tokens, uint32_t pos, uint32_t flags,
			 void *buf, size_t cap)
{
	struct emitter em = { 0 };

	if (!pass_ok(s, kind, n_tokens, pos, flags))
		return 0;
	/* measure first: nothing is written unless everything fits */
	emit_pass(&em, s, kind, n_tokens, pos, flags);
	if (buf && em.len <= cap) {
		size_t need = em.len;

		memset(&em, 0, sizeof(em));
		em.buf = buf;
		em.cap = cap;
		emit_pass(&em, s, kind, n_tokens, pos, flags);
		return need;
	}
	return em.len;
}

int lla_estimate_pass(const struct lla_uarch *u,
		      const struct lla_model_shape *s, uint32_t kind,
		      uint32_t n_tokens, uint32_t pos, uint32_t flags,
		      struct lla_estimate *est)
{
	struct emitter em = { 0 };

	if (!est)
		return LLA_ERR_BAD_PARAM;
	memset(est, 0, sizeof(*est));
	if (!pass_ok(s, kind, n_tokens, pos, flags))
		return LLA_ERR_BAD_PARAM;
	if (!u)
		u = lla_uarch_preset_id(LLA_PRESET_DEFAULT);
	em.u = u;
	em.est = est;
	em.pos = pos;
	emit_pass(&em, s, kind, n_tokens, pos, flags);
	/* one submission per pass: descriptor fetch and completion */
	est->cycles += u->job_overhead_cycles;
	est->cmdbuf_bytes = (uint32_t)em.len;
	return LLA_OK;
}

uint64_t lla_estimate_prefill(const struct lla_uarch *u,
			      const struct lla_model_shape *s,
			      uint32_t n_prompt)
{
	struct lla_estimate e;

	if (lla_estimate_pass(u, s, LLA_PASS_PREFILL, n_prompt, 0, 0, &e))
		return 0;
	return e.cycles;
}

uint64_t lla_estimate_decode(const struct lla_uarch *u,
			     const struct lla_model_shape *s,
			     uint32_t ctx_pos)
{
	struct lla_estimate e;

	if (lla_estimate_pass(u, s, LLA_PASS_DECODE, 1, ctx_pos,
			      LLA_PASS_F_STEP_ARGS, &e))
		return 0;
	return e.cycles;
}

double lla_cycles_to_s(const struct lla_uarch *u, uint64_t cycles)
{
	if (!u)
		u = lla_uarch_preset_id(LLA_PRESET_DEFAULT);
	if (!u || !u->clock_mhz)
		return 0.0;
	return (double)cycles / ((double)u->clock_mhz * 1e6);
}

double lla_estimate_tokens_per_s(const struct lla_uarch *u,
				 const struct lla_model_shape *s,
				 uint32_t ctx_pos)
{
	uint64_t c = lla_estimate_decode(u, s, ctx_pos);
	double t = lla_cycles_to_s(u, c);

	return t > 0.0 ? 1.0 / t : 0.0;
}

double lla_estimate_ttft_s(const struct lla_uarch *u,
			   const struct lla_model_shape *s, uint32_t n_prompt)
{
	return lla_cycles_to_s(u, lla_estimate_prefill(u, s, n_prompt));
}
