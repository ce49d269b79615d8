/* SPDX-License-Identifier: MIT */
/*
 * llmaccel rtl-model: end-to-end performance estimate of a BitNet-class
 * model from the cycle model.
 *
 * lla_build_forward() writes the command buffer of one forward pass the
 * way a runner issues it (llama.cpp "bitnet" graph, one submission per
 * pass) as real struct lla_cmd_* records with plausible IOVAs; the
 * estimate sums lla_cmd_cycles() over exactly those commands.  Pure
 * functions: no I/O, no allocation, no state.  docs/timing-model.md
 * describes the graph and the figures it yields.
 */
#ifndef LLMACCEL_ESTIMATE_H
#define LLMACCEL_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>
#include "llmaccel_model.h"

#ifdef __cplusplus
extern "C" {
#endif


/* Shape of a decoder-only BitNet model (llama.cpp "bitnet" graph). */
struct lla_model_shape {
	const char *name;
	uint32_t n_layer;
	uint32_t n_embd;	/* hidden size */
	uint32_t n_ff;		/* FFN inner size */
	uint32_t n_head;
	uint32_t n_head_kv;	/* GQA: divides n_head */
	uint32_t head_dim;	/* even */
	uint32_t n_vocab;
	uint32_t max_ctx;	/* KV cache rows and RoPE table length */
	uint8_t wfmt;		/* ternary layers: LLA_WFMT_T2 or LLA_WFMT_T5 */
	uint8_t head_wfmt;	/* output head: LLA_WFMT_F16 or LLA_WFMT_I8 */
	uint8_t embd_dtype;	/* token embedding: LLA_DTYPE_F16 or F32 */
	uint8_t ffn_act;	/* gate activation: LLA_ACT_RELU2 or SILU */
};

/* Presets "bitnet-0.7b", "bitnet-2b", "tiny"; NULL if unknown. */
const struct lla_model_shape *lla_model_shape_preset(const char *name);
/* NULL-terminated list of shape preset names. */
const char *const *lla_model_shape_names(void);
/* LLA_OK, or an LLA_ERR_* code naming what is inconsistent. */
int lla_model_shape_check(const struct lla_model_shape *s);

enum lla_pass_kind {
	LLA_PASS_PREFILL = 0,	/* n_tokens prompt tokens at positions pos.. */
	LLA_PASS_DECODE = 1,	/* one token at position pos */
};

/*
 * LLA_PASS_F_STEP_ARGS: read the token id and the position, write the
 * sampled token and advance the RNG counter through a struct
 * lla_step_args in device memory (the persistent decode buffer of
 * ARCHITECTURE.md).  The immediate pos fields are then 0, as validation
 * demands; the estimate models ROPE/ATTN at the pass's position through
 * lla_cmd_cycles_at_pos().
 */
#define LLA_PASS_F_STEP_ARGS	(1u << 0)

/*
 * Write the commands of one forward pass into @buf (at most @cap bytes)
 * and return the number of bytes the whole pass needs.  Nothing is
 * written unless the whole pass fits.  Returns 0 for an invalid shape or
 * pass (n_tokens 0 or above LLA_MAX_M, decode with n_tokens != 1,
 * pos + n_tokens > max_ctx).
 */
size_t lla_build_forward(const struct lla_model_shape *s, uint32_t kind,
			 uint32_t n_tokens, uint32_t pos, uint32_t flags,
			 void *buf, size_t cap);

/* Modeled totals of one pass, with a per-opcode breakdown. */
struct lla_estimate {
	uint64_t cycles;		/* commands + job overhead */
	uint64_t macs;
	uint32_t commands;
	uint32_t cmdbuf_bytes;
	uint64_t op_cycles[LLA_OP_COUNT];
	uint32_t op_count[LLA_OP_COUNT];
};

/* LLA_OK, or LLA_ERR_BAD_PARAM for an invalid shape or pass. */
int lla_estimate_pass(const struct lla_uarch *u,
		      const struct lla_model_shape *s, uint32_t kind,
		      uint32_t n_tokens, uint32_t pos, uint32_t flags,
		      struct lla_estimate *est);

/* Cycles of the prefill of an n_prompt-token prompt (0: invalid). */
uint64_t lla_estimate_prefill(const struct lla_uarch *u,
			      const struct lla_model_shape *s,
			      uint32_t n_prompt);
/* Cycles of one decode step with ctx_pos tokens already cached. */
uint64_t lla_estimate_decode(const struct lla_uarch *u,
			     const struct lla_model_shape *s,
			     uint32_t ctx_pos);

/* Reporting helpers (host side; floating point is fine here). */
double lla_cycles_to_s(const struct lla_uarch *u, uint64_t cycles);
/* Decode throughput at context position ctx_pos; 0.0 if invalid. */
double lla_estimate_tokens_per_s(const struct lla_uarch *u,
				 const struct lla_model_shape *s,
				 uint32_t ctx_pos);
/* Time to first token: prefill of n_prompt tokens incl. head + sample. */
double lla_estimate_ttft_s(const struct lla_uarch *u,
			   const struct lla_model_shape *s, uint32_t n_prompt);

#ifdef __cplusplus
}
#endif

#endif /* LLMACCEL_ESTIMATE_H */
