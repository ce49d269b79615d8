// SPDX-License-Identifier: MIT
/*
 * Numerics of the rtl-model against independent references: fp16
 * conversion (exhaustive and by construction in double), int8
 * quantization, expf against libm in double, activations, the RNG
 * (known splitmix64 outputs) and the ternary weight formats.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "llmaccel_model.h"
#include "tap.h"

static uint32_t fbits(float f)
{
	uint32_t b;

	memcpy(&b, &f, 4);
	return b;
}

static float bitsf(uint32_t b)
{
	float f;

	memcpy(&f, &b, 4);
	return f;
}

/* Ordered integer key of a float: ulp distance = difference of keys. */
static int64_t fkey(float f)
{
	uint32_t b = fbits(f);

	return (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) : (int64_t)b;
}

static int64_t ulp_diff(float a, float b)
{
	int64_t d = fkey(a) - fkey(b);

	return d < 0 ? -d : d;
}

/* ---------------- fp16 ---------------- */

/* Value of a finite half from the IEEE definition, in double. */
static double half_value(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v = e ? ldexp(1024 + m, e - 25) : ldexp(m, -24);

	return (h & 0x8000) ? -v : v;
}

static void test_f16_to_f32(void)
{
	int bad = 0, nan_bad = 0, trip_bad = 0;

	for (uint32_t h = 0; h < 65536; h++) {
		float f = lla_f16_to_f32((uint16_t)h);
		int e = (h >> 10) & 0x1f;

		if (e == 0x1f) {
			if (h & 0x3ff) {
				if (f == f || lla_f32_to_f16(f) == 0 ||
				    !isnan(lla_f16_to_f32(lla_f32_to_f16(f))))
					nan_bad++;
			} else if (!isinf(f) || (f < 0) != !!(h & 0x8000)) {
				bad++;
			}
			continue;
		}
		if ((double)f != half_value((uint16_t)h) ||
		    !!signbit(f) != !!(h & 0x8000))
			bad++;
		if (lla_f32_to_f16(f) != h)
			trip_bad++;
	}
	tap_ok(bad == 0, "f16->f32 matches the IEEE value of all 65536 halves (%d bad)",
	       bad);
	tap_ok(trip_bad == 0, "f16->f32->f16 is the identity on all finite/inf halves (%d bad)",
	       trip_bad);
	tap_ok(nan_bad == 0, "every f16 NaN converts to an fp32 NaN and back to a NaN (%d bad)",
	       nan_bad);
}

/*
 * Reference fp32 -> fp16 by the definition: nearest representable half
 * (grid 2^-24 below 2^-14, else 2^(e-10)) with ties to even, computed
 * in double, then located among the decoded halves by search.
 */
