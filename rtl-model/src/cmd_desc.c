// SPDX-License-Identifier: MIT
/*
 * Field tables of every command: names, offsets, widths and kinds.  The
 * CLI assembles job files by name through them, and the validator tests
 * walk every field of every command with them, so a field added to
 * llmaccel_hw.h without an entry here shows up as a test failure.
 */
#include <stddef.h>
#include <string.h>
#include "internal.h"

#define FLD(type, member, kind) \
	{ #member, offsetof(struct type, member), \
	  sizeof(((struct type *)0)->member), kind }
#define EPI(type, member, kind) \
	{ "epi." #member, offsetof(struct type, epi.member), \
	  sizeof(((struct type *)0)->epi.member), kind }

#define EPILOGUE_FIELDS(type) \
	EPI(type, bias_iova, LLA_FK_IOVA), \
	EPI(type, gate_iova, LLA_FK_IOVA), \
	EPI(type, residual_iova, LLA_FK_IOVA), \
	EPI(type, y_scale_iova, LLA_FK_IOVA), \
	EPI(type, gate_stride, LLA_FK_U), \
	EPI(type, residual_stride, LLA_FK_U), \
	EPI(type, act, LLA_FK_ENUM), \
	EPI(type, out_dtype, LLA_FK_ENUM), \
	EPI(type, reserved0, LLA_FK_RSVD), \
	EPI(type, reserved1, LLA_FK_RSVD)

static const struct lla_field_desc tlmm_fields[] = {
	FLD(lla_cmd_tlmm, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_tlmm, x_scale_iova, LLA_FK_IOVA),
	FLD(lla_cmd_tlmm, w_iova, LLA_FK_IOVA),
	FLD(lla_cmd_tlmm, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_tlmm, w_group_scale_iova, LLA_FK_RSVD),
	FLD(lla_cmd_tlmm, m, LLA_FK_U),
	FLD(lla_cmd_tlmm, n, LLA_FK_U),
	FLD(lla_cmd_tlmm, k, LLA_FK_U),
	FLD(lla_cmd_tlmm, x_stride, LLA_FK_U),
	FLD(lla_cmd_tlmm, w_stride, LLA_FK_U),
	FLD(lla_cmd_tlmm, y_stride, LLA_FK_U),
	FLD(lla_cmd_tlmm, w_scale, LLA_FK_F32),
	FLD(lla_cmd_tlmm, wfmt, LLA_FK_ENUM),
	FLD(lla_cmd_tlmm, group_size, LLA_FK_RSVD),
	FLD(lla_cmd_tlmm, reserved0, LLA_FK_RSVD),
	EPILOGUE_FIELDS(lla_cmd_tlmm),
};

static const struct lla_field_desc qmm_fields[] = {
	FLD(lla_cmd_qmm, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_qmm, x_scale_iova, LLA_FK_IOVA),
	FLD(lla_cmd_qmm, w_iova, LLA_FK_IOVA),
	FLD(lla_cmd_qmm, w_scale_iova, LLA_FK_IOVA),
	FLD(lla_cmd_qmm, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_qmm, m, LLA_FK_U),
	FLD(lla_cmd_qmm, n, LLA_FK_U),
	FLD(lla_cmd_qmm, k, LLA_FK_U),
	FLD(lla_cmd_qmm, x_stride, LLA_FK_U),
	FLD(lla_cmd_qmm, w_stride, LLA_FK_U),
	FLD(lla_cmd_qmm, y_stride, LLA_FK_U),
	FLD(lla_cmd_qmm, wfmt, LLA_FK_ENUM),
	FLD(lla_cmd_qmm, reserved0, LLA_FK_RSVD),
	FLD(lla_cmd_qmm, reserved1, LLA_FK_RSVD),
	FLD(lla_cmd_qmm, reserved2, LLA_FK_RSVD),
	EPILOGUE_FIELDS(lla_cmd_qmm),
};

static const struct lla_field_desc norm_quant_fields[] = {
	FLD(lla_cmd_norm_quant, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_norm_quant, gamma_iova, LLA_FK_IOVA),
	FLD(lla_cmd_norm_quant, q_iova, LLA_FK_IOVA),
	FLD(lla_cmd_norm_quant, scale_iova, LLA_FK_IOVA),
	FLD(lla_cmd_norm_quant, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_norm_quant, m, LLA_FK_U),
	FLD(lla_cmd_norm_quant, k, LLA_FK_U),
	FLD(lla_cmd_norm_quant, x_stride, LLA_FK_U),
	FLD(lla_cmd_norm_quant, q_stride, LLA_FK_U),
	FLD(lla_cmd_norm_quant, y_stride, LLA_FK_U),
	FLD(lla_cmd_norm_quant, eps, LLA_FK_F32),
};

