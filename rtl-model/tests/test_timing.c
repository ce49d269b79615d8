// SPDX-License-Identifier: MIT
/*
 * Cycle model and end-to-end estimate tests: presets, monotonicity of
 * every opcode in every size, the documented equations recomputed
 * independently, the regimes the model must show (decode memory-bound,
 * prefill compute-bound, weight reuse), the forward-pass command
 * buffer (graph, validity, IOVAs) and the modeled TeLLMe figures next to
 * the published ones.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "cmd_samples.h"
#include "llmaccel_estimate.h"

#define A(i)	(0x1000000ull + (uint64_t)(i) * (1ull << 40))	/* 1 TiB apart */

static uint32_t f32b(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static void hdr(void *c, uint8_t op, uint16_t flags, uint32_t size)
{
	struct lla_cmd_hdr *h = c;

	h->opcode = op;
	h->version = 0;
	h->flags = flags;
	h->size = size;
}

static uint32_t trow(uint8_t wfmt, uint32_t k)
{
	return wfmt == LLA_WFMT_T5 ? (k + 4) / 5 : (k + 3) / 4;
}

/* ---------------- command makers (valid by construction) ---------------- */

struct mmargs {
	uint32_t m, n, k;
	uint8_t wfmt;
	int epi;		/* bias + gate + residual */
};

static struct lla_cmd_tlmm mk_tlmm(struct mmargs a)
{
	struct lla_cmd_tlmm c;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_TLMM, 0, sizeof(c));
	c.x_iova = A(1);
	c.x_scale_iova = A(2);
	c.w_iova = A(3);
	c.y_iova = A(4);
	c.m = a.m;
	c.n = a.n;
	c.k = a.k;
	c.x_stride = a.k;
	c.w_stride = trow(a.wfmt, a.k);
	c.y_stride = a.n * 4;
	c.w_scale = f32b(0.5f);
	c.wfmt = a.wfmt;
	c.epi.out_dtype = LLA_DTYPE_F32;
	if (a.epi) {
		c.epi.bias_iova = A(5);
		c.epi.gate_iova = A(6);
		c.epi.gate_stride = a.n * 4;
		c.epi.residual_iova = A(7);
		c.epi.residual_stride = a.n * 4;
		c.epi.act = LLA_ACT_RELU2;
	}
	return c;
}

static struct lla_cmd_qmm mk_qmm(struct mmargs a)
{
	struct lla_cmd_qmm c;
	int i8 = a.wfmt == LLA_WFMT_I8;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_QMM, 0, sizeof(c));
	c.x_iova = A(1);
	c.x_scale_iova = i8 ? A(2) : 0;
	c.w_iova = A(3);
	c.w_scale_iova = i8 ? A(5) : 0;
	c.y_iova = A(4);
	c.m = a.m;
	c.n = a.n;
	c.k = a.k;
	c.x_stride = i8 ? a.k : a.k * 4;
	c.w_stride = i8 ? a.k : a.k * 2;
	c.y_stride = a.n * 4;
	c.wfmt = a.wfmt;
	c.epi.out_dtype = LLA_DTYPE_F32;
	return c;
}

struct attargs {
	uint32_t m, pos, n_head, n_kv, hd, max_ctx;
	uint8_t op;
};

static struct lla_cmd_attn mk_attn(struct attargs a)
{
	struct lla_cmd_attn c;

	memset(&c, 0, sizeof(c));
	hdr(&c, a.op, 0, sizeof(c));
	c.q_iova = A(1);
	c.k_iova = A(2);
	c.v_iova = A(3);
	c.k_cache_iova = A(4);
	c.v_cache_iova = A(5);
	c.o_iova = A(6);
	c.m = a.m;
	c.n_head = a.n_head;
	c.n_kv_head = a.n_kv;
	c.head_dim = a.hd;
	c.max_ctx = a.max_ctx;
	c.pos = a.pos;
	c.q_stride = a.n_head * a.hd * 4;
	c.kv_stride = a.n_kv * a.hd * 4;
	c.o_stride = c.q_stride;
	c.scale = f32b(0.125f);
	c.kv_dtype = LLA_DTYPE_F16;
	return c;
}

/* ---------------- uarch set for the sweeps ---------------- */

static struct lla_uarch u_nobuf, u_odd;
static const struct lla_uarch *uset[4];

static void init_uarchs(void)
{
	u_nobuf = *lla_uarch_preset("tellme-kv260");
	u_nobuf.name = "nobuf";
	u_nobuf.weight_buf_kib = 0;
	u_odd = *lla_uarch_preset("default");
	u_odd.name = "odd";
	u_odd.tlmm_lanes = 7;
	u_odd.tlmm_group = 5;
	u_odd.tlmm_luts_per_lane = 3;
	u_odd.weight_buf_kib = 1;
	u_odd.dram_mbps = 333;
	u_odd.dram_latency_cycles = 17;
	u_odd.attn_macs_per_cycle = 3;
	u_odd.elt_per_cycle = 5;
	u_odd.sample_per_cycle = 7;
	uset[0] = lla_uarch_preset("default");
	uset[1] = lla_uarch_preset("tellme-kv260");
	uset[2] = &u_nobuf;
	uset[3] = &u_odd;
}

/* ---------------- monotone sweeps ---------------- */