static uint16_t ref_f32_to_f16(float f)
{
	double a = fabs((double)f), q, r;
	uint16_t sign = signbit(f) ? 0x8000 : 0;
	int e, lo = 0, hi = 0x7c00;

	if (isnan(f))
		return sign | 0x7e00;
	if (a >= 65520.0)
		return sign | 0x7c00;
	frexp(a, &e);		/* a = m * 2^e, m in [0.5, 1) */
	q = a < ldexp(1, -14) ? ldexp(1, -24) : ldexp(1, e - 11);
	r = a / q;		/* exact: a power-of-two division */
	if (r - floor(r) == 0.5)
		r = fmod(floor(r), 2.0) == 0.0 ? floor(r) : floor(r) + 1;
	else
		r = floor(r + 0.5);
	a = r * q;
	while (lo < hi) {	/* halves 0..0x7c00 increase with their bits */
		int mid = (lo + hi) / 2;

		if (half_value((uint16_t)mid) < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return sign | (uint16_t)lo;
}

static void test_f32_to_f16(void)
{
	static const struct { uint32_t f; uint16_t h; const char *what; } kv[] = {
		{ 0x3f800000, 0x3c00, "1.0" },
		{ 0x80000000, 0x8000, "-0.0 keeps its sign" },
		{ 0x477fe000, 0x7bff, "65504 is the largest half" },
		{ 0x477fefff, 0x7bff, "just below 65520 rounds down" },
		{ 0x477ff000, 0x7c00, "65520 ties to even = inf" },
		{ 0xc77ff000, 0xfc00, "-65520 -> -inf" },
		{ 0x7f7fffff, 0x7c00, "FLT_MAX overflows to inf" },
		{ 0x7f800000, 0x7c00, "+inf" },
		{ 0xff800000, 0xfc00, "-inf" },
		{ 0x7fc00000, 0x7e00, "qNaN" },
		{ 0x7f800001, 0x7e00, "sNaN becomes quiet" },
		{ 0xffc12345, 0xfe00, "negative NaN keeps its sign" },
		{ 0x3f801000, 0x3c00, "1 + 2^-11 ties to even (down)" },
		{ 0x3f803000, 0x3c02, "1 + 3*2^-11 ties to even (up)" },
		{ 0x3f801001, 0x3c01, "just above a tie rounds up" },
		{ 0x33800000, 0x0001, "2^-24 is the smallest subnormal" },
		{ 0x33000000, 0x0000, "2^-25 ties to even = 0" },
		{ 0x33000001, 0x0001, "just above 2^-25 rounds up" },
		{ 0xb3000000, 0x8000, "-2^-25 -> -0" },
		{ 0x33c00000, 0x0002, "1.5*2^-24 ties to even (up to 2)" },
		{ 0x34200000, 0x0002, "2.5*2^-24 ties to even (down to 2)" },
		{ 0x387fe000, 0x0400, "2^-14 - 2^-25 ties up to the smallest normal" },
		{ 0x387fa000, 0x03fe, "(1022.5)*2^-24 ties to even 0x3fe" },
		{ 0x38800000, 0x0400, "2^-14 is the smallest normal" },
		{ 0x00000001, 0x0000, "fp32 denormal -> 0" },
	};
	int bad = 0, kbad = 0;
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		uint16_t h = lla_f32_to_f16(bitsf(kv[i].f));

		if (h != kv[i].h) {
			tap_diag("%s: 0x%08x -> 0x%04x, want 0x%04x",
				 kv[i].what, kv[i].f, h, kv[i].h);
			kbad++;
		}
	}
	tap_ok(kbad == 0, "f32->f16 on %zu hand-checked values (ties, subnormals, inf, NaN)",
	       sizeof(kv) / sizeof(kv[0]));

	/* Every float in the interesting exponent range, sampled. */
	for (uint64_t b = 0x30000000; b <= 0x48000000; b += 13, n++) {
		float f = bitsf((uint32_t)b);

		if (lla_f32_to_f16(f) != ref_f32_to_f16(f) ||
		    lla_f32_to_f16(-f) != ref_f32_to_f16(-f))
			bad++;
	}
	/* Exact ties and their neighbours at every half grid point. */
	for (uint32_t h = 0; h < 0x7bff; h++) {
		double mid = (half_value((uint16_t)h) +
			      half_value((uint16_t)(h + 1))) / 2;
		float t = (float)mid;	/* exact: 12 significant bits */

		for (int d = -1; d <= 1; d++) {
			float f = bitsf(fbits(t) + (uint32_t)d);

			if (lla_f32_to_f16(f) != ref_f32_to_f16(f))
				bad++;
			n++;
		}
	}
	tap_ok(bad == 0, "f32->f16 equals the RNE definition on %u inputs incl. all ties (%d bad)",
	       n, bad);
}

/* ---------------- quantization ---------------- */

static void test_quant_one(void)
{
	static const struct { float v; int q; } kv[] = {
		{ 2.5f, 2 }, { 3.5f, 4 }, { -2.5f, -2 }, { -3.5f, -4 },
		{ 0.5f, 0 }, { -0.5f, 0 }, { 1.5f, 2 }, { -1.5f, -2 },
		{ 0.49999997f, 0 }, { 0.50000006f, 1 }, { -0.50000006f, -1 },
		{ 2.4f, 2 }, { -2.6f, -3 }, { 126.5f, 126 }, { 127.0f, 127 },
		{ 127.5f, 127 }, { 127.4f, 127 }, { 128.0f, 127 },
		{ -127.5f, -128 }, { -128.0f, -128 }, { -128.5f, -128 },
		{ -200.0f, -128 }, { 200.0f, 127 }, { 1e30f, 127 },
		{ -1e30f, -128 }, { 0.0f, 0 }, { -0.0f, 0 },
	};
	int bad = 0;

	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		int q = lla_quant_one(kv[i].v);

		if (q != kv[i].q) {
			tap_diag("quant_one(%a) = %d, want %d", kv[i].v, q,
				 kv[i].q);
			bad++;
		}
	}
	tap_ok(bad == 0, "quant_one: ties to even and clamping on %zu values",
	       sizeof(kv) / sizeof(kv[0]));
	tap_ok(lla_quant_one(NAN) == 0 && lla_quant_one(-NAN) == 0,
	       "quant_one(NaN) == 0");
	tap_ok(lla_quant_one(INFINITY) == 127 &&
	       lla_quant_one(-INFINITY) == -128, "quant_one(+-inf) clamps");

	/* Sweep against round-half-even in double via nearbyint. */
	bad = 0;
	for (float v = -140.0f; v <= 140.0f; v += 0.0625f) {
		double r = nearbyint((double)v);	/* default mode: RNE */

		r = r > 127 ? 127 : (r < -128 ? -128 : r);
		if (lla_quant_one(v) != (int)r)
			bad++;
	}
	tap_ok(bad == 0, "quant_one equals nearbyint+clamp on a 1/16 grid of [-140, 140]");
}

