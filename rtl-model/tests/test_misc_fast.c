// SPDX-License-Identifier: MIT
/*
 * The element-wise fast paths (kern_misc.h) against the scalar
 * reference, on every instruction-set path the CPU has:
 *
 * 1. Kernels: the sum of squares, RMSNorm scaling, int8 quantization,
 *    fp32 -> fp16 rows, ELTWISE ops and ROPE heads, over lengths that hit
 *    every vector tail (1, 7, 8, 15, 16, 17, 100, 1536, 4099) and inputs
 *    full of special values (+-0, subnormals, +-inf, NaNs with payloads,
 *    values that saturate the int8 range), compared bit for bit.
 * 2. fp16 conversion over a sweep of the whole fp32 range plus every
 *    rounding boundary of the normal halves; every half back to fp32.
 * 3. Commands: NORM_QUANT (every flag mix), ELTWISE (every op), ROPE and
 *    EMBED (F32, F16) through lla_execute with LLA_ISA scalar and the
 *    fast path: the whole memory image, status and counters memcmp-equal.
 * 4. The contract's lane example for the sum of squares (hw-spec 7.5).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../src/kern.h"
#include "../src/kern_misc.h"

#define TEST_SEED	0x3c6ef372fe94f82bull
#include "test_env.h"

static const uint32_t lens[] = { 1, 7, 8, 15, 16, 17, 100, 1536, 4099 };
#define NLENS	(sizeof(lens) / sizeof(lens[0]))
#define MAXLEN	4099u

static const uint32_t specials[] = {
	0x00000000u, 0x80000000u,		/* +-0 */
	0x00000001u, 0x807fffffu, 0x00400000u,	/* subnormals */
	0x7f800000u, 0xff800000u,		/* +-inf */
	0x7fc00000u, 0xffc00000u, 0x7fa12345u,	/* NaNs, payloads */
	0xff812345u, 0x7fffffffu,
	0x7f7fffffu, 0xff7fffffu,		/* +-FLT_MAX */
	0x5f000000u, 0xdf000000u,		/* +-2^63: saturate */
	0x477fe000u, 0x477ff000u, 0x477fefffu,	/* 65504, 65520, below */
	0x33000000u, 0x33000001u, 0x33800000u,	/* 2^-25, 2^-24 */
	0x42fe0000u, 0x42ff0000u, 0xc3000000u,	/* 127, 127.5, -128 */
	0x3f000000u, 0xbfc00000u, 0x40200000u,	/* 0.5, -1.5, 2.5 */
};
#define NSPEC	(sizeof(specials) / sizeof(specials[0]))

/*
 * Fill @x[n]: mode 0 uniform [-4, 4]; 1 random bit patterns (every
 * exponent, NaNs included); 2 uniform with one in four special; 3 only
 * specials.
 */
static void fill(float *x, uint32_t n, int mode)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t b;

		switch (mode) {
		case 0:
			x[i] = rndf(-4, 4);
			break;
		case 1:
			b = (uint32_t)rnd();
			memcpy(&x[i], &b, 4);
			break;
		case 2:
			if (rnd() % 4) {
				x[i] = rndf(-4, 4);
				break;
			}
			/* fall through */
		default:
			x[i] = lla_bits_f32(specials[rnd() % NSPEC]);
			break;
		}
	}
}

/* ---------------- 1. kernels ---------------- */

