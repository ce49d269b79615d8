// SPDX-License-Identifier: MIT
/*
 * Cycle model: modeled device cycles of one command from the
 * micro-architecture parameters of struct lla_uarch.
 *
 * Every engine is modeled as max(compute cycles, DRAM cycles) plus the
 * per-command dispatch overhead: the engines stream their operands, so
 * compute and memory overlap and the slower of the two sets the pace.
 * docs/timing-model.md gives the equations and the source of every
 * preset parameter.
 *
 * Integer arithmetic only (uint64, saturating), no state, deterministic.
 * Every term is a non-decreasing function of every size (M, N, K,
 * context length, count), and saturation keeps that property, so the
 * whole result is monotone in every size.
 */
#include <stddef.h>
#include <string.h>
#include "internal.h"
#include "llmaccel_estimate.h"

/* ------------------------------------------------------------------ */
/* presets                                                            */
/* ------------------------------------------------------------------ */

/*
 * "default": a plausible ASIC-class card.  1 GHz; 256 TLMM lanes doing 4
 * look-ups of 4-activation groups per cycle (4096 ternary MAC/cycle,
 * ~4.1 T ternary MAC/s); 4 MiB weight buffer; LPDDR5X-class memory,
 * 100 GiB/s sustained; 256-wide fp attention/QMM MAC array.
 */
static const struct lla_uarch preset_default = {
	.name = "default",
	.preset_id = LLA_PRESET_DEFAULT,
	.clock_mhz = 1000,
	.tlmm_lanes = 256,
	.tlmm_group = 4,
	.tlmm_luts_per_lane = 4,
	.weight_buf_kib = 4096,
	.dram_mbps = 102400,
	.dram_latency_cycles = 200,
	.attn_macs_per_cycle = 256,
	.elt_per_cycle = 64,
	.sample_per_cycle = 64,
	.cmd_overhead_cycles = 100,
	.job_overhead_cycles = 2000,
};

/*
 * "tellme-kv260": configured like the TeLLMe v2 design on an AMD KV260
 * (Zynq UltraScale+ K26).  See docs/timing-model.md for the source of
 * each value and which ones are assumptions calibrated against the
 * published TTFT and decode figures.
 */
static const struct lla_uarch preset_tellme_kv260 = {
	.name = "tellme-kv260",
	.preset_id = LLA_PRESET_TELLME_KV260,
	.clock_mhz = 250,
	.tlmm_lanes = 72,
	.tlmm_group = 3,
	.tlmm_luts_per_lane = 2,
	.weight_buf_kib = 1024,
	.dram_mbps = 6400,
	.dram_latency_cycles = 64,
	.attn_macs_per_cycle = 20,
	.elt_per_cycle = 16,
	.sample_per_cycle = 16,
	.cmd_overhead_cycles = 64,
	.job_overhead_cycles = 25000,
};

static const struct lla_uarch *const presets[] = {
	&preset_default,
	&preset_tellme_kv260,
};

static const char *const preset_names[] = {
	"default",
	"tellme-kv260",
	NULL,
};

#define N_PRESETS (sizeof(presets) / sizeof(presets[0]))

const struct lla_uarch *lla_uarch_preset(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < N_PRESETS; i++)
		if (strcmp(presets[i]->name, name) == 0)
			return presets[i];
	return NULL;
}

const struct lla_uarch *lla_uarch_preset_id(uint32_t preset_id)
{
	for (size_t i = 0; i < N_PRESETS; i++)
		if (presets[i]->preset_id == preset_id)
			return presets[i];
	return NULL;
}

const char *const *lla_uarch_preset_names(void)
{
	return preset_names;
}

/* ------------------------------------------------------------------ */
/* saturating helpers: monotone, never wrap                            */
/* ------------------------------------------------------------------ */