static void test_quant_row(void)
{
	float z[7] = { 0 };
	int8_t q[7];
	float x1[4] = { 1.0f, -2.0f, 0.5f, 4.0f };
	int8_t e1[4] = { 32, -64, 16, 127 };	/* s = 31.75: -63.5 -> -64 */
	float x2[3] = { NAN, 2.0f, -1.0f };
	int8_t e2[3] = { 0, 127, -64 };		/* s = 63.5: -63.5 -> -64 */
	float x3[2] = { 1e-6f, -3e-6f };	/* below the floor */
	float s;

	memset(q, 0x55, sizeof(q));
	s = lla_quant_row(z, 7, q);
	tap_ok(s == 127.0f / 1e-5f && !memcmp(q, (int8_t[7]){ 0 }, 7),
	       "all-zero row: s = 127/1e-5 (floor), q all 0");
	s = lla_quant_row(x1, 4, q);
	tap_ok(s == 31.75f && !memcmp(q, e1, 4),
	       "quant_row {1,-2,0.5,4}: s = 31.75, q = {32,-64,16,127}");
	s = lla_quant_row(x2, 3, q);
	tap_ok(s == 63.5f && !memcmp(q, e2, 3),
	       "quant_row ignores NaN for amax and quantizes it to 0");
	s = lla_quant_row(x3, 2, q);
	/* 1e-6 * 1.27e7 = 12.7 -> 13; -3e-6 * 1.27e7 = -38.1 -> -38 */
	tap_ok(s == 127.0f / 1e-5f && q[0] == 13 && q[1] == -38,
	       "quant_row with amax below 1e-5 uses the floor (q = {13, -38})");
}

/* ---------------- expf and activations ---------------- */