static const uint32_t vals[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 71,
	72, 73, 96, 100, 127, 128, 129, 255, 256, 257, 500, 1000, 1023,
	1024, 1025, 1536, 2047, 2048, 2560, 4095, 4096, 6912, 8192, 16384,
	32768, 65535, 65536, 131072, 262144,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

/* Builds the command for size value v; returns 0 to skip v. */
typedef int (*maker_fn)(uint32_t v, int variant, void *cmd);

/*
 * For every uarch and variant: the commands for ascending sizes up to
 * @max all pass validation, cost at least one cycle, and their cycles
 * never decrease.
 */
static void sweep(const char *what, maker_fn fn, uint32_t max, int variants)
{
	int ok = 1, valid = 1;
	char why[200] = "";

	for (int ui = 0; ui < 4; ui++) {
		for (int var = 0; var < variants; var++) {
			uint64_t prev = 0;
			uint32_t pv = 0;

			for (size_t i = 0; i < NVALS && vals[i] <= max; i++) {
				uint8_t buf[256];
				const struct lla_cmd_hdr *h = (void *)buf;
				uint64_t c;
				int e;

				memset(buf, 0, sizeof(buf));
				if (!fn(vals[i], var, buf))
					continue;
				e = lla_validate_cmd(h, sizeof(buf));
				if (e && valid) {
					valid = 0;
					snprintf(why, sizeof(why),
						 "v=%u var %d invalid (%d)",
						 vals[i], var, e);
				}
				c = lla_cmd_cycles(uset[ui], h, NULL);
				if (c == 0 || c < prev) {
					if (ok)
						snprintf(why, sizeof(why),
							 "%s var %d: %u -> %llu, %u -> %llu",
							 uset[ui]->name, var, pv,
							 (unsigned long long)prev,
							 vals[i],
							 (unsigned long long)c);
					ok = 0;
				}
				prev = c;
				pv = vals[i];
			}
		}
	}
	tap_ok(ok && valid, "%s: valid, nonzero, monotone over 4 uarchs %s",
	       what, why);
}

static const uint8_t twf[2] = { LLA_WFMT_T2, LLA_WFMT_T5 };

static int tl_m(uint32_t v, int var, void *b)
{
	struct mmargs a = { v, 256, 256, twf[var & 1], var >> 1 };
	struct lla_cmd_tlmm c = mk_tlmm(a);

	memcpy(b, &c, sizeof(c));
	return 1;
}

/* M over a matrix bigger than the weight buffers: tiles > 1. */
static int tl_mbig(uint32_t v, int var, void *b)
{
	struct mmargs a = { v, 4096, 4096, twf[var & 1], 0 };
	struct lla_cmd_tlmm c = mk_tlmm(a);

	memcpy(b, &c, sizeof(c));
	return v <= LLA_MAX_M;
}

static int tl_n(uint32_t v, int var, void *b)
{
	struct mmargs a = { 4, v, 256, twf[var & 1], var >> 1 };
	struct lla_cmd_tlmm c = mk_tlmm(a);

	memcpy(b, &c, sizeof(c));
	return 1;
}

static int tl_k(uint32_t v, int var, void *b)
{
	struct mmargs a = { 4, 256, v, twf[var & 1], var >> 1 };
	struct lla_cmd_tlmm c = mk_tlmm(a);

	memcpy(b, &c, sizeof(c));
	return 1;
}

static const uint8_t qwf[2] = { LLA_WFMT_I8, LLA_WFMT_F16 };

static int qm_m(uint32_t v, int var, void *b)
{
	struct lla_cmd_qmm c = mk_qmm((struct mmargs){ v, 512, 512, qwf[var], 0 });

	memcpy(b, &c, sizeof(c));
	return 1;
}

static int qm_n(uint32_t v, int var, void *b)
{
	struct lla_cmd_qmm c = mk_qmm((struct mmargs){ 2, v, 512, qwf[var], 0 });

	memcpy(b, &c, sizeof(c));
	return 1;
}

static int qm_k(uint32_t v, int var, void *b)
{
	struct lla_cmd_qmm c = mk_qmm((struct mmargs){ 2, 512, v, qwf[var], 0 });

	memcpy(b, &c, sizeof(c));
	return 1;
}

static const uint16_t nqf[3] = {
	LLA_NQ_F_NORM | LLA_NQ_F_QUANT,
	LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT,
	LLA_NQ_F_QUANT,
};

static int nq_mk(uint32_t m, uint32_t k, int var, void *b)
{
	struct lla_cmd_norm_quant c;
	uint16_t f = nqf[var];

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_NORM_QUANT, f, sizeof(c));
	c.x_iova = A(1);
	c.m = m;
	c.k = k;
	c.x_stride = k * 4;
	c.q_iova = A(2);
	c.scale_iova = A(3);
	c.q_stride = k;
	if (f & LLA_NQ_F_F32OUT) {
		c.y_iova = A(4);
		c.y_stride = k * 4;
	}
	if (f & LLA_NQ_F_NORM) {
		c.gamma_iova = A(5);
		c.eps = f32b(1e-5f);
	}
	memcpy(b, &c, sizeof(c));
	return m <= LLA_MAX_M && k <= LLA_MAX_K;
}

static int nq_m(uint32_t v, int var, void *b) { return nq_mk(v, 1536, var, b); }
static int nq_k(uint32_t v, int var, void *b) { return nq_mk(3, v, var, b); }

static int rope_mk(uint32_t m, uint32_t nh, uint32_t hd, uint32_t pos, void *b)
{
	struct lla_cmd_rope c;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_ROPE, 0, sizeof(c));
	c.x_iova = A(1);
	c.table_iova = A(2);
	c.m = m;
	c.n_head = nh;
	c.head_dim = hd;
	c.x_stride = nh * hd * 4;
	c.pos = pos;
	c.table_len = LLA_MAX_CTX;
	memcpy(b, &c, sizeof(c));
	return m <= LLA_MAX_M && nh <= LLA_MAX_HEADS &&
	       hd <= LLA_MAX_HEAD_DIM && hd % 2 == 0 &&
	       (uint64_t)pos + m <= LLA_MAX_CTX;
}

static int rp_m(uint32_t v, int var, void *b) { (void)var; return rope_mk(v, 16, 96, 0, b); }
static int rp_h(uint32_t v, int var, void *b) { (void)var; return rope_mk(4, v, 64, 0, b); }
static int rp_d(uint32_t v, int var, void *b) { (void)var; return rope_mk(4, 8, v, 0, b); }
static int rp_p(uint32_t v, int var, void *b) { (void)var; return rope_mk(4, 8, 64, v, b); }

static int elt_n(uint32_t v, int var, void *b)
{
	struct lla_cmd_eltwise c;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_ELTWISE, 0, sizeof(c));
	c.a_iova = A(1);
	if (var == LLA_ELT_ADD || var == LLA_ELT_MUL)
		c.b_iova = A(2);
	c.y_iova = A(3);
	c.count = v;
	c.op = (uint8_t)var;
	if (var == LLA_ELT_SCALE)
		c.imm = f32b(2.0f);
	memcpy(b, &c, sizeof(c));
	return 1;
}

