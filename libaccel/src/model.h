/* SPDX-License-Identifier: MIT */
/*
 * A BitNet model description in host memory: the hyper-parameters of a
 * BitNet GGUF (architectures of docs/model-files.md) and its tensors
 * converted to the device formats.  Internal to libaccel; the model runner uploads these
 * buffers into device BOs and builds the command buffers.
 *
 * Conversion rules (BitNet b1.58 semantics, hw-spec section 8):
 *  - every linear layer (attn_q/k/v/output, ffn_gate/up/down) becomes
 *    ternary codes packed as LLA_WFMT_T2 or T5 rows (lla_pack_row), one
 *    row per output, plus one fp32 gamma (the TLMM w_scale):
 *      TQ2_0 / TQ1_0  codes as stored; gamma = the blocks' common scale d
 *                     (blocks whose codes are all 0 do not count; a
 *                     negative d flips the block's codes).  If the scales
 *                     differ the load fails with "per-block scales differ",
 *                     unless MDL_F_REQUANTIZE: then the dequantized values
 *                     code * d are re-quantized with absmean.
 *      I2_S           codes as stored (bitnet.cpp x86 layout: blocks of 128
 *                     weights in 32 bytes, weight j of a block in byte j % 32
 *                     at bits 6 - 2 * (j / 32); 0 = -1, 1 = 0, 2 = +1), gamma
 *                     = the fp32 scale stored after the codes.
 *      F32/F16/BF16   already ternary (every element 0 or +-d, the non-zero
 *                     magnitudes equal up to their fp16 rounding: what
 *                     llama.cpp's BitNet converter writes): codes = signs,
 *                     gamma = d (their common fp16 value if they differ).
 *                     Else latent weights: absmean (accel_ternary_quantize's
 *                     exact rule), flagged MDL_MAT_ABSMEAN and counted in
 *                     n_absmean, so callers can say the loader quantized.
 *    An optional "<name>.scale" tensor (one element) multiplies gamma (fp32).
 *    A code that is not ternary (TQ2_0 / I2_S value 3) fails the load.
 *  - norm weights become fp32 vectors;
 *  - the token embedding stays fp16 if stored as F16, else fp32 (EMBED);
 *  - the output head (output.weight, or token_embd when absent: tied) is
 *    an fp16 matrix for QMM (a tied head with an fp16 embedding shares its
 *    memory: head == tok_embd), or int8 rows with one fp32 scale per row
 *    (MDL_F_HEAD_I8: q = lla_quant_row(), w_scale = 1 / s).
 */
#ifndef ACCEL_MODEL_H
#define ACCEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gguf.h"
#include "llmaccel_estimate.h"

struct mdl_hparams {
	char arch[32];		/* general.architecture */
	char name[64];		/* general.name, "" if absent */
	uint32_t n_layer;
	uint32_t n_embd;
	uint32_t n_ff;
	uint32_t n_head;
	uint32_t n_head_kv;
	uint32_t head_dim;
	uint32_t n_vocab;
	uint32_t n_ctx_train;	/* <arch>.context_length */
	float rope_theta;	/* <arch>.rope.freq_base, default 10000 */
	float rms_eps;		/* <arch>.attention.layer_norm_rms_epsilon */
	uint8_t ffn_act;	/* LLA_ACT_RELU2 or LLA_ACT_SILU */
};

#define MDL_MAT_REQUANTIZED	(1u << 0)	/* absmean from dequantized */
#define MDL_MAT_SCALED		(1u << 1)	/* a .scale tensor applied */
#define MDL_MAT_ABSMEAN		(1u << 2)	/* latent float weights */

/* The architecture of files with an untied head (docs/model-files.md). */
#define MDL_ARCH_LLMACCEL	"llmaccel-bitnet"

struct mdl_matrix {
	uint32_t n, k;		/* output rows, inputs per row */
	uint8_t wfmt;		/* LLA_WFMT_T2 or LLA_WFMT_T5 */
	uint32_t row_bytes;	/* lla_wfmt_row_bytes(wfmt, k) */
	float gamma;		/* TLMM w_scale */
	uint32_t src_type;	/* ggml type in the file */
	uint32_t flags;		/* MDL_MAT_* */
	uint8_t *rows;		/* n * row_bytes */
};

struct mdl_layer {
	float *attn_norm;	/* [n_embd] */
	float *attn_sub_norm;	/* [n_head * head_dim] */
	float *ffn_norm;	/* [n_embd] */
	float *ffn_sub_norm;	/* [n_ff] */
	struct mdl_matrix wq, wk, wv, wo, wg, wu, wd;
};

struct mdl_desc {
	struct mdl_hparams hp;
	uint8_t embd_dtype;	/* LLA_DTYPE_F16 or LLA_DTYPE_F32 */
	void *tok_embd;		/* [n_vocab][n_embd] */
	float *output_norm;	/* [n_embd] */
	uint8_t head_wfmt;	/* LLA_WFMT_F16 or LLA_WFMT_I8 */
	bool head_tied;		/* no output.weight: token_embd reused */
	void *head;		/* F16: u16 [n_vocab][n_embd]; I8: int8 */
	bool head_shared;	/* head == tok_embd (tied, both fp16) */
	float *head_scale;	/* I8: [n_vocab] (QMM w_scale), else NULL */
	struct mdl_layer *layers;
	uint64_t host_bytes;	/* memory held by this description */
	uint32_t n_absmean;	/* matrices ternarized with absmean here */
};

#define MDL_F_REQUANTIZE	(1u << 0)	/* see the TQ rule above */
#define MDL_F_HEAD_I8		(1u << 1)	/* int8 head instead of fp16 */

/* Progress: @done of @total tensor bytes converted, @what just finished. */
typedef void (*mdl_progress_fn)(void *ud, uint64_t done, uint64_t total,
				const char *what);

struct mdl_load_opts {
	uint8_t wfmt;		/* LLA_WFMT_T2 (default, 0) or LLA_WFMT_T5 */
	int ffn_act;		/* -1: from the file; else LLA_ACT_* */
	uint32_t flags;		/* MDL_F_* */
	mdl_progress_fn progress;
	void *progress_ud;
};

/*
 * Hyper-parameters only (fast: no tensor data touched beyond the checks
 * of names and shapes).  0 or -EINVAL with a message.
 */
MDL_API int mdl_read_hparams(const struct gguf_file *f,
			     const struct mdl_load_opts *o,
			     struct mdl_hparams *hp, char *err, size_t errlen);
/* Convert every tensor.  @o may be NULL (defaults). */
MDL_API int mdl_load(const struct gguf_file *f, const struct mdl_load_opts *o,
		     struct mdl_desc **out, char *err, size_t errlen);
MDL_API void mdl_free(struct mdl_desc *m);

/* The struct lla_model_shape of the cycle estimate, for @max_ctx rows. */
MDL_API void mdl_shape(const struct mdl_desc *m, uint32_t max_ctx,
		       struct lla_model_shape *s);

/*
 * Decode one ternary tensor (TQ1_0, TQ2_0, I2_S) into codes [n][k] and
 * its per-block scales (exposed for the tests).  @d gets one scale per
 * block (TQ: n*k/256 fp16 values as float; I2_S: 1).  -EINVAL on a code
 * that is not ternary.
 */
MDL_API int mdl_decode_ternary(const struct gguf_tensor *t, int8_t *codes,
			       float *d, char *err, size_t errlen);

#endif /* ACCEL_MODEL_H */
