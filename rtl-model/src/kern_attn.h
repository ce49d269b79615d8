/* SPDX-License-Identifier: MIT */
/*
 * Vector kernels of the attention engines (kern_attn_avx2.c).  Each one
 * computes exactly the contract's operation sequence (hw-spec 7.12), so
 * op_attn.c may use it or its scalar form and get the same bits.  Call
 * only with LLA_ISA_AVX2 <= @isa <= lla_kern_isa_cpu().
 */
#ifndef LLA_KERN_ATTN_H
#define LLA_KERN_ATTN_H

#include <stdint.h>

/* @f[i] = binary16 @h[i] as fp32, exact (F16C), i < @n. */
void lla_kern_attn_h2f(int isa, const uint16_t *h, float *f, uint64_t n);

/*
 * @s[j] = the score dot of @q[hd] with fp32 key row j (rows @ks floats
 * apart), j < @n: the 16-lane order of lla_dot_f16, unscaled.
 */
void lla_kern_attn_dots(int isa, const float *q, const float *k, uint64_t ks,
			uint32_t n, uint32_t hd, float *s);

/* @x[j] = lla_expf(@x[j]), j < @n. */
void lla_kern_attn_expf(int isa, float *x, uint32_t n);

/*
 * acc[d] = acc[d] * corr, then for j < @n ascending:
 * acc[d] = acc[d] + p[j] * v[j][d] (value rows @vs floats apart), d < @hd.
 */
void lla_kern_attn_pv(int isa, float *acc, float corr, const float *p,
		      const float *v, uint64_t vs, uint32_t n, uint32_t hd);

#endif /* LLA_KERN_ATTN_H */
