/* SPDX-License-Identifier: MIT */
/*
 * Fast matmul kernels of the rtl-model, their instruction-set paths and
 * the engine selection of TLMM/QMM.  Every integer kernel returns the
 * same int32 dot products as the scalar reference (integer addition is
 * exact and associative, so only the order of the adds differs); the
 * fp32 epilogue is shared.  The QMM F16 kernel computes the contract's
 * 16-lane fp32 order itself (lla_dot_f16).
 */
#ifndef LLA_KERN_H
#define LLA_KERN_H

#include <stdint.h>
#include <stddef.h>
#include "internal.h"

/* How a TLMM/QMM computes its integer dot products. */
enum lla_mm_engine {
	LLA_ENG_REF = 0,	/* scalar reference, in the contract's order */
	LLA_ENG_FAST = 1,	/* kernels of lla_kern_isa() (NONE: = REF) */
	LLA_ENG_LUT = 2,	/* table lookup (TLMM only; QMM: FAST) */
};

/*
 * TLMM/QMM through an explicit engine.  lla_op_tlmm/lla_op_qmm call
 * these with LLA_ENG_LUT when x->use_lut is set, else LLA_ENG_FAST; the
 * tests call them with LLA_ENG_REF to force the scalar reference.
 */
int lla_tlmm_run(struct lla_exec *x, const struct lla_cmd_tlmm *c,
		 enum lla_mm_engine eng);
int lla_qmm_run(struct lla_exec *x, const struct lla_cmd_qmm *c,
		enum lla_mm_engine eng);

/*
 * Vector instruction sets of the kernels, in increasing order; each
 * level includes the ones below, so "isa >= LLA_ISA_AVX2" is the test
 * for an AVX2 kernel on every path.  Names (LLA_ISA,
 * lla_kern_isa_name): "scalar", "avx2", "avx-vnni", "avx512-vnni".
 * A CPU with AVX512-VNNI but without AVX-VNNI (VEX) still runs the
 * avx-vnni level: its ymm vpdpbusd kernels then use the EVEX encoding
 * (lla_kern_vnni_evex), so the levels stay ordered on every CPU.
 */
enum lla_kern_isa {
	LLA_ISA_NONE = 0,	/* scalar reference only */
	LLA_ISA_AVX2 = 1,	/* AVX2 + F16C */
	LLA_ISA_AVXVNNI = 2,	/* AVX2 + F16C + vpdpbusd on ymm */
	LLA_ISA_AVX512VNNI = 3,	/* the above + AVX-512 F, BW, VL, VNNI */
	LLA_ISA_COUNT
};
/*
 * The path the fast engine uses: the best one this CPU runs, probed on
 * the first call only; the environment variable LLA_ISA (read on that
 * first call) may name a lower one ("scalar" = the reference; unknown
 * names and levels the CPU lacks give the CPU's best); a test may
 * change it with lla_kern_set_isa().  Thread-safe; cheap.
 */
int lla_kern_isa(void);
/* The best path this CPU runs (probed once). */
int lla_kern_isa_cpu(void);
/*
 * Use @isa from now on (process-wide; for tests and benchmarks).
 * LLA_OK, LLA_ERR_UNSUPPORTED if the CPU lacks it, LLA_ERR_BAD_PARAM if
 * it is no enum lla_kern_isa.
 */
int lla_kern_set_isa(int isa);
const char *lla_kern_isa_name(int isa);		/* "?" if unknown */
int lla_kern_isa_parse(const char *name);	/* -1 if unknown / NULL */
/*
 * 1 if the avx-vnni level's ymm vpdpbusd is to be EVEX encoded (the CPU
 * has AVX512-VNNI + VL but not AVX-VNNI), else 0.  A test may force 1 on
 * a CPU with AVX512-VNNI (else LLA_ERR_UNSUPPORTED) to cover that code.
 */
int lla_kern_vnni_evex(void);
int lla_kern_set_vnni_evex(int on);

/*
 * Ternary kernels work on blocks of 32 weight bytes: 128 weights for T2,
 * 160 for T5.  The activations of a row are permuted once so that the
 * i-th code of weight byte j of a block meets activation i * 32 + j of
 * the block (lla_kern_tern_perm); the codes are used unsigned (w + 1,
 * invalid codes as 1) and the row's activation sum is subtracted.
 */
#define LLA_KERN_WBLK	32u
uint32_t lla_kern_tern_per(uint8_t wfmt);	/* weights per byte: 4 or 5 */
/* Bytes of a permuted activation row for @k weights (>= one block). */
uint64_t lla_kern_tern_xbytes(uint8_t wfmt, uint32_t k);
/* Permute @xq[k] into @xp[lla_kern_tern_xbytes] (zero padded); sum. */
int32_t lla_kern_tern_perm(uint8_t wfmt, const int8_t *xq, uint32_t k,
			   int8_t *xp);

/*
 * dots[r * ldd + i] = sum_k X[r][k] * W[i][k] for @rows activation rows
 * (permuted, lla_kern_tern_xbytes() = @xstride bytes apart, sums @xsum)
 * and @nw packed weight rows of @rb bytes (contiguous).  @scratch, when
 * not NULL, holds LLA_KERN_DEC_ROWS * @xstride bytes and lets T5 decode
 * each weight row once for all activation rows.  Call only with
 * LLA_ISA_AVX2 <= @isa <= lla_kern_isa_cpu() (also for the others below).
 */
#define LLA_KERN_DEC_ROWS	8u
void lla_kern_tern(int isa, uint8_t wfmt, const int8_t *xp,
		   uint64_t xstride, const int32_t *xsum, uint32_t rows,
		   const uint8_t *w, uint32_t rb, uint32_t nw, int32_t *dots,
		   uint64_t ldd, uint8_t *scratch);

/* The same for QMM I8: plain int8 rows of @k, X rows @k bytes apart. */
void lla_kern_i8(int isa, const int8_t *x, uint32_t rows, const int8_t *w,
		 uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd);

/* The LLA_ISA_AVX512VNNI kernels behind the two above (kern_avx512.c). */
void lla_kern_tern_avx512(uint8_t wfmt, const int8_t *xp, uint64_t xstride,
			  const int32_t *xsum, uint32_t rows,
			  const uint8_t *w, uint32_t rb, uint32_t nw,
			  int32_t *dots, uint64_t ldd, uint8_t *scratch);
void lla_kern_i8_avx512(const int8_t *x, uint32_t rows, const int8_t *w,
			uint32_t nw, uint32_t k, int32_t *dots, uint64_t ldd);

/*
 * QMM F16: out[r * ldo + i] = the contract's lane-ordered fp32 dot
 * (lla_qmm_f16_dot) of fp32 row r of @x (rows @k floats apart) with
 * binary16 weight row i of @w (rows @k halves apart, little endian),
 * for @rows x @nw.  Bit-identical to the scalar reference.
 */
void lla_kern_f16(int isa, const float *x, uint32_t rows, const uint16_t *w,
		  uint32_t nw, uint32_t k, float *out, uint64_t ldo);

#endif /* LLA_KERN_H */
