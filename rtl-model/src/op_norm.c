// SPDX-License-Identifier: MIT
/*
 * NORM_QUANT: per row, optional RMSNorm (with optional gamma), then the
 * fp32 result and/or its int8 absmax quantization.  fp32; the sum of
 * squares in the 16 lanes of hw-spec 7.5.
 */
#include <stdlib.h>
#include "kern.h"
#include "kern_misc.h"

/*
 * y = x * (1 / sqrt(mean(x^2) + eps)) [* gamma], in place: the kernels
 * when they can give the reference's bits (no NaN can meet a NaN), else
 * the reference (lla_rms_norm).
 */
static void rms_norm(int isa, int gamma_nan, float *y, uint32_t k, float eps,
		     const float *gamma)
{
	if (isa >= LLA_ISA_AVX2 && !gamma_nan &&
	    lla_kmisc_rms_norm(isa, y, k, eps, gamma))
		return;
	lla_rms_norm(y, k, eps, gamma, y);
}

struct nq_bufs {
	int isa;		/* lla_kern_isa() of this command */
	int gamma_nan;		/* gamma holds a NaN: reference only */
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
		rms_norm(b->isa, b->gamma_nan, b->y, c->k, lla_bits_f32(c->eps),
			 b->gamma);
	if (c->hdr.flags & LLA_NQ_F_F32OUT) {
		err = lla_wr(x, c->y_iova + (uint64_t)m * c->y_stride, b->y,
			     row_bytes);
		if (err)
			return err;
	}
	if (c->hdr.flags & LLA_NQ_F_QUANT) {
		float s = b->isa >= LLA_ISA_AVX2 ?
			  lla_kmisc_quant_row(b->isa, b->y, c->k, b->q) :
			  lla_quant_row(b->y, c->k, b->q);

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
	struct nq_bufs b = { lla_kern_isa(), 0, NULL, NULL, NULL };
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
		b.gamma_nan = b.isa >= LLA_ISA_AVX2 &&
			      lla_kmisc_any_nan(b.isa, b.gamma, c->k);
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
