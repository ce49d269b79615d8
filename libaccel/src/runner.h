/* SPDX-License-Identifier: MIT */
/*
 * The BitNet model runner (issue D2): a llama.cpp "bitnet" GGUF loaded
 * into device buffers and run with one submission per prompt (prefill)
 * and one per generated token (decode).  Internal to libaccel for now;
 * the accel_model_* functions are the proposed public API (libaccel.h).
 *
 * Device buffers, allocated once per model (= per session):
 *   weights   read-only: token embedding, per layer the norms and the
 *             seven ternary matrices (T2 or T5 rows + gamma in the
 *             command), output norm, output head (fp16 or int8 + scales),
 *             the NEOX RoPE table of max_ctx positions;
 *   kv        per layer the fp16 K and V caches [max_ctx][n_kv][hd];
 *   act       activations of up to @batch rows, prompt ids, logits;
 *   step      struct lla_step_args {pos, token, rng_counter}.
 * The decode command buffer is built once per session (sampling
 * parameters are baked into its SAMPLE) and re-submitted as is: EMBED
 * reads step.token, ROPE/ATTN read step.pos, SAMPLE writes step.token
 * and advances step.rng_counter, a final SEM_SIGNAL adds 1 to step.pos.
 * A prefill is one command buffer of ceil(n / batch) passes (the head
 * and SAMPLE on the last one only), each ending with SEM_SIGNAL pos += m.
 */
#ifndef ACCEL_RUNNER_H
#define ACCEL_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include "libaccel.h"
#include "model.h"

#ifndef RUN_API
#define RUN_API
#endif

struct tokenizer;

struct accel_model_opts {
	uint32_t max_ctx;	/* KV rows; 0: min(context_length, 512) */
	uint32_t batch;		/* prefill rows per pass; 0: min(max_ctx, 128) */
	uint8_t wfmt;		/* LLA_WFMT_T2 (0, default) or LLA_WFMT_T5 */
	uint32_t mdl_flags;	/* MDL_F_* of the loader (MDL_F_HEAD_I8, ...) */
	mdl_progress_fn progress;	/* loading progress, may be NULL */
	void *progress_ud;
};

struct accel_sampling {
	float temperature;	/* 0: greedy (ARGMAX) */
	uint32_t top_k;		/* 0: LLA_MAX_TOPK */
	float top_p;		/* (0, 1]; 0 is taken as 1 */
	uint64_t seed;
};

struct accel_model_info {
	struct mdl_hparams hp;
	uint32_t max_ctx, batch;
	uint8_t wfmt, head_wfmt, embd_dtype;
	uint64_t weight_bytes, kv_bytes, act_bytes;
	uint32_t decode_commands, decode_cmdbuf_bytes;
};

struct accel_model_stats {
	uint32_t pos;			/* tokens in the KV cache */
	uint64_t submissions;		/* accel_submit() calls, total */
	uint64_t prefill_tokens, prefill_cycles, prefill_wall_ns;
	uint64_t decode_steps, decode_cycles, decode_wall_ns;
	uint64_t decode_submissions;	/* submissions made by decode steps */
	uint32_t last_step_submissions;	/* of the last prefill/decode: 1 */
	uint64_t last_cycles, last_wall_ns;
	uint32_t clock_khz;		/* modeled clock of the device */
};

typedef struct accel_model accel_model;

/*
 * Upload a model description (converted by mdl_load) to @dev.  @d is not
 * referenced afterwards.  @tok (may be NULL) is adopted: freed with the
 * model.  0 or a negative errno (accel_last_error() says why).
 */
RUN_API int accel_model_create(accel_device *dev, const struct mdl_desc *d,
			       struct tokenizer *tok,
			       const struct accel_model_opts *o,
			       accel_model **out);
/*
 * Open the GGUF at @path, convert and upload it, load its tokenizer.
 * A bad file gives -EINVAL and a message naming the problem.
 */
RUN_API int accel_model_load(accel_device *dev, const char *path,
			     const struct accel_model_opts *o,
			     accel_model **out);
RUN_API void accel_model_free(accel_model *m);
RUN_API int accel_model_info(const accel_model *m,
			     struct accel_model_info *info);

/*
 * Start a session: position 0, RNG counter 0, and the decode command
 * buffer built for @s (NULL: greedy).
 */
RUN_API int accel_model_start(accel_model *m, const struct accel_sampling *s);
/*
 * Process @n prompt tokens at the current position in ONE submission and
 * sample the next token (*@next).  -ENOSPC if the context would overflow.
 */
RUN_API int accel_model_prefill(accel_model *m, const int32_t *ids,
				uint32_t n, int32_t *next);
/*
 * One decode step: ONE submission of the persistent buffer.  After a
 * failed prefill or decode (-EIO: the job failed on the device) the
 * session must be restarted with accel_model_start().
 */
RUN_API int accel_model_decode(accel_model *m, int32_t *next);
/* Logits of the last processed token (host mapping, n_vocab floats). */
RUN_API const float *accel_model_logits(const accel_model *m);
RUN_API int accel_model_stats(const accel_model *m,
			      struct accel_model_stats *st);

/* Tokenizer (-ENODEV when the model has none). */
RUN_API int accel_model_tokenize(const accel_model *m, const char *text,
				 size_t len, int add_bos, int32_t *ids,
				 size_t max, size_t *n);
RUN_API int accel_model_token_piece(const accel_model *m, int32_t id,
				    char *buf, size_t cap);
RUN_API int32_t accel_model_eos(const accel_model *m);
RUN_API int accel_model_add_bos(const accel_model *m);

#endif /* ACCEL_RUNNER_H */