static int emb_mk(uint32_t m, uint32_t dim, uint32_t vocab, int var, void *b)
{
	struct lla_cmd_embed c;
	uint32_t es = var ? 2 : 4;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_EMBED, 0, sizeof(c));
	c.table_iova = A(1);
	c.ids_iova = A(2);
	c.y_iova = A(3);
	c.vocab = vocab;
	c.dim = dim;
	c.m = m;
	c.table_stride = dim * es;
	c.y_stride = dim * 4;
	c.dtype = var ? LLA_DTYPE_F16 : LLA_DTYPE_F32;
	memcpy(b, &c, sizeof(c));
	return m <= LLA_MAX_M && dim <= LLA_MAX_K &&
	       (uint64_t)vocab * dim <= LLA_MAX_ELEMS;
}

static int em_m(uint32_t v, int var, void *b) { return emb_mk(v, 1536, 32002, var, b); }
static int em_d(uint32_t v, int var, void *b) { return emb_mk(7, v, 1000, var, b); }
static int em_v(uint32_t v, int var, void *b) { return emb_mk(7, 256, v, var, b); }

static int am_mk(uint32_t m, uint32_t n, void *b)
{
	struct lla_cmd_argmax c;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_ARGMAX, 0, sizeof(c));
	c.x_iova = A(1);
	c.y_iova = A(2);
	c.m = m;
	c.n = n;
	c.x_stride = n * 4;
	memcpy(b, &c, sizeof(c));
	return m <= LLA_MAX_M && (uint64_t)m * n <= LLA_MAX_ELEMS;
}

static int am_m(uint32_t v, int var, void *b) { (void)var; return am_mk(v, 32002, b); }
static int am_n(uint32_t v, int var, void *b) { (void)var; return am_mk(3, v, b); }

static int tk_mk(uint32_t n, uint32_t k, int var, void *b)
{
	struct lla_cmd_topk c;

	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_TOPK, 0, sizeof(c));
	c.x_iova = A(1);
	c.idx_iova = A(2);
	c.val_iova = var ? A(3) : 0;
	c.n = n;
	c.k = k;
	memcpy(b, &c, sizeof(c));
	return k <= LLA_MAX_TOPK && k <= n;
}

static int tk_n(uint32_t v, int var, void *b) { return tk_mk(v, v < 40 ? v : 40, var, b); }
static int tk_k(uint32_t v, int var, void *b) { return tk_mk(1000, v, var, b); }

static int sm_mk(uint32_t n, uint32_t top_k, int var, void *b)
{
	struct lla_cmd_sample c;

	memset(&c, 0, sizeof(c));
	c.logits_iova = A(1);
	c.out_iova = A(2);
	c.n = n;
	c.top_k = top_k;
	c.temperature = var == 0 ? 0 : f32b(0.8f);
	c.top_p = f32b(0.95f);
	if (var == 2) {
		c.counter_iova = A(3);
		hdr(&c, LLA_OP_SAMPLE, LLA_SAMPLE_F_ADVANCE, sizeof(c));
	} else {
		hdr(&c, LLA_OP_SAMPLE, 0, sizeof(c));
	}
	memcpy(b, &c, sizeof(c));
	return top_k <= LLA_MAX_TOPK;
}

static int sm_n(uint32_t v, int var, void *b) { return sm_mk(v, var ? 40 : 0, var, b); }
static int sm_nk0(uint32_t v, int var, void *b) { return sm_mk(v, 0, var, b); }
static int sm_k(uint32_t v, int var, void *b) { return sm_mk(128256, v, var, b); }

static int at_ok(struct attargs a, void *b)
{
	struct lla_cmd_attn c = mk_attn(a);

	memcpy(b, &c, sizeof(c));
	return a.m <= LLA_MAX_M && a.n_head <= LLA_MAX_HEADS &&
	       a.hd <= LLA_MAX_HEAD_DIM && a.max_ctx <= LLA_MAX_CTX &&
	       (uint64_t)a.pos + a.m <= a.max_ctx && a.n_head % a.n_kv == 0;
}

static int ap_m(uint32_t v, int var, void *b)
{
	return at_ok((struct attargs){ v, var ? 100 : 0, 16, 4, 96, 8192,
				       LLA_OP_ATTN_PREFILL }, b);
}

static int ap_p(uint32_t v, int var, void *b)
{
	return at_ok((struct attargs){ var ? 64 : 3, v, 16, 4, 96, LLA_MAX_CTX,
				       LLA_OP_ATTN_PREFILL }, b);
}

static int ap_h(uint32_t v, int var, void *b)
{
	(void)var;
	return at_ok((struct attargs){ 32, 10, v, 1, 64, 1024,
				       LLA_OP_ATTN_PREFILL }, b);
}

/* n_kv_head grows with n_head fixed at 256 (divisors only). */
static int ap_kv(uint32_t v, int var, void *b)
{
	(void)var;
	return at_ok((struct attargs){ 8, 10, 256, v, 32, 1024,
				       LLA_OP_ATTN_PREFILL }, b);
}

static int ap_d(uint32_t v, int var, void *b)
{
	(void)var;
	return at_ok((struct attargs){ 8, 10, 8, 2, v, 1024,
				       LLA_OP_ATTN_PREFILL }, b) && v % 2 == 0;
}

static int ad_p(uint32_t v, int var, void *b)
{
	return at_ok((struct attargs){ 1, v, var ? 20 : 16, var ? 5 : 16,
				       var ? 128 : 96, LLA_MAX_CTX,
				       LLA_OP_ATTN_DECODE }, b);
}

static int ad_h(uint32_t v, int var, void *b)
{
	(void)var;
	return at_ok((struct attargs){ 1, 500, v, 1, 128, 1024,
				       LLA_OP_ATTN_DECODE }, b);
}

static int cp_len(uint32_t v, int var, void *b)
{
	struct lla_cmd_copy c;

	(void)var;
	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_COPY, 0, sizeof(c));
	c.src_iova = A(1);
	c.dst_iova = A(2);
	c.len = (uint64_t)v * 4099;
	memcpy(b, &c, sizeof(c));
	return c.len <= LLA_MAX_COPY_BYTES;
}