static void test_kernels(int isa)
{
	const char *in = lla_kern_isa_name(isa);
	float *x = malloc(MAXLEN * 4), *g = malloc(MAXLEN * 4);
	float *a = malloc(MAXLEN * 4), *b = malloc(MAXLEN * 4);
	int8_t *qa = malloc(MAXLEN), *qb = malloc(MAXLEN);
	uint16_t *ha = malloc(MAXLEN * 2), *hb = malloc(MAXLEN * 2);
	int bad[7] = { 0 }, ran[3] = { 0 }, cases = 0;

	for (size_t li = 0; li < NLENS; li++) {
		uint32_t n = lens[li];

		for (int mode = 0; mode < 4; mode++) {
			float ra, rb, sa, sb, imm = rndf(-3, 3);

			fill(x, n, mode);
			fill(g, n, mode & 1 ? 0 : mode);
			cases++;
			ra = lla_sumsq_f32(x, n);
			rb = lla_kmisc_sumsq(isa, x, n);
			/* a NaN sum's payload is unspecified (callers fall back) */
			if (ra != ra ? rb == rb : memcmp(&ra, &rb, 4) != 0) {
				bad[0]++;
				tap_diag("%s: sum of squares n %u mode %d: 0x%08x, kernel 0x%08x",
					 in, n, mode, lla_f32_bits(ra),
					 lla_f32_bits(rb));
			}

			{
				const float *gp = mode == 3 ||
					lla_kmisc_any_nan(isa, g, n) ? NULL : g;

				lla_rms_norm(x, n, 1e-5f, gp, a);
				memcpy(b, x, (size_t)n * 4);
				if (lla_kmisc_rms_norm(isa, b, n, 1e-5f, gp)) {
					ran[0]++;
					bad[1] += memcmp(a, b, (size_t)n * 4) != 0;
				} else {
					/* declined: NaN input, untouched */
					bad[1] += memcmp(x, b, (size_t)n * 4) ||
						  lla_sumsq_f32(x, n) ==
						  lla_sumsq_f32(x, n);
				}
			}

			sa = lla_quant_row(x, n, qa);
			sb = lla_kmisc_quant_row(isa, x, n, qb);
			bad[2] += memcmp(&sa, &sb, 4) || memcmp(qa, qb, n);

			/* factors that push most products past the int8 range */
			for (int f = 0; f < 3; f++) {
				float s = f == 0 ? 1e30f : f == 1 ? 100.0f : -3.0f;

				for (uint32_t i = 0; i < n; i++)
					qa[i] = lla_quant_one(x[i] * s);
				lla_kmisc_quant_scaled(isa, x, s, n, qb);
				bad[3] += memcmp(qa, qb, n) != 0;
			}

			for (uint32_t i = 0; i < n; i++)
				ha[i] = lla_f32_to_f16(x[i]);
			lla_kmisc_f32_to_f16(isa, x, hb, n);
			bad[4] += memcmp(ha, hb, (size_t)n * 2) != 0;

			for (uint8_t op = 0; op < LLA_ELT_COUNT; op++) {
				memcpy(a, x, (size_t)n * 4);
				memcpy(b, x, (size_t)n * 4);
				lla_elt_ref(op, imm, a, g, n);
				if (!lla_kmisc_elt(isa, op, imm, b, g, n)) {
					/* declined (NaNs could meet): untouched */
					bad[5] += memcmp(x, b, (size_t)n * 4) != 0;
					continue;
				}
				ran[1]++;
				if (memcmp(a, b, (size_t)n * 4)) {
					bad[5]++;
					tap_diag("%s: ELTWISE op %u n %u mode %d differs",
						 in, op, n, mode);
				}
			}

			/* a head of 2 * (n / 2) elements (head_dim is even) */
			if (n >= 2) {
				uint32_t hd = n & ~1u;

				memcpy(a, x, (size_t)hd * 4);
				memcpy(b, x, (size_t)hd * 4);
				for (uint32_t i = 0; i < hd / 2; i++) {
					float c = g[2 * i], s = g[2 * i + 1];
					float x0 = a[i], x1 = a[i + hd / 2];

					a[i] = x0 * c - x1 * s;
					a[i + hd / 2] = x0 * s + x1 * c;
				}
				if (!lla_kmisc_rope_head(isa, b, g, hd)) {
					bad[6] += memcmp(x, b, (size_t)hd * 4) != 0;
					continue;
				}
				ran[2]++;
				for (uint32_t i = 0; i < hd; i++)
					if (memcmp(&a[i], &b[i], 4)) {
						bad[6]++;
						tap_diag("%s: ROPE hd %u mode %d [%u]: 0x%08x, kernel 0x%08x",
							 in, hd, mode, i,
							 lla_f32_bits(a[i]),
							 lla_f32_bits(b[i]));
						break;
					}
			}
		}
	}
	tap_ok(!bad[0], "%s: sum of squares = lla_sumsq_f32 bit for bit (%d cases: %d differ)",
	       in, cases, bad[0]);
	tap_ok(!bad[1], "%s: RMSNorm scale and gamma = lla_rms_norm where the kernel runs (%d of %d cases; declined with NaN inputs, untouched): %d differ",
	       in, ran[0], cases, bad[1]);
	tap_ok(!bad[2], "%s: quantization q and s = lla_quant_row (%d differ)",
	       in, bad[2]);
	tap_ok(!bad[3], "%s: saturating factors 1e30, 100, -3 = lla_quant_one (%d differ)",
	       in, bad[3]);
	tap_ok(!bad[4], "%s: fp16 rows = lla_f32_to_f16 (%d differ)", in,
	       bad[4]);
	tap_ok(!bad[5], "%s: ELTWISE add mul scale relu relu2 silu = reference where the kernel runs (%d of %d), untouched where it declines: %d differ",
	       in, ran[1], cases * LLA_ELT_COUNT, bad[5]);
	tap_ok(!bad[6], "%s: ROPE head = reference where the kernel runs (%d), untouched where it declines: %d differ",
	       in, ran[2], bad[6]);
	free(x);
	free(g);
	free(a);
	free(b);
	free(qa);
	free(qb);
	free(ha);
	free(hb);
}