static uint64_t sadd(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t smul(uint64_t a, uint64_t b)
{
	if (a != 0 && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

/* ceil(a / b); a zero rate parameter is treated as 1 */
static uint64_t cdiv(uint64_t a, uint64_t b)
{
	if (b == 0)
		b = 1;
	return a / b + (a % b != 0);
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Rate parameters of 0 would mean "no unit": model them as width 1. */
static uint64_t rate(uint32_t v)
{
	return v ? v : 1;
}

/*
 * Cycles to move @bytes through DRAM in @streams separate bursts.
 * dram_mbps MB/s = dram_mbps bytes per microsecond, clock_mhz cycles per
 * microsecond, so cycles = bytes * clock_mhz / dram_mbps.  Each stream
 * start pays the access latency (streams are not overlapped with one
 * another's start-up).
 */
static uint64_t dram_cycles(const struct lla_uarch *u, uint64_t bytes,
			    uint64_t streams)
{
	uint64_t c;

	if (bytes == 0)
		return 0;
	c = cdiv(smul(bytes, rate(u->clock_mhz)), rate(u->dram_mbps));
	return sadd(c, smul(streams, u->dram_latency_cycles));
}

/* Ternary weight row bytes (T2: 4 weights/byte, T5: 5 weights/byte). */
static uint64_t tern_row_bytes(uint8_t wfmt, uint64_t k)
{
	return wfmt == LLA_WFMT_T5 ? cdiv(k, 5) : cdiv(k, 4);
}

static uint64_t dtype_bytes(uint8_t dt)
{
	switch (dt) {
	case LLA_DTYPE_F16:
		return 2;
	case LLA_DTYPE_I8:
		return 1;
	default:
		return 4;
	}
}

/*
 * Epilogue traffic of TLMM/QMM: the fused epilogue is computed in the
 * output stream (no extra cycles), but bias, gate, residual and the
 * output itself cross the DRAM interface.
 */
static uint64_t epilogue_bytes(const struct lla_epilogue *e, uint64_t m,
			       uint64_t n)
{
	uint64_t mn = smul(m, n), b;

	b = smul(mn, dtype_bytes(e->out_dtype));
	if (e->out_dtype == LLA_DTYPE_I8)
		b = sadd(b, smul(m, 4));
	if (e->bias_iova)
		b = sadd(b, smul(n, 4));
	if (e->gate_iova)
		b = sadd(b, smul(mn, 4));
	if (e->residual_iova)
		b = sadd(b, smul(mn, 4));
	return b;
}

/*
 * Weight-buffer tiling shared by TLMM and QMM.  With an on-chip weight
 * buffer the engine is weight-stationary: the weights are cut into
 * tiles that fit the buffer, each tile is loaded once and all M
 * activation rows stream past it, so weights cross DRAM once whatever
 * M is and the activations once per tile.  Without a buffer every
 * activation row re-streams the whole weight matrix.
 */
struct mm_traffic {
	uint64_t tiles;		/* weight tiles (>= 1) */
	uint64_t bytes;		/* weights + activations */
};

static struct mm_traffic mm_tiles(const struct lla_uarch *u, uint64_t m,
				  uint64_t w_bytes, uint64_t x_row_bytes)
{
	struct mm_traffic t;
	uint64_t buf = (uint64_t)u->weight_buf_kib * 1024;

	if (buf == 0) {
		t.tiles = 1;
		t.bytes = sadd(smul(m, w_bytes), smul(m, x_row_bytes));
		return t;
	}
	t.tiles = max64(1, cdiv(w_bytes, buf));
	t.bytes = sadd(w_bytes, smul(t.tiles, smul(m, x_row_bytes)));
	return t;
}

/* ------------------------------------------------------------------ */
/* engines                                                             */
/* ------------------------------------------------------------------ */

/* Entries of one group's table after sign symmetry: (3^G + 1) / 2. */
static uint64_t lut_half_entries(uint32_t g)
{
	uint64_t p = 1;

	for (uint32_t i = 0; i < g && i < 16; i++)
		p *= 3;
	return (p + 1) / 2;
}

/*
 * TLMM, table-lookup engine.  Activations are cut into groups of G; for
 * each activation row and group a table of the (3^G + 1) / 2 distinct
 * partial sums is built online (one add per entry from a smaller entry,
 * the builder has one adder per lane) and then every lane, owning one
 * output column, does luts_per_lane look-ups per cycle, each covering G
 * weights.  Tables are rebuilt for every weight tile.
 *   compute = M * ceil(N / lanes) * ceil(ceil(K / G) / luts)
 *           + tiles * M * ceil(ceil(K / G) * half_entries / lanes)
 *   dram    = weights + tiles * M * (K + 4) + epilogue traffic
 */
static uint64_t cyc_tlmm(const struct lla_uarch *u,
			 const struct lla_cmd_tlmm *c, uint64_t *macs)
{
	uint64_t m = c->m, n = c->n, k = c->k;
	uint64_t g = rate(u->tlmm_group);
	uint64_t groups = cdiv(k, g);
	uint64_t passes = cdiv(n, rate(u->tlmm_lanes));
	uint64_t look = cdiv(groups, rate(u->tlmm_luts_per_lane));
	uint64_t w_bytes = smul(n, tern_row_bytes(c->wfmt, k));
	struct mm_traffic t = mm_tiles(u, m, w_bytes, k + 4);
	uint64_t build, comp, bytes;

	build = smul(smul(t.tiles, m),
		     cdiv(smul(groups, lut_half_entries(u->tlmm_group)),
			  rate(u->tlmm_lanes)));
	comp = sadd(smul(smul(m, passes), look), build);
	bytes = sadd(t.bytes, epilogue_bytes(&c->epi, m, n));
	if (macs)
		*macs = smul(smul(m, n), k);
	return max64(comp, dram_cycles(u, bytes, t.tiles));
}

/*
 * QMM (int8 or fp16 weights) has no table-lookup path: it runs on the
 * multiplier array of the attention unit, which packs two int8 MACs per
 * multiplier (attn_macs_per_cycle fp16 MACs or twice that in int8).
 */
static uint64_t cyc_qmm(const struct lla_uarch *u, const struct lla_cmd_qmm *c,
			uint64_t *macs)
{
	uint64_t m = c->m, n = c->n, k = c->k;
	int i8 = c->wfmt == LLA_WFMT_I8;
	uint64_t w_bytes = smul(smul(n, k), i8 ? 1 : 2);
	uint64_t x_row = i8 ? k + 4 : smul(k, 4);
	uint64_t r = smul(rate(u->attn_macs_per_cycle), i8 ? 2 : 1);
	uint64_t mnk = smul(smul(m, n), k);
	struct mm_traffic t = mm_tiles(u, m, w_bytes, x_row);
	uint64_t bytes;

	bytes = sadd(t.bytes, epilogue_bytes(&c->epi, m, n));
	if (i8)
		bytes = sadd(bytes, smul(n, 4));	/* w_scale */
	if (macs)
		*macs = mnk;
	return max64(cdiv(mnk, r), dram_cycles(u, bytes, t.tiles));
}

/*
 * NORM_QUANT: the row is held on chip; RMSNorm needs a sum-of-squares
 * pass and a scaling pass, absmax quantization one more reduction,
 * each at elt_per_cycle elements per cycle.
 */
static uint64_t cyc_norm(const struct lla_uarch *u,
			 const struct lla_cmd_norm_quant *c)
{
	uint64_t m = c->m, k = c->k, mk = smul(m, k);
	uint64_t passes = 1, bytes = smul(mk, 4);
	uint16_t f = c->hdr.flags;

	if (f & LLA_NQ_F_NORM)
		passes++;
	if (f & LLA_NQ_F_QUANT) {
		passes++;
		bytes = sadd(bytes, sadd(mk, smul(m, 4)));
	}
	if (f & LLA_NQ_F_F32OUT)
		bytes = sadd(bytes, smul(mk, 4));
	if (c->gamma_iova)
		bytes = sadd(bytes, smul(k, 4));
	return max64(smul(smul(m, passes), cdiv(k, rate(u->elt_per_cycle))),
		     dram_cycles(u, bytes, 1));
}

/* ROPE: one rotation per element pair, in place; table row per token. */
static uint64_t cyc_rope(const struct lla_uarch *u, const struct lla_cmd_rope *c)
{
	uint64_t m = c->m;
	uint64_t elems = smul(m, smul(c->n_head, c->head_dim));
	uint64_t bytes = sadd(smul(elems, 8), smul(m, smul(c->head_dim, 4)));

	if (c->pos_iova)
		bytes = sadd(bytes, 4);
	return max64(cdiv(elems, rate(u->elt_per_cycle)),
		     dram_cycles(u, bytes, 1));
}

static uint64_t cyc_eltwise(const struct lla_uarch *u,
			    const struct lla_cmd_eltwise *c)
{
	uint64_t n = c->count;
	uint64_t ops = c->op == LLA_ELT_SILU ? smul(n, 2) : n;	/* exp + div */
	uint64_t in = (c->op == LLA_ELT_ADD || c->op == LLA_ELT_MUL) ? 2 : 1;

	return max64(cdiv(ops, rate(u->elt_per_cycle)),
		     dram_cycles(u, smul(n, 4 * (in + 1)), 1));
}

/* EMBED: a row gather (one stream per row), converted to fp32. */
static uint64_t cyc_embed(const struct lla_uarch *u,
			  const struct lla_cmd_embed *c)
{
	uint64_t m = c->m, md = smul(m, c->dim);
	uint64_t eb = c->dtype == LLA_DTYPE_F16 ? 2 : 4;
	uint64_t bytes = sadd(smul(m, 4), smul(md, eb + 4));

	return max64(cdiv(md, rate(u->elt_per_cycle)),
		     dram_cycles(u, bytes, sadd(m, 1)));
}

static uint64_t cyc_argmax(const struct lla_uarch *u,
			   const struct lla_cmd_argmax *c)
{
	uint64_t m = c->m;

	return max64(smul(m, cdiv(c->n, rate(u->sample_per_cycle))),
		     dram_cycles(u, sadd(smul(smul(m, c->n), 4), smul(m, 4)),
				 1));
}

/*
 * TOPK: a streaming scan at sample_per_cycle logits per cycle into a
 * sorted k-entry register file, then one entry per cycle drained out.
 */
static uint64_t cyc_topk(const struct lla_uarch *u, const struct lla_cmd_topk *c)
{
	uint64_t k = c->k;
	uint64_t bytes = sadd(smul(c->n, 4), smul(k, c->val_iova ? 8 : 4));

	return max64(sadd(cdiv(c->n, rate(u->sample_per_cycle)), k),
		     dram_cycles(u, bytes, 1));
}

/*
 * SAMPLE: temperature 0 is an argmax scan.  Otherwise a top-k scan,
 * then per candidate a sequential chain (exp, running sum, prefix scan
 * for top-p, search for the target): 4 cycles per candidate.
 */
static uint64_t cyc_sample(const struct lla_uarch *u,
			   const struct lla_cmd_sample *c)
{
	uint64_t n = c->n;
	uint64_t scan = cdiv(n, rate(u->sample_per_cycle));
	uint64_t bytes = sadd(smul(n, 4), 4);
	uint64_t comp = scan, kc;

	if (c->counter_iova)
		bytes = sadd(bytes, (c->hdr.flags & LLA_SAMPLE_F_ADVANCE) ?
				    16 : 8);
	if (c->temperature != 0) {
		kc = min64(c->top_k ? c->top_k : LLA_MAX_TOPK, n);
		comp = sadd(scan, smul(kc, 5));	/* drain + 4-step chain */
	}
	return max64(comp, dram_cycles(u, bytes, 1));
}

/*
 * ATTN_PREFILL / ATTN_DECODE.  Work is exactly causal (the prefill
 * engine skips masked tiles, TeLLMe's reversed reordering), so token t
 * of M at base position p attends to p + t + 1 keys:
 *   keys  = M * p + M * (M + 1) / 2
 *   MACs  = keys * n_head * head_dim * 2        (QK^T and PV)
 *   exp   = keys * n_head                        (softmax, elt unit)
 * The query rows are kept on chip in blocks of LLA_ATTN_TILE rows; the
 * fp16 KV cache (n_kv_head * head_dim per row, K and V) is streamed once
 * per query block over the p + M rows it can see (GQA: one KV head
 * serves n_head / n_kv_head query heads from the same stream).
 */
static uint64_t cyc_attn(const struct lla_uarch *u, const struct lla_cmd_attn *c,
			 uint64_t *macs)
{
	uint64_t m = c->m, p = c->pos;
	uint64_t qrow = smul(c->n_head, c->head_dim);
	uint64_t kvrow = smul(c->n_kv_head, c->head_dim);
	uint64_t keys = sadd(smul(m, p), smul(m, m + 1) / 2);
	uint64_t mac = smul(smul(keys, qrow), 2);
	uint64_t comp, bytes, blocks = cdiv(m, LLA_ATTN_TILE);

	comp = max64(cdiv(mac, rate(u->attn_macs_per_cycle)),
		     cdiv(smul(keys, c->n_head), rate(u->elt_per_cycle)));
	/* q in, o out (fp32); new k, v in (fp32) and appended (fp16) */
	bytes = smul(smul(m, qrow), 8);
	bytes = sadd(bytes, smul(smul(m, kvrow), 12));
	/* cache stream: K and V, fp16, once per query block */
	bytes = sadd(bytes, smul(smul(blocks, sadd(p, m)), smul(kvrow, 4)));
	if (c->pos_iova)
		bytes = sadd(bytes, 4);
	if (macs)
		*macs = mac;
	return max64(comp, dram_cycles(u, bytes, smul(blocks, 2)));
}

/* ------------------------------------------------------------------ */
/* dispatcher                                                          */
/* ------------------------------------------------------------------ */

#define LOAD(type, var)							\
	struct type var;						\
	if (hdr->size < sizeof(var))					\
		break;							\
	memcpy(&var, hdr, sizeof(var))

uint64_t lla_cmd_cycles(const struct lla_uarch *u,
			const struct lla_cmd_hdr *hdr, uint64_t *macs)
{
	uint64_t body = 0, m = 0;

	if (!u)
		u = &preset_default;
	if (macs)
		*macs = 0;
	if (!hdr)
		return 0;

	switch (hdr->opcode) {
	case LLA_OP_NOP:
		break;
	case LLA_OP_TLMM: {
		LOAD(lla_cmd_tlmm, c);
		body = cyc_tlmm(u, &c, &m);
		break;
	}
	case LLA_OP_QMM: {
		LOAD(lla_cmd_qmm, c);
		body = cyc_qmm(u, &c, &m);
		break;
	}
	case LLA_OP_NORM_QUANT: {
		LOAD(lla_cmd_norm_quant, c);
		body = cyc_norm(u, &c);
		break;
	}
	case LLA_OP_ROPE: {
		LOAD(lla_cmd_rope, c);
		body = cyc_rope(u, &c);
		break;
	}
	case LLA_OP_ELTWISE: {
		LOAD(lla_cmd_eltwise, c);
		body = cyc_eltwise(u, &c);
		break;
	}
	case LLA_OP_EMBED: {
		LOAD(lla_cmd_embed, c);
		body = cyc_embed(u, &c);
		break;
	}
	case LLA_OP_ARGMAX: {
		LOAD(lla_cmd_argmax, c);
		body = cyc_argmax(u, &c);
		break;
	}
	case LLA_OP_TOPK: {
		LOAD(lla_cmd_topk, c);
		body = cyc_topk(u, &c);
		break;
	}
	case LLA_OP_SAMPLE: {
		LOAD(lla_cmd_sample, c);
		body = cyc_sample(u, &c);
		break;
	}
	case LLA_OP_ATTN_PREFILL:
	case LLA_OP_ATTN_DECODE: {
		LOAD(lla_cmd_attn, c);
		body = cyc_attn(u, &c, &m);
		break;
	}
	case LLA_OP_COPY: {
		LOAD(lla_cmd_copy, c);
		body = dram_cycles(u, smul(c.len, 2), 2);	/* read + write */
		break;
	}
	case LLA_OP_FILL: {
		LOAD(lla_cmd_fill, c);
		body = dram_cycles(u, c.len, 1);
		break;
	}
	case LLA_OP_TIMESTAMP:
		body = dram_cycles(u, 8, 1);
		break;
	case LLA_OP_SEM_SIGNAL:		/* read-modify-write */
		body = dram_cycles(u, 16, 2);
		break;
	case LLA_OP_SEM_WAIT:		/* one poll */
		body = dram_cycles(u, 8, 1);
		break;
	default:
		break;
	}
	if (macs)
		*macs = m;
	/* every command costs at least one cycle, even with no overhead */
	return max64(1, sadd(body, u->cmd_overhead_cycles));
}

/*
 * As lla_cmd_cycles(), but ROPE and ATTN commands that read their
 * position from memory (pos_iova != 0, immediate pos 0 by validation)
 * are modeled at @pos, the value the executor read: attention cost
 * grows with the context, so a persistent decode buffer must not be
 * modeled at position 0.
 */
uint64_t lla_cmd_cycles_at_pos(const struct lla_uarch *u,
			       const struct lla_cmd_hdr *hdr, uint32_t pos,
			       uint64_t *macs)
{
	if (hdr && hdr->opcode == LLA_OP_ROPE &&
	    hdr->size >= sizeof(struct lla_cmd_rope)) {
		struct lla_cmd_rope c;

		memcpy(&c, hdr, sizeof(c));
		if (c.pos_iova) {
			c.pos = pos;
			return lla_cmd_cycles(u, &c.hdr, macs);
		}
	}
	if (hdr && (hdr->opcode == LLA_OP_ATTN_PREFILL ||
		    hdr->opcode == LLA_OP_ATTN_DECODE) &&
	    hdr->size >= sizeof(struct lla_cmd_attn)) {
		struct lla_cmd_attn c;

		memcpy(&c, hdr, sizeof(c));
		if (c.pos_iova) {
			c.pos = pos;
			return lla_cmd_cycles(u, &c.hdr, macs);
		}
	}
	return lla_cmd_cycles(u, hdr, macs);
}