static int fl_len(uint32_t v, int var, void *b)
{
	struct lla_cmd_fill c;

	(void)var;
	memset(&c, 0, sizeof(c));
	hdr(&c, LLA_OP_FILL, 0, sizeof(c));
	c.dst_iova = A(1);
	c.len = (uint64_t)v * 4096;
	c.value = 7;
	memcpy(b, &c, sizeof(c));
	return c.len <= LLA_MAX_COPY_BYTES;
}

static void test_sweeps(void)
{
	sweep("TLMM M (T2/T5, +-epilogue)", tl_m, LLA_MAX_M, 4);
	sweep("TLMM M over 4096x4096 (tiled)", tl_mbig, LLA_MAX_M, 2);
	sweep("TLMM N", tl_n, LLA_MAX_N, 4);
	sweep("TLMM K", tl_k, LLA_MAX_K, 4);
	sweep("QMM M (I8/F16)", qm_m, LLA_MAX_M, 2);
	sweep("QMM N", qm_n, LLA_MAX_N, 2);
	sweep("QMM K", qm_k, LLA_MAX_K, 2);
	sweep("NORM_QUANT M (3 flag sets)", nq_m, LLA_MAX_M, 3);
	sweep("NORM_QUANT K", nq_k, LLA_MAX_K, 3);
	sweep("ROPE M", rp_m, LLA_MAX_M, 1);
	sweep("ROPE n_head", rp_h, LLA_MAX_HEADS, 1);
	sweep("ROPE head_dim", rp_d, LLA_MAX_HEAD_DIM, 1);
	sweep("ROPE pos", rp_p, LLA_MAX_CTX, 1);
	sweep("ELTWISE count (every op)", elt_n, LLA_MAX_N, LLA_ELT_COUNT);
	sweep("EMBED M (F32/F16)", em_m, LLA_MAX_M, 2);
	sweep("EMBED dim", em_d, LLA_MAX_K, 2);
	sweep("EMBED vocab", em_v, LLA_MAX_N, 2);
	sweep("ARGMAX M", am_m, LLA_MAX_M, 1);
	sweep("ARGMAX N", am_n, LLA_MAX_N, 1);
	sweep("TOPK N", tk_n, LLA_MAX_N, 2);
	sweep("TOPK k", tk_k, LLA_MAX_TOPK, 2);
	sweep("SAMPLE N (greedy, T>0, counter)", sm_n, LLA_MAX_N, 3);
	sweep("SAMPLE N with top_k 0 (= 256)", sm_nk0, LLA_MAX_N, 3);
	sweep("SAMPLE top_k", sm_k, LLA_MAX_TOPK, 3);
	sweep("ATTN_PREFILL M", ap_m, LLA_MAX_M, 2);
	sweep("ATTN_PREFILL pos", ap_p, LLA_MAX_CTX, 2);
	sweep("ATTN_PREFILL n_head", ap_h, LLA_MAX_HEADS, 1);
	sweep("ATTN_PREFILL n_kv_head", ap_kv, LLA_MAX_HEADS, 1);
	sweep("ATTN_PREFILL head_dim", ap_d, LLA_MAX_HEAD_DIM, 1);
	sweep("ATTN_DECODE pos (MHA, GQA)", ad_p, LLA_MAX_CTX, 2);
	sweep("ATTN_DECODE n_head", ad_h, LLA_MAX_HEADS, 1);
	sweep("COPY len", cp_len, LLA_MAX_N, 1);
	sweep("FILL len", fl_len, LLA_MAX_N, 1);
}

/* ---------------- presets ---------------- */

static void test_presets(void)
{
	const struct lla_uarch *d = lla_uarch_preset("default");
	const struct lla_uarch *t = lla_uarch_preset("tellme-kv260");
	const char *const *names = lla_uarch_preset_names();
	int n = 0, all = 1;

	tap_ok(d && d->preset_id == LLA_PRESET_DEFAULT &&
	       strcmp(d->name, "default") == 0,
	       "preset \"default\" found by name with its id");
	tap_ok(t && t->preset_id == LLA_PRESET_TELLME_KV260 &&
	       strcmp(t->name, "tellme-kv260") == 0,
	       "preset \"tellme-kv260\" found by name with its id");
	tap_ok(lla_uarch_preset_id(LLA_PRESET_DEFAULT) == d &&
	       lla_uarch_preset_id(LLA_PRESET_TELLME_KV260) == t,
	       "presets found by id are the same objects");
	tap_ok(!lla_uarch_preset("tellme") && !lla_uarch_preset("") &&
	       !lla_uarch_preset(NULL) && !lla_uarch_preset("DEFAULT") &&
	       !lla_uarch_preset_id(2) && !lla_uarch_preset_id(UINT32_MAX),
	       "unknown preset names and ids give NULL");
	for (; names && names[n]; n++)
		if (!lla_uarch_preset(names[n]))
			all = 0;
	tap_ok(n == 2 && all, "preset name list: %d names, all resolve", n);
	/* the KV260 preset's key figures as documented */
	tap_ok(t && t->clock_mhz == 250 && t->dram_mbps < 19200 &&
	       d && d->clock_mhz == 1000 && d->dram_mbps >= 100000,
	       "kv260 at 250 MHz below the 19.2 GB/s DDR4 peak; default 1 GHz, 100+ GB/s");
}

/* ---------------- every opcode: nonzero, overhead, macs ---------------- */

