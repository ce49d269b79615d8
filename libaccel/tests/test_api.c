// SPDX-License-Identifier: MIT
/*
 * libaccel API suite.  Backend independent: it opens the device the way
 * an application does (LIBACCEL_BACKEND selects sim or kernel) and checks
 * results against the rtl-model run directly in this process on a
 * snapshot of the same buffers, with memcmp.  Covers devices, buffers,
 * tensors, jobs (TLMM, attention, persistent decode buffers), fences and
 * dependencies, timeouts, device error records, counters, bad arguments
 * of every public function, and concurrent submitters.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libaccel.h"
#include "llmaccel_model.h"
#include "tap.h"

#include "helpers.h"

/* ---------------- devices ---------------- */

static void test_devices(void)
{
	struct accel_device_info info[4];
	struct accel_counters cnt;
	accel_device *d2 = NULL;
	uint32_t n = 0;
	int err;

	err = accel_enumerate(0, info, 4, &n);
	tap_ok(!err && n >= 1, "enumerate lists %u device(s)", n);
	tap_ok(n >= 1 && info[0].index == 0 && info[0].path[0],
	       "first device has index 0 and path '%s'", info[0].path);
	err = accel_device_open("first", 0, &dev);
	if (err) {
		tap_ok(0, "open first: %s", accel_last_error());
		exit(tap_done());
	}
	tap_ok(1, "open \"first\"");
	err = accel_device_caps(dev, &caps);
	tap_ok(!err && caps.num_queues >= 1 &&
	       caps.num_queues <= LLA_MAX_QUEUES,
	       "caps: %u queues, backend %s", caps.num_queues,
	       accel_backend_name(caps.backend));
	tap_ok(caps.opcodes == (1u << LLA_OP_COUNT) - 1 &&
	       (caps.wformats & 3) == 3,
	       "caps: every opcode and both ternary formats (%#x, %#x)",
	       caps.opcodes, caps.wformats);
	tap_ok(caps.max_m == LLA_MAX_M && caps.max_k == LLA_MAX_K &&
	       caps.max_cmdbuf == LLA_MAX_CMDBUF_BYTES &&
	       LLA_VERSION_GET_MAJOR(caps.hw_version) == LLA_VERSION_MAJOR,
	       "caps: limits and hardware version %#x", caps.hw_version);
	tap_ok(caps.clock_khz > 0 && lla_uarch_preset_id(caps.preset),
	       "caps: clock %u kHz, preset %u (%s)", caps.clock_khz,
	       caps.preset, caps.preset_name);
	err = accel_device_open_index(0, 0, &d2);
	tap_ok(!err && d2, "open by index 0");
	accel_device_close(d2);
	err = accel_device_open(info[0].path, 0, &d2);
	tap_ok(!err && d2, "open by path '%s'", info[0].path);
	accel_device_close(d2);
	err = accel_device_open_index(999, 0, &d2);
	expect(err, -ENODEV, "999", "open index 999");
	tap_ok(d2 == NULL, "failed open leaves *out NULL");
	err = accel_device_counters(dev, &cnt);
	tap_ok(!err && cnt.num_queues == caps.num_queues,
	       "counters report %u queues", cnt.num_queues);

	/* The kernel backend reports its absence clearly, never fakes. */
	err = accel_enumerate(ACCEL_OPEN_KERNEL, NULL, 0, &n);
	if (!err && n == 0) {
		err = accel_device_open(NULL, ACCEL_OPEN_KERNEL, &d2);
		expect(err, -ENODEV, "kernel", "kernel backend without a device");
	} else {
		err = accel_device_open(NULL, ACCEL_OPEN_KERNEL, &d2);
		tap_ok(!err, "kernel backend opens its first device");
		accel_device_close(d2);
	}
	tap_ok(accel_version() ==
	       ((LIBACCEL_VERSION_MAJOR << 16) | LIBACCEL_VERSION_MINOR),
	       "accel_version matches the header");
	tap_ok(!strcmp(accel_backend_name(ACCEL_BACKEND_SIM), "sim") &&
	       !strcmp(accel_backend_name(ACCEL_BACKEND_KERNEL), "kernel"),
	       "backend names");
}

/* ---------------- buffers and tensors ---------------- */

static void test_buffers(void)
{
	accel_bo *a = alloc(10000, 0), *b = alloc(1, 0);
	uint64_t ia = accel_bo_iova(a), ib = accel_bo_iova(b);
	uint8_t buf[64], *pa = map(a);
	accel_tensor *t = NULL;
	uint64_t shape[2] = { 3, 40 };
	int zero = 1, err;

	tap_ok(ia >= LLA_IOVA_MIN && ia % LLA_PAGE_SIZE == 0 &&
	       ib % LLA_PAGE_SIZE == 0,
	       "device addresses are page aligned and above page 0 (%#llx, %#llx)",
	       (unsigned long long)ia, (unsigned long long)ib);
	tap_ok(ia + 10000 <= ib || ib + 1 <= ia, "buffers do not overlap");
	tap_ok(accel_bo_size(a) == 10000, "size is the requested size");
	for (int i = 0; i < 10000; i++)
		zero &= pa[i] == 0;
	tap_ok(zero, "new buffer is zeroed");
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	err = accel_bo_write(a, 9936, buf, 64);
	tap_ok(!err && !memcmp(pa + 9936, buf, 64),
	       "accel_bo_write lands in the mapping");
	memset(buf, 0, sizeof(buf));
	err = accel_bo_read(a, 9936, buf, 64);
	tap_ok(!err && buf[63] == (uint8_t)(63 * 7 + 1),
	       "accel_bo_read reads the mapping back");

	err = accel_tensor_create(a, 16, ACCEL_DTYPE_F32, 2, shape, NULL, &t);
	tap_ok(!err && accel_tensor_extent(t) == 480 &&
	       accel_tensor_stride(t, 0) == 160 &&
	       accel_tensor_dim(t, 1) == 40 &&
	       accel_tensor_addr(t).offset == 16 &&
	       accel_tensor_host(t) == pa + 16,
	       "packed F32 tensor [3][40] at offset 16");
	accel_tensor_destroy(t);
	{
		uint64_t st[2] = { 16, 1 }, sh[2] = { 5, 37 };

		err = accel_tensor_create(a, 0, ACCEL_DTYPE_T5, 2, sh, st, &t);
		tap_ok(!err && accel_tensor_extent(t) == 4 * 16 + 8,
		       "T5 weight tensor [5][37] with 16-byte rows spans %llu bytes",
		       (unsigned long long)accel_tensor_extent(t));
	}
	/* The tensor keeps the buffer alive after the handle is gone. */
	accel_bo_free(a);
	tap_ok(accel_bo_size(accel_tensor_addr(t).bo) == 10000 &&
	       ((uint8_t *)accel_tensor_host(t))[9936] == 1,
	       "a tensor keeps its buffer alive after accel_bo_free");
	accel_tensor_destroy(t);
	accel_bo_free(b);
}

/* ---------------- TLMM ---------------- */