static void test_expf(void)
{
	int64_t worst = 0;
	float worst_x = 0.0f;
	uint32_t n = 0;

	/* Every 61st float of [-104, 89], both signs, incl. subnormal results. */
	for (uint64_t b = 0; b < 0x42b20000ull; b += 61) {
		for (int s = 0; s < 2; s++) {
			float xv = bitsf((uint32_t)b | (s ? 0x80000000u : 0));
			float ref, got;
			int64_t d;

			if (xv < -104.0f)
				continue;
			ref = (float)exp((double)xv);
			got = lla_expf(xv);
			d = ulp_diff(ref, got);
			n++;
			if (d > worst) {
				worst = d;
				worst_x = xv;
			}
		}
	}
	tap_ok(worst <= 2, "expf within 2 ulp of exp() over %u inputs (max %lld at %a)",
	       n, (long long)worst, worst_x);
	tap_ok(lla_expf(0.0f) == 1.0f && lla_expf(-0.0f) == 1.0f,
	       "expf(+-0) == 1 exactly");
	tap_ok(isnan(lla_expf(NAN)), "expf(NaN) is NaN");
	tap_ok(isinf(lla_expf(INFINITY)) && lla_expf(INFINITY) > 0,
	       "expf(+inf) == +inf");
	tap_ok(fbits(lla_expf(-INFINITY)) == 0, "expf(-inf) == +0");
	tap_ok(isinf(lla_expf(88.75f)) && isinf(lla_expf(1000.0f)),
	       "expf overflows to +inf above ln(FLT_MAX)");
	tap_ok(lla_expf(88.7f) > 3.0e38f && !isinf(lla_expf(88.7f)),
	       "expf(88.7) is finite, near FLT_MAX");
	tap_ok(fbits(lla_expf(-104.0f)) == 0 && fbits(lla_expf(-1e9f)) == 0,
	       "expf underflows to +0 below -103.97");
	tap_ok(lla_expf(-100.0f) > 0.0f &&
	       ulp_diff(lla_expf(-100.0f), (float)exp(-100.0)) <= 1,
	       "expf(-100) is a correctly scaled subnormal");
	tap_ok(ulp_diff(lla_expf(1.0f), (float)M_E) <= 1,
	       "expf(1) within 1 ulp of e");
}

static void test_act(void)
{
	int64_t worst = 0;

	tap_ok(lla_act(LLA_ACT_RELU, -1.0f) == 0.0f &&
	       lla_act(LLA_ACT_RELU, 2.5f) == 2.5f &&
	       lla_act(LLA_ACT_RELU, NAN) == 0.0f &&
	       fbits(lla_act(LLA_ACT_RELU, -0.0f)) == 0,
	       "relu: -1 -> 0, 2.5 -> 2.5, NaN -> 0, -0 -> +0");
	tap_ok(lla_act(LLA_ACT_RELU2, 3.0f) == 9.0f &&
	       lla_act(LLA_ACT_RELU2, -3.0f) == 0.0f &&
	       lla_act(LLA_ACT_RELU2, NAN) == 0.0f &&
	       lla_act(LLA_ACT_RELU2, 1e20f) == INFINITY,
	       "relu2: 3 -> 9, -3 -> 0, NaN -> 0, 1e20 -> inf");
	tap_ok(fbits(lla_act(LLA_ACT_NONE, -1.25f)) == fbits(-1.25f) &&
	       isnan(lla_act(LLA_ACT_NONE, NAN)),
	       "act NONE is the identity");
	tap_ok(lla_act(LLA_ACT_SILU, 0.0f) == 0.0f &&
	       lla_act(LLA_ACT_SILU, 100.0f) == 100.0f &&
	       lla_act(LLA_ACT_SILU, -200.0f) == -0.0f,
	       "silu: 0 -> 0, 100 -> 100, -200 -> -0");
	for (float v = -30.0f; v <= 30.0f; v += 0.01171875f) {
		double r = (double)v / (1.0 + exp(-(double)v));
		int64_t d = ulp_diff((float)r, lla_act(LLA_ACT_SILU, v));

		if (d > worst)
			worst = d;
	}
	tap_ok(worst <= 4, "silu within 4 ulp of x/(1+exp(-x)) on [-30, 30] (max %lld)",
	       (long long)worst);
}

/* ---------------- RNG ---------------- */