static void test_every_opcode(void)
{
	int nonzero = 1, macs_ok = 1, null_ok = 1;
	char why[160] = "";

	for (unsigned int op = 0; op < LLA_OP_COUNT; op++) {
		uint8_t buf[256];
		const struct lla_cmd_hdr *h = (void *)buf;
		uint32_t sz = smp_cmd(op, buf);

		for (int ui = 0; ui < 4; ui++) {
			uint64_t macs = 12345;
			uint64_t c = lla_cmd_cycles(uset[ui], h, &macs);
			int mm = op == LLA_OP_TLMM || op == LLA_OP_QMM ||
				 op == LLA_OP_ATTN_PREFILL ||
				 op == LLA_OP_ATTN_DECODE;

			if (c == 0 || c < uset[ui]->cmd_overhead_cycles) {
				nonzero = 0;
				snprintf(why, sizeof(why), "op %u", op);
			}
			if (mm ? macs == 0 : macs != 0)
				macs_ok = 0;
		}
		if (lla_cmd_cycles(NULL, h, NULL) !=
		    lla_cmd_cycles(uset[0], h, NULL))
			null_ok = 0;
		(void)sz;
	}
	tap_ok(nonzero, "every opcode costs >= cmd_overhead and > 0 cycles %s",
	       why);
	tap_ok(macs_ok, "macs: nonzero for TLMM/QMM/ATTN, 0 for the rest");
	tap_ok(null_ok, "NULL uarch is the default preset");

	/* NOP is pure dispatch overhead; memory commands cost more */
	{
		uint8_t nop[8], ts[16];
		int ok = 1;

		smp_cmd(LLA_OP_NOP, nop);
		smp_cmd(LLA_OP_TIMESTAMP, ts);
		for (int ui = 0; ui < 2; ui++) {
			uint64_t n = lla_cmd_cycles(uset[ui], (void *)nop, NULL);

			ok &= n == uset[ui]->cmd_overhead_cycles;
			ok &= lla_cmd_cycles(uset[ui], (void *)ts, NULL) > n;
		}
		tap_ok(ok, "NOP == cmd_overhead_cycles; TIMESTAMP > NOP");
	}

	/* a uarch of all-zero rates must not divide by zero */
	{
		struct lla_uarch z;
		int ok = 1;

		memset(&z, 0, sizeof(z));
		z.name = "zero";
		for (unsigned int op = 0; op < LLA_OP_COUNT; op++) {
			uint8_t buf[256];

			smp_cmd(op, buf);
			ok &= lla_cmd_cycles(&z, (void *)buf, NULL) >= 1;
		}
		tap_ok(ok, "all-zero uarch: every opcode still >= 1 cycle");
	}
}

static void test_macs(void)
{
	uint64_t macs, want;
	struct lla_cmd_tlmm t = mk_tlmm((struct mmargs){ 37, 1000, 1537,
							 LLA_WFMT_T5, 1 });
	struct lla_cmd_qmm q = mk_qmm((struct mmargs){ 3, 32002, 1536,
						       LLA_WFMT_F16, 0 });
	struct attargs aa = { 100, 28, 20, 5, 128, 4096, LLA_OP_ATTN_PREFILL };
	struct lla_cmd_attn a = mk_attn(aa);
	int ok;

	lla_cmd_cycles(uset[1], &t.hdr, &macs);
	tap_ok(macs == 37ull * 1000 * 1537, "TLMM macs = M*N*K (%llu)",
	       (unsigned long long)macs);
	lla_cmd_cycles(uset[1], &q.hdr, &macs);
	tap_ok(macs == 3ull * 32002 * 1536, "QMM macs = M*N*K");

	/* independent loop: token t sees pos + t + 1 keys, QK and PV */
	want = 0;
	for (uint32_t i = 0; i < aa.m; i++)
		for (uint32_t j = 0; j <= aa.pos + i; j++)
			want += 2ull * aa.n_head * aa.hd;
	lla_cmd_cycles(uset[1], &a.hdr, &macs);
	ok = macs == want;
	aa.m = 1;
	aa.pos = 777;
	aa.op = LLA_OP_ATTN_DECODE;
	a = mk_attn(aa);
	lla_cmd_cycles(uset[1], &a.hdr, &macs);
	ok &= macs == 778ull * 2 * 20 * 128;
	tap_ok(ok, "ATTN macs = causal QK + PV multiply-adds (prefill, decode)");
}

/* ---------------- the documented equations, recomputed ---------------- */

static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static void test_equations(void)
{
	const struct lla_uarch *t = uset[1];
	struct lla_cmd_tlmm c;
	struct lla_cmd_copy cp;
	uint64_t bytes, dram, comp, build, want, got;

	/* decode TLMM 1536 x 1536, T2, on kv260 (docs/timing-model.md) */
	c = mk_tlmm((struct mmargs){ 1, 1536, 1536, LLA_WFMT_T2, 0 });
	bytes = 1536ull * 384 + (1536 + 4) + 1536 * 4;
	dram = cdiv(bytes * t->clock_mhz, t->dram_mbps) + t->dram_latency_cycles;
	build = cdiv(512ull * 14, t->tlmm_lanes);
	comp = cdiv(1536, t->tlmm_lanes) * cdiv(512, t->tlmm_luts_per_lane) +
	       build;
	want = (dram > comp ? dram : comp) + t->cmd_overhead_cycles;
	got = lla_cmd_cycles(t, &c.hdr, NULL);
	tap_ok(got == want && dram > comp,
	       "TLMM decode equation (memory-bound): %llu == %llu",
	       (unsigned long long)got, (unsigned long long)want);

	/* prefill TLMM 64 x 4096 x 1536, T5: compute-bound */
	c = mk_tlmm((struct mmargs){ 64, 4096, 1536, LLA_WFMT_T5, 0 });
	comp = 64 * cdiv(4096, t->tlmm_lanes) * cdiv(512, t->tlmm_luts_per_lane);
	/* 4096 * 308 bytes = 1.2 MiB: two 1 MiB weight tiles */
	build = 2 * 64 * cdiv(512ull * 14, t->tlmm_lanes);
	want = comp + build + t->cmd_overhead_cycles;
	got = lla_cmd_cycles(t, &c.hdr, NULL);
	tap_ok(got == want, "TLMM prefill equation (compute-bound, 2 tiles): %llu == %llu",
	       (unsigned long long)got, (unsigned long long)want);

	memset(&cp, 0, sizeof(cp));
	hdr(&cp, LLA_OP_COPY, 0, sizeof(cp));
	cp.src_iova = A(1);
	cp.dst_iova = A(2);
	cp.len = 1000000;
	want = cdiv(2000000ull * 250, 6400) + 2 * 64 + 64;
	got = lla_cmd_cycles(t, &cp.hdr, NULL);
	tap_ok(got == want, "COPY equation: 2 * len bytes at 6400 MB/s: %llu == %llu",
	       (unsigned long long)got, (unsigned long long)want);
}

/* ---------------- regimes ---------------- */

static uint64_t tl(const struct lla_uarch *u, uint32_t m, uint32_t n,
		   uint32_t k, uint8_t wfmt)
{
	struct lla_cmd_tlmm c = mk_tlmm((struct mmargs){ m, n, k, wfmt, 0 });

	return lla_cmd_cycles(u, &c.hdr, NULL);
}