/* ---------------- 2. fp16 over the fp32 range ---------------- */

static void test_f16_sweep(int isa)
{
	enum { CH = 4096 };
	static float f[CH];
	static uint16_t ha[CH], hb[CH];
	uint64_t bad = 0, done = 0;
	uint32_t fill_n = 0;

	/*
	 * A sweep with an odd stride (all exponents, NaN payloads, random
	 * low bits), then for every upper 19-bit pattern the low 13 bits
	 * around the binary16 rounding boundary (.5 ulp, ties, carries).
	 */
	for (uint64_t b = 0; b < (1ull << 32); b += 251) {
		memcpy(&f[fill_n++], &(uint32_t){ (uint32_t)b }, 4);
		if (fill_n == CH) {
			for (uint32_t i = 0; i < CH; i++)
				ha[i] = lla_f32_to_f16(f[i]);
			lla_kmisc_f32_to_f16(isa, f, hb, CH);
			for (uint32_t i = 0; i < CH; i++)
				bad += ha[i] != hb[i];
			done += CH;
			fill_n = 0;
		}
	}
	for (uint32_t hi = 0; hi < (1u << 19); hi++) {
		static const uint32_t lows[] = { 0, 1, 0xfff, 0x1000, 0x1001,
						 0x1fff, 0x0800, 0x17ff };

		for (size_t j = 0; j < sizeof(lows) / 4; j++) {
			uint32_t b = hi << 13 | lows[j];

			memcpy(&f[fill_n++], &b, 4);
		}
		if (fill_n + 8 > CH || hi + 1 == (1u << 19)) {
			for (uint32_t i = 0; i < fill_n; i++)
				ha[i] = lla_f32_to_f16(f[i]);
			lla_kmisc_f32_to_f16(isa, f, hb, fill_n);
			for (uint32_t i = 0; i < fill_n; i++)
				bad += ha[i] != hb[i];
			done += fill_n;
			fill_n = 0;
		}
	}
	tap_ok(bad == 0, "%s: fp16 conversion of %llu fp32 values (stride sweep, every rounding boundary, NaN payloads) = lla_f32_to_f16: %llu differ",
	       lla_kern_isa_name(isa), (unsigned long long)done,
	       (unsigned long long)bad);
}

/* Every binary16 (signalling NaNs too) -> fp32 as lla_h2f (EMBED F16). */
static void test_h2f_all(int isa)
{
	static uint16_t h[65536 + 3];
	static float a[65536 + 3], b[65536 + 3];

	for (uint32_t i = 0; i < 65536 + 3; i++)
		h[i] = (uint16_t)(i * 40503u);	/* odd: a permutation */
	for (uint32_t i = 0; i < 65536 + 3; i++)
		a[i] = lla_h2f(h[i]);
	lla_kmisc_h2f(isa, h, b, 65536 + 3);
	tap_ok(!memcmp(a, b, sizeof(a)), "%s: every binary16 -> fp32 = lla_h2f, signalling NaN payloads kept",
	       lla_kern_isa_name(isa));
}

/* ---------------- 3. commands through lla_execute ---------------- */

#define IMG	(8u << 20)

struct run {
	int rc;
	struct lla_job_result res;
	uint8_t *img;
};

/* Run @cmd on a copy of @e's memory with the instruction set @isa. */
static void run_isa(struct env *e, const void *cmd, int isa, struct run *r)
{
	const struct lla_cmd_hdr *h = cmd;
	struct lla_flat_mem flat = { r->img, MEM_BASE, e->flat.size };
	struct lla_mem mem;
	struct lla_exec_opts opts = { 0 };

	memcpy(r->img, e->flat.data, e->flat.size);
	lla_flat_mem_init(&mem, &flat);
	memset(&r->res, 0, sizeof(r->res));
	lla_kern_set_isa(isa);
	r->rc = lla_execute(cmd, h->size, &mem, &opts, &r->res);
}

