/* SPDX-License-Identifier: MIT */
/*
 * Vector kernels of the element-wise units (kern_misc_avx2.c): NORM_QUANT,
 * fp16 conversion of rows, ELTWISE, ROPE.  Each computes exactly the
 * reference's operation sequence (the sum of squares in the 16-lane
 * order of hw-spec 7.5), so an op may use it or the scalar form and get
 * the same bits.  Call only with LLA_ISA_AVX2 <= @isa <= lla_kern_isa_cpu().
 */
#ifndef LLA_KERN_MISC_H
#define LLA_KERN_MISC_H

#include <stdint.h>

/*
 * Kernels that return int compute only where no fp32 operation can meet
 * two NaNs (whose result payload neither C nor the intrinsics pin down):
 * 1 when done, 0 when they left everything untouched and the caller
 * must run the reference loop.
 */

/* Non-zero if one of @x[n] is NaN. */
int lla_kmisc_any_nan(int isa, const float *x, uint64_t n);
/* lla_sumsq_f32(@x, @k); for a NaN result the payload is unspecified. */
float lla_kmisc_sumsq(int isa, const float *x, uint32_t k);
/* @y[i] = @x[i] * @r, then @y[i] = @y[i] * @gamma[i] if @gamma (@y may be @x). */
void lla_kmisc_scale(int isa, const float *x, float r, const float *gamma,
		     float *y, uint32_t k);
/*
 * lla_rms_norm(@y, @k, @eps, @gamma, @y) unless a y[i] is NaN (0).
 * @gamma must hold no NaN (the caller checks once per command).
 */
int lla_kmisc_rms_norm(int isa, float *y, uint32_t k, float eps,
		       const float *gamma);
/* lla_quant_row(@x, @k, @q) (NaNs quantize to 0: no payload matters). */
float lla_kmisc_quant_row(int isa, const float *x, uint32_t k, int8_t *q);
/* @q[i] = lla_quant_one(@x[i] * @s): the second half of lla_quant_row. */
void lla_kmisc_quant_scaled(int isa, const float *x, float s, uint32_t k,
			    int8_t *q);
/* @h[i] = lla_f32_to_f16(@f[i]), NaN included (sign | 0x7e00). */
void lla_kmisc_f32_to_f16(int isa, const float *f, uint16_t *h, uint64_t n);
/* @f[i] = lla_h2f(@h[i]), NaN payloads kept unquieted (EMBED F16). */
void lla_kmisc_h2f(int isa, const uint16_t *h, float *f, uint64_t n);
/*
 * ELTWISE @op (enum lla_elt_op) on @n elements: @a = @a op @b / @imm;
 * 0 if a[i] and b[i] are both NaN, imm is NaN, or (SILU) an a[i] is.
 */
int lla_kmisc_elt(int isa, uint8_t op, float imm, float *a, const float *b,
		  uint32_t n);
/*
 * ROPE of one head @v[hd] with the angle row @t[hd/2][2] = {cos, sin}:
 * the reference's v[i] = x0*c - x1*s; v[i + hd/2] = x0*s + x1*c;
 * 0 if one of v or t is NaN.
 */
int lla_kmisc_rope_head(int isa, float *v, const float *t, uint32_t hd);

#endif /* LLA_KERN_MISC_H */