static void test_regimes(void)
{
	const struct lla_uarch *t = uset[1];
	uint64_t d2 = tl(t, 1, 4096, 4096, LLA_WFMT_T2);
	uint64_t d5 = tl(t, 1, 4096, 4096, LLA_WFMT_T5);
	uint64_t p2 = tl(t, 256, 4096, 4096, LLA_WFMT_T2);
	uint64_t p5 = tl(t, 256, 4096, 4096, LLA_WFMT_T5);
	uint64_t m1 = tl(t, 1, 4096, 1536, LLA_WFMT_T2);
	uint64_t m64 = tl(t, 64, 4096, 1536, LLA_WFMT_T2);
	uint64_t nb64 = tl(&u_nobuf, 64, 4096, 1536, LLA_WFMT_T2);
	double r = (double)d5 / (double)d2;
	struct lla_cmd_tlmm big = mk_tlmm((struct mmargs){ LLA_MAX_M, 65536,
							   4096, LLA_WFMT_T2,
							   1 });
	uint64_t cb = lla_cmd_cycles(t, &big.hdr, NULL);
	struct lla_cmd_attn a64, a4k;

	tap_ok(r > 0.78 && r < 0.84,
	       "decode TLMM is memory-bound: T5/T2 cycles %.3f ~ 1.6/2 bits", r);
	tap_ok(p2 == p5, "prefill TLMM (M=256) is compute-bound: T2 == T5 (%llu)",
	       (unsigned long long)p2);
	tap_ok(m64 < 64 * m1 / 4,
	       "weight buffer reuse: 64 rows cost %llu < 16 x one row (%llu)",
	       (unsigned long long)m64, (unsigned long long)m1);
	tap_ok(nb64 > 32 * m1 && nb64 > 4 * m64,
	       "without a weight buffer every row re-streams the weights (%llu)",
	       (unsigned long long)nb64);
	tap_ok(cb < UINT64_MAX / 1024 && cb > tl(t, LLA_MAX_M, 4096, 4096,
						  LLA_WFMT_T2),
	       "largest TLMM (4096 x 65536 x 4096) finite, no saturation: %llu",
	       (unsigned long long)cb);
	a64 = mk_attn((struct attargs){ 1, 63, 16, 16, 96, 4096,
					LLA_OP_ATTN_DECODE });
	a4k = mk_attn((struct attargs){ 1, 4095, 16, 16, 96, 4096,
					LLA_OP_ATTN_DECODE });
	tap_ok(lla_cmd_cycles(t, &a4k.hdr, NULL) >
	       32 * lla_cmd_cycles(t, &a64.hdr, NULL),
	       "decode attention grows ~linearly with the context (64 -> 4096)");
}

/* ---------------- forward pass builder ---------------- */

static const uint8_t layer_ops[14] = {
	LLA_OP_NORM_QUANT, LLA_OP_TLMM, LLA_OP_TLMM, LLA_OP_TLMM,
	LLA_OP_ROPE, LLA_OP_ROPE, 0 /* ATTN */, LLA_OP_NORM_QUANT,
	LLA_OP_TLMM, LLA_OP_NORM_QUANT, LLA_OP_TLMM, LLA_OP_TLMM,
	LLA_OP_NORM_QUANT, LLA_OP_TLMM,
};

/*
 * Walks a built pass: the opcode sequence of the bitnet graph, every
 * command valid, the whole buffer valid, weight IOVAs distinct.
 */
static int check_pass(const struct lla_model_shape *s, uint32_t kind,
		      uint32_t n, uint32_t pos, uint32_t flags, char *why,
		      size_t wl)
{
	size_t need = lla_build_forward(s, kind, n, pos, flags, NULL, 0);
	uint8_t *buf = need ? malloc(need) : NULL;
	uint64_t *w = malloc(sizeof(uint64_t) * 7 * s->n_layer);
	size_t off = 0, nw = 0;
	uint32_t idx = 0, bad = 0;
	int ok = 1;

	if (!buf || !w ||
	    lla_build_forward(s, kind, n, pos, flags, buf, need) != need) {
		snprintf(why, wl, "build failed");
		ok = 0;
		goto out;
	}
	while (off < need && ok) {
		const struct lla_cmd_hdr *h = (void *)(buf + off);
		uint32_t want;
		int e = lla_validate_cmd(h, need - off);

		if (idx == 0)
			want = LLA_OP_EMBED;
		else if (idx <= 14 * s->n_layer)
			want = layer_ops[(idx - 1) % 14];
		else
			want = (uint8_t[]){ LLA_OP_NORM_QUANT, LLA_OP_QMM,
					    LLA_OP_SAMPLE }[(idx - 1 -
							     14 * s->n_layer) % 3];
		if (want == 0)
			want = kind == LLA_PASS_DECODE ? LLA_OP_ATTN_DECODE :
							 LLA_OP_ATTN_PREFILL;
		if (e || h->opcode != want || idx >= 14 * s->n_layer + 4) {
			snprintf(why, wl, "cmd %u: op %u want %u, validate %d",
				 idx, h->opcode, want, e);
			ok = 0;
		}
		if (h->opcode == LLA_OP_TLMM) {
			struct lla_cmd_tlmm c;

			memcpy(&c, h, sizeof(c));
			for (size_t i = 0; i < nw; i++)
				if (w[i] == c.w_iova)
					ok = 0;
			if (nw < 7 * (size_t)s->n_layer)
				w[nw++] = c.w_iova;
		}
		off += h->size;
		idx++;
	}
	if (ok && (idx != 14 * s->n_layer + 4 || nw != 7 * (size_t)s->n_layer)) {
		snprintf(why, wl, "%u commands, %zu weights", idx, nw);
		ok = 0;
	}
	if (ok && need <= LLA_MAX_CMDBUF_BYTES &&
	    lla_validate(buf, need, &bad) != LLA_OK) {
		snprintf(why, wl, "lla_validate fails at %u", bad);
		ok = 0;
	}
out:
	free(buf);
	free(w);
	return ok;
}