/* 1 if the fast path @isa and the scalar path leave the same state. */
static int same_both(struct env *e, const void *cmd, int isa,
		     struct run *ra, struct run *rb)
{
	note_cmd(cmd, ((const struct lla_cmd_hdr *)cmd)->size);
	run_isa(e, cmd, LLA_ISA_NONE, ra);
	run_isa(e, cmd, isa, rb);
	return ra->rc == LLA_OK && ra->rc == rb->rc &&
	       ra->res.bytes_read == rb->res.bytes_read &&
	       ra->res.bytes_written == rb->res.bytes_written &&
	       !memcmp(ra->img, rb->img, e->flat.size);
}

static uint64_t alloc_floats(struct env *e, uint64_t n, int mode)
{
	uint64_t a = env_alloc(e, n * 4 + 64);

	fill(P(e, a), (uint32_t)n, mode);
	return a;
}

static void test_commands(int isa)
{
	const char *in = lla_kern_isa_name(isa);
	struct run ra, rb;
	struct env e;
	int nq_bad = 0, nq_n = 0, el_bad = 0, el_n = 0, ro_bad = 0, ro_n = 0;
	int em_bad = 0, em_n = 0;

	ra.img = malloc(IMG);
	rb.img = malloc(IMG);
	for (size_t li = 0; li < NLENS; li++) {
		uint32_t k = lens[li];

		for (int mode = 0; mode < 4; mode++) {
			uint32_t m = k > 1536 ? 2 : 3;

			env_init(&e, IMG);
			for (uint16_t fl = 1; fl < 8; fl++) {
				struct lla_cmd_norm_quant c = { 0 };

				if (!(fl & (LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT)))
					continue;
				c.hdr.opcode = LLA_OP_NORM_QUANT;
				c.hdr.size = sizeof(c);
				c.hdr.flags = fl;
				c.m = m;
				c.k = k;
				c.x_stride = k * 4 + 4;
				c.x_iova = alloc_floats(&e, (uint64_t)m * (k + 1),
							mode);
				if (fl & LLA_NQ_F_NORM) {
					c.eps = lla_f32_bits(1e-6f);
					if (fl & 2)
						c.gamma_iova = alloc_floats(&e, k,
								mode & 1 ? 0 : mode);
				}
				if (fl & LLA_NQ_F_QUANT) {
					c.q_stride = k + 3;
					c.q_iova = env_alloc(&e, (uint64_t)m * c.q_stride);
					c.scale_iova = env_alloc(&e, (uint64_t)m * 4);
				}
				if (fl & LLA_NQ_F_F32OUT) {
					c.y_stride = k * 4 + 8;
					c.y_iova = env_alloc(&e, (uint64_t)m * c.y_stride);
				}
				nq_n++;
				nq_bad += !same_both(&e, &c, isa, &ra, &rb);
			}
			for (uint8_t op = 0; op < LLA_ELT_COUNT; op++) {
				struct lla_cmd_eltwise c = { 0 };

				c.hdr.opcode = LLA_OP_ELTWISE;
				c.hdr.size = sizeof(c);
				c.count = k;
				c.op = op;
				c.a_iova = alloc_floats(&e, k, mode);
				if (op == LLA_ELT_ADD || op == LLA_ELT_MUL)
					c.b_iova = alloc_floats(&e, k, mode);
				if (op == LLA_ELT_SCALE)
					c.imm = lla_f32_bits(rndf(-2, 2));
				/* in place on even cases: y == a is allowed */
				c.y_iova = mode & 1 ? c.a_iova :
					   env_alloc(&e, (uint64_t)k * 4);
				el_n++;
				if (!same_both(&e, &c, isa, &ra, &rb)) {
					el_bad++;
					tap_diag("%s: ELTWISE op %u count %u mode %d differs",
						 in, op, k, mode);
				}
			}
			{
				/* ROPE: head_dim even, <= 256; n_head from k */
				struct lla_cmd_rope c = { 0 };
				uint32_t hd = k >= 256 ? 256 : (k + 1) & ~1u;
				uint32_t nh = k / hd ? k / hd : 1;

				if (nh > 8)
					nh = 8;
				c.hdr.opcode = LLA_OP_ROPE;
				c.hdr.size = sizeof(c);
				c.m = m;
				c.n_head = nh;
				c.head_dim = hd;
				c.x_stride = nh * hd * 4;
				c.pos = 2;
				c.table_len = m + 4;
				c.x_iova = alloc_floats(&e, (uint64_t)m * nh * hd, mode);
				c.table_iova = alloc_floats(&e, (uint64_t)c.table_len * hd,
							    mode & 1 ? 0 : mode);
				ro_n++;
				ro_bad += !same_both(&e, &c, isa, &ra, &rb);
			}
			for (int f16 = 0; f16 < 2; f16++) {
				struct lla_cmd_embed c = { 0 };
				int32_t *ids;

				c.hdr.opcode = LLA_OP_EMBED;
				c.hdr.size = sizeof(c);
				c.vocab = 5;
				c.dim = k;
				c.m = 4;
				c.dtype = f16 ? LLA_DTYPE_F16 : LLA_DTYPE_F32;
				c.table_stride = k * (f16 ? 2 : 4) + 4;
				c.table_iova = env_alloc(&e, (uint64_t)c.vocab *
							 c.table_stride);
				if (f16)
					for (uint64_t i = 0; i < (uint64_t)c.vocab *
					     c.table_stride / 2; i++)
						((uint16_t *)P(&e, c.table_iova))[i] =
							(uint16_t)rnd();
				else
					fill(P(&e, c.table_iova),
					     c.vocab * c.table_stride / 4, mode);
				c.ids_iova = env_alloc(&e, 16);
				ids = P(&e, c.ids_iova);
				for (int i = 0; i < 4; i++)
					ids[i] = (int32_t)(rnd() % c.vocab);
				c.y_stride = k * 4;
				c.y_iova = env_alloc(&e, 4ull * c.y_stride);
				em_n++;
				em_bad += !same_both(&e, &c, isa, &ra, &rb);
			}
			env_free(&e);
		}
	}
	tap_ok(!nq_bad, "%s: NORM_QUANT, every flag mix, lla_execute memcmp-identical to LLA_ISA=scalar (%d commands: %d differ)",
	       in, nq_n, nq_bad);
	tap_ok(!el_bad, "%s: ELTWISE, every op, lla_execute memcmp-identical to LLA_ISA=scalar (%d commands: %d differ)",
	       in, el_n, el_bad);
	tap_ok(!ro_bad, "%s: ROPE lla_execute memcmp-identical to LLA_ISA=scalar (%d commands: %d differ)",
	       in, ro_n, ro_bad);
	tap_ok(!em_bad, "%s: EMBED F32 and F16 lla_execute memcmp-identical to LLA_ISA=scalar (%d commands: %d differ)",
	       in, em_n, em_bad);
	free(ra.img);
	free(rb.img);
}