static void test_tlmm(void)
{
	const uint32_t M = 3, N = 40, K = 100;
	accel_bo *x = alloc(M * K * 4, 0), *q = alloc(M * K, 0);
	accel_bo *s = alloc(M * 4, 0), *y = alloc(M * N * 4, 0);
	accel_bo *w = alloc(N * 32, ACCEL_BO_DEVICE_RO);
	accel_bo *g = alloc(K * 4, ACCEL_BO_DEVICE_RO);
	float *wf = malloc(N * K * sizeof(float)), gamma = 0;
	float *xf = map(x), *gf = map(g), *yd;
	struct accel_job_result res;
	struct lla_job_result dr;
	accel_cmdbuf *cb = NULL;
	struct snap sn = { 0 };
	int8_t codes[40 * 100];
	int err, exact = 1;

	for (uint32_t i = 0; i < M * K; i++)
		xf[i] = rndf() * 3;
	for (uint32_t i = 0; i < K; i++)
		gf[i] = 0.5f + rndf() * 0.25f;
	for (uint32_t i = 0; i < N * K; i++)
		wf[i] = rndf();
	err = accel_weights_pack(LLA_WFMT_T5, wf, N, K, 0, map(w), 32, &gamma);
	tap_ok(!err && gamma > 0, "pack a 40x100 float matrix to T5 (gamma %g)",
	       (double)gamma);
	accel_cmdbuf_create(dev, &cb);
	err = accel_cmd_norm_quant(cb, &(struct accel_norm_quant){
		.x = accel_at(x, 0), .gamma = accel_at(g, 0),
		.q = accel_at(q, 0), .scale = accel_at(s, 0),
		.m = M, .k = K, .eps = 1e-6f,
		.flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT });
	tap_ok(!err, "build NORM_QUANT");
	err = accel_cmd_tlmm(cb, &(struct accel_tlmm){
		.x = accel_at(q, 0), .x_scale = accel_at(s, 0),
		.w = accel_at(w, 0), .y = accel_at(y, 0),
		.m = M, .n = N, .k = K, .w_stride = 32, .w_scale = gamma,
		.wfmt = LLA_WFMT_T5,
		.epi = { .act = LLA_ACT_RELU2, .out_dtype = LLA_DTYPE_F32 } });
	tap_ok(!err && accel_cmdbuf_count(cb) == 2 &&
	       accel_cmdbuf_bytes(cb) == 72 + 128,
	       "build TLMM (2 commands, 200 bytes)");
	snap_bo(&sn, x);
	snap_bo(&sn, q);
	snap_bo(&sn, s);
	snap_bo(&sn, y);
	snap_bo(&sn, w);
	snap_bo(&sn, g);
	err = submit_wait(cb, 0, &res);
	tap_ok(!err && res.status == LLA_OK && res.cmd_index == 2,
	       "TLMM job completes: %u commands, %llu cycles", res.cmd_index,
	       (unsigned long long)res.cycles);
	run_direct(&sn, cb, &dr);
	tap_ok(dr.status == LLA_OK, "the rtl-model runs the same job directly");
	tap_ok(!memcmp(map(q), snap_data(&sn, q), M * K) &&
	       !memcmp(map(s), snap_data(&sn, s), M * 4),
	       "NORM_QUANT output equals the rtl-model (memcmp)");
	tap_ok(!memcmp(map(y), snap_data(&sn, y), M * N * 4),
	       "TLMM output equals the rtl-model (memcmp)");
	tap_ok(res.cycles == dr.cycles &&
	       (!(caps.result_fields & ACCEL_RESULT_TRAFFIC) ||
		(res.macs == dr.macs && res.bytes_written == dr.bytes_written &&
		 res.bytes_read == dr.bytes_read)),
	       "modeled cycles %llu (and MACs, bytes if reported) equal the rtl-model's",
	       (unsigned long long)dr.cycles);
	/* Independent check of the TLMM arithmetic on the device's q, s. */
	accel_ternary_quantize(wf, N, K, 0, codes, &gamma);
	yd = map(y);
	for (uint32_t m = 0; m < M; m++)
		for (uint32_t n = 0; n < N; n++) {
			const int8_t *qq = (const int8_t *)map(q) + m * K;
			float sc = ((float *)map(s))[m], v, r;
			int32_t acc = 0;

			for (uint32_t k = 0; k < K; k++)
				acc += qq[k] * codes[n * K + k];
			v = ((float)acc / sc) * gamma;
			r = v > 0 ? v * v : 0;
			exact &= !memcmp(&r, &yd[m * N + n], 4);
		}
	tap_ok(exact, "TLMM equals an independent int32 dot + relu^2 epilogue");
	snap_free(&sn);
	accel_cmdbuf_destroy(cb);
	free(wf);
	accel_bo_free(x);
	accel_bo_free(q);
	accel_bo_free(s);
	accel_bo_free(y);
	accel_bo_free(w);
	accel_bo_free(g);
}

/* ---------------- attention ---------------- */

static void test_attention(void)
{
	const uint32_t M = 5, H = 4, KVH = 2, HD = 16, CTX = 32;
	const uint32_t qrow = H * HD, kvrow = KVH * HD;
	accel_bo *qb = alloc((M + 1) * qrow * 4, 0);
	accel_bo *kb = alloc((M + 1) * kvrow * 4, 0);
	accel_bo *vb = alloc((M + 1) * kvrow * 4, 0);
	accel_bo *kc = alloc(CTX * kvrow * 2, 0), *vc = alloc(CTX * kvrow * 2, 0);
	accel_bo *ob = alloc((M + 1) * qrow * 4, 0), *args = alloc(16, 0);
	accel_cmdbuf *pre = NULL, *dec = NULL;
	struct lla_job_result dr1, dr2;
	struct accel_job_result r1, r2;
	struct snap sn = { 0 };
	float *p;
	int err;

	p = map(qb);
	for (uint32_t i = 0; i < (M + 1) * qrow; i++)
		p[i] = rndf();
	p = map(kb);
	for (uint32_t i = 0; i < (M + 1) * kvrow; i++)
		p[i] = rndf();
	p = map(vb);
	for (uint32_t i = 0; i < (M + 1) * kvrow; i++)
		p[i] = rndf() * 2;
	((struct lla_step_args *)map(args))->pos = M;
	accel_cmdbuf_create(dev, &pre);
	accel_cmdbuf_create(dev, &dec);
	err = accel_cmd_attn_prefill(pre, &(struct accel_attn){
		.q = accel_at(qb, 0), .k = accel_at(kb, 0), .v = accel_at(vb, 0),
		.k_cache = accel_at(kc, 0), .v_cache = accel_at(vc, 0),
		.o = accel_at(ob, 0), .m = M, .n_head = H, .n_kv_head = KVH,
		.head_dim = HD, .max_ctx = CTX, .pos = 0 });
	tap_ok(!err, "build ATTN_PREFILL (GQA 4/2, 5 tokens)");
	err = accel_cmd_attn_decode(dec, &(struct accel_attn){
		.q = accel_at(qb, M * qrow * 4), .k = accel_at(kb, M * kvrow * 4),
		.v = accel_at(vb, M * kvrow * 4),
		.k_cache = accel_at(kc, 0), .v_cache = accel_at(vc, 0),
		.o = accel_at(ob, M * qrow * 4), .pos_addr = accel_at(args, 0),
		.m = 1, .n_head = H, .n_kv_head = KVH, .head_dim = HD,
		.max_ctx = CTX });
	tap_ok(!err, "build ATTN_DECODE reading pos from memory");
	snap_bo(&sn, qb);
	snap_bo(&sn, kb);
	snap_bo(&sn, vb);
	snap_bo(&sn, kc);
	snap_bo(&sn, vc);
	snap_bo(&sn, ob);
	snap_bo(&sn, args);
	err = submit_wait(pre, 0, &r1);
	err |= submit_wait(dec, caps.num_queues - 1, &r2);
	tap_ok(!err && r1.status == LLA_OK && r2.status == LLA_OK,
	       "prefill and decode jobs complete");
	run_direct(&sn, pre, &dr1);
	run_direct(&sn, dec, &dr2);
	tap_ok(!memcmp(map(ob), snap_data(&sn, ob), (M + 1) * qrow * 4),
	       "attention outputs equal the rtl-model (memcmp)");
	tap_ok(!memcmp(map(kc), snap_data(&sn, kc), CTX * kvrow * 2) &&
	       !memcmp(map(vc), snap_data(&sn, vc), CTX * kvrow * 2),
	       "fp16 KV caches equal the rtl-model (memcmp)");
	tap_ok(r1.cycles == dr1.cycles && r2.cycles == dr2.cycles,
	       "attention cycles equal the rtl-model's (%llu, %llu)",
	       (unsigned long long)dr1.cycles, (unsigned long long)dr2.cycles);
	snap_free(&sn);
	accel_cmdbuf_destroy(pre);
	accel_cmdbuf_destroy(dec);
	accel_bo_free(qb);
	accel_bo_free(kb);
	accel_bo_free(vb);
	accel_bo_free(kc);
	accel_bo_free(vc);
	accel_bo_free(ob);
	accel_bo_free(args);
}

/* ---------------- fences, dependencies, timeouts ---------------- */