static void test_builder(void)
{
	const struct lla_model_shape *tiny = lla_model_shape_preset("tiny");
	const struct lla_model_shape *b07 = lla_model_shape_preset("bitnet-0.7b");
	const struct lla_model_shape *b2 = lla_model_shape_preset("bitnet-2b");
	const char *const *names = lla_model_shape_names();
	struct lla_model_shape bad;
	char why[160] = "";
	int ok, n = 0;

	tap_ok(tiny && b07 && b2 && b07->n_embd == 1536 &&
	       b07->n_ff == 4096 && b07->n_layer == 24 && b07->n_head == 16 &&
	       b07->n_vocab == 32002 && b2->n_embd == 2560 &&
	       b2->n_ff == 6912 && b2->n_layer == 30 && b2->n_head == 20 &&
	       b2->n_head_kv == 5 && b2->head_dim == 128 &&
	       b2->n_vocab == 128256,
	       "model shape presets with the published dimensions");
	while (names && names[n])
		n++;
	tap_ok(n == 3 && !lla_model_shape_preset("bitnet") &&
	       !lla_model_shape_preset(NULL) &&
	       lla_model_shape_check(tiny) == LLA_OK &&
	       lla_model_shape_check(b07) == LLA_OK &&
	       lla_model_shape_check(b2) == LLA_OK,
	       "shape names: 3, unknown -> NULL, presets check OK");
	bad = *b2;
	bad.n_head_kv = 3;
	ok = lla_model_shape_check(&bad) == LLA_ERR_BAD_PARAM;
	bad = *b2;
	bad.n_layer = 0;
	ok &= lla_model_shape_check(&bad) == LLA_ERR_ZERO_DIM;
	bad = *b2;
	bad.head_wfmt = LLA_WFMT_T2;
	ok &= lla_model_shape_check(&bad) == LLA_ERR_BAD_FORMAT;
	tap_ok(ok, "shape check rejects GQA mismatch, zero dims, bad formats");

	ok = check_pass(tiny, LLA_PASS_PREFILL, 7, 0, 0, why, sizeof(why));
	ok = ok && check_pass(tiny, LLA_PASS_DECODE, 1, 100, 0, why, sizeof(why));
	ok = ok && check_pass(tiny, LLA_PASS_DECODE, 1, 127,
			      LLA_PASS_F_STEP_ARGS, why, sizeof(why));
	tap_ok(ok, "tiny: graph order, every command valid, distinct weights %s",
	       why);
	ok = check_pass(b07, LLA_PASS_PREFILL, 128, 0, 0, why, sizeof(why));
	ok = ok && check_pass(b07, LLA_PASS_DECODE, 1, 2047,
			      LLA_PASS_F_STEP_ARGS, why, sizeof(why));
	tap_ok(ok, "bitnet-0.7b prefill 128 / decode: graph valid %s", why);
	ok = check_pass(b2, LLA_PASS_PREFILL, 4096, 0, 0, why, sizeof(why));
	ok = ok && check_pass(b2, LLA_PASS_PREFILL, 64, 1000, 0, why, sizeof(why));
	ok = ok && check_pass(b2, LLA_PASS_DECODE, 1, 64,
			      LLA_PASS_F_STEP_ARGS, why, sizeof(why));
	tap_ok(ok, "bitnet-2b prefill 4096 and chunk at 1000 / decode: valid %s",
	       why);

	/* invalid passes */
	ok = lla_build_forward(b07, LLA_PASS_PREFILL, 0, 0, 0, NULL, 0) == 0;
	ok &= lla_build_forward(b07, LLA_PASS_PREFILL, 2049, 0, 0, NULL, 0) == 0;
	ok &= lla_build_forward(b07, LLA_PASS_DECODE, 1, 2048, 0, NULL, 0) == 0;
	ok &= lla_build_forward(b07, LLA_PASS_DECODE, 2, 0, 0, NULL, 0) == 0;
	ok &= lla_build_forward(b07, 2, 1, 0, 0, NULL, 0) == 0;
	ok &= lla_build_forward(b07, LLA_PASS_DECODE, 1, 0, 2, NULL, 0) == 0;
	ok &= lla_estimate_prefill(uset[1], b07, 0) == 0;
	ok &= lla_estimate_decode(uset[1], b07, 2048) == 0;
	tap_ok(ok, "invalid passes (0 tokens, past max_ctx, bad kind/flags) -> 0");

	/* a too-small buffer is left untouched */
	{
		size_t need = lla_build_forward(tiny, LLA_PASS_DECODE, 1, 5, 0,
						NULL, 0);
		uint8_t *b = malloc(need);
		size_t i, r;

		memset(b, 0xab, need);
		r = lla_build_forward(tiny, LLA_PASS_DECODE, 1, 5, 0, b,
				      need - 8);
		for (i = 0; i < need && b[i] == 0xab; i++)
			;
		tap_ok(r == need && i == need,
		       "short buffer: size reported (%zu), nothing written", r);
		free(b);
	}
}

/* The estimate is the sum of lla_cmd_cycles over the built buffer. */
static void test_estimate_consistency(void)
{
	const struct lla_model_shape *b07 = lla_model_shape_preset("bitnet-0.7b");
	const struct lla_uarch *t = uset[1];
	struct lla_estimate e;
	size_t need = lla_build_forward(b07, LLA_PASS_DECODE, 1, 300,
					LLA_PASS_F_STEP_ARGS, NULL, 0);
	uint8_t *buf = malloc(need);
	uint64_t at = 0, plain = 0, macs = 0, m, want;
	size_t off = 0;
	int ok;

	lla_build_forward(b07, LLA_PASS_DECODE, 1, 300, LLA_PASS_F_STEP_ARGS,
			  buf, need);
	while (off < need) {
		const struct lla_cmd_hdr *h = (void *)(buf + off);

		at += lla_cmd_cycles_at_pos(t, h, 300, &m);
		macs += m;
		plain += lla_cmd_cycles(t, h, NULL);
		off += h->size;
	}
	free(buf);
	ok = lla_estimate_pass(t, b07, LLA_PASS_DECODE, 1, 300,
			       LLA_PASS_F_STEP_ARGS, &e) == LLA_OK;
	tap_ok(ok && e.cycles == at + t->job_overhead_cycles &&
	       e.macs == macs && e.commands == 24 * 14 + 4 &&
	       e.cmdbuf_bytes == need,
	       "decode estimate == sum of per-command cycles + job overhead");
	tap_ok(plain < at,
	       "pos_iova commands are modeled at the real position (%llu > %llu at pos 0)",
	       (unsigned long long)at, (unsigned long long)plain);

	/* prefill MACs, independently: ternary layers, head on one row, attention */
	ok = lla_estimate_pass(t, b07, LLA_PASS_PREFILL, 64, 0, 0, &e) == LLA_OK;
	want = 64ull * 24 * (4ull * 1536 * 1536 + 3ull * 1536 * 4096);
	want += 32002ull * 1536;
	want += 24ull * 2 * 16 * 96 * (64 * 65 / 2);
	tap_ok(ok && e.macs == want, "prefill-64 MACs %llu == %llu",
	       (unsigned long long)e.macs, (unsigned long long)want);
	tap_ok(e.op_count[LLA_OP_TLMM] == 7 * 24 &&
	       e.op_count[LLA_OP_NORM_QUANT] == 4 * 24 + 1 &&
	       e.op_count[LLA_OP_ATTN_PREFILL] == 24 &&
	       e.op_count[LLA_OP_QMM] == 1 && e.op_count[LLA_OP_SAMPLE] == 1 &&
	       e.op_cycles[LLA_OP_TLMM] > e.cycles / 2,
	       "prefill breakdown: 168 TLMM (%.0f%% of cycles), 97 norms, 24 attn",
	       100.0 * (double)e.op_cycles[LLA_OP_TLMM] / (double)e.cycles);
}