static const struct lla_field_desc rope_fields[] = {
	FLD(lla_cmd_rope, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_rope, table_iova, LLA_FK_IOVA),
	FLD(lla_cmd_rope, pos_iova, LLA_FK_IOVA),
	FLD(lla_cmd_rope, m, LLA_FK_U),
	FLD(lla_cmd_rope, n_head, LLA_FK_U),
	FLD(lla_cmd_rope, head_dim, LLA_FK_U),
	FLD(lla_cmd_rope, x_stride, LLA_FK_U),
	FLD(lla_cmd_rope, pos, LLA_FK_U),
	FLD(lla_cmd_rope, table_len, LLA_FK_U),
};

static const struct lla_field_desc eltwise_fields[] = {
	FLD(lla_cmd_eltwise, a_iova, LLA_FK_IOVA),
	FLD(lla_cmd_eltwise, b_iova, LLA_FK_IOVA),
	FLD(lla_cmd_eltwise, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_eltwise, count, LLA_FK_U),
	FLD(lla_cmd_eltwise, op, LLA_FK_ENUM),
	FLD(lla_cmd_eltwise, reserved0, LLA_FK_RSVD),
	FLD(lla_cmd_eltwise, reserved1, LLA_FK_RSVD),
	FLD(lla_cmd_eltwise, imm, LLA_FK_F32),
	FLD(lla_cmd_eltwise, reserved2, LLA_FK_RSVD),
};

static const struct lla_field_desc embed_fields[] = {
	FLD(lla_cmd_embed, table_iova, LLA_FK_IOVA),
	FLD(lla_cmd_embed, ids_iova, LLA_FK_IOVA),
	FLD(lla_cmd_embed, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_embed, vocab, LLA_FK_U),
	FLD(lla_cmd_embed, dim, LLA_FK_U),
	FLD(lla_cmd_embed, m, LLA_FK_U),
	FLD(lla_cmd_embed, table_stride, LLA_FK_U),
	FLD(lla_cmd_embed, y_stride, LLA_FK_U),
	FLD(lla_cmd_embed, dtype, LLA_FK_ENUM),
	FLD(lla_cmd_embed, reserved0, LLA_FK_RSVD),
	FLD(lla_cmd_embed, reserved1, LLA_FK_RSVD),
};

static const struct lla_field_desc argmax_fields[] = {
	FLD(lla_cmd_argmax, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_argmax, y_iova, LLA_FK_IOVA),
	FLD(lla_cmd_argmax, m, LLA_FK_U),
	FLD(lla_cmd_argmax, n, LLA_FK_U),
	FLD(lla_cmd_argmax, x_stride, LLA_FK_U),
	FLD(lla_cmd_argmax, reserved0, LLA_FK_RSVD),
};

static const struct lla_field_desc topk_fields[] = {
	FLD(lla_cmd_topk, x_iova, LLA_FK_IOVA),
	FLD(lla_cmd_topk, idx_iova, LLA_FK_IOVA),
	FLD(lla_cmd_topk, val_iova, LLA_FK_IOVA),
	FLD(lla_cmd_topk, n, LLA_FK_U),
	FLD(lla_cmd_topk, k, LLA_FK_U),
};

static const struct lla_field_desc sample_fields[] = {
	FLD(lla_cmd_sample, logits_iova, LLA_FK_IOVA),
	FLD(lla_cmd_sample, out_iova, LLA_FK_IOVA),
	FLD(lla_cmd_sample, counter_iova, LLA_FK_IOVA),
	FLD(lla_cmd_sample, seed, LLA_FK_U),
	FLD(lla_cmd_sample, counter, LLA_FK_U),
	FLD(lla_cmd_sample, n, LLA_FK_U),
	FLD(lla_cmd_sample, top_k, LLA_FK_U),
	FLD(lla_cmd_sample, temperature, LLA_FK_F32),
	FLD(lla_cmd_sample, top_p, LLA_FK_F32),
};

static const struct lla_field_desc attn_fields[] = {
	FLD(lla_cmd_attn, q_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, k_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, v_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, k_cache_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, v_cache_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, o_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, pos_iova, LLA_FK_IOVA),
	FLD(lla_cmd_attn, m, LLA_FK_U),
	FLD(lla_cmd_attn, n_head, LLA_FK_U),
	FLD(lla_cmd_attn, n_kv_head, LLA_FK_U),
	FLD(lla_cmd_attn, head_dim, LLA_FK_U),
	FLD(lla_cmd_attn, max_ctx, LLA_FK_U),
	FLD(lla_cmd_attn, pos, LLA_FK_U),
	FLD(lla_cmd_attn, q_stride, LLA_FK_U),
	FLD(lla_cmd_attn, kv_stride, LLA_FK_U),
	FLD(lla_cmd_attn, o_stride, LLA_FK_U),
	FLD(lla_cmd_attn, scale, LLA_FK_F32),
	FLD(lla_cmd_attn, kv_dtype, LLA_FK_ENUM),
	FLD(lla_cmd_attn, mask_mode, LLA_FK_ENUM),
	FLD(lla_cmd_attn, reserved0, LLA_FK_RSVD),
	FLD(lla_cmd_attn, window, LLA_FK_RSVD),
	FLD(lla_cmd_attn, sinks, LLA_FK_RSVD),
	FLD(lla_cmd_attn, reserved1, LLA_FK_RSVD),
};

