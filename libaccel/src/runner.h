/* SPDX-License-Identifier: MIT */
/*
 * The BitNet model runner (issue D2): a llama.cpp "bitnet" GGUF loaded
 * into device buffers and run with one submission per prompt (prefill)
 * and one per generated token (decode).  The accel_model_* API is public
 * (libaccel.h, "Model runner"); this header adds what only the library
 * and its tests see: accel_model_create() from a converted description.
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

/* The ACCEL_MODEL_* load flags are the loader's MDL_F_* flags. */
_Static_assert(ACCEL_MODEL_REQUANTIZE == MDL_F_REQUANTIZE &&
	       ACCEL_MODEL_HEAD_I8 == MDL_F_HEAD_I8, "ACCEL_MODEL_* flags");
#define ACCEL_MODEL_FLAGS	(ACCEL_MODEL_REQUANTIZE | ACCEL_MODEL_HEAD_I8)

/*
 * Upload a model description (converted by mdl_load) to @dev.  @d is not
 * referenced afterwards.  @tok (may be NULL) is adopted: freed with the
 * model.  @o's wfmt and flags are the loader's business and are not
 * looked at here (the matrices of @d carry their format).  0 or a
 * negative errno (accel_last_error() says why).  accel_model_load() is
 * gguf_open + mdl_load + tok_load + this.
 */
RUN_API int accel_model_create(accel_device *dev, const struct mdl_desc *d,
			       struct tokenizer *tok,
			       const struct accel_model_opts *o,
			       accel_model **out);

#endif /* ACCEL_RUNNER_H */