static void test_estimate_monotone(void)
{
	const struct lla_model_shape *b07 = lla_model_shape_preset("bitnet-0.7b");
	uint64_t prev = 0, c;
	int ok = 1;

	for (uint32_t p = 0; p < b07->max_ctx; p += 97) {
		c = lla_estimate_decode(uset[1], b07, p);
		ok &= c >= prev && c > 0;
		prev = c;
	}
	prev = 0;
	for (uint32_t n = 1; n <= b07->max_ctx; n = n * 3 / 2 + 1) {
		c = lla_estimate_prefill(uset[1], b07, n);
		ok &= c >= prev && c > 0;
		prev = c;
	}
	tap_ok(ok, "decode cycles monotone in ctx_pos, prefill in n_prompt");
}

/* ---------------- modeled vs published ---------------- */

static void test_paper(void)
{
	const struct lla_uarch *t = uset[1], *d = uset[0];
	const struct lla_model_shape *b07 = lla_model_shape_preset("bitnet-0.7b");
	const struct lla_model_shape *b2 = lla_model_shape_preset("bitnet-2b");
	struct lla_model_shape b07t5 = *b07;
	double tps = lla_estimate_tokens_per_s(t, b07, 64);
	double tps1k = lla_estimate_tokens_per_s(t, b07, 1024);
	double t64 = lla_estimate_ttft_s(t, b07, 64);
	double t128 = lla_estimate_ttft_s(t, b07, 128);
	double tps5, tps2, t2_64, t2_128, dtps, dtps2, d64;

	b07t5.wfmt = LLA_WFMT_T5;
	tps5 = lla_estimate_tokens_per_s(t, &b07t5, 64);
	tps2 = lla_estimate_tokens_per_s(t, b2, 64);
	t2_64 = lla_estimate_ttft_s(t, b2, 64);
	t2_128 = lla_estimate_ttft_s(t, b2, 128);
	dtps = lla_estimate_tokens_per_s(d, b07, 64);
	dtps2 = lla_estimate_tokens_per_s(d, b2, 64);
	d64 = lla_estimate_ttft_s(d, b2, 64);

	tap_diag("TeLLMe v2 (KV260, 5 W) published: up to 25 tok/s decode, "
		 "TTFT 0.45 s (64) .. 0.96 s (128)");
	tap_diag("model tellme-kv260 bitnet-0.7b T2: decode %.1f tok/s (ctx 64), "
		 "%.1f tok/s (ctx 1024); TTFT %.3f s (64), %.3f s (128)",
		 tps, tps1k, t64, t128);
	tap_diag("model tellme-kv260 bitnet-0.7b T5: decode %.1f tok/s (ctx 64)",
		 tps5);
	tap_diag("model tellme-kv260 bitnet-2b: decode %.2f tok/s; TTFT %.3f s "
		 "(64), %.3f s (128)", tps2, t2_64, t2_128);
	tap_diag("model default bitnet-0.7b: decode %.0f tok/s; bitnet-2b: "
		 "decode %.0f tok/s, TTFT %.4f s (64)", dtps, dtps2, d64);

	tap_ok(tps >= 5 && tps <= 100 && tps > 25 * 0.75 && tps < 25 * 1.25,
	       "kv260 bitnet-0.7b decode %.1f tok/s within 25%% of 25", tps);
	tap_ok(t64 >= 0.1 && t64 <= 5 && t64 > 0.45 * 0.8 && t64 < 0.45 * 1.2,
	       "kv260 bitnet-0.7b TTFT(64) %.3f s within 20%% of 0.45 s", t64);
	tap_ok(t128 >= 0.1 && t128 <= 5 && t128 > 0.96 * 0.8 &&
	       t128 < 0.96 * 1.2,
	       "kv260 bitnet-0.7b TTFT(128) %.3f s within 20%% of 0.96 s", t128);
	tap_ok(t128 / t64 > 2.0 && t128 / t64 < 2.3,
	       "TTFT superlinear in the prompt like the paper (%.2f vs 2.13)",
	       t128 / t64);
	tap_ok(tps5 > tps * 1.05 && tps1k < tps,
	       "decode: T5 faster than T2, long context slower");
	tap_ok(tps2 >= 5 && tps2 <= 100 && t2_64 >= 0.1 && t2_64 <= 5 &&
	       t2_128 >= 0.1 && t2_128 <= 5,
	       "kv260 bitnet-2b within the sanity band (decode 5..100 tok/s, "
	       "TTFT 0.1..5 s)");
	tap_ok(dtps > 4 * tps && dtps2 > 4 * tps2 && d64 < t2_64 / 10,
	       "default ASIC-class preset is several times faster than kv260");
}

int main(void)
{
	init_uarchs();
	test_presets();
	test_every_opcode();
	test_macs();
	test_equations();
	test_regimes();
	test_sweeps();
	test_builder();
	test_estimate_consistency();
	test_estimate_monotone();
	test_paper();
	return tap_done();
}
