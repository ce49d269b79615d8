/* SPDX-License-Identifier: MIT */
/*
 * One small valid command per opcode, over a flat memory image: the
 * baselines that the validator and mutation tests corrupt field by field.
 */
#ifndef LLA_CMD_SAMPLES_H
#define LLA_CMD_SAMPLES_H

#include <string.h>
#include "llmaccel_model.h"

#define SMP_BASE	0x10000ull
#define SMP_SIZE	(8ull << 20)
#define R(i)		(0x100000ull + (uint64_t)(i) * 0x10000ull)
/* Regions the sample commands read as integers: keep them zero. */
#define SMP_IDS		R(20)
#define SMP_COUNTER	R(27)
#define SMP_SEM		R(38)

static inline uint32_t smp_f32(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

/* Writes the sample for @op into @buf (>= 128 bytes); returns its size. */
static inline uint32_t smp_cmd(unsigned int op, void *buf)
{
	union {
		struct lla_cmd_hdr h;
		struct lla_cmd_tlmm tlmm;
		struct lla_cmd_qmm qmm;
		struct lla_cmd_norm_quant nq;
		struct lla_cmd_rope rope;
		struct lla_cmd_eltwise elt;
		struct lla_cmd_embed emb;
		struct lla_cmd_argmax am;
		struct lla_cmd_topk tk;
		struct lla_cmd_sample smp;
		struct lla_cmd_attn at;
		struct lla_cmd_copy cp;
		struct lla_cmd_fill fl;
		struct lla_cmd_timestamp ts;
		struct lla_cmd_sem sem;
	} c;
	const struct lla_cmd_desc *d = lla_cmd_desc_get(op);

	memset(&c, 0, sizeof(c));
	c.h.opcode = op;
	c.h.size = d->size;
	switch (op) {
	case LLA_OP_TLMM:
		c.tlmm.x_iova = R(0);
		c.tlmm.x_scale_iova = R(1);
		c.tlmm.w_iova = R(2);
		c.tlmm.y_iova = R(3);
		c.tlmm.m = 2;
		c.tlmm.n = 8;
		c.tlmm.k = 32;
		c.tlmm.x_stride = 32;
		c.tlmm.w_stride = 8;
		c.tlmm.y_stride = 32;
		c.tlmm.w_scale = smp_f32(0.5f);
		c.tlmm.wfmt = LLA_WFMT_T2;
		c.tlmm.epi.bias_iova = R(4);
		c.tlmm.epi.residual_iova = R(5);
		c.tlmm.epi.residual_stride = 32;
		c.tlmm.epi.act = LLA_ACT_RELU;
		c.tlmm.epi.out_dtype = LLA_DTYPE_F32;
		break;
	case LLA_OP_QMM:
		c.qmm.x_iova = R(0);
		c.qmm.x_scale_iova = R(1);
		c.qmm.w_iova = R(6);
		c.qmm.w_scale_iova = R(7);
		c.qmm.y_iova = R(8);
		c.qmm.m = 2;
		c.qmm.n = 8;
		c.qmm.k = 32;
		c.qmm.x_stride = 32;
		c.qmm.w_stride = 32;
		c.qmm.y_stride = 16;
		c.qmm.wfmt = LLA_WFMT_I8;
		c.qmm.epi.out_dtype = LLA_DTYPE_F16;
		break;
	case LLA_OP_NORM_QUANT:
		c.h.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT;
		c.nq.x_iova = R(9);
		c.nq.gamma_iova = R(10);
		c.nq.q_iova = R(11);
		c.nq.scale_iova = R(12);
		c.nq.y_iova = R(13);
		c.nq.m = 2;
		c.nq.k = 32;
		c.nq.x_stride = 128;
		c.nq.q_stride = 32;
		c.nq.y_stride = 128;
		c.nq.eps = smp_f32(1e-5f);
		break;
	case LLA_OP_ROPE:
		c.rope.x_iova = R(14);
		c.rope.table_iova = R(15);
		c.rope.m = 2;
		c.rope.n_head = 2;
		c.rope.head_dim = 8;
		c.rope.x_stride = 64;
		c.rope.pos = 3;
		c.rope.table_len = 16;
		break;
	case LLA_OP_ELTWISE:
		c.elt.a_iova = R(16);
		c.elt.b_iova = R(17);
		c.elt.y_iova = R(18);
		c.elt.count = 64;
		c.elt.op = LLA_ELT_ADD;
		break;
	case LLA_OP_EMBED:
		c.emb.table_iova = R(19);
		c.emb.ids_iova = SMP_IDS;
		c.emb.y_iova = R(21);
		c.emb.vocab = 16;
		c.emb.dim = 8;
		c.emb.m = 2;
		c.emb.table_stride = 32;
		c.emb.y_stride = 32;
		c.emb.dtype = LLA_DTYPE_F32;
		break;
	case LLA_OP_ARGMAX:
		c.am.x_iova = R(22);
		c.am.y_iova = R(23);
		c.am.m = 2;
		c.am.n = 16;
		c.am.x_stride = 64;
		break;
	case LLA_OP_TOPK:
		c.tk.x_iova = R(22);
		c.tk.idx_iova = R(24);
		c.tk.val_iova = R(25);
		c.tk.n = 16;
		c.tk.k = 4;
		break;
	case LLA_OP_SAMPLE:
		c.h.flags = LLA_SAMPLE_F_ADVANCE;
		c.smp.logits_iova = R(22);
		c.smp.out_iova = R(26);
		c.smp.counter_iova = SMP_COUNTER;
		c.smp.seed = 42;
		c.smp.n = 16;
		c.smp.top_k = 8;
		c.smp.temperature = smp_f32(0.8f);
		c.smp.top_p = smp_f32(0.9f);
		break;
	case LLA_OP_ATTN_PREFILL:
	case LLA_OP_ATTN_DECODE:
		c.at.q_iova = R(28);
		c.at.k_iova = R(29);
		c.at.v_iova = R(30);
		c.at.k_cache_iova = R(31);
		c.at.v_cache_iova = R(32);
		c.at.o_iova = R(33);
		c.at.m = op == LLA_OP_ATTN_DECODE ? 1 : 2;
		c.at.n_head = 4;
		c.at.n_kv_head = 2;
		c.at.head_dim = 8;
		c.at.max_ctx = 16;
		c.at.pos = op == LLA_OP_ATTN_DECODE ? 2 : 0;
		c.at.q_stride = 128;
		c.at.kv_stride = 64;
		c.at.o_stride = 128;
		c.at.scale = smp_f32(0.35355339f);
		c.at.kv_dtype = LLA_DTYPE_F16;
		c.at.mask_mode = LLA_MASK_CAUSAL;
		break;
	case LLA_OP_COPY:
		c.cp.src_iova = R(34);
		c.cp.dst_iova = R(35);
		c.cp.len = 256;
		break;
	case LLA_OP_FILL:
		c.fl.dst_iova = R(36);
		c.fl.len = 256;
		c.fl.value = 0xdeadbeef;
		break;
	case LLA_OP_TIMESTAMP:
		c.ts.dst_iova = R(37);
		break;
	case LLA_OP_SEM_SIGNAL:
		c.sem.iova = SMP_SEM;
		c.sem.value = 1;
		c.sem.op = LLA_SEM_ADD;
		break;
	case LLA_OP_SEM_WAIT:
		c.sem.iova = SMP_SEM;
		c.sem.value = 0;
		c.sem.op = LLA_SEM_GE;
		break;
	default:
		break;
	}
	memcpy(buf, &c, d->size);
	return d->size;
}

/* Field store by name through the descriptor table; 0 if no such field. */
static inline int smp_set(void *cmd, const char *field, uint64_t v)
{
	const struct lla_cmd_hdr *h = cmd;
	const struct lla_cmd_desc *d = lla_cmd_desc_get(h->opcode);

	if (!strcmp(field, "flags")) {
		((struct lla_cmd_hdr *)cmd)->flags = (uint16_t)v;
		return 1;
	}
	for (uint32_t i = 0; d && i < d->nfields; i++) {
		if (!strcmp(d->fields[i].name, field)) {
			memcpy((uint8_t *)cmd + d->fields[i].offset, &v,
			       d->fields[i].size);
			return 1;
		}
	}
	return 0;
}

#endif /* LLA_CMD_SAMPLES_H */
