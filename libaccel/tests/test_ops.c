// SPDX-License-Identifier: MIT
/*
 * libaccel opcode and lifecycle suite, backend independent.
 *
 * Part 1 builds one job holding every opcode through the builders (with
 * non-packed strides and fused epilogues) and checks each output against
 * an independent host computation written here from docs/hw-spec.md, so
 * a builder that encoded a field wrongly would show; the whole state is
 * also compared with the rtl-model run directly.  Part 2 covers buffer
 * lifetimes across in-flight jobs, dependency chains across queues,
 * device-side semaphores between queues, SEM_WAIT timeouts, the largest
 * command buffer, and closing a device with jobs in flight.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

#define NB 64
static accel_bo *bos[NB];
static int nbos;

static accel_bo *mk(uint64_t size)
{
	accel_bo *bo = alloc(size, 0);

	if (nbos == NB) {
		tap_ok(0, "too many buffers");
		exit(tap_done());
	}
	bos[nbos++] = bo;
	return bo;
}

static void fill_f32(accel_bo *bo, uint32_t n, float scale)
{
	float *p = map(bo);

	for (uint32_t i = 0; i < n; i++)
		p[i] = rndf() * scale;
}

static float f32_at(accel_bo *bo, uint64_t off)
{
	float v;

	memcpy(&v, (uint8_t *)map(bo) + off, 4);
	return v;
}

/* The quantization rule of hw-spec 8.2, written independently. */
static float quant_row(const float *y, uint32_t k, int8_t *q)
{
	float amax = 0, s;

	for (uint32_t i = 0; i < k; i++) {
		float a = fabsf(y[i]);

		if (a > amax)
			amax = a;
	}
	s = 127.0f / (amax > 1e-5f ? amax : 1e-5f);
	for (uint32_t i = 0; i < k; i++) {
		float v = rintf(y[i] * s);	/* ties to even */

		q[i] = (int8_t)(v > 127.0f ? 127 : v < -128.0f ? -128 : v);
	}
	return s;
}

