// SPDX-License-Identifier: MIT
/*
 * NORM_QUANT: per row, optional RMSNorm (with optional gamma), then the
 * fp32 result and/or its int8 absmax quantization.  fp32, sequential.
 */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

/* y = x * (1 / sqrt(mean(x^2) + eps)) [* gamma], in place. */
static void rms_norm(float *y, uint32_t k, float eps, const float *gamma)
{
	float ss = 0.0f, r;

	for (uint32_t i = 0; i < k; i++)
		ss = ss + y[i] * y[i];
	/* sqrtf is correctly rounded (IEEE), so this stays bit-exact. */
	r = 1.0f / sqrtf(ss / (float)k + eps);
	for (uint32_t i = 0; i < k; i++)
		y[i] = y[i] * r;
	if (gamma)
		for (uint32_t i = 0; i < k; i++)
			y[i] = y[i] * gamma[i];
}

struct nq_bufs {
	float *y;
	float *gamma;
	int8_t *q;
};

static int nq_row(struct lla_exec *x, const struct lla_cmd_norm_quant *c,
		  uint32_t m, struct nq_bufs *b)
{
	uint64_t row_bytes = (uint64_t)c->k * sizeof(float);
	int err;

	err = lla_rd(x, c->x_iova + (uint64_t)m * c->x_stride, b->y, row_bytes);
	if (err)
		return err;
	if (c->hdr.flags & LLA_NQ_F_NORM)
		rms_norm(b->y, c->k, lla_bits_f32(c->eps), b->gamma);
	if (c->hdr.flags & LLA_NQ_F_F32OUT) {
		err = lla_wr(x, c->y_iova + (uint64_t)m * c->y_stride, b->y,
			     row_bytes);
		if (err)
			return err;
	}
	if (c->hdr.flags & LLA_NQ_F_QUANT) {
		float s = lla_quant_row(b->y, c->k, b->q);

		err = lla_wr(x, c->q_iova + (uint64_t)m * c->q_stride, b->q,
			     c->k);
		if (err)
			return err;
		err = lla_wr(x, c->scale_iova + (uint64_t)m * sizeof(float),
			     &s, sizeof(s));
	}
	return err;
}

int lla_op_norm_quant(struct lla_exec *x, const struct lla_cmd_norm_quant *c)
{
	int use_gamma = (c->hdr.flags & LLA_NQ_F_NORM) && c->gamma_iova;
	struct nq_bufs b = { NULL, NULL, NULL };
	int err = LLA_ERR_NOMEM;

	b.y = lla_alloc(c->k, sizeof(float));
	b.q = lla_alloc(c->k, 1);
	if (use_gamma)
		b.gamma = lla_alloc(c->k, sizeof(float));
	if (!b.y || !b.q || (use_gamma && !b.gamma))
		goto out;
	if (use_gamma) {
		err = lla_rd(x, c->gamma_iova, b.gamma,
			     (uint64_t)c->k * sizeof(float));
		if (err)
			goto out;
	}
	err = LLA_OK;
	for (uint32_t m = 0; m < c->m && !err; m++)
		err = nq_row(x, c, m, &b);
out:
	free(b.y);
	free(b.q);
	free(b.gamma);
	return err;
}