static const struct lla_field_desc copy_fields[] = {
	FLD(lla_cmd_copy, src_iova, LLA_FK_IOVA),
	FLD(lla_cmd_copy, dst_iova, LLA_FK_IOVA),
	FLD(lla_cmd_copy, len, LLA_FK_U),
};

static const struct lla_field_desc fill_fields[] = {
	FLD(lla_cmd_fill, dst_iova, LLA_FK_IOVA),
	FLD(lla_cmd_fill, len, LLA_FK_U),
	FLD(lla_cmd_fill, value, LLA_FK_U),
	FLD(lla_cmd_fill, reserved0, LLA_FK_RSVD),
};

static const struct lla_field_desc timestamp_fields[] = {
	FLD(lla_cmd_timestamp, dst_iova, LLA_FK_IOVA),
};

static const struct lla_field_desc sem_fields[] = {
	FLD(lla_cmd_sem, iova, LLA_FK_IOVA),
	FLD(lla_cmd_sem, value, LLA_FK_U),
	FLD(lla_cmd_sem, op, LLA_FK_ENUM),
	FLD(lla_cmd_sem, reserved0, LLA_FK_RSVD),
	FLD(lla_cmd_sem, reserved1, LLA_FK_RSVD),
	FLD(lla_cmd_sem, reserved2, LLA_FK_RSVD),
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define DESC(op, nm, type, flags, tbl) \
	[op] = { nm, op, flags, sizeof(struct type), tbl, ARRAY_LEN(tbl) }
#define DESC0(op, nm, type) \
	[op] = { nm, op, 0, sizeof(struct type), NULL, 0 }

static const struct lla_cmd_desc descs[LLA_OP_COUNT] = {
	DESC0(LLA_OP_NOP, "NOP", lla_cmd_nop),
	DESC(LLA_OP_TLMM, "TLMM", lla_cmd_tlmm, 0, tlmm_fields),
	DESC(LLA_OP_QMM, "QMM", lla_cmd_qmm, 0, qmm_fields),
	DESC(LLA_OP_NORM_QUANT, "NORM_QUANT", lla_cmd_norm_quant,
	     LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT,
	     norm_quant_fields),
	DESC(LLA_OP_ROPE, "ROPE", lla_cmd_rope, 0, rope_fields),
	DESC(LLA_OP_ELTWISE, "ELTWISE", lla_cmd_eltwise, 0, eltwise_fields),
	DESC(LLA_OP_EMBED, "EMBED", lla_cmd_embed, 0, embed_fields),
	DESC(LLA_OP_ARGMAX, "ARGMAX", lla_cmd_argmax, 0, argmax_fields),
	DESC(LLA_OP_TOPK, "TOPK", lla_cmd_topk, 0, topk_fields),
	DESC(LLA_OP_SAMPLE, "SAMPLE", lla_cmd_sample, LLA_SAMPLE_F_ADVANCE,
	     sample_fields),
	DESC(LLA_OP_ATTN_PREFILL, "ATTN_PREFILL", lla_cmd_attn, 0,
	     attn_fields),
	DESC(LLA_OP_ATTN_DECODE, "ATTN_DECODE", lla_cmd_attn, 0, attn_fields),
	DESC(LLA_OP_COPY, "COPY", lla_cmd_copy, 0, copy_fields),
	DESC(LLA_OP_FILL, "FILL", lla_cmd_fill, 0, fill_fields),
	DESC(LLA_OP_TIMESTAMP, "TIMESTAMP", lla_cmd_timestamp, 0,
	     timestamp_fields),
	DESC(LLA_OP_SEM_SIGNAL, "SEM_SIGNAL", lla_cmd_sem, LLA_SEM_F_32BIT,
	     sem_fields),
	DESC(LLA_OP_SEM_WAIT, "SEM_WAIT", lla_cmd_sem, LLA_SEM_F_32BIT,
	     sem_fields),
};

const struct lla_cmd_desc *lla_cmd_desc_get(unsigned int opcode)
{
	if (opcode >= LLA_OP_COUNT)
		return NULL;
	return &descs[opcode];
}

const struct lla_cmd_desc *lla_cmd_desc_find(const char *name)
{
	for (unsigned int i = 0; i < LLA_OP_COUNT; i++)
		if (!strcmp(descs[i].name, name))
			return &descs[i];
	return NULL;
}