/* ---------------- 4. the contract's lane example ---------------- */

/*
 * hw-spec 7.5: K = 32, x[0] = 4096, the rest 1: lane 0 = 2^24 + 1 = 2^24
 * (tie to even), lanes 1..15 = 2 each, the tree gives ss = 2^24 + 30 =
 * 16777246, where an ascending sequential sum rounds every + 1 away and
 * gives 2^24.
 */
static void test_lane_example(void)
{
	float x[32], want = 16777246.0f, got, seq = 0.0f;
	int ok;

	for (int i = 0; i < 32; i++)
		x[i] = i ? 1.0f : 4096.0f;
	for (int i = 0; i < 32; i++)
		seq = seq + x[i] * x[i];
	got = lla_sumsq_f32(x, 32);
	ok = !memcmp(&got, &want, 4) && seq == 16777216.0f;
	for (int isa = LLA_ISA_AVX2; isa <= lla_kern_isa_cpu(); isa++) {
		got = lla_kmisc_sumsq(isa, x, 32);
		ok &= !memcmp(&got, &want, 4);
	}
	tap_ok(ok, "NORM_QUANT sum of squares in the 16 lanes, the spec's example: 4096^2 + 31 ones (K = 32) = 16777246, sequential 2^24");
}

int main(void)
{
	int cpu = lla_kern_isa_cpu();

	test_lane_example();
	for (int isa = LLA_ISA_AVX2; isa < LLA_ISA_COUNT; isa++) {
		if (isa > cpu) {
			for (int i = 0; i < 13; i++)
				tap_skip("not on this CPU", "%s: element-wise fast path check %d of 13",
					 lla_kern_isa_name(isa), i + 1);
			continue;
		}
		test_kernels(isa);
		test_f16_sweep(isa);
		test_h2f_all(isa);
		test_commands(isa);
	}
	lla_kern_set_isa(cpu);
	check_valid_cmds();
	return tap_done();
}