static void test_fences(void)
{
	accel_bo *cell = alloc(8, 0), *src = alloc(4096, 0);
	accel_bo *dst = alloc(4096, 0);
	accel_cmdbuf *ca = NULL, *cbb = NULL;
	struct accel_job_result ra, rb;
	accel_fence *fa = NULL, *fb = NULL;
	uint32_t qb = caps.num_queues > 1 ? 1 : 0;
	struct timespec ta, tb;
	uint64_t t1;
	uint32_t *d;
	int err, same = 1;

	accel_cmdbuf_create(dev, &ca);
	accel_cmdbuf_create(dev, &cbb);
	/* A: wait for the host's go, then fill src.  B: copy src to dst. */
	accel_cmd_sem_wait(ca, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_cmd_fill(ca, accel_at(src, 0), 4096, 0xa5a55a5au);
	accel_cmd_copy(cbb, accel_at(dst, 0), accel_at(src, 0), 4096);
	err = accel_submit(ca, &(struct accel_submit_opts){ .queue = 0 }, &fa);
	tap_ok(!err && fa, "submit A (blocked on a semaphore)");
	err = accel_submit(cbb, &(struct accel_submit_opts){
		.queue = qb, .deps = &fa, .ndeps = 1 }, &fb);
	tap_ok(!err && fb, "submit B on queue %u depending on A", qb);
	expect(accel_fence_wait(fa, 0), -ETIMEDOUT, "still running",
	       "poll of a running job");
	clock_gettime(CLOCK_MONOTONIC, &ta);
	err = accel_fence_wait(fa, MS(30));
	clock_gettime(CLOCK_MONOTONIC, &tb);
	t1 = (uint64_t)(tb.tv_sec - ta.tv_sec) * 1000000000ull +
	     (uint64_t)tb.tv_nsec - (uint64_t)ta.tv_nsec;
	tap_ok(err == -ETIMEDOUT && t1 >= 29000000ull,
	       "wait with a 30 ms timeout returns -ETIMEDOUT after %llu us",
	       (unsigned long long)(t1 / 1000));
	expect(accel_fence_wait(fb, MS(50)), -ETIMEDOUT, "still running",
	       "B does not run before A");
	expect(accel_fence_result(fb, &rb), -EBUSY, "not completed",
	       "result of a running job");
	*(volatile uint64_t *)map(cell) = 1;	/* the host's go */
	err = accel_fence_wait(fb, MS(20000));
	tap_ok(!err, "B completes once A is released");
	accel_fence_result(fa, &ra);
	accel_fence_result(fb, &rb);
	tap_ok(ra.status == LLA_OK && rb.status == LLA_OK &&
	       (!(caps.result_fields & ACCEL_RESULT_CLOCK) ||
		rb.start_cycle >= ra.end_cycle),
	       "B started (cycle %llu) after A ended (cycle %llu)",
	       (unsigned long long)rb.start_cycle,
	       (unsigned long long)ra.end_cycle);
	d = map(dst);
	for (int i = 0; i < 1024; i++)
		same &= d[i] == 0xa5a55a5au;
	tap_ok(same, "B copied what A wrote");
	tap_ok(!accel_fence_wait(fa, 0) && !accel_fence_wait(fa, -1),
	       "a completed fence can be waited again");
	accel_fence_release(fa);
	accel_fence_release(fb);
	accel_cmdbuf_destroy(ca);
	accel_cmdbuf_destroy(cbb);
	accel_bo_free(cell);
	accel_bo_free(src);
	accel_bo_free(dst);
}

/* Changing and re-submitting a command buffer never affects earlier jobs. */
static void test_resubmit(void)
{
	accel_bo *cell = alloc(8, 0), *d1 = alloc(64, 0), *d2 = alloc(64, 0);
	accel_bo *args = alloc(16, 0), *logits = alloc(64 * 4, 0);
	struct lla_step_args *sa = map(args);
	accel_fence *f1 = NULL, *f2 = NULL;
	accel_cmdbuf *cb = NULL;
	float *lg = map(logits);
	int err = 0;

	accel_cmdbuf_create(dev, &cb);
	accel_cmd_sem_wait(cb, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_cmd_fill(cb, accel_at(d1, 0), 64, 0x11111111u);
	err |= accel_submit(cb, NULL, &f1);
	accel_cmdbuf_reset(cb);
	accel_cmd_sem_wait(cb, accel_at(cell, 0), LLA_SEM_GE, 1, 0);
	accel_cmd_fill(cb, accel_at(d2, 0), 64, 0x22222222u);
	err |= accel_submit(cb, &(struct accel_submit_opts){
		.queue = caps.num_queues - 1 }, &f2);
	*(volatile uint64_t *)map(cell) = 1;
	err |= accel_fence_wait(f1, MS(20000));
	err |= accel_fence_wait(f2, MS(20000));
	tap_ok(!err && ((uint32_t *)map(d1))[15] == 0x11111111u &&
	       ((uint32_t *)map(d2))[15] == 0x22222222u,
	       "a re-recorded command buffer leaves the earlier job intact");
	accel_fence_release(f1);
	accel_fence_release(f2);

	/* The decode-step pattern: one buffer, re-submitted as is. */
	for (int i = 0; i < 64; i++)
		lg[i] = (float)((i * 37) % 64);
	sa->pos = 0;
	sa->token = -1;
	sa->rng_counter = 0;
	accel_cmdbuf_reset(cb);
	accel_cmd_sample(cb, &(struct accel_sample){
		.logits = accel_at(logits, 0), .out = accel_at(args, 4),
		.counter_addr = accel_at(args, 8), .seed = 7, .n = 64,
		.top_k = 8, .temperature = 0.0f, .top_p = 1.0f,
		.flags = LLA_SAMPLE_F_ADVANCE });
	accel_cmd_sem_signal(cb, accel_at(args, 0), LLA_SEM_ADD, 1,
			     LLA_SEM_F_32BIT);
	err = 0;
	for (int step = 0; step < 3; step++)
		err |= submit_wait(cb, 0, NULL);
	/* 37*i mod 64 == 63 at i = 19: the greedy token. */
	tap_ok(!err && sa->pos == 3 && sa->rng_counter == 3 && sa->token == 19,
	       "persistent step buffer: pos %u, counter %llu, token %d after 3 submissions",
	       sa->pos, (unsigned long long)sa->rng_counter, sa->token);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(cell);
	accel_bo_free(d1);
	accel_bo_free(d2);
	accel_bo_free(args);
	accel_bo_free(logits);
}

/* ---------------- device error records ---------------- */

static void test_errors(void)
{
	const uint64_t hole = LLA_IOVA_LIMIT - 16 * LLA_PAGE_SIZE;
	accel_bo *a = alloc(4096, 0), *ro = alloc(4096, ACCEL_BO_DEVICE_RO);
	accel_bo *ids = alloc(16, 0), *tab = alloc(4 * 8 * 4, 0);
	struct accel_counters c0, c1;
	struct accel_job_result r;
	struct lla_cmd_tlmm bad;
	accel_cmdbuf *cb = NULL;
	char text[256];
	uint32_t wr;
	int err;

	accel_cmdbuf_create(dev, &cb);
	accel_device_counters(dev, &c0);

	/* A bad command: the device's validator rejects it by index. */
	memset(&bad, 0, sizeof(bad));
	bad.hdr.opcode = LLA_OP_TLMM;
	bad.hdr.size = sizeof(bad);
	bad.x_iova = bad.x_scale_iova = bad.w_iova = bad.y_iova =
		accel_bo_iova(a);
	bad.m = bad.n = 1;
	bad.k = 0;
	bad.x_stride = bad.w_stride = bad.y_stride = 4;
	accel_cmd_nop(cb);
	err = accel_cmd_raw(cb, &bad, sizeof(bad), 0);
	expect(err, -EINVAL, "ZERO_DIM", "checked raw command with k = 0");
	err = accel_cmd_raw(cb, &bad, sizeof(bad), ACCEL_RAW_UNCHECKED);
	tap_ok(!err && accel_cmdbuf_count(cb) == 2,
	       "unchecked raw command is appended");
	err = submit_wait(cb, 0, &r);
	expect(err, -EIO, "command 1 (TLMM) failed: ZERO_DIM",
	       "job with a bad command");
	tap_ok(r.status == LLA_ERR_ZERO_DIM && r.cmd_index == 1 &&
	       r.opcode == LLA_OP_TLMM,
	       "error record: status %s, command %u, opcode %u",
	       accel_hw_error_name(r.status), r.cmd_index, r.opcode);
	accel_job_describe(&r, text, sizeof(text));
	tap_ok(strstr(text, "a dimension is zero") != NULL,
	       "described as '%s'", text);

	/* An unmapped address: MMU fault with the address. */
	accel_cmdbuf_reset(cb);
	accel_cmd_fill(cb, accel_at(a, 0), 64, 1);
	accel_cmd_copy(cb, accel_at(a, 0), accel_raw(hole), 64);
	err = submit_wait(cb, 0, &r);
	tap_ok(err == -EIO && r.status == LLA_ERR_MMU_FAULT &&
	       r.cmd_index == 1 && r.fault_iova == hole && !r.fault_write,
	       "read of an unmapped address: MMU_FAULT at %#llx, command %u",
	       (unsigned long long)r.fault_iova, r.cmd_index);
	tap_ok(((uint32_t *)map(a))[15] == 1,
	       "commands before the fault took effect");
	accel_job_describe(&r, text, sizeof(text));
	tap_ok(strstr(text, "MMU_FAULT") && strstr(text, "(read)") &&
	       strstr(text, "COPY"), "described as '%s'", text);
	wr = caps.result_fields & ACCEL_RESULT_FAULT_WRITE ? 1 : 0;
	accel_cmdbuf_reset(cb);
	accel_cmd_fill(cb, accel_raw(hole + 64), 64, 1);
	err = submit_wait(cb, 0, &r);
	tap_ok(err == -EIO && r.status == LLA_ERR_MMU_FAULT &&
	       r.fault_iova == hole + 64 && r.fault_write == wr,
	       "write to an unmapped address: MMU_FAULT (write)");

	/* Device read-only buffers: writes are refused. */
	accel_cmdbuf_reset(cb);
	accel_cmd_fill(cb, accel_at(ro, 128), 64, 0xdeadbeefu);
	err = submit_wait(cb, 0, &r);
	tap_ok(err == -EIO && r.status == LLA_ERR_MMU_PERM &&
	       r.fault_iova == accel_bo_iova(ro) + 128 && r.fault_write == wr &&
	       ((uint32_t *)map(ro))[32] == 0,
	       "write to a device-read-only buffer: MMU_PERM, memory untouched");

	/* Data-dependent errors are found at run time. */
	accel_cmdbuf_reset(cb);
	((int32_t *)map(ids))[0] = 2;
	((int32_t *)map(ids))[1] = 4;	/* vocab is 4 */
	accel_cmd_embed(cb, &(struct accel_embed){
		.table = accel_at(tab, 0), .ids = accel_at(ids, 0),
		.y = accel_at(a, 0), .vocab = 4, .dim = 8, .m = 2,
		.dtype = LLA_DTYPE_F32 });
	err = submit_wait(cb, 0, &r);
	tap_ok(err == -EIO && r.status == LLA_ERR_INDEX && r.cmd_index == 0,
	       "token id out of range: INDEX at run time");

	/* The queue goes on after failed jobs. */
	accel_cmdbuf_reset(cb);
	accel_cmd_fill(cb, accel_at(a, 0), 4096, 7);
	err = submit_wait(cb, 0, &r);
	tap_ok(!err && ((uint32_t *)map(a))[1023] == 7,
	       "the queue runs the next job after failures");
	accel_device_counters(dev, &c1);
	tap_ok(c1.total.jobs - c0.total.jobs == 6 &&
	       c1.total.errors - c0.total.errors == 5 &&
	       c1.queue[0].jobs - c0.queue[0].jobs == 6 &&
	       c1.faults - c0.faults == 3,
	       "counters: 6 more jobs, 5 more errors, 3 more faults");
	tap_ok(c1.total.busy_cycles > c0.total.busy_cycles &&
	       c1.total.dma_wr_bytes - c0.total.dma_wr_bytes >= 4096 &&
	       c1.device_cycles >= c0.device_cycles,
	       "counters: busy cycles and written bytes grew");
	accel_cmdbuf_destroy(cb);
	accel_bo_free(a);
	accel_bo_free(ro);
	accel_bo_free(ids);
	accel_bo_free(tab);
}

/* ---------------- weight packing ---------------- */

static void test_packing(void)
{
	const float w[8] = { 0.9f, -0.05f, -1.2f, 0.3f,
			     0.0f, 0.6f, -0.4f, 2.0f };
	const int8_t want[8] = { 1, 0, -1, 0, 0, 1, -1, 1 };
	const float tie[4] = { 0.5f, -0.5f, 1.5f, -1.5f };
	const int8_t k7[7] = { 1, 0, -1, 0, 1, -1, 1 };
	int8_t codes[8], c2[7 * 37], back[7 * 37];
	uint8_t packed[7 * 16], zero[4] = { 0 };
	float gamma = 0, zf[4] = { 0 };
	double sum = 0;
	int err, ok;

	for (int i = 0; i < 8; i++)
		sum += fabs((double)w[i]);
	err = accel_ternary_quantize(w, 2, 4, 0, codes, &gamma);
	tap_ok(!err && gamma == (float)(sum / 8.0) && !memcmp(codes, want, 8),
	       "absmean: gamma = mean|w| = %.6f, codes as hand-computed",
	       (double)gamma);
	err = accel_ternary_quantize(tie, 1, 4, 0, codes, &gamma);
	tap_ok(!err && gamma == 1.0f && codes[0] == 0 && codes[1] == 0 &&
	       codes[2] == 1 && codes[3] == -1,
	       "absmean: +-0.5 rounds to even (0), +-1.5 clamps to +-1");
	err = accel_ternary_quantize(zf, 1, 4, 0, codes, &gamma);
	tap_ok(!err && gamma == ACCEL_ABSMEAN_EPS && !memcmp(codes, zero, 4),
	       "absmean: an all-zero matrix gets gamma = eps and zero codes");
	err = accel_ternary_quantize(w, 1, 3, 4, codes, &gamma);
	tap_ok(!err && gamma == (float)((0.9f + 0.05f + 1.2f) / 3.0) &&
	       codes[0] == 1 && codes[1] == 0 && codes[2] == -1,
	       "absmean honours the leading dimension");
	err = accel_ternary_pack(LLA_WFMT_T2, k7, 1, 7, packed, 0);
	tap_ok(!err && packed[0] == 0x46 && packed[1] == 0x62,
	       "T2 packing of the spec example: %#x %#x", packed[0], packed[1]);
	err = accel_ternary_pack(LLA_WFMT_T5, k7, 1, 7, packed, 0);
	tap_ok(!err && packed[0] == 194 && packed[1] == 123,
	       "T5 packing of the spec example: %u %u", packed[0], packed[1]);
	tap_ok(accel_weight_row_bytes(LLA_WFMT_T2, 37) == 10 &&
	       accel_weight_row_bytes(LLA_WFMT_T5, 37) == 8 &&
	       accel_weight_row_bytes(LLA_WFMT_I8, 37) == 0,
	       "row bytes: T2 10, T5 8, I8 not ternary");
	{
		const float x[6] = { 0.5f, -1.0f, 0.25f, 0, 0, 0 };
		float tab[4 * 8], ref[4 * 8], sc[2] = { 0, 0 };
		int8_t q[6];

		err = accel_quantize_rows(x, 2, 3, 3, q, sc);
		tap_ok(!err && q[0] == 64 && q[1] == -127 && q[2] == 32 &&
		       sc[0] == 127.0f && q[3] == 0 && sc[1] == 127.0f / 1e-5f,
		       "activation quantization of the spec example: 64 -127 32, s = 127");
		tap_ok(accel_f32_to_f16(1.0f / 3.0f) == 0x3555 &&
		       accel_f32_to_f16(65520.0f) == 0x7c00 &&
		       accel_f16_to_f32(0x3555) == 0.333251953125f &&
		       accel_f16_to_f32(0xc000) == -2.0f,
		       "fp16 conversions: 1/3 -> 0x3555 -> 0.333251953125, 65520 -> inf, 0xc000 -> -2");
		err = accel_rope_table(tab, 4, 8, 10000.0f);
		lla_rope_table(ref, 4, 8, 10000.0f);
		tap_ok(!err && !memcmp(tab, ref, sizeof(tab)) && tab[0] == 1.0f &&
		       tab[1] == 0.0f,
		       "RoPE table equals the rtl-model's (cos 1, sin 0 at p = 0)");
		expect(accel_rope_table(tab, 4, 7, 10000.0f), -EINVAL, "head_dim",
		       "RoPE table with an odd head_dim");
		expect(accel_rope_table(tab, 4, 8, -1.0f), -EINVAL, "theta",
		       "RoPE table with a negative theta");
		expect(accel_rope_table(NULL, 4, 8, 1.0f), -EINVAL, "table",
		       "RoPE table into NULL");
		expect(accel_quantize_rows(x, 0, 3, 0, q, sc), -EINVAL, "m must",
		       "quantize_rows m = 0");
		expect(accel_quantize_rows(x, 1, 3, 2, q, sc), -EINVAL, "ld",
		       "quantize_rows ld < k");
		expect(accel_quantize_rows(x, 1, 3, 0, NULL, sc), -EINVAL, "q is",
		       "quantize_rows into NULL");
	}
	for (int i = 0; i < 7 * 37; i++)
		c2[i] = (int8_t)((int)(rnd() % 3) - 1);
	for (uint32_t f = LLA_WFMT_T2; f <= LLA_WFMT_T5; f++) {
		uint32_t rb = accel_weight_row_bytes(f, 37);

		memset(packed, 0xee, sizeof(packed));
		err = accel_ternary_pack(f, c2, 7, 37, packed, 16);
		err |= accel_ternary_unpack(f, packed, 7, 37, 16, back);
		ok = !err && !memcmp(back, c2, sizeof(c2));
		for (int r = 0; r < 7; r++)
			for (uint32_t j = rb; j < 16; j++)
				ok &= packed[r * 16 + j] == 0xee;
		tap_ok(ok, "%s: pack/unpack round trip of 7x37 codes with 16-byte rows, padding untouched",
		       f == LLA_WFMT_T2 ? "T2" : "T5");
	}
}

/* ---------------- bad arguments ---------------- */

static void test_bad_args_core(void)
{
	struct accel_device_info info;
	struct accel_job_result r;
	struct accel_caps c;
	struct accel_counters cnt;
	accel_device *d = NULL;
	accel_bo *bo = NULL;
	uint32_t n;
	void *p;
	char buf[16], buf2[128];
	uint8_t data[8] = { 0 };

	expect(accel_enumerate(0, &info, 1, NULL), -EINVAL, "count",
	       "enumerate without count");
	expect(accel_enumerate(0, NULL, 3, &n), -EINVAL, "infos",
	       "enumerate with NULL infos and max 3");
	expect(accel_enumerate(0x80, NULL, 0, &n), -EINVAL, "flags",
	       "enumerate with unknown flags");
	expect(accel_device_open(NULL, 0, NULL), -EINVAL, "out",
	       "open without out");
	expect(accel_device_open(NULL, ACCEL_OPEN_SIM | ACCEL_OPEN_KERNEL, &d),
	       -EINVAL, "both", "open with both backend flags");
	expect(accel_device_open("bogus", 0, &d), -EINVAL, "spec",
	       "open spec 'bogus'");
	{
		const char *old = getenv("LIBACCEL_BACKEND");
		char *saved = old ? strdup(old) : NULL;

		setenv("LIBACCEL_BACKEND", "bogus", 1);
		expect(accel_device_open(NULL, 0, &d), -EINVAL,
		       "LIBACCEL_BACKEND='bogus'", "open with LIBACCEL_BACKEND=bogus");
		tap_ok(!accel_device_open(NULL, ACCEL_OPEN_SIM, &d) && d,
		       "an open flag overrides the environment");
		accel_device_close(d);
		d = NULL;
		if (saved)
			setenv("LIBACCEL_BACKEND", saved, 1);
		else
			unsetenv("LIBACCEL_BACKEND");
		free(saved);
	}
	expect(accel_device_open("sim:x", 0, &d), -EINVAL, "sim:N",
	       "open spec 'sim:x'");
	expect(accel_device_open_index(0, 0x40, &d), -EINVAL, "flags",
	       "open_index with unknown flags");
	expect(accel_device_open_index(0, 0, NULL), -EINVAL, "out",
	       "open_index without out");
	expect(accel_device_caps(NULL, &c), -EINVAL, "dev", "caps of NULL");
	expect(accel_device_caps(dev, NULL), -EINVAL, "caps", "caps into NULL");
	expect(accel_device_counters(NULL, &cnt), -EINVAL, "dev",
	       "counters of NULL");
	expect(accel_device_counters(dev, NULL), -EINVAL, "c",
	       "counters into NULL");
	expect(accel_bo_alloc(dev, 4096, 0, NULL), -EINVAL, "out",
	       "bo_alloc without out");
	expect(accel_bo_alloc(NULL, 4096, 0, &bo), -EINVAL, "dev",
	       "bo_alloc on NULL device");
	expect(accel_bo_alloc(dev, 0, 0, &bo), -EINVAL, "size",
	       "bo_alloc of size 0");
	expect(accel_bo_alloc(dev, UINT64_MAX, 0, &bo), -EINVAL, "size",
	       "bo_alloc of size UINT64_MAX");
	tap_ok(accel_bo_alloc(dev, 1ull << 40, 0, &bo) < 0 && !bo,
	       "bo_alloc beyond device memory fails cleanly (%s)",
	       accel_last_error());
	expect(accel_bo_alloc(dev, 4096, 0x100, &bo), -EINVAL, "flags",
	       "bo_alloc with unknown flags");
	bo = alloc(100, 0);
	expect(accel_bo_map(NULL, &p), -EINVAL, "bo", "map of NULL");
	expect(accel_bo_map(bo, NULL), -EINVAL, "ptr", "map into NULL");
	tap_ok(accel_bo_iova(NULL) == 0 && accel_bo_size(NULL) == 0,
	       "iova and size of NULL are 0");
	expect(accel_bo_write(NULL, 0, data, 1), -EINVAL, "bo",
	       "write to NULL");
	expect(accel_bo_write(bo, 0, NULL, 1), -EINVAL, "src",
	       "write from NULL");
	expect(accel_bo_write(bo, 96, data, 8), -EINVAL, "exceeds",
	       "write past the end");
	expect(accel_bo_read(bo, UINT64_MAX, data, 1), -EINVAL, "exceeds",
	       "read at offset UINT64_MAX");
	expect(accel_bo_read(bo, 0, NULL, 1), -EINVAL, "dst", "read into NULL");
	expect(accel_fence_wait(NULL, 0), -EINVAL, "f", "wait on NULL");
	expect(accel_fence_result(NULL, &r), -EINVAL, "f", "result of NULL");
	tap_ok(!strcmp(accel_backend_name(99), "unknown"),
	       "backend name of a bad enum");
	memset(&r, 0, sizeof(r));
	expect(accel_job_describe(&r, NULL, 8), -EINVAL, "buf",
	       "describe into NULL with a length");
	expect(accel_job_describe(NULL, buf, sizeof(buf)), -EINVAL, "res",
	       "describe NULL");
	accel_fence_release(NULL);
	accel_bo_free(NULL);
	accel_device_close(NULL);
	accel_cmdbuf_destroy(NULL);
	accel_tensor_destroy(NULL);
	tap_ok(!strcmp(accel_strerror(-EINVAL), "invalid argument") &&
	       !strcmp(accel_strerror(-ETIMEDOUT), "timed out") &&
	       !strcmp(accel_strerror(EIO), "job failed on the device"),
	       "accel_strerror texts");
	memset(&r, 0, sizeof(r));
	r.status = ACCEL_STATUS_CANCELED;
	r.cmd_index = 2;
	r.opcode = 0xff;
	accel_job_describe(&r, buf2, sizeof(buf2));
	tap_ok(!strcmp(buf2, "command 2 failed: CANCELED (not run: the context was banned after a hang)"),
	       "driver status decoded: '%s'", buf2);
	r.status = LLA_OK;
	r.cmd_index = 5;
	r.cycles = 1234;
	tap_ok(accel_job_describe(&r, buf, sizeof(buf)) ==
	       (int)strlen("completed: 5 commands, 1234 cycles") &&
	       !strncmp(buf, "completed: 5 co", sizeof(buf) - 1) &&
	       buf[sizeof(buf) - 1] == '\0',
	       "describe truncates safely and returns the full length");
	tap_ok(!strcmp(accel_hw_error_name(LLA_ERR_MMU_FAULT), "MMU_FAULT") &&
	       strstr(accel_hw_error_text(LLA_ERR_BAD_STRIDE), "stride") &&
	       !strcmp(accel_hw_error_name(9999), "UNKNOWN"),
	       "device error names and texts");
	accel_bo_free(bo);
}

static void test_bad_args_tensor_pack(void)
{
	accel_bo *bo = alloc(1000, 0);
	uint64_t sh[2] = { 10, 26 }, st[2] = { 80, 4 };
	accel_tensor *t = NULL;
	float w[4] = { 1, 2, 3, 4 }, g;
	int8_t codes[4] = { 0, 1, 2, 0 };
	uint8_t out[8];

	expect(accel_tensor_create(NULL, 0, ACCEL_DTYPE_F32, 2, sh, NULL, &t),
	       -EINVAL, "bo", "tensor on NULL buffer");
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 0, sh, NULL, &t),
	       -EINVAL, "ndim", "tensor with ndim 0");
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 5, sh, NULL, &t),
	       -EINVAL, "ndim", "tensor with ndim 5");
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 2, NULL, NULL, &t),
	       -EINVAL, "shape", "tensor without shape");
	expect(accel_tensor_create(bo, 0, 99, 2, sh, NULL, &t), -EINVAL,
	       "dtype", "tensor of dtype 99");
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 2, sh, NULL, NULL),
	       -EINVAL, "out", "tensor without out");
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 2, sh, NULL, &t),
	       -EINVAL, "exceed", "tensor of 1040 bytes in a 1000-byte buffer");
	sh[0] = 2;
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 2, sh, st, &t),
	       -EINVAL, "strides[0]", "tensor stride smaller than a row");
	expect(accel_tensor_create(bo, 2, ACCEL_DTYPE_F32, 2, sh, NULL, &t),
	       -EINVAL, "offset", "misaligned tensor offset");
	sh[1] = 0;
	expect(accel_tensor_create(bo, 0, ACCEL_DTYPE_F32, 2, sh, NULL, &t),
	       -EINVAL, "shape[1]", "tensor with a zero dimension");
	tap_ok(t == NULL && accel_tensor_dim(NULL, 0) == 0 &&
	       accel_tensor_ndim(NULL) == 0 && accel_tensor_host(NULL) == NULL &&
	       accel_tensor_dtype(NULL) == 0 && accel_tensor_extent(NULL) == 0 &&
	       accel_tensor_stride(NULL, 0) == 0 &&
	       accel_tensor_addr(NULL).bo == NULL &&
	       accel_tensor_addr(NULL).offset == 0,
	       "failed tensors stay NULL, accessors of NULL return 0");
	sh[1] = 4;
	if (!accel_tensor_create(bo, 0, ACCEL_DTYPE_I32, 2, sh, NULL, &t)) {
		tap_ok(accel_tensor_dim(t, 2) == 0 &&
		       accel_tensor_stride(t, 7) == 0 &&
		       accel_tensor_dim(t, 1) == 4,
		       "tensor accessors reject out-of-range dimensions");
		accel_tensor_destroy(t);
	} else {
		tap_ok(0, "I32 tensor: %s", accel_last_error());
	}

	expect(accel_ternary_quantize(NULL, 1, 4, 0, codes, &g), -EINVAL, "w",
	       "quantize NULL matrix");
	expect(accel_ternary_quantize(w, 0, 4, 0, codes, &g), -EINVAL, "n",
	       "quantize n = 0");
	expect(accel_ternary_quantize(w, 1, 4, 2, codes, &g), -EINVAL, "ld",
	       "quantize ld < k");
	w[1] = NAN;
	expect(accel_ternary_quantize(w, 1, 4, 0, codes, &g), -EINVAL,
	       "w[0][1]", "quantize a NaN weight");
	expect(accel_ternary_pack(LLA_WFMT_I8, codes, 1, 4, out, 0), -EINVAL,
	       "wfmt", "pack into I8");
	expect(accel_ternary_pack(LLA_WFMT_T2, codes, 1, 4, out, 0), -EINVAL,
	       "codes[2]", "pack a code of 2");
	expect(accel_ternary_pack(LLA_WFMT_T2, codes, 1, 40, out, 4), -EINVAL,
	       "stride", "pack with a stride below the row");
	expect(accel_ternary_unpack(LLA_WFMT_T5, NULL, 1, 4, 0, codes),
	       -EINVAL, "src", "unpack from NULL");
	expect(accel_weights_pack(LLA_WFMT_T5, w, 1, 0, 0, out, 0, &g),
	       -EINVAL, "k", "weights_pack with k = 0");
	accel_bo_free(bo);
}