static void test_rng(void)
{
	double sum = 0.0;
	int range_bad = 0, distinct = 0;
	float prev = -1.0f;
	int buckets[10] = { 0 }, bucket_bad = 0;

	/*
	 * Published splitmix64 outputs from state 0: 0xe220a8397b1dcdaf,
	 * 0x6e789e6aa1b965f4; seed 0 with counters 0 and 1 is that state.
	 */
	tap_ok(lla_rng_uniform(0, 0) == (float)0xe220a8 * 0x1p-24f &&
	       lla_rng_uniform(0, 1) == (float)0x6e789e * 0x1p-24f,
	       "rng(0, 0..1) matches the known splitmix64 sequence");
	tap_ok(lla_rng_uniform(12345, 678) == lla_rng_uniform(12345, 678),
	       "rng is a pure function of (seed, counter)");
	tap_ok(lla_rng_uniform(1, 5) != lla_rng_uniform(2, 5) &&
	       lla_rng_uniform(1, 5) != lla_rng_uniform(1, 6),
	       "rng changes with the seed and with the counter");
	for (uint64_t c = 0; c < 100000; c++) {
		float u = lla_rng_uniform(0x1234abcdull, c);

		if (!(u >= 0.0f && u < 1.0f))
			range_bad++;
		if (u != prev)
			distinct++;
		prev = u;
		sum += u;
		buckets[(int)(u * 10.0f)]++;
	}
	for (int i = 0; i < 10; i++)
		if (buckets[i] < 9500 || buckets[i] > 10500)
			bucket_bad++;
	tap_ok(range_bad == 0, "100k draws all in [0, 1)");
	tap_ok(fabs(sum / 100000.0 - 0.5) < 0.01,
	       "mean of 100k draws %.4f within 0.01 of 0.5", sum / 100000.0);
	tap_ok(bucket_bad == 0 && distinct > 99000,
	       "deciles of 100k draws within 5%% of 10000 each");
	tap_ok(lla_rng_uniform(~0ull, ~0ull) < 1.0f,
	       "rng wraps mod 2^64 without leaving [0, 1)");
}

/* ---------------- weight formats ---------------- */