static void test_every_opcode(void)
{
	/* shapes */
	enum { NE = 64, EV = 6, ED = 8, EM = 3, AN = 50, TN = 20, TK = 5,
	       QM = 2, QN = 3, QK = 10, IK = 12, TM = 3, TNN = 5, TKK = 23,
	       NM = 2, NKK = 12, RH = 2, RD = 8, RT = 8, SN = 30 };
	accel_bo *fb = mk(256), *src = mk(1000), *dst = mk(1000);
	accel_bo *ea = mk(NE * 4), *eb = mk(NE * 4), *ey1 = mk(NE * 4);
	accel_bo *ey2 = mk(NE * 4), *ey3 = mk(NE * 4), *ec = mk(NE * 4);
	accel_bo *tab = mk(EV * 20), *ids = mk(EM * 4), *emy = mk(EM * 40);
	accel_bo *ax = mk(2 * 220), *ay = mk(8), *tx = mk(TN * 4);
	accel_bo *tidx = mk(TK * 4), *tval = mk(TK * 4);
	accel_bo *qx = mk(QM * QK * 4), *qw = mk(QN * QK * 2);
	accel_bo *qb = mk(QN * 4), *qy = mk(QM * QN * 4);
	accel_bo *ix = mk(QM * IK), *ixs = mk(QM * 4), *iw = mk(QN * IK);
	accel_bo *iws = mk(QN * 4), *ires = mk(QM * QN * 4), *iy = mk(QM * QN * 4);
	accel_bo *lx = mk(TM * 26), *ls = mk(TM * 4), *lw = mk(TNN * 8);
	accel_bo *lb = mk(TNN * 4), *lg = mk(TM * 28), *lr = mk(TM * TNN * 4);
	accel_bo *ly = mk(TM * 14);
	accel_bo *nx = mk(NM * 48), *ng = mk(NKK * 4), *nq = mk(NM * 16);
	accel_bo *ns = mk(NM * 4), *ny = mk(NM * 48);
	accel_bo *rx = mk(2 * RH * RD * 4), *rt = mk(RT * RD * 4);
	accel_bo *sl = mk(SN * 4), *so = mk(4), *ts = mk(8), *cell = mk(8);
	struct accel_job_result res;
	struct lla_job_result dr;
	accel_cmdbuf *cb = NULL;
	struct snap sn = { 0 };
	int8_t codes[TNN * TKK];
	float ec0[NE], rx0[2 * RH * RD];
	uint32_t *u;
	int err = 0, ok;

	/* ---- inputs ---- */
	u = map(src);
	for (int i = 0; i < 250; i++)
		u[i] = rnd();
	fill_f32(ea, NE, 3);
	fill_f32(eb, NE, 2);
	fill_f32(ec, NE, 2);
	for (int v = 0; v < EV; v++)
		for (int d = 0; d < ED; d++) {
			uint16_t h = lla_f32_to_f16(rndf() * 4);

			memcpy((uint8_t *)map(tab) + v * 20 + d * 2, &h, 2);
		}
	((int32_t *)map(ids))[0] = 3;
	((int32_t *)map(ids))[1] = 0;
	((int32_t *)map(ids))[2] = 5;
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < AN; i++)
			memcpy((uint8_t *)map(ax) + r * 220 + i * 4,
			       &(float){ rndf() }, 4);
	memcpy((uint8_t *)map(ax) + 17 * 4, &(float){ 5.0f }, 4);
	memcpy((uint8_t *)map(ax) + 220 + 3 * 4, &(float){ 7.0f }, 4);
	memcpy((uint8_t *)map(ax) + 220 + 40 * 4, &(float){ 7.0f }, 4);
	for (int i = 0; i < TN; i++)
		((float *)map(tx))[i] = (float)((i * 7) % TN) - 10.0f;
	fill_f32(qx, QM * QK, 2);
	for (int i = 0; i < QN * QK; i++)
		((uint16_t *)map(qw))[i] = lla_f32_to_f16(rndf());
	fill_f32(qb, QN, 1);
	for (int i = 0; i < QM * IK; i++)
		((int8_t *)map(ix))[i] = (int8_t)rnd();
	for (int i = 0; i < QN * IK; i++)
		((int8_t *)map(iw))[i] = (int8_t)rnd();
	((float *)map(ixs))[0] = 31.0f;
	((float *)map(ixs))[1] = 0.75f;
	fill_f32(iws, QN, 0.1f);
	fill_f32(ires, QM * QN, 5);
	for (int i = 0; i < TM * 26; i++)
		((int8_t *)map(lx))[i] = (int8_t)rnd();
	for (int i = 0; i < TM; i++)
		((float *)map(ls))[i] = 10.0f + (float)i * 3.5f;
	for (int i = 0; i < TNN * TKK; i++)
		codes[i] = (int8_t)((int)(rnd() % 3) - 1);
	err |= accel_ternary_pack(LLA_WFMT_T2, codes, TNN, TKK, map(lw), 8);
	fill_f32(lb, TNN, 1);
	fill_f32(lg, TM * 7, 2);
	fill_f32(lr, TM * TNN, 1);
	fill_f32(nx, NM * NKK, 4);
	fill_f32(ng, NKK, 1);
	fill_f32(rx, 2 * RH * RD, 1);
	lla_rope_table(map(rt), RT, RD, 10000.0f);
	for (int i = 0; i < SN; i++)
		((float *)map(sl))[i] = (float)((i * 11) % SN);

	/* ---- the job: one command per opcode ---- */
	accel_cmdbuf_create(dev, &cb);
	err |= accel_cmd_fill(cb, accel_at(fb, 0), 256, 0x3f800000u);
	err |= accel_cmd_copy(cb, accel_at(dst, 0), accel_at(src, 0), 1000);
	err |= accel_cmd_eltwise(cb, &(struct accel_eltwise){
		.a = accel_at(ea, 0), .b = accel_at(eb, 0), .y = accel_at(ey1, 0),
		.count = NE, .op = LLA_ELT_ADD });
	err |= accel_cmd_eltwise(cb, &(struct accel_eltwise){
		.a = accel_at(ea, 0), .y = accel_at(ey2, 0), .count = NE,
		.op = LLA_ELT_SCALE, .imm = 0.375f });
	err |= accel_cmd_eltwise(cb, &(struct accel_eltwise){
		.a = accel_at(ea, 0), .y = accel_at(ey3, 0), .count = NE,
		.op = LLA_ELT_RELU2 });
	err |= accel_cmd_eltwise(cb, &(struct accel_eltwise){
		.a = accel_at(ec, 0), .b = accel_at(eb, 0), .y = accel_at(ec, 0),
		.count = NE, .op = LLA_ELT_MUL });
	err |= accel_cmd_embed(cb, &(struct accel_embed){
		.table = accel_at(tab, 0), .ids = accel_at(ids, 0),
		.y = accel_at(emy, 0), .vocab = EV, .dim = ED, .m = EM,
		.table_stride = 20, .y_stride = 40, .dtype = LLA_DTYPE_F16 });
	err |= accel_cmd_argmax(cb, &(struct accel_argmax){
		.x = accel_at(ax, 0), .y = accel_at(ay, 0), .m = 2, .n = AN,
		.x_stride = 220 });
	err |= accel_cmd_topk(cb, &(struct accel_topk){
		.x = accel_at(tx, 0), .idx = accel_at(tidx, 0),
		.val = accel_at(tval, 0), .n = TN, .k = TK });
	err |= accel_cmd_qmm(cb, &(struct accel_qmm){
		.x = accel_at(qx, 0), .w = accel_at(qw, 0), .y = accel_at(qy, 0),
		.m = QM, .n = QN, .k = QK, .wfmt = LLA_WFMT_F16,
		.epi = { .bias = accel_at(qb, 0), .out_dtype = LLA_DTYPE_F32 } });
	err |= accel_cmd_qmm(cb, &(struct accel_qmm){
		.x = accel_at(ix, 0), .x_scale = accel_at(ixs, 0),
		.w = accel_at(iw, 0), .w_scale = accel_at(iws, 0),
		.y = accel_at(iy, 0), .m = QM, .n = QN, .k = IK,
		.wfmt = LLA_WFMT_I8,
		.epi = { .residual = accel_at(ires, 0),
			 .out_dtype = LLA_DTYPE_F32 } });
	err |= accel_cmd_tlmm(cb, &(struct accel_tlmm){
		.x = accel_at(lx, 0), .x_scale = accel_at(ls, 0),
		.w = accel_at(lw, 0), .y = accel_at(ly, 0), .m = TM, .n = TNN,
		.k = TKK, .x_stride = 26, .w_stride = 8, .y_stride = 14,
		.w_scale = 0.7f, .wfmt = LLA_WFMT_T2,
		.epi = { .bias = accel_at(lb, 0), .gate = accel_at(lg, 0),
			 .residual = accel_at(lr, 0), .gate_stride = 28,
			 .act = LLA_ACT_RELU, .out_dtype = LLA_DTYPE_F16 } });
	err |= accel_cmd_norm_quant(cb, &(struct accel_norm_quant){
		.x = accel_at(nx, 0), .gamma = accel_at(ng, 0),
		.q = accel_at(nq, 0), .scale = accel_at(ns, 0),
		.y = accel_at(ny, 0), .m = NM, .k = NKK, .x_stride = 48,
		.q_stride = 16, .y_stride = 48, .eps = 1e-5f,
		.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT | LLA_NQ_F_F32OUT });
	err |= accel_cmd_rope(cb, &(struct accel_rope){
		.x = accel_at(rx, 0), .table = accel_at(rt, 0), .m = 2,
		.n_head = RH, .head_dim = RD, .pos = 3, .table_len = RT });
	err |= accel_cmd_sample(cb, &(struct accel_sample){
		.logits = accel_at(sl, 0), .out = accel_at(so, 0), .n = SN,
		.temperature = 0, .top_p = 1 });
	err |= accel_cmd_timestamp(cb, accel_at(ts, 0));
	err |= accel_cmd_sem_signal(cb, accel_at(cell, 0), LLA_SEM_SET,
				    0x1122334455667788ull, 0);
	err |= accel_cmd_nop(cb);
	if (err)
		tap_diag("build: %s", accel_last_error());
	tap_ok(!err && accel_cmdbuf_count(cb) == 18,
	       "one job with every opcode (18 commands) is built");
	for (int i = 0; i < nbos; i++)
		snap_bo(&sn, bos[i]);
	memcpy(ec0, map(ec), sizeof(ec0));	/* in-place operands */
	memcpy(rx0, map(rx), sizeof(rx0));
	err = submit_wait(cb, 0, &res);
	tap_ok(!err && res.status == LLA_OK && res.cmd_index == 18,
	       "the job completes all 18 commands (%s)",
	       accel_hw_error_name(res.status));
	run_direct(&sn, cb, &dr);
	ok = dr.status == LLA_OK && res.cycles == dr.cycles;
	for (int i = 0; i < nbos; i++) {
		/* The timestamp depends on the device clock at job start. */
		if (bos[i] == ts)
			continue;
		ok &= !memcmp(map(bos[i]), snap_data(&sn, bos[i]),
			      accel_bo_size(bos[i]));
	}
	tap_ok(ok, "every buffer and the cycle count equal the rtl-model run directly");

	/* ---- independent expectations ---- */
	ok = 1;
	for (int i = 0; i < 64; i++)
		ok &= ((uint32_t *)map(fb))[i] == 0x3f800000u;
	tap_ok(ok, "FILL wrote 64 x 1.0f");
	tap_ok(!memcmp(map(dst), map(src), 1000), "COPY copied 1000 bytes");
	ok = 1;
	for (int i = 0; i < NE; i++) {
		float a = ((float *)map(ea))[i], b = ((float *)map(eb))[i];
		float c0 = ec0[i];
		float r = a > 0 ? a : 0, add = a + b, sc = a * 0.375f;
		float r2 = r * r, mul = c0 * b;

		ok &= !memcmp(&add, (float *)map(ey1) + i, 4) &&
		      !memcmp(&sc, (float *)map(ey2) + i, 4) &&
		      !memcmp(&r2, (float *)map(ey3) + i, 4) &&
		      !memcmp(&mul, (float *)map(ec) + i, 4);
	}
	tap_ok(ok, "ELTWISE ADD, SCALE (imm 0.375), RELU2 and in-place MUL are exact");
	ok = 1;
	for (int m = 0; m < EM; m++)
		for (int d = 0; d < ED; d++) {
			int id = ((int32_t *)map(ids))[m];
			uint16_t h;
			float want;

			memcpy(&h, (uint8_t *)map(tab) + id * 20 + d * 2, 2);
			want = lla_f16_to_f32(h);
			ok &= !memcmp(&want, (uint8_t *)map(emy) + m * 40 + d * 4, 4);
		}
	tap_ok(ok, "EMBED gathered fp16 rows 3, 0, 5 with strides 20/40");
	tap_ok(((int32_t *)map(ay))[0] == 17 && ((int32_t *)map(ay))[1] == 3,
	       "ARGMAX: 17 and the first of a tie (3)");
	ok = 1;
	for (int j = 0; j < TK; j++) {
		int i = ((int32_t *)map(tidx))[j];

		ok &= i >= 0 && i < TN && (i * 7) % TN == TN - 1 - j &&
		      ((float *)map(tval))[j] == (float)(TN - 1 - j) - 10.0f;
	}
	tap_ok(ok, "TOPK: the 5 largest in descending order with values");
	ok = 1;
	for (int m = 0; m < QM; m++)
		for (int n = 0; n < QN; n++) {
			/* 16 lanes (lane k % 16), then pairs 8, 4, 2, 1 apart */
			float lane[16] = { 0 }, v;

			for (int k = 0; k < QK; k++)
				lane[k % 16] = lane[k % 16] +
					((float *)map(qx))[m * QK + k] *
					lla_f16_to_f32(((uint16_t *)map(qw))[n * QK + k]);
			for (int h = 8; h >= 1; h /= 2)
				for (int j = 0; j < h; j++)
					lane[j] = lane[j] + lane[j + h];
			v = lane[0] + ((float *)map(qb))[n];
			ok &= !memcmp(&v, (float *)map(qy) + m * QN + n, 4);
		}
	tap_ok(ok, "QMM F16 with bias: 16-lane fp32 sums and lane tree, bit-exact");
	ok = 1;
	for (int m = 0; m < QM; m++)
		for (int n = 0; n < QN; n++) {
			int32_t acc = 0;
			float v;

			for (int k = 0; k < IK; k++)
				acc += ((int8_t *)map(ix))[m * IK + k] *
				       ((int8_t *)map(iw))[n * IK + k];
			v = ((float)acc / ((float *)map(ixs))[m]) *
			    ((float *)map(iws))[n];
			v = v + ((float *)map(ires))[m * QN + n];
			ok &= !memcmp(&v, (float *)map(iy) + m * QN + n, 4);
		}
	tap_ok(ok, "QMM I8 with residual: int32 dot, scales, bit-exact");
	ok = 1;
	for (int m = 0; m < TM; m++)
		for (int n = 0; n < TNN; n++) {
			int32_t acc = 0;
			uint16_t h;
			float v;

			for (int k = 0; k < TKK; k++)
				acc += ((int8_t *)map(lx))[m * 26 + k] *
				       codes[n * TKK + k];
			v = ((float)acc / ((float *)map(ls))[m]) * 0.7f;
			v = v + ((float *)map(lb))[n];
			v = v > 0 ? v : 0;
			v = v * f32_at(lg, (uint64_t)m * 28 + n * 4);
			v = v + ((float *)map(lr))[m * TNN + n];
			h = lla_f32_to_f16(v);
			ok &= !memcmp(&h, (uint8_t *)map(ly) + m * 14 + n * 2, 2);
		}
	tap_ok(ok, "TLMM T2, strided, bias+relu+gate+residual, fp16 out: bit-exact");
	ok = 1;
	for (int m = 0; m < NM; m++) {
		const float *x = (const float *)((uint8_t *)map(nx) + m * 48);
		float y[NKK], lane[16] = { 0 }, ss, r, s;
		int8_t q[NKK];

		/* 16 lanes and the tree 8, 4, 2, 1 (hw-spec 7.5) */
		for (int k = 0; k < NKK; k++)
			lane[k % 16] = lane[k % 16] + x[k] * x[k];
		for (int h = 8; h >= 1; h /= 2)
			for (int j = 0; j < h; j++)
				lane[j] = lane[j] + lane[j + h];
		ss = lane[0];
		r = 1.0f / sqrtf(ss / (float)NKK + 1e-5f);
		for (int k = 0; k < NKK; k++)
			y[k] = x[k] * r * ((float *)map(ng))[k];
		s = quant_row(y, NKK, q);
		ok &= !memcmp(y, (uint8_t *)map(ny) + m * 48, sizeof(y)) &&
		      !memcmp(q, (uint8_t *)map(nq) + m * 16, NKK) &&
		      !memcmp(&s, (float *)map(ns) + m, 4);
	}
	tap_ok(ok, "NORM_QUANT (RMSNorm, gamma, f32 out, int8 + scale) is exact");
	ok = 1;
	for (int m = 0; m < 2; m++)
		for (int h = 0; h < RH; h++)
			for (int i = 0; i < RD / 2; i++) {
				const float *x0p = rx0 + m * RH * RD + h * RD;
				const float *t = (float *)map(rt) +
						 ((3 + m) * RD / 2 + i) * 2;
				float x0 = x0p[i], x1 = x0p[i + RD / 2];
				float a = x0 * t[0] - x1 * t[1];
				float b = x0 * t[1] + x1 * t[0];
				const float *out = (float *)map(rx) +
						   m * RH * RD + h * RD;

				ok &= !memcmp(&a, out + i, 4) &&
				      !memcmp(&b, out + i + RD / 2, 4);
			}
	tap_ok(ok, "ROPE (NEOX pairs, position 3 + row) is exact");
	/* 11*i mod 30 == 29 at i = 19 */
	tap_ok(((int32_t *)map(so))[0] == 19, "SAMPLE at temperature 0 is the argmax (19)");
	{
		uint64_t t;

		memcpy(&t, map(ts), 8);
		tap_ok((caps.result_fields & ACCEL_RESULT_CLOCK) ?
		       (t >= res.start_cycle && t <= res.end_cycle) : t > 0,
		       "TIMESTAMP %llu lies within the job [%llu, %llu]",
		       (unsigned long long)t,
		       (unsigned long long)res.start_cycle,
		       (unsigned long long)res.end_cycle);
	}
	tap_ok(*(uint64_t *)map(cell) == 0x1122334455667788ull,
	       "SEM_SIGNAL SET wrote the 64-bit value");
	snap_free(&sn);
	accel_cmdbuf_destroy(cb);
	for (int i = 0; i < nbos; i++)
		accel_bo_free(bos[i]);
	nbos = 0;
}

