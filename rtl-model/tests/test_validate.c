// SPDX-License-Identifier: MIT
/*
 * Validator tests: for every field of every command, bad values are
 * rejected with the documented code, and a coverage check fails when a
 * field of the contract has no bad-value case here.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "cmd_samples.h"

#define NAN_BITS	0x7fc00000ull
#define INF_BITS	0x7f800000ull
#define NEG_BITS	0xbf800000ull	/* -1.0f */
#define BIG		0xffffffffull
#define HIGH		(LLA_IOVA_LIMIT - 8)	/* extent crosses 2^48 */

struct bad {
	uint8_t op;
	const char *f1;
	uint64_t v1;
	const char *f2;	/* optional second and third fields */
	uint64_t v2;
	int err;
	const char *f3;
	uint64_t v3;
};

#define LLA_ERR_OK	LLA_OK	/* "any value is valid" cases */
#define B(op, f, v, e)		{ LLA_OP_##op, f, v, NULL, 0, LLA_ERR_##e, NULL, 0 }
#define B2(op, f, v, g, w, e)	{ LLA_OP_##op, f, v, g, w, LLA_ERR_##e, NULL, 0 }
#define B3(op, f, v, g, w, h, x, e) \
	{ LLA_OP_##op, f, v, g, w, LLA_ERR_##e, h, x }

static const struct bad cases[] = {
	/* TLMM */
	B(TLMM, "x_iova", 0, IOVA_RANGE),
	B(TLMM, "x_iova", 0x800, IOVA_RANGE),
	B(TLMM, "x_iova", HIGH, IOVA_RANGE),
	B(TLMM, "x_iova", UINT64_MAX, IOVA_RANGE),
	B(TLMM, "x_scale_iova", R(1) + 2, MISALIGNED),
	B(TLMM, "x_scale_iova", 0, IOVA_RANGE),
	B(TLMM, "w_iova", 0, IOVA_RANGE),
	B(TLMM, "w_iova", LLA_IOVA_LIMIT, IOVA_RANGE),
	B(TLMM, "y_iova", R(3) + 2, MISALIGNED),
	B(TLMM, "y_iova", 0, IOVA_RANGE),
	B(TLMM, "w_group_scale_iova", R(9), RESERVED),
	B(TLMM, "m", 0, ZERO_DIM),
	B(TLMM, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(TLMM, "m", BIG, DIM_TOO_LARGE),
	B(TLMM, "n", 0, ZERO_DIM),
	B(TLMM, "n", LLA_MAX_N + 1, DIM_TOO_LARGE),
	B(TLMM, "k", 0, ZERO_DIM),
	B(TLMM, "k", LLA_MAX_K + 1, DIM_TOO_LARGE),
	B2(TLMM, "n", LLA_MAX_N, "k", LLA_MAX_K, OVERFLOW),
	B(TLMM, "x_stride", 31, BAD_STRIDE),
	B(TLMM, "x_stride", 0, BAD_STRIDE),
	B(TLMM, "w_stride", 7, BAD_STRIDE),
	B(TLMM, "y_stride", 31, BAD_STRIDE),
	B(TLMM, "y_stride", 34, MISALIGNED),
	B(TLMM, "w_scale", NAN_BITS, BAD_PARAM),
	B(TLMM, "w_scale", INF_BITS, BAD_PARAM),
	B(TLMM, "wfmt", LLA_WFMT_I8, BAD_FORMAT),
	B(TLMM, "wfmt", 0xff, BAD_FORMAT),
	B(TLMM, "group_size", 64, RESERVED),
	B(TLMM, "reserved0", 1, RESERVED),
	B(TLMM, "epi.bias_iova", R(4) + 1, MISALIGNED),
	B(TLMM, "epi.bias_iova", LLA_IOVA_LIMIT, IOVA_RANGE),
	B(TLMM, "epi.gate_iova", R(40), BAD_STRIDE),
	B2(TLMM, "epi.gate_iova", HIGH, "epi.gate_stride", 32, IOVA_RANGE),
	B(TLMM, "epi.residual_iova", R(5) + 2, MISALIGNED),
	B(TLMM, "epi.residual_iova", 0x10, IOVA_RANGE),
	B(TLMM, "epi.y_scale_iova", R(41), BAD_PARAM),
	B(TLMM, "epi.gate_stride", 32, BAD_PARAM),
	B(TLMM, "epi.residual_stride", 16, BAD_STRIDE),
	B(TLMM, "epi.residual_stride", 34, MISALIGNED),
	B(TLMM, "epi.act", LLA_ACT_COUNT, BAD_FORMAT),
	B(TLMM, "epi.out_dtype", LLA_DTYPE_COUNT, BAD_FORMAT),
	B(TLMM, "epi.out_dtype", LLA_DTYPE_I8, BAD_PARAM),
	B(TLMM, "epi.reserved0", 1, RESERVED),
	B(TLMM, "epi.reserved1", 0x80000000u, RESERVED),
	B(TLMM, "flags", 1, BAD_FLAGS),
	/* QMM */
	B(QMM, "x_iova", 0, IOVA_RANGE),
	B(QMM, "x_iova", HIGH, IOVA_RANGE),
	B(QMM, "x_scale_iova", 0, BAD_PARAM),
	B(QMM, "x_scale_iova", R(1) + 1, MISALIGNED),
	B(QMM, "w_iova", 0, IOVA_RANGE),
	B(QMM, "w_scale_iova", 0, BAD_PARAM),
	B(QMM, "w_scale_iova", HIGH, IOVA_RANGE),
	B(QMM, "y_iova", R(8) + 1, MISALIGNED),
	B(QMM, "y_iova", 0, IOVA_RANGE),
	B(QMM, "m", 0, ZERO_DIM),
	B(QMM, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(QMM, "n", 0, ZERO_DIM),
	B(QMM, "n", BIG, DIM_TOO_LARGE),
	B(QMM, "k", 0, ZERO_DIM),
	B(QMM, "k", LLA_MAX_K + 1, DIM_TOO_LARGE),
	B(QMM, "x_stride", 16, BAD_STRIDE),
	B(QMM, "w_stride", 31, BAD_STRIDE),
	B(QMM, "y_stride", 15, BAD_STRIDE),
	B(QMM, "y_stride", 17, MISALIGNED),
	B(QMM, "wfmt", LLA_WFMT_T2, BAD_FORMAT),
	B(QMM, "wfmt", 0x80, BAD_FORMAT),
	B(QMM, "reserved0", 1, RESERVED),
	B(QMM, "reserved1", 1, RESERVED),
	B(QMM, "reserved2", 1, RESERVED),
	B(QMM, "epi.bias_iova", 0x20, IOVA_RANGE),
	B2(QMM, "epi.gate_iova", R(42) + 2, "epi.gate_stride", 32, MISALIGNED),
	B2(QMM, "epi.gate_iova", R(42), "epi.gate_stride", 30, BAD_STRIDE),
	B2(QMM, "epi.residual_iova", HIGH, "epi.residual_stride", 32, IOVA_RANGE),
	B2(QMM, "epi.out_dtype", LLA_DTYPE_I8, "epi.y_scale_iova", R(43), OK),
	B2(QMM, "epi.out_dtype", LLA_DTYPE_I8, "epi.y_scale_iova", R(43) + 1, MISALIGNED),
	B(QMM, "epi.y_scale_iova", R(43), BAD_PARAM),
	B(QMM, "epi.gate_stride", 16, BAD_PARAM),
	B(QMM, "epi.out_dtype", 3, BAD_FORMAT),
	B(QMM, "epi.reserved0", 0x100, RESERVED),
	B(QMM, "epi.reserved1", 1, RESERVED),
	B(QMM, "epi.act", 0xff, BAD_FORMAT),
	B(QMM, "epi.residual_stride", 64, BAD_PARAM),
	B2(QMM, "wfmt", LLA_WFMT_F16, "x_scale_iova", R(1), BAD_PARAM),
	B(QMM, "flags", 0x8000, BAD_FLAGS),
	/* NORM_QUANT */
	B(NORM_QUANT, "x_iova", 0, IOVA_RANGE),
	B(NORM_QUANT, "x_iova", R(9) + 2, MISALIGNED),
	B(NORM_QUANT, "gamma_iova", R(10) + 1, MISALIGNED),
	B(NORM_QUANT, "gamma_iova", HIGH, IOVA_RANGE),
	B(NORM_QUANT, "q_iova", 0, IOVA_RANGE),
	B(NORM_QUANT, "scale_iova", 0, IOVA_RANGE),
	B(NORM_QUANT, "scale_iova", R(12) + 3, MISALIGNED),
	B(NORM_QUANT, "y_iova", 0, IOVA_RANGE),
	B(NORM_QUANT, "m", 0, ZERO_DIM),
	B(NORM_QUANT, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(NORM_QUANT, "k", 0, ZERO_DIM),
	B(NORM_QUANT, "k", LLA_MAX_K + 1, DIM_TOO_LARGE),
	B(NORM_QUANT, "x_stride", 124, BAD_STRIDE),
	B(NORM_QUANT, "x_stride", 130, MISALIGNED),
	B(NORM_QUANT, "q_stride", 31, BAD_STRIDE),
	B(NORM_QUANT, "y_stride", 126, BAD_STRIDE),
	B(NORM_QUANT, "eps", NAN_BITS, BAD_PARAM),
	B(NORM_QUANT, "eps", NEG_BITS, BAD_PARAM),
	B(NORM_QUANT, "flags", LLA_NQ_F_NORM, BAD_PARAM),
	B(NORM_QUANT, "flags", 0x8, BAD_FLAGS),
	B(NORM_QUANT, "flags", LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT, BAD_PARAM),
	/* ROPE */
	B(ROPE, "x_iova", 0, IOVA_RANGE),
	B(ROPE, "x_iova", R(14) + 2, MISALIGNED),
	B(ROPE, "table_iova", 0, IOVA_RANGE),
	B(ROPE, "table_iova", HIGH, IOVA_RANGE),
	B(ROPE, "pos_iova", R(39), BAD_PARAM),
	B2(ROPE, "pos_iova", R(39) + 2, "pos", 0, MISALIGNED),
	B(ROPE, "m", 0, ZERO_DIM),
	B(ROPE, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(ROPE, "n_head", 0, ZERO_DIM),
	B(ROPE, "n_head", LLA_MAX_HEADS + 1, DIM_TOO_LARGE),
	B(ROPE, "head_dim", 0, ZERO_DIM),
	B(ROPE, "head_dim", 7, BAD_PARAM),
	B(ROPE, "head_dim", LLA_MAX_HEAD_DIM + 2, DIM_TOO_LARGE),
	B(ROPE, "x_stride", 60, BAD_STRIDE),
	B(ROPE, "x_stride", 66, MISALIGNED),
	B(ROPE, "pos", 15, INDEX),
	B(ROPE, "pos", BIG, INDEX),
	B(ROPE, "table_len", 0, ZERO_DIM),
	B(ROPE, "table_len", 4, INDEX),
	B(ROPE, "table_len", LLA_MAX_CTX + 1, DIM_TOO_LARGE),
	B(ROPE, "flags", 1, BAD_FLAGS),
	/* ELTWISE */
	B(ELTWISE, "a_iova", 0, IOVA_RANGE),
	B(ELTWISE, "a_iova", R(16) + 1, MISALIGNED),
	B(ELTWISE, "b_iova", 0, BAD_PARAM),
	B(ELTWISE, "b_iova", HIGH, IOVA_RANGE),
	B(ELTWISE, "y_iova", 0, IOVA_RANGE),
	B(ELTWISE, "y_iova", LLA_IOVA_LIMIT - 4, IOVA_RANGE),
	B(ELTWISE, "count", 0, ZERO_DIM),
	B(ELTWISE, "count", BIG, DIM_TOO_LARGE),
	B(ELTWISE, "op", LLA_ELT_COUNT, BAD_FORMAT),
	B(ELTWISE, "op", LLA_ELT_RELU, BAD_PARAM),
	B(ELTWISE, "op", LLA_ELT_SCALE, BAD_PARAM),
	B3(ELTWISE, "op", LLA_ELT_SCALE, "b_iova", 0, "imm", NAN_BITS, BAD_PARAM),
	B2(ELTWISE, "op", LLA_ELT_SCALE, "b_iova", 0, OK),
	B(ELTWISE, "imm", 0x3f800000, BAD_PARAM),
	B(ELTWISE, "reserved0", 1, RESERVED),
	B(ELTWISE, "reserved1", 1, RESERVED),
	B(ELTWISE, "reserved2", 1, RESERVED),
	/* EMBED */
	B(EMBED, "table_iova", 0, IOVA_RANGE),
	B(EMBED, "table_iova", R(19) + 2, MISALIGNED),
	B(EMBED, "ids_iova", 0, IOVA_RANGE),
	B(EMBED, "ids_iova", SMP_IDS + 1, MISALIGNED),
	B(EMBED, "y_iova", HIGH, IOVA_RANGE),
	B(EMBED, "vocab", 0, ZERO_DIM),
	B(EMBED, "vocab", LLA_MAX_N + 1, DIM_TOO_LARGE),
	B(EMBED, "dim", 0, ZERO_DIM),
	B(EMBED, "dim", LLA_MAX_K + 1, DIM_TOO_LARGE),
	B(EMBED, "m", 0, ZERO_DIM),
	B(EMBED, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(EMBED, "table_stride", 16, BAD_STRIDE),
	B(EMBED, "table_stride", 34, MISALIGNED),
	B(EMBED, "y_stride", 28, BAD_STRIDE),
	B(EMBED, "dtype", LLA_DTYPE_I8, UNSUPPORTED),
	B(EMBED, "dtype", 9, BAD_FORMAT),
	B(EMBED, "reserved0", 1, RESERVED),
	B(EMBED, "reserved1", 1, RESERVED),
	B2(EMBED, "vocab", LLA_MAX_N, "dim", LLA_MAX_K, OVERFLOW),
	/* ARGMAX */
	B(ARGMAX, "x_iova", 0, IOVA_RANGE),
	B(ARGMAX, "x_iova", R(22) + 2, MISALIGNED),
	B(ARGMAX, "y_iova", LLA_IOVA_LIMIT - 4, IOVA_RANGE),
	B(ARGMAX, "y_iova", R(23) + 2, MISALIGNED),
	B(ARGMAX, "m", 0, ZERO_DIM),
	B(ARGMAX, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(ARGMAX, "n", 0, ZERO_DIM),
	B(ARGMAX, "n", LLA_MAX_N + 1, DIM_TOO_LARGE),
	B(ARGMAX, "x_stride", 60, BAD_STRIDE),
	B(ARGMAX, "reserved0", 1, RESERVED),
	/* TOPK */
	B(TOPK, "x_iova", 0, IOVA_RANGE),
	B(TOPK, "idx_iova", R(24) + 1, MISALIGNED),
	B(TOPK, "idx_iova", 0, IOVA_RANGE),
	B(TOPK, "val_iova", HIGH, IOVA_RANGE),
	B(TOPK, "n", 0, ZERO_DIM),
	B(TOPK, "n", LLA_MAX_N + 1, DIM_TOO_LARGE),
	B(TOPK, "k", 0, ZERO_DIM),
	B(TOPK, "k", 17, BAD_PARAM),
	B(TOPK, "k", LLA_MAX_TOPK + 1, DIM_TOO_LARGE),
	B(TOPK, "flags", 2, BAD_FLAGS),
	/* SAMPLE */
	B(SAMPLE, "logits_iova", 0, IOVA_RANGE),
	B(SAMPLE, "logits_iova", R(22) + 1, MISALIGNED),
	B(SAMPLE, "out_iova", 0, IOVA_RANGE),
	B(SAMPLE, "counter_iova", 0, BAD_PARAM),
	B(SAMPLE, "counter_iova", SMP_COUNTER + 4, MISALIGNED),
	B(SAMPLE, "seed", UINT64_MAX, OK),
	B(SAMPLE, "counter", 5, BAD_PARAM),
	B(SAMPLE, "n", 0, ZERO_DIM),
	B(SAMPLE, "n", LLA_MAX_N + 1, DIM_TOO_LARGE),
	B(SAMPLE, "top_k", LLA_MAX_TOPK + 1, DIM_TOO_LARGE),
	B(SAMPLE, "temperature", NEG_BITS, BAD_PARAM),
	B(SAMPLE, "temperature", INF_BITS, BAD_PARAM),
	B(SAMPLE, "temperature", NAN_BITS, BAD_PARAM),
	B(SAMPLE, "top_p", 0, BAD_PARAM),
	B(SAMPLE, "top_p", 0x3f800001, BAD_PARAM),
	B(SAMPLE, "top_p", NEG_BITS, BAD_PARAM),
	B(SAMPLE, "top_p", NAN_BITS, BAD_PARAM),
	B(SAMPLE, "flags", 2, BAD_FLAGS),
	/* ATTN_PREFILL */
	B(ATTN_PREFILL, "q_iova", 0, IOVA_RANGE),
	B(ATTN_PREFILL, "q_iova", R(28) + 2, MISALIGNED),
	B(ATTN_PREFILL, "k_iova", HIGH, IOVA_RANGE),
	B(ATTN_PREFILL, "v_iova", 0, IOVA_RANGE),
	B(ATTN_PREFILL, "k_cache_iova", R(31) + 1, MISALIGNED),
	B(ATTN_PREFILL, "k_cache_iova", 0, IOVA_RANGE),
	B(ATTN_PREFILL, "v_cache_iova", HIGH, IOVA_RANGE),
	B(ATTN_PREFILL, "o_iova", 0, IOVA_RANGE),
	B(ATTN_PREFILL, "pos_iova", R(39), OK),
	B(ATTN_PREFILL, "pos_iova", R(39) + 1, MISALIGNED),
	B(ATTN_PREFILL, "m", 0, ZERO_DIM),
	B(ATTN_PREFILL, "m", 17, INDEX),
	B(ATTN_PREFILL, "m", LLA_MAX_M + 1, DIM_TOO_LARGE),
	B(ATTN_PREFILL, "n_head", 0, ZERO_DIM),
	B(ATTN_PREFILL, "n_head", 5, BAD_PARAM),
	B(ATTN_PREFILL, "n_head", LLA_MAX_HEADS + 1, DIM_TOO_LARGE),
	B(ATTN_PREFILL, "n_kv_head", 0, ZERO_DIM),
	B(ATTN_PREFILL, "n_kv_head", 8, BAD_PARAM),
	B(ATTN_PREFILL, "head_dim", 0, ZERO_DIM),
	B(ATTN_PREFILL, "head_dim", LLA_MAX_HEAD_DIM + 1, DIM_TOO_LARGE),
	B(ATTN_PREFILL, "max_ctx", 0, ZERO_DIM),
	B(ATTN_PREFILL, "max_ctx", 1, INDEX),
	B(ATTN_PREFILL, "max_ctx", LLA_MAX_CTX + 1, DIM_TOO_LARGE),
	B(ATTN_PREFILL, "pos", 15, INDEX),
	B(ATTN_PREFILL, "pos", BIG, INDEX),
	B(ATTN_PREFILL, "q_stride", 124, BAD_STRIDE),
	B(ATTN_PREFILL, "kv_stride", 60, BAD_STRIDE),
	B(ATTN_PREFILL, "kv_stride", 66, MISALIGNED),
	B(ATTN_PREFILL, "o_stride", 126, BAD_STRIDE),
	B(ATTN_PREFILL, "scale", 0, BAD_PARAM),
	B(ATTN_PREFILL, "scale", NEG_BITS, BAD_PARAM),
	B(ATTN_PREFILL, "scale", INF_BITS, BAD_PARAM),
	B(ATTN_PREFILL, "kv_dtype", LLA_DTYPE_F32, UNSUPPORTED),
	B(ATTN_PREFILL, "kv_dtype", 0x10, BAD_FORMAT),
	B(ATTN_PREFILL, "mask_mode", LLA_MASK_SLIDING, UNSUPPORTED),
	B(ATTN_PREFILL, "mask_mode", LLA_MASK_TREE, UNSUPPORTED),
	B(ATTN_PREFILL, "mask_mode", LLA_MASK_COUNT, BAD_FORMAT),
	B(ATTN_PREFILL, "reserved0", 1, RESERVED),
	B(ATTN_PREFILL, "window", 128, RESERVED),
	B(ATTN_PREFILL, "sinks", 4, RESERVED),
	B(ATTN_PREFILL, "reserved1", 1, RESERVED),
	B3(ATTN_PREFILL, "max_ctx", LLA_MAX_CTX, "head_dim", LLA_MAX_HEAD_DIM,
	   "n_kv_head", 64, OVERFLOW),
	/* ATTN_DECODE */
	B(ATTN_DECODE, "m", 2, BAD_PARAM),
	B(ATTN_DECODE, "m", 0, ZERO_DIM),
	B(ATTN_DECODE, "o_iova", R(33) + 2, MISALIGNED),
	B(ATTN_DECODE, "pos", 16, INDEX),
	B(ATTN_DECODE, "q_iova", 0, IOVA_RANGE),
	B(ATTN_DECODE, "k_iova", 0, IOVA_RANGE),
	B(ATTN_DECODE, "v_iova", R(30) + 1, MISALIGNED),
	B(ATTN_DECODE, "k_cache_iova", HIGH, IOVA_RANGE),
	B(ATTN_DECODE, "v_cache_iova", 0, IOVA_RANGE),
	B(ATTN_DECODE, "pos_iova", HIGH, BAD_PARAM),
	B(ATTN_DECODE, "n_head", 0, ZERO_DIM),
	B(ATTN_DECODE, "n_kv_head", 3, BAD_PARAM),
	B(ATTN_DECODE, "head_dim", 0, ZERO_DIM),
	B(ATTN_DECODE, "max_ctx", 2, INDEX),
	B(ATTN_DECODE, "q_stride", 0, BAD_STRIDE),
	B(ATTN_DECODE, "kv_stride", 0, BAD_STRIDE),
	B(ATTN_DECODE, "o_stride", 0, BAD_STRIDE),
	B(ATTN_DECODE, "scale", NAN_BITS, BAD_PARAM),
	B(ATTN_DECODE, "kv_dtype", LLA_DTYPE_I8, UNSUPPORTED),
	B(ATTN_DECODE, "mask_mode", 0xff, BAD_FORMAT),
	B(ATTN_DECODE, "reserved0", 1, RESERVED),
	B(ATTN_DECODE, "window", 1, RESERVED),
	B(ATTN_DECODE, "sinks", 1, RESERVED),
	B(ATTN_DECODE, "reserved1", 1, RESERVED),
	/* COPY */
	B(COPY, "src_iova", 0, IOVA_RANGE),
	B(COPY, "src_iova", HIGH, IOVA_RANGE),
	B(COPY, "src_iova", R(35) + 128, BAD_PARAM),
	B(COPY, "dst_iova", 0, IOVA_RANGE),
	B(COPY, "dst_iova", R(34), BAD_PARAM),
	B(COPY, "len", 0, ZERO_DIM),
	B(COPY, "len", LLA_MAX_COPY_BYTES + 1, DIM_TOO_LARGE),
	B(COPY, "len", UINT64_MAX, DIM_TOO_LARGE),
	B(COPY, "flags", 1, BAD_FLAGS),
	/* FILL */
	B(FILL, "dst_iova", 0, IOVA_RANGE),
	B(FILL, "dst_iova", R(36) + 2, MISALIGNED),
	B(FILL, "dst_iova", HIGH, IOVA_RANGE),
	B(FILL, "len", 0, ZERO_DIM),
	B(FILL, "len", 6, MISALIGNED),
	B(FILL, "len", LLA_MAX_COPY_BYTES + 4, DIM_TOO_LARGE),
	B(FILL, "value", 0xffffffff, OK),
	B(FILL, "reserved0", 1, RESERVED),
	/* TIMESTAMP */
	B(TIMESTAMP, "dst_iova", 0, IOVA_RANGE),
	B(TIMESTAMP, "dst_iova", R(37) + 4, MISALIGNED),
	B(TIMESTAMP, "dst_iova", LLA_IOVA_LIMIT - 4, MISALIGNED),
	B(TIMESTAMP, "dst_iova", LLA_IOVA_LIMIT, IOVA_RANGE),
	B(TIMESTAMP, "flags", 1, BAD_FLAGS),
	/* SEM_SIGNAL / SEM_WAIT */
	B(SEM_SIGNAL, "iova", 0, IOVA_RANGE),
	B(SEM_SIGNAL, "iova", SMP_SEM + 4, MISALIGNED),
	B2(SEM_SIGNAL, "iova", SMP_SEM + 4, "flags", LLA_SEM_F_32BIT, OK),
	B(SEM_SIGNAL, "op", LLA_SEM_COUNT, BAD_FORMAT),
	B2(SEM_SIGNAL, "flags", LLA_SEM_F_32BIT, "value", 1ull << 32, BAD_PARAM),
	B(SEM_SIGNAL, "value", UINT64_MAX, OK),
	B(SEM_SIGNAL, "reserved0", 1, RESERVED),
	B(SEM_SIGNAL, "reserved1", 1, RESERVED),
	B(SEM_SIGNAL, "reserved2", 1, RESERVED),
	B(SEM_SIGNAL, "flags", 2, BAD_FLAGS),
	B(SEM_WAIT, "iova", HIGH + 8, IOVA_RANGE),
	B(SEM_WAIT, "op", LLA_SEM_COND_COUNT, BAD_FORMAT),
	B2(SEM_WAIT, "flags", LLA_SEM_F_32BIT, "value", UINT64_MAX, BAD_PARAM),
	B(SEM_WAIT, "value", 7, OK),
	B(SEM_WAIT, "reserved0", 1, RESERVED),
	B(SEM_WAIT, "reserved1", 1, RESERVED),
	B(SEM_WAIT, "reserved2", 1, RESERVED),
	/* NOP */
	B(NOP, "flags", 1, BAD_FLAGS),
};

static int case_covers(const struct bad *b, unsigned int op, const char *f)
{
	return b->op == op && (!strcmp(b->f1, f) ||
				(b->f2 && !strcmp(b->f2, f)) ||
				(b->f3 && !strcmp(b->f3, f)));
}

static void test_baselines(void)
{
	uint64_t buf[16];

	for (unsigned int op = 0; op < LLA_OP_COUNT; op++) {
		uint32_t n = smp_cmd(op, buf);

		tap_ok(lla_validate_cmd((void *)buf, n) == LLA_OK,
		       "baseline %s is valid", lla_cmd_desc_get(op)->name);
	}
}

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *b = &cases[i];
		uint64_t buf[16];
		uint32_t n = smp_cmd(b->op, buf), idx = 99;
		int ok = smp_set(buf, b->f1, b->v1);
		int err, err2;

		if (b->f2)
			ok &= smp_set(buf, b->f2, b->v2);
		if (b->f3)
			ok &= smp_set(buf, b->f3, b->v3);
		err = lla_validate_cmd((void *)buf, n);
		/* The same verdict through the buffer-level entry point. */
		err2 = lla_validate(buf, n, &idx);
		tap_ok(ok && err == b->err && err2 == err &&
		       idx == (err ? 0u : 1u),
		       "%s.%s=%#llx%s%s -> %s (got %s)",
		       lla_cmd_desc_get(b->op)->name, b->f1,
		       (unsigned long long)b->v1, b->f2 ? " +" : "",
		       b->f2 ? b->f2 : "", lla_error_name(b->err),
		       lla_error_name(err));
	}
}

/* Every field of every command must have at least one bad-value case. */
static void test_coverage(void)
{
	for (unsigned int op = 0; op < LLA_OP_COUNT; op++) {
		const struct lla_cmd_desc *d = lla_cmd_desc_get(op);
		int missing = 0;

		for (uint32_t f = 0; f < d->nfields; f++) {
			int found = 0;

			for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
				found |= case_covers(&cases[i], op, d->fields[f].name);
			if (!found) {
				tap_diag("%s.%s has no bad-value case", d->name,
					 d->fields[f].name);
				missing++;
			}
		}
		tap_ok(!missing, "every field of %s has a bad-value case",
		       d->name);
	}
}

static void test_header(void)
{
	uint64_t buf[32];
	uint32_t n, idx;

	n = smp_cmd(LLA_OP_COPY, buf);
	((struct lla_cmd_hdr *)buf)->opcode = LLA_OP_COUNT;
	tap_ok(lla_validate_cmd((void *)buf, n) == LLA_ERR_BAD_OPCODE,
	       "opcode LLA_OP_COUNT -> BAD_OPCODE");
	((struct lla_cmd_hdr *)buf)->opcode = 0xff;
	tap_ok(lla_validate_cmd((void *)buf, n) == LLA_ERR_BAD_OPCODE,
	       "opcode 0xff -> BAD_OPCODE");
	n = smp_cmd(LLA_OP_COPY, buf);
	((struct lla_cmd_hdr *)buf)->version = 1;
	tap_ok(lla_validate_cmd((void *)buf, n) == LLA_ERR_BAD_VERSION,
	       "version 1 -> BAD_VERSION");
	n = smp_cmd(LLA_OP_COPY, buf);
	((struct lla_cmd_hdr *)buf)->size = n + 8;
	tap_ok(lla_validate_cmd((void *)buf, n + 8) == LLA_ERR_BAD_SIZE,
	       "size too large -> BAD_SIZE");
	((struct lla_cmd_hdr *)buf)->size = 0;
	tap_ok(lla_validate_cmd((void *)buf, n) == LLA_ERR_BAD_SIZE,
	       "size 0 -> BAD_SIZE");
	((struct lla_cmd_hdr *)buf)->size = n;
	tap_ok(lla_validate_cmd((void *)buf, n - 8) == LLA_ERR_CMDBUF,
	       "command truncated by the buffer -> CMDBUF");
	tap_ok(lla_validate_cmd((void *)buf, 4) == LLA_ERR_CMDBUF,
	       "header truncated -> CMDBUF");

	/* Buffer-level rules and the index of the bad command. */
	n = smp_cmd(LLA_OP_NOP, buf);
	n += smp_cmd(LLA_OP_COPY, (uint8_t *)buf + n);
	n += smp_cmd(LLA_OP_FILL, (uint8_t *)buf + n);
	tap_ok(lla_validate(buf, n, &idx) == LLA_OK && idx == 3,
	       "three valid commands -> OK, count 3");
	smp_set((uint8_t *)buf + 8 + 32, "len", 6);
	tap_ok(lla_validate(buf, n, &idx) == LLA_ERR_MISALIGNED && idx == 2,
	       "bad third command reported with index 2");
	tap_ok(lla_validate(buf, 0, &idx) == LLA_ERR_CMDBUF,
	       "empty buffer -> CMDBUF");
	tap_ok(lla_validate(buf, 12, &idx) == LLA_ERR_CMDBUF,
	       "length not a multiple of 8 -> CMDBUF");
	tap_ok(lla_validate((uint8_t *)buf + 4, 8, &idx) == LLA_ERR_CMDBUF,
	       "misaligned buffer -> CMDBUF");
	tap_ok(lla_validate(buf, LLA_MAX_CMDBUF_BYTES + 8, &idx) ==
	       LLA_ERR_CMDBUF, "buffer over the maximum -> CMDBUF");
}

/* A job rejected by validation must not touch device memory at all. */
static void test_no_side_effects(void)
{
	struct lla_flat_mem flat = { NULL, SMP_BASE, SMP_SIZE };
	struct lla_job_result res;
	struct lla_mem mem;
	uint64_t buf[32];
	uint8_t *before;
	uint32_t n;

	flat.data = calloc(1, SMP_SIZE);
	before = calloc(1, SMP_SIZE);
	lla_flat_mem_init(&mem, &flat);
	n = smp_cmd(LLA_OP_FILL, buf);
	n += smp_cmd(LLA_OP_COPY, (uint8_t *)buf + n);
	smp_set((uint8_t *)buf + 32, "len", 0);
	memcpy(before, flat.data, SMP_SIZE);
	lla_execute(buf, n, &mem, NULL, &res);
	tap_ok(res.status == LLA_ERR_ZERO_DIM && res.cmd_index == 1 &&
	       res.commands == 0 && res.bytes_written == 0 &&
	       !memcmp(before, flat.data, SMP_SIZE),
	       "bad second command: first command not executed, memory unchanged");
	free(flat.data);
	free(before);
}

int main(void)
{
	test_baselines();
	test_header();
	test_cases();
	test_coverage();
	test_no_side_effects();
	return tap_done();
}