static void test_row_bytes(void)
{
	tap_ok(lla_wfmt_row_bytes(LLA_WFMT_T2, 1) == 1 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T2, 4) == 1 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T2, 5) == 2 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T2, 2560) == 640 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T2, LLA_MAX_K) == LLA_MAX_K / 4 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T2, UINT32_MAX) == 0x40000000u,
	       "T2 row bytes = ceil(k/4), no wrap at UINT32_MAX");
	tap_ok(lla_wfmt_row_bytes(LLA_WFMT_T5, 1) == 1 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T5, 5) == 1 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T5, 6) == 2 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T5, LLA_MAX_K) == 13108 &&
	       lla_wfmt_row_bytes(LLA_WFMT_T5, UINT32_MAX) == 858993459u,
	       "T5 row bytes = ceil(k/5), no wrap at UINT32_MAX");
	tap_ok(lla_wfmt_row_bytes(LLA_WFMT_I8, LLA_MAX_K) == LLA_MAX_K &&
	       lla_wfmt_row_bytes(LLA_WFMT_F16, LLA_MAX_K) == 2 * LLA_MAX_K &&
	       lla_wfmt_row_bytes(LLA_WFMT_F16, 3) == 6,
	       "I8 row = k bytes, F16 row = 2k bytes");
	tap_ok(lla_wfmt_row_bytes(LLA_WFMT_COUNT, 16) == 0 &&
	       lla_wfmt_row_bytes(200, 16) == 0,
	       "unknown weight format: 0 row bytes");
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void test_pack(void)
{
	int8_t w[200], u[200];
	uint8_t b[64];
	uint32_t seed = 7;
	int bad2 = 0, bad5 = 0;

	for (uint32_t k = 1; k <= 200; k++) {
		for (int fmt = 0; fmt < 2; fmt++) {
			uint8_t f = fmt ? LLA_WFMT_T5 : LLA_WFMT_T2;

			for (uint32_t i = 0; i < k; i++)
				w[i] = (int8_t)((int)(lcg(&seed) % 3) - 1);
			memset(b, 0xee, sizeof(b));
			lla_pack_row(f, w, k, b);
			memset(u, 0x7f, sizeof(u));
			lla_unpack_row(f, b, k, u);
			/* and the byte past the row is untouched */
			if (memcmp(w, u, k) || (k < 200 && u[k] != 0x7f) ||
			    b[lla_wfmt_row_bytes(f, k)] != 0xee)
				*(fmt ? &bad5 : &bad2) += 1;
		}
	}
	tap_ok(bad2 == 0, "T2 pack/unpack round trip for k = 1..200 (%d bad)", bad2);
	tap_ok(bad5 == 0, "T5 pack/unpack round trip for k = 1..200 (%d bad)", bad5);

	memset(w, -1, 10);
	lla_pack_row(LLA_WFMT_T5, w, 10, b);
	tap_ok(b[0] == 0 && b[1] == 0, "T5: five -1 pack to 0");
	memset(w, 1, 10);
	lla_pack_row(LLA_WFMT_T5, w, 10, b);
	tap_ok(b[0] == 242 && b[1] == 242, "T5: five +1 pack to 242");
	memset(w, 0, 10);
	lla_pack_row(LLA_WFMT_T5, w, 10, b);
	tap_ok(b[0] == 121, "T5: five 0 pack to 121");
	lla_pack_row(LLA_WFMT_T5, (int8_t[]){ -1, 0, 1, 1, -1, 1 }, 6, b);
	/* 0 + 1*3 + 2*9 + 2*27 + 0*81 = 75; then 2 + pads 1*(3+9+27+81) */
	tap_ok(b[0] == 75 && b[1] == 122,
	       "T5: {-1,0,1,1,-1 | 1} packs to {75, 122} (first weight = 3^0 digit, pad digit 1)");
	lla_pack_row(LLA_WFMT_T2, (int8_t[]){ -1, 0, 1, 1, 1 }, 5, b);
	tap_ok(b[0] == 0xa4 && b[1] == 0x56,
	       "T2: {-1,0,1,1 | 1} packs to {0xa4, 0x56} (pad code 1)");
	memset(w, 0, 8);
	lla_pack_row(LLA_WFMT_T2, w, 8, b);
	tap_ok(b[0] == 0x55 && b[1] == 0x55, "T2: zeros pack to 0x55");

	/* Invalid codes decode as zeros. */
	memset(u, 0x7f, 8);
	lla_unpack_row(LLA_WFMT_T2, (uint8_t[]){ 0xe4, 0xff }, 8, u);
	tap_ok(!memcmp(u, (int8_t[]){ -1, 0, 1, 0, 0, 0, 0, 0 }, 8),
	       "T2: code 3 decodes as 0 (0xe4 -> -1,0,1,0; 0xff -> zeros)");
	bad5 = 0;
	for (uint32_t v = 243; v < 256; v++) {
		uint8_t byte = (uint8_t)v;

		memset(u, 0x7f, 5);
		lla_unpack_row(LLA_WFMT_T5, &byte, 5, u);
		if (memcmp(u, (int8_t[5]){ 0 }, 5))
			bad5++;
	}
	tap_ok(bad5 == 0, "T5: bytes 243..255 decode as five zeros");
	bad5 = 0;
	for (uint32_t v = 0; v < 243; v++) {
		uint8_t byte = (uint8_t)v;
		uint32_t r = v;

		lla_unpack_row(LLA_WFMT_T5, &byte, 5, u);
		for (int i = 0; i < 5; i++, r /= 3)
			if (u[i] != (int)(r % 3) - 1)
				bad5++;
	}
	tap_ok(bad5 == 0, "T5: all 243 valid bytes decode digit i = 3^i place");
}

static void test_rope_table(void)
{
	float t[4 * 4 * 2];

	lla_rope_table(t, 4, 8, 10000.0f);
	/* p = 3, i = 1: freq = 10000^(-1/4) = 0.1, angle 0.3 */
	tap_ok(t[0] == 1.0f && t[1] == 0.0f &&
	       t[(3 * 4 + 1) * 2] == (float)cos(0.3) &&
	       t[(3 * 4 + 1) * 2 + 1] == (float)sin(0.3) &&
	       t[(2 * 4 + 3) * 2 + 1] == (float)sin(2 * 0.001),
	       "rope table: {cos, sin} of p * theta^(-2i/hd)");
}

int main(void)
{
	test_f16_to_f32();
	test_f32_to_f16();
	test_quant_one();
	test_quant_row();
	test_expf();
	test_act();
	test_rng();
	test_row_bytes();
	test_pack();
	test_rope_table();
	return tap_done();
}
