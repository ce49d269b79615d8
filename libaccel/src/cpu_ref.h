/* SPDX-License-Identifier: MIT */
/*
 * CPU reference forward pass of a BitNet model description, with the
 * device's numerics (hw-spec section 8) written as plain loops over the
 * struct mdl_desc: no command buffer, no lla_execute().  It exists to
 * prove the runner's command buffers bit for bit: same logits (memcmp),
 * same sampled tokens.  Uses only the rtl-model's scalar primitives
 * (lla_rms_norm, lla_quant_row, lla_expf, lla_act, lla_f32_to_f16,
 * lla_f16_to_f32, lla_rng_uniform) and the RoPE table of lla_rope_table().
 */
#ifndef ACCEL_CPU_REF_H
#define ACCEL_CPU_REF_H

#include <stdint.h>
#include "model.h"

#ifndef RUN_API
#define RUN_API
#endif

struct cpu_ref;

/* A reference with its own fp16 KV cache of @max_ctx rows. */
RUN_API int cpu_ref_create(const struct mdl_desc *d, uint32_t max_ctx,
			   struct cpu_ref **out);
RUN_API void cpu_ref_free(struct cpu_ref *r);

/*
 * Process @m tokens at positions pos..pos+m-1 (appending K/V to the
 * cache) and write the logits of the last one to @logits [n_vocab].
 * 0, or -EINVAL for a bad id or a context overflow.
 */
RUN_API int cpu_ref_forward(struct cpu_ref *r, const int32_t *ids,
			    uint32_t m, uint32_t pos, float *logits);

/*
 * SAMPLE's rule (hw-spec 7.11) on @logits [n]: greedy when temperature
 * is 0, else top-k, temperature, top-p with lla_rng_uniform(seed, ctr).
 */
RUN_API int32_t cpu_ref_sample(const float *logits, uint32_t n,
			       float temperature, uint32_t top_k, float top_p,
			       uint64_t seed, uint64_t counter);

#endif /* ACCEL_CPU_REF_H */
