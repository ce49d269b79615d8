/* SPDX-License-Identifier: MIT */
/*
 * Constants of lla_expf (numerics.c), in one place for the scalar
 * function and its vector form (kern_attn_avx2.c), which must agree to
 * the bit.
 */
#ifndef LLA_NUMERICS_EXPF_H
#define LLA_NUMERICS_EXPF_H

#define EXP_OVF		88.72284f	/* above: +inf */
#define EXP_UNF		-103.97f	/* below: +0 (under half a denormal) */
#define LOG2E		1.44269504088896341f
/* ln2 split: hi has 16 significant bits, so n * hi is exact for |n| < 2^8. */
#define LN2_HI		0.693145751953125f
#define LN2_LO		1.42860682030941723212e-6f

#endif /* LLA_NUMERICS_EXPF_H */