static void test_bad_args_cmds(void)
{
	accel_bo *a = alloc(65536, 0), *small = alloc(64, 0);
	accel_device *d2 = NULL;
	accel_bo *other = NULL;
	accel_cmdbuf *cb = NULL;
	struct accel_tlmm t;
	struct accel_qmm qm;
	struct accel_norm_quant nq;
	struct accel_rope rp;
	struct accel_eltwise el;
	struct accel_attn at;
	struct accel_sample sp;
	struct accel_submit_opts so;
	accel_fence *fz = NULL;
	uint8_t nop[8] = { LLA_OP_NOP, 0, 0, 0, 8, 0, 0, 0 };

	expect(accel_cmdbuf_create(NULL, &cb), -EINVAL, "dev",
	       "cmdbuf_create on NULL");
	expect(accel_cmdbuf_create(dev, NULL), -EINVAL, "out",
	       "cmdbuf_create without out");
	accel_cmdbuf_create(dev, &cb);
	expect(accel_cmdbuf_reset(NULL), -EINVAL, "cb", "reset NULL");
	expect(accel_cmdbuf_use_bo(NULL, a), -EINVAL, "cb", "use_bo on NULL");
	expect(accel_cmdbuf_use_bo(cb, NULL), -EINVAL, "bo", "use_bo of NULL");
	tap_ok(accel_cmdbuf_count(NULL) == 0 && accel_cmdbuf_bytes(NULL) == 0 &&
	       accel_cmdbuf_data(NULL) == NULL, "cmdbuf accessors of NULL");
	expect(accel_submit(NULL, NULL, NULL), -EINVAL, "cb", "submit NULL");
	expect(accel_submit(cb, NULL, &fz), -EINVAL, "empty",
	       "submit an empty command buffer");
	expect(accel_cmd_raw(cb, NULL, 8, 0), -EINVAL, "cmd", "raw NULL");
	expect(accel_cmd_raw(cb, nop, 3, 0), -EINVAL, "len", "raw of 3 bytes");
	expect(accel_cmd_raw(cb, nop, 8, 4), -EINVAL, "flags",
	       "raw with unknown flags");
	nop[4] = 16;
	expect(accel_cmd_raw(cb, nop, 8, 0), -EINVAL, "size",
	       "raw whose header size differs");
	nop[4] = 8;
	nop[1] = 1;
	expect(accel_cmd_raw(cb, nop, 8, 0), -EINVAL, "BAD_VERSION",
	       "raw NOP of version 1 (device validator)");
	expect(accel_cmd_nop(NULL), -EINVAL, "cb", "nop on NULL");

	/* TLMM, field by field */
	expect(accel_cmd_tlmm(NULL, &t), -EINVAL, "cb", "tlmm on NULL");
	expect(accel_cmd_tlmm(cb, NULL), -EINVAL, "args", "tlmm without args");
#define TL_OK (struct accel_tlmm){ .x = accel_at(a, 0), \
	.x_scale = accel_at(a, 4096), .w = accel_at(a, 8192), \
	.y = accel_at(a, 16384), .m = 4, .n = 8, .k = 16, .w_scale = 1, \
	.wfmt = LLA_WFMT_T2 }
	t = TL_OK;
	tap_ok(!accel_cmd_tlmm(cb, &t), "a valid TLMM is accepted");
	t = TL_OK; t.k = 0;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "accel_cmd_tlmm: k must be",
	       "tlmm k = 0");
	t = TL_OK; t.m = 5000;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "m must be", "tlmm m = 5000");
	t = TL_OK; t.wfmt = 7;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "wfmt", "tlmm wfmt = 7");
	t = TL_OK; t.x_stride = 8;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "x_stride", "tlmm x_stride < k");
	t = TL_OK; t.w = accel_at(small, 40);
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "w needs",
	       "tlmm w past the end of its buffer");
	t = TL_OK; t.y = accel_at(a, 16386);
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "y offset",
	       "tlmm misaligned y");
	t = TL_OK; t.epi.act = 9;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "epi.act", "tlmm act = 9");
	t = TL_OK; t.epi.y_scale = accel_at(a, 0);
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "epi.y_scale",
	       "tlmm y_scale with F32 output");
	t = TL_OK; t.epi.gate_stride = 64;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "epi.gate_stride",
	       "tlmm gate_stride without gate");
	t = TL_OK; t.w_scale = INFINITY;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "w_scale", "tlmm w_scale inf");
	t = TL_OK; t.x = accel_raw(100);
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "x address",
	       "tlmm raw x below page 1");
	t = TL_OK; t.x_scale = accel_raw(0);
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "x_scale is required",
	       "tlmm without x_scale");

	/* QMM */
	memset(&qm, 0, sizeof(qm));
	qm.x = accel_at(a, 0); qm.w = accel_at(a, 8192); qm.y = accel_at(a, 16384);
	qm.m = 2; qm.n = 4; qm.k = 8; qm.wfmt = LLA_WFMT_I8;
	expect(accel_cmd_qmm(cb, &qm), -EINVAL, "x_scale is required",
	       "qmm I8 without x_scale");
	qm.wfmt = LLA_WFMT_T2;
	expect(accel_cmd_qmm(cb, &qm), -EINVAL, "wfmt", "qmm with T2");
	qm.wfmt = LLA_WFMT_F16;
	qm.w_scale = accel_at(a, 0);
	expect(accel_cmd_qmm(cb, &qm), -EINVAL, "w_scale must be absent",
	       "qmm F16 with w_scale");
	qm.w_scale = accel_raw(0);
	tap_ok(!accel_cmd_qmm(cb, &qm), "a valid F16 QMM is accepted");

	/* NORM_QUANT */
	memset(&nq, 0, sizeof(nq));
	nq.x = accel_at(a, 0); nq.y = accel_at(a, 8192); nq.m = 2; nq.k = 16;
	expect(accel_cmd_norm_quant(cb, &nq), -EINVAL, "flags must include",
	       "norm_quant without outputs");
	nq.flags = 8;
	expect(accel_cmd_norm_quant(cb, &nq), -EINVAL, "unknown bits",
	       "norm_quant unknown flag");
	nq.flags = LLA_NQ_F_NORM | LLA_NQ_F_F32OUT;
	nq.eps = -1;
	expect(accel_cmd_norm_quant(cb, &nq), -EINVAL, "eps",
	       "norm_quant negative eps");
	nq.eps = 0;
	nq.flags = LLA_NQ_F_QUANT;
	expect(accel_cmd_norm_quant(cb, &nq), -EINVAL, "y and y_stride",
	       "norm_quant y without F32OUT");
	nq.y = accel_raw(0);
	expect(accel_cmd_norm_quant(cb, &nq), -EINVAL, "q is required",
	       "norm_quant QUANT without q");

	/* ROPE */
	memset(&rp, 0, sizeof(rp));
	rp.x = accel_at(a, 0); rp.table = accel_at(a, 8192);
	rp.m = 2; rp.n_head = 2; rp.head_dim = 7; rp.table_len = 4;
	expect(accel_cmd_rope(cb, &rp), -EINVAL, "head_dim must be even",
	       "rope odd head_dim");
	rp.head_dim = 8; rp.pos = 3;
	expect(accel_cmd_rope(cb, &rp), -EINVAL, "pos + m",
	       "rope past the table");
	rp.pos_addr = accel_at(a, 4);
	expect(accel_cmd_rope(cb, &rp), -EINVAL, "pos must be 0",
	       "rope pos with pos_addr");

	/* ELTWISE */
	memset(&el, 0, sizeof(el));
	el.a = accel_at(a, 0); el.y = accel_at(a, 0); el.count = 16;
	el.op = 9;
	expect(accel_cmd_eltwise(cb, &el), -EINVAL, "op", "eltwise op 9");
	el.op = LLA_ELT_ADD;
	expect(accel_cmd_eltwise(cb, &el), -EINVAL, "b is required",
	       "eltwise ADD without b");
	el.op = LLA_ELT_RELU; el.imm = 2;
	expect(accel_cmd_eltwise(cb, &el), -EINVAL, "imm", "eltwise RELU imm");
	el.imm = 0; el.count = 0;
	expect(accel_cmd_eltwise(cb, &el), -EINVAL, "count", "eltwise count 0");

	/* EMBED, ARGMAX, TOPK */
	expect(accel_cmd_embed(cb, &(struct accel_embed){
		.table = accel_at(a, 0), .ids = accel_at(a, 8192),
		.y = accel_at(a, 16384), .vocab = 4, .dim = 4, .m = 1,
		.dtype = LLA_DTYPE_I8 }), -EINVAL, "dtype", "embed I8 table");
	expect(accel_cmd_embed(cb, &(struct accel_embed){
		.table = accel_at(a, 0), .y = accel_at(a, 16384), .vocab = 4,
		.dim = 4, .m = 1 }), -EINVAL, "ids is required",
	       "embed without ids");
	expect(accel_cmd_argmax(cb, &(struct accel_argmax){
		.x = accel_at(a, 0), .y = accel_at(a, 8192), .m = 1, .n = 0 }),
	       -EINVAL, "n must be", "argmax n = 0");
	expect(accel_cmd_argmax(cb, &(struct accel_argmax){
		.x = accel_at(a, 0), .y = accel_at(a, 8192), .m = 2, .n = 8,
		.x_stride = 16 }), -EINVAL, "x_stride", "argmax short stride");
	expect(accel_cmd_topk(cb, &(struct accel_topk){
		.x = accel_at(a, 0), .idx = accel_at(a, 8192), .n = 4, .k = 5 }),
	       -EINVAL, "k (5) must not exceed n", "topk k > n");

	/* SAMPLE */
	memset(&sp, 0, sizeof(sp));
	sp.logits = accel_at(a, 0); sp.out = accel_at(a, 8192); sp.n = 16;
	sp.top_p = 0;
	expect(accel_cmd_sample(cb, &sp), -EINVAL, "top_p", "sample top_p 0");
	sp.top_p = 1; sp.temperature = -1;
	expect(accel_cmd_sample(cb, &sp), -EINVAL, "temperature",
	       "sample negative temperature");
	sp.temperature = 1; sp.flags = LLA_SAMPLE_F_ADVANCE;
	expect(accel_cmd_sample(cb, &sp), -EINVAL, "counter_addr",
	       "sample ADVANCE without counter_addr");
	sp.flags = 0; sp.top_k = 300;
	expect(accel_cmd_sample(cb, &sp), -EINVAL, "top_k", "sample top_k 300");

	/* ATTN */
	memset(&at, 0, sizeof(at));
	at.q = accel_at(a, 0); at.k = accel_at(a, 4096); at.v = accel_at(a, 8192);
	at.k_cache = accel_at(a, 16384); at.v_cache = accel_at(a, 32768);
	at.o = accel_at(a, 49152); at.m = 2; at.n_head = 3; at.n_kv_head = 2;
	at.head_dim = 8; at.max_ctx = 16;
	expect(accel_cmd_attn_prefill(cb, &at), -EINVAL, "n_head (3) must be",
	       "attn n_head not a multiple of n_kv_head");
	at.n_head = 4;
	expect(accel_cmd_attn_decode(cb, &at), -EINVAL, "m must be 1",
	       "attn decode with m = 2");
	at.scale = -0.5f;
	expect(accel_cmd_attn_prefill(cb, &at), -EINVAL, "scale",
	       "attn negative scale");
	at.scale = 0; at.k_cache = accel_at(small, 0);
	expect(accel_cmd_attn_prefill(cb, &at), -EINVAL, "k_cache needs",
	       "attn cache larger than its buffer");

	/* COPY, FILL, TIMESTAMP, SEM */
	expect(accel_cmd_copy(cb, accel_at(a, 0), accel_at(a, 100), 0),
	       -EINVAL, "len", "copy of 0 bytes");
	expect(accel_cmd_copy(cb, accel_at(a, 0), accel_at(a, 100), 200),
	       -EINVAL, "overlap", "overlapping copy");
	expect(accel_cmd_copy(cb, accel_at(a, 0), accel_raw(0), 16), -EINVAL,
	       "src is required", "copy without src");
	expect(accel_cmd_fill(cb, accel_at(a, 0), 6, 0), -EINVAL,
	       "multiple of 4", "fill of 6 bytes");
	expect(accel_cmd_fill(cb, accel_at(a, 2), 8, 0), -EINVAL, "dst offset",
	       "fill at a misaligned offset");
	expect(accel_cmd_timestamp(cb, accel_at(a, 4)), -EINVAL, "dst offset",
	       "timestamp not 8-byte aligned");
	expect(accel_cmd_timestamp(cb, accel_raw(0)), -EINVAL,
	       "dst is required", "timestamp without dst");
	expect(accel_cmd_sem_signal(cb, accel_at(a, 0), 5, 1, 0), -EINVAL,
	       "op", "sem_signal op 5");
	expect(accel_cmd_sem_signal(cb, accel_at(a, 0), LLA_SEM_SET,
				    1ull << 33, LLA_SEM_F_32BIT), -EINVAL,
	       "value", "sem_signal 33-bit value on a 32-bit cell");
	expect(accel_cmd_sem_wait(cb, accel_at(a, 0), 2, 1, 0), -EINVAL, "cond",
	       "sem_wait cond 2");
	expect(accel_cmd_sem_wait(cb, accel_at(a, 0), 0, 1, 2), -EINVAL,
	       "flags", "sem_wait unknown flags");

	/* Every builder: NULL command buffer, NULL arguments. */
	{
		struct accel_addr z = accel_raw(0), p8 = accel_at(a, 0);
		int n_ok = 0, n_all = 0;
#define NULLCHK(call, what) do { \
		int _r = (call); \
		n_all++; \
		if (_r == -EINVAL && strstr(accel_last_error(), what)) \
			n_ok++; \
		else \
			tap_diag("%s: %d '%s'", #call, _r, accel_last_error()); \
	} while (0)
		NULLCHK(accel_cmd_qmm(NULL, &qm), "cb is NULL");
		NULLCHK(accel_cmd_qmm(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_norm_quant(NULL, &nq), "cb is NULL");
		NULLCHK(accel_cmd_norm_quant(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_rope(NULL, &rp), "cb is NULL");
		NULLCHK(accel_cmd_rope(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_eltwise(NULL, &el), "cb is NULL");
		NULLCHK(accel_cmd_eltwise(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_embed(NULL, NULL), "cb is NULL");
		NULLCHK(accel_cmd_embed(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_argmax(NULL, NULL), "cb is NULL");
		NULLCHK(accel_cmd_argmax(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_topk(NULL, NULL), "cb is NULL");
		NULLCHK(accel_cmd_topk(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_sample(NULL, &sp), "cb is NULL");
		NULLCHK(accel_cmd_sample(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_attn_prefill(NULL, &at), "cb is NULL");
		NULLCHK(accel_cmd_attn_prefill(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_attn_decode(NULL, &at), "cb is NULL");
		NULLCHK(accel_cmd_attn_decode(cb, NULL), "args is NULL");
		NULLCHK(accel_cmd_copy(NULL, p8, p8, 4), "cb is NULL");
		NULLCHK(accel_cmd_fill(NULL, p8, 4, 0), "cb is NULL");
		NULLCHK(accel_cmd_timestamp(NULL, p8), "cb is NULL");
		NULLCHK(accel_cmd_sem_signal(NULL, p8, 0, 0, 0), "cb is NULL");
		NULLCHK(accel_cmd_sem_wait(NULL, p8, 0, 0, 0), "cb is NULL");
		NULLCHK(accel_cmd_fill(cb, z, 4, 0), "dst is required");
		NULLCHK(accel_cmd_sem_signal(cb, z, 0, 0, 0), "cell is required");
#undef NULLCHK
		tap_ok(n_ok == n_all,
		       "every builder rejects a NULL command buffer, NULL arguments and missing operands (%d/%d)",
		       n_ok, n_all);
	}

	/* Huge sizes */
	expect(accel_cmd_copy(cb, accel_at(a, 0), accel_raw(1ull << 40),
			      (1ull << 30) + 1), -EINVAL, "len must be",
	       "copy of 2^30 + 1 bytes");
	expect(accel_cmd_fill(cb, accel_at(a, 0), UINT64_MAX - 3, 0), -EINVAL,
	       "len must be", "fill of UINT64_MAX - 3 bytes");
	el.count = 0xffffffffu;
	expect(accel_cmd_eltwise(cb, &el), -EINVAL, "count must be",
	       "eltwise of 2^32 - 1 elements");
	expect(accel_cmd_fill(cb, accel_raw(LLA_IOVA_LIMIT - 8), 16, 0),
	       -EINVAL, "outside the device address space",
	       "fill running past the 48-bit space");
	t = TL_OK; t.n = 262144; t.k = 8192;
	expect(accel_cmd_tlmm(cb, &t), -EINVAL, "n * k",
	       "tlmm with 2^31 weights (element limit)");

	/* Nothing failed was appended. */
	tap_ok(accel_cmdbuf_count(cb) == 2,
	       "failed builder calls append nothing (%u commands)",
	       accel_cmdbuf_count(cb));

	/* Submission options */
	memset(&so, 0, sizeof(so));
	so.queue = 99;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->queue",
	       "submit to queue 99");
	so.queue = 0; so.priority = ACCEL_PRIO_HIGH + 1;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->priority",
	       "submit with priority 3");
	so.priority = 0; so.flags = 1;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->flags",
	       "submit with flags");
	so.flags = 0; so.ndeps = 1;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->deps",
	       "submit with ndeps but no deps");
	so.ndeps = ACCEL_MAX_DEPS + 1;
	so.deps = &fz;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->ndeps",
	       "submit with too many deps");
	so.ndeps = 1;
	expect(accel_submit(cb, &so, &fz), -EINVAL, "opts->deps[0]",
	       "submit with a NULL dependency");

	/* Handles of another device */
	if (!accel_device_open("first", 0, &d2) &&
	    !accel_bo_alloc(d2, 4096, 0, &other)) {
		accel_cmdbuf *c2 = NULL;
		accel_fence *f2 = NULL;

		expect(accel_cmd_fill(cb, accel_at(other, 0), 8, 0), -EXDEV,
		       "another device", "operand in a buffer of another device");
		expect(accel_cmdbuf_use_bo(cb, other), -EXDEV, "another device",
		       "use_bo of another device");
		accel_cmdbuf_create(d2, &c2);
		accel_cmd_nop(c2);
		accel_submit(c2, NULL, &f2);
		so.deps = &f2;
		expect(accel_submit(cb, &so, NULL), -EXDEV, "another device",
		       "dependency on a fence of another device");
		accel_fence_wait(f2, -1);
		accel_fence_release(f2);
		accel_cmdbuf_destroy(c2);
		accel_bo_free(other);
	} else {
		tap_ok(0, "open a second device: %s", accel_last_error());
	}
	accel_device_close(d2);
	tap_ok(!submit_wait(cb, 0, NULL),
	       "the command buffer still runs after all the rejected calls");
	accel_cmdbuf_destroy(cb);
	accel_bo_free(a);
	accel_bo_free(small);
}

/* ---------------- concurrent submitters ---------------- */

#define NTHREADS 4
#define NITER 8

struct worker {
	int id;
	int ok;
	char msg[200];
};

static void *submitter(void *arg)
{
	const uint32_t M = 2, N = 24, K = 64;
	struct worker *wk = arg;
	accel_bo *x = NULL, *s = NULL, *w = NULL, *y = NULL;
	uint64_t st = 0x9e3779b97f4a7c15ull * (uint64_t)(wk->id + 1);
	accel_cmdbuf *cb = NULL;
	float wf[24 * 64], gamma = 0;

	wk->ok = 1;
	if (accel_bo_alloc(dev, M * K, 0, &x) ||
	    accel_bo_alloc(dev, M * 4, 0, &s) ||
	    accel_bo_alloc(dev, N * 16, ACCEL_BO_DEVICE_RO, &w) ||
	    accel_bo_alloc(dev, M * N * 4, 0, &y) ||
	    accel_cmdbuf_create(dev, &cb)) {
		snprintf(wk->msg, sizeof(wk->msg), "setup: %s",
			 accel_last_error());
		wk->ok = 0;
		goto out;
	}
	for (uint32_t i = 0; i < N * K; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		wf[i] = (float)((int)(st >> 40) % 1000) / 500.0f;
	}
	accel_weights_pack(LLA_WFMT_T2, wf, N, K, 0, map(w), 16, &gamma);
	if (accel_cmd_tlmm(cb, &(struct accel_tlmm){
		.x = accel_at(x, 0), .x_scale = accel_at(s, 0),
		.w = accel_at(w, 0), .y = accel_at(y, 0), .m = M, .n = N,
		.k = K, .w_stride = 16, .w_scale = gamma,
		.wfmt = LLA_WFMT_T2,
		.epi = { .out_dtype = LLA_DTYPE_F32 } })) {
		snprintf(wk->msg, sizeof(wk->msg), "build: %s",
			 accel_last_error());
		wk->ok = 0;
		goto out;
	}
	for (int it = 0; it < NITER && wk->ok; it++) {
		int8_t *xq = map(x);
		struct lla_job_result dr;
		struct snap sn = { 0 };
		struct accel_submit_opts o = {
			.queue = (uint32_t)(wk->id + it) % caps.num_queues };
		accel_fence *f = NULL;

		for (uint32_t i = 0; i < M * K; i++) {
			st = st * 6364136223846793005ull + 1442695040888963407ull;
			xq[i] = (int8_t)(st >> 56);
		}
		((float *)map(s))[0] = 3.0f + (float)it;
		((float *)map(s))[1] = 0.5f;
		snap_bo(&sn, x);
		snap_bo(&sn, s);
		snap_bo(&sn, w);
		snap_bo(&sn, y);
		if (accel_submit(cb, &o, &f) || accel_fence_wait(f, MS(60000))) {
			snprintf(wk->msg, sizeof(wk->msg), "iteration %d: %s",
				 it, accel_last_error());
			wk->ok = 0;
		}
		accel_fence_release(f);
		run_direct(&sn, cb, &dr);
		if (wk->ok && memcmp(map(y), snap_data(&sn, y), M * N * 4)) {
			snprintf(wk->msg, sizeof(wk->msg),
				 "iteration %d: output differs from the rtl-model",
				 it);
			wk->ok = 0;
		}
		snap_free(&sn);
	}
out:
	accel_cmdbuf_destroy(cb);
	accel_bo_free(x);
	accel_bo_free(s);
	accel_bo_free(w);
	accel_bo_free(y);
	return NULL;
}

static void test_concurrency(void)
{
	struct worker wk[NTHREADS];
	pthread_t th[NTHREADS];
	struct accel_counters c0, c1;

	accel_device_counters(dev, &c0);
	for (int i = 0; i < NTHREADS; i++) {
		wk[i].id = i;
		wk[i].msg[0] = '\0';
		pthread_create(&th[i], NULL, submitter, &wk[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		if (!wk[i].ok)
			tap_diag("thread %d: %s", i, wk[i].msg);
		tap_ok(wk[i].ok,
		       "thread %d: %d jobs over the queues equal the rtl-model",
		       i, NITER);
	}
	accel_device_counters(dev, &c1);
	tap_ok(c1.total.jobs - c0.total.jobs == NTHREADS * NITER &&
	       c1.total.errors == c0.total.errors,
	       "counters saw %d concurrent jobs, no errors", NTHREADS * NITER);
}

int main(void)
{
	test_devices();
	test_buffers();
	test_tlmm();
	test_attention();
	test_fences();
	test_resubmit();
	test_errors();
	test_packing();
	test_bad_args_core();
	test_bad_args_tensor_pack();
	test_bad_args_cmds();
	test_concurrency();
	accel_device_close(dev);
	return tap_done();
}