/* ---------------- lifecycles ---------------- */

/* Freeing what a queued job uses is safe: the job keeps it alive. */
static void test_lifetimes(void)
{
	accel_bo *cell = alloc(8, 0), *target = alloc(8192, 0);
	accel_cmdbuf *cb = NULL;
	accel_fence *f = NULL;
	struct accel_job_result r;
	int err;

	accel_cmdbuf_create(dev, &cb);
	accel_cmd_sem_wait(cb, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_cmd_fill(cb, accel_at(target, 0), 8192, 0x55aa55aau);
	err = accel_submit(cb, NULL, &f);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(target);
	*(volatile uint64_t *)map(cell) = 1;
	err |= accel_fence_wait(f, MS(20000));
	accel_fence_result(f, &r);
	tap_ok(!err && r.status == LLA_OK,
	       "a job whose buffer and command buffer were freed after submission completes (%s)",
	       accel_hw_error_name(r.status));
	accel_fence_release(f);
	accel_bo_free(cell);
}

/* A chain of dependent read-modify-write jobs alternating queues. */
static void test_chain(void)
{
	enum { N = 48 };
	accel_bo *cell = alloc(8, 0);
	accel_fence *f[N] = { 0 };
	accel_cmdbuf *cb = NULL;
	struct accel_job_result prev, cur;
	int err = 0, ordered = 1;

	accel_cmdbuf_create(dev, &cb);
	accel_cmd_sem_signal(cb, accel_at(cell, 0), LLA_SEM_ADD, 3, 0);
	for (int i = 0; i < N; i++) {
		struct accel_submit_opts o = {
			.queue = (uint32_t)i % caps.num_queues,
			.priority = (uint32_t)i % 3,
			.deps = i ? &f[i - 1] : NULL, .ndeps = i ? 1 : 0 };

		err |= accel_submit(cb, &o, &f[i]);
	}
	err |= accel_fence_wait(f[N - 1], MS(60000));
	for (int i = 0; i < N; i++) {
		err |= accel_fence_wait(f[i], 0);
		accel_fence_result(f[i], &cur);
		if (i && (caps.result_fields & ACCEL_RESULT_CLOCK))
			ordered &= cur.start_cycle >= prev.end_cycle;
		prev = cur;
	}
	tap_ok(!err && *(uint64_t *)map(cell) == 3 * N,
	       "%d dependent ADD jobs across %u queues: no lost update (%llu)",
	       N, caps.num_queues, (unsigned long long)*(uint64_t *)map(cell));
	tap_ok(ordered, "each job of the chain started after its dependency ended");
	for (int i = 0; i < N; i++)
		accel_fence_release(f[i]);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(cell);
}

/* Queues synchronise on the device through semaphores, without the host. */
static void test_device_semaphores(void)
{
	accel_bo *cell = alloc(8, 0), *out = alloc(64, 0);
	accel_cmdbuf *ca = NULL, *cb = NULL;
	accel_fence *fa = NULL, *fb = NULL;
	int err = 0;

	if (caps.num_queues < 2) {
		tap_ok(1, "# SKIP one queue only");
		accel_bo_free(cell);
		accel_bo_free(out);
		return;
	}
	accel_cmdbuf_create(dev, &ca);
	accel_cmdbuf_create(dev, &cb);
	accel_cmd_sem_wait(ca, accel_at(cell, 0), LLA_SEM_EQ, 5,
			   LLA_SEM_F_32BIT);
	accel_cmd_fill(ca, accel_at(out, 0), 64, 9);
	accel_cmd_sem_signal(cb, accel_at(cell, 0), LLA_SEM_SET, 5,
			     LLA_SEM_F_32BIT);
	err |= accel_submit(ca, &(struct accel_submit_opts){ .queue = 0 }, &fa);
	err |= accel_submit(cb, &(struct accel_submit_opts){ .queue = 1 }, &fb);
	err |= accel_fence_wait(fa, MS(20000));
	err |= accel_fence_wait(fb, MS(20000));
	tap_ok(!err && ((uint32_t *)map(out))[15] == 9,
	       "SEM_WAIT on queue 0 released by SEM_SIGNAL on queue 1");
	accel_fence_release(fa);
	accel_fence_release(fb);
	accel_cmdbuf_destroy(ca);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(cell);
	accel_bo_free(out);
}

static void test_sem_timeout(void)
{
	accel_bo *cell = alloc(8, 0);
	struct accel_job_result r;
	accel_cmdbuf *cb = NULL;
	int err;

	accel_cmdbuf_create(dev, &cb);
	accel_cmd_nop(cb);
	accel_cmd_sem_wait(cb, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_cmd_nop(cb);
	err = submit_wait(cb, 0, &r);
	tap_ok(err == -EIO && r.status == LLA_ERR_TIMEOUT && r.cmd_index == 1 &&
	       r.opcode == LLA_OP_SEM_WAIT,
	       "an unsatisfied SEM_WAIT fails with TIMEOUT at its index (%s, %u)",
	       accel_hw_error_name(r.status), r.cmd_index);
	tap_ok(r.wall_ns >= 1000000000ull,
	       "the device waited at least 1 s (%llu ms)",
	       (unsigned long long)(r.wall_ns / 1000000));
	accel_cmdbuf_destroy(cb);
	accel_bo_free(cell);
}

static void test_largest_cmdbuf(void)
{
	uint32_t max = caps.max_cmdbuf / 8, n = 0;
	struct accel_job_result r;
	accel_cmdbuf *cb = NULL;
	int err = 0;

	accel_cmdbuf_create(dev, &cb);
	while (n < max && !(err = accel_cmd_nop(cb)))
		n++;
	tap_ok(!err && n == max && accel_cmdbuf_bytes(cb) == caps.max_cmdbuf,
	       "%u NOPs fill the %u-byte limit", n, caps.max_cmdbuf);
	expect(accel_cmd_nop(cb), -E2BIG, "command buffer full",
	       "one more command");
	err = submit_wait(cb, 0, &r);
	tap_ok(!err && r.cmd_index == max,
	       "the largest command buffer runs (%u commands)", r.cmd_index);
	accel_cmdbuf_destroy(cb);
}

/* Several threads may wait on one fence. */
struct waiter {
	accel_fence *f;
	int rc;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->rc = accel_fence_wait(w->f, MS(20000));
	return NULL;
}

static void test_shared_fence(void)
{
	enum { NW = 4 };
	accel_bo *cell = alloc(8, 0);
	struct waiter w[NW];
	pthread_t th[NW];
	accel_cmdbuf *cb = NULL;
	accel_fence *f = NULL;
	int ok = 1;

	accel_cmdbuf_create(dev, &cb);
	accel_cmd_sem_wait(cb, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_submit(cb, NULL, &f);
	for (int i = 0; i < NW; i++) {
		w[i].f = f;
		w[i].rc = 1;
		pthread_create(&th[i], NULL, wait_thread, &w[i]);
	}
	*(volatile uint64_t *)map(cell) = 1;
	for (int i = 0; i < NW; i++) {
		pthread_join(th[i], NULL);
		ok &= w[i].rc == 0;
	}
	tap_ok(ok && f, "%d threads waiting on one fence all return 0", NW);
	accel_fence_release(f);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(cell);
}

/* Closing waits for submitted jobs; remaining handles can be released. */
static void test_close_in_flight(void)
{
	enum { N = 12 };
	accel_device *d2 = NULL;
	accel_cmdbuf *cb = NULL;
	accel_fence *f[N] = { 0 };
	accel_bo *bo = NULL, *late = NULL;
	struct accel_job_result r;
	int err, done = 1;

	if (accel_device_open("first", 0, &d2)) {
		tap_ok(0, "second open: %s", accel_last_error());
		return;
	}
	err = accel_bo_alloc(d2, 1 << 20, 0, &bo);
	err |= accel_cmdbuf_create(d2, &cb);
	err |= accel_cmd_fill(cb, accel_at(bo, 0), 1 << 20, 0x01020304u);
	for (int i = 0; i < N && !err; i++)
		err |= accel_submit(cb, &(struct accel_submit_opts){
			.queue = (uint32_t)i % caps.num_queues }, &f[i]);
	accel_device_close(d2);
	for (int i = 0; i < N; i++) {
		done &= f[i] && !accel_fence_wait(f[i], 0) &&
			!accel_fence_result(f[i], &r) && r.status == LLA_OK;
	}
	tap_ok(!err && done, "closing the device waited for its %d jobs", N);
	tap_ok(((uint32_t *)map(bo))[(1 << 18) - 1] == 0x01020304u,
	       "their results are in the buffer after close");
	expect(accel_submit(cb, NULL, NULL), -ESHUTDOWN, "closed",
	       "submit after close");
	expect(accel_bo_alloc(d2, 4096, 0, &late), -ESHUTDOWN, "closed",
	       "allocation after close");
	for (int i = 0; i < N; i++)
		accel_fence_release(f[i]);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(bo);	/* the last handle: the device goes away */
}

int main(void)
{
	if (accel_device_open("first", 0, &dev) ||
	    accel_device_caps(dev, &caps)) {
		tap_ok(0, "open the device: %s", accel_last_error());
		return tap_done();
	}
	test_every_opcode();
	test_lifetimes();
	test_chain();
	test_device_semaphores();
	test_shared_fence();
	test_sem_timeout();
	test_largest_cmdbuf();
	test_close_in_flight();
	accel_device_close(dev);
	return tap_done();
}
