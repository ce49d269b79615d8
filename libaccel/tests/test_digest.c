// SPDX-License-Identifier: MIT
/*
 * Cross-backend digest suite.  A fixed set of jobs (every compute opcode,
 * ternary T2 and T5 matmuls of a few hundred weights per row, a decode
 * step reading its position from memory, a faulting write to a
 * device-read-only buffer, a command the device rejects) runs on
 * deterministic inputs.  Each job is checked against the rtl-model run
 * directly on a snapshot of its buffers (memcmp), then its outcome
 * (status, failing command, fault offset into the buffer and direction)
 * and every byte of its buffers are folded into an FNV-1a 64 digest; the
 * modeled cycles go into a second digest.
 *
 * The digests are the same on every backend only if the outputs are bit
 * identical, so the build runs this suite on the sim backend with
 * LIBACCEL_DIGEST_WRITE=FILE, and the VM runs it on the kernel backend
 * with LIBACCEL_DIGEST_FILE=FILE, which makes the comparison a TAP test.
 * Device addresses never enter the digest (the backends lay buffers out
 * differently); the timestamp a job writes neither (the clocks differ).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

#define NB 32

struct job {
	const char *name;
	accel_bo *bo[NB];
	uint32_t ro[NB];
	int nbo;
	accel_cmdbuf *cb;
	int compare;		/* 0: the snapshot has no MMU (faulting job) */
};

static uint64_t dig_out = 0xcbf29ce484222325ull;
static uint64_t dig_cyc = 0xcbf29ce484222325ull;

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ull;
	}
}

static void fnv64(uint64_t *h, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	fnv(h, b, 8);
}

static accel_bo *jbo(struct job *j, uint64_t size, uint32_t flags)
{
	accel_bo *bo = alloc(size, flags);

	j->ro[j->nbo] = flags;
	j->bo[j->nbo++] = bo;
	return bo;
}

static void rnd_f32(accel_bo *bo, uint32_t n, float scale)
{
	float *p = map(bo);

	for (uint32_t i = 0; i < n; i++)
		p[i] = rndf() * scale;
}

static void rnd_i8(accel_bo *bo, uint32_t n)
{
	int8_t *p = map(bo);

	for (uint32_t i = 0; i < n; i++)
		p[i] = (int8_t)rnd();
}

static void rnd_f16(accel_bo *bo, uint32_t n, float scale)
{
	uint16_t *p = map(bo);

	for (uint32_t i = 0; i < n; i++)
		p[i] = accel_f32_to_f16(rndf() * scale);
}

/* Random ternary [n][k] weights packed as @wfmt rows of @stride bytes. */
static int rnd_ternary(accel_bo *bo, uint32_t wfmt, uint32_t n, uint32_t k,
		       uint32_t stride)
{
	int8_t *codes = malloc((size_t)n * k);
	int err;

	for (uint32_t i = 0; i < n * k; i++)
		codes[i] = (int8_t)((int)(rnd() % 3) - 1);
	err = accel_ternary_pack(wfmt, codes, n, k, map(bo), stride);
	free(codes);
	return err;
}

/* ---------------- the jobs ---------------- */

/* A transformer-like step: embed, norm+quant, TLMM T2/T5, attention... */
static int build_block(struct job *j)
{
	enum { V = 40, D = 256, M = 4, F = 96, H = 4, KVH = 2, HD = 16,
	       CTX = 16, QR = H * HD, KR = KVH * HD };
	accel_bo *tab = jbo(j, V * D * 2, ACCEL_BO_DEVICE_RO);
	accel_bo *ids = jbo(j, M * 4, 0), *x = jbo(j, M * D * 4, 0);
	accel_bo *g = jbo(j, D * 4, ACCEL_BO_DEVICE_RO);
	accel_bo *q8 = jbo(j, M * D, 0), *qs = jbo(j, M * 4, 0);
	uint32_t t2b = accel_weight_row_bytes(LLA_WFMT_T2, D);
	uint32_t t5b = accel_weight_row_bytes(LLA_WFMT_T5, D);
	accel_bo *w2 = jbo(j, (uint64_t)F * t2b, ACCEL_BO_DEVICE_RO);
	accel_bo *w5 = jbo(j, (uint64_t)(QR + 2 * KR) * t5b, ACCEL_BO_DEVICE_RO);
	accel_bo *bias = jbo(j, F * 4, ACCEL_BO_DEVICE_RO);
	accel_bo *h = jbo(j, M * F * 4, 0), *hr = jbo(j, M * F * 4, 0);
	accel_bo *qkv = jbo(j, M * (QR + 2 * KR) * 4, 0);
	accel_bo *rt = jbo(j, CTX * HD * 4, ACCEL_BO_DEVICE_RO);
	accel_bo *kc = jbo(j, CTX * KR * 2, 0), *vc = jbo(j, CTX * KR * 2, 0);
	accel_bo *o = jbo(j, (M + 1) * QR * 4, 0);
	accel_bo *am = jbo(j, M * 4, 0), *tki = jbo(j, 8 * 4, 0);
	accel_bo *tkv = jbo(j, 8 * 4, 0), *tok = jbo(j, 4, 0);
	accel_bo *ctr = jbo(j, 8, 0), *pos = jbo(j, 4, 0);
	uint32_t qkvr = (QR + 2 * KR) * 4;
	int err = 0;

	for (uint32_t i = 0; i < M; i++)
		((int32_t *)map(ids))[i] = (int32_t)(rnd() % V);
	rnd_f16(tab, V * D, 2);
	rnd_f32(g, D, 1.5f);
	err |= rnd_ternary(w2, LLA_WFMT_T2, F, D, t2b);
	err |= rnd_ternary(w5, LLA_WFMT_T5, QR + 2 * KR, D, t5b);
	rnd_f32(bias, F, 0.5f);
	err |= accel_rope_table(map(rt), CTX, HD, 10000.0f);
	*(uint32_t *)map(pos) = M;
	*(uint64_t *)map(ctr) = 7;

	err |= accel_cmd_embed(j->cb, &(struct accel_embed){
		.table = accel_at(tab, 0), .ids = accel_at(ids, 0),
		.y = accel_at(x, 0), .vocab = V, .dim = D, .m = M,
		.dtype = LLA_DTYPE_F16 });
	err |= accel_cmd_norm_quant(j->cb, &(struct accel_norm_quant){
		.x = accel_at(x, 0), .gamma = accel_at(g, 0),
		.q = accel_at(q8, 0), .scale = accel_at(qs, 0), .m = M,
		.k = D, .eps = 1e-5f, .flags = LLA_NQ_F_NORM | LLA_NQ_F_QUANT });
	err |= accel_cmd_tlmm(j->cb, &(struct accel_tlmm){
		.x = accel_at(q8, 0), .x_scale = accel_at(qs, 0),
		.w = accel_at(w2, 0), .y = accel_at(h, 0), .m = M, .n = F,
		.k = D, .w_scale = 0.0625f, .wfmt = LLA_WFMT_T2,
		.epi = { .bias = accel_at(bias, 0), .act = LLA_ACT_RELU,
			 .out_dtype = LLA_DTYPE_F32 } });
	err |= accel_cmd_eltwise(j->cb, &(struct accel_eltwise){
		.a = accel_at(h, 0), .y = accel_at(hr, 0), .count = M * F,
		.op = LLA_ELT_RELU2 });
	err |= accel_cmd_tlmm(j->cb, &(struct accel_tlmm){
		.x = accel_at(q8, 0), .x_scale = accel_at(qs, 0),
		.w = accel_at(w5, 0), .y = accel_at(qkv, 0), .m = M,
		.n = QR + 2 * KR, .k = D, .w_scale = 0.03125f,
		.wfmt = LLA_WFMT_T5, .epi = { .out_dtype = LLA_DTYPE_F32 } });
	err |= accel_cmd_rope(j->cb, &(struct accel_rope){
		.x = accel_at(qkv, 0), .table = accel_at(rt, 0), .m = M,
		.n_head = H + KVH, .head_dim = HD, .x_stride = qkvr, .pos = 0,
		.table_len = CTX });
	err |= accel_cmd_attn_prefill(j->cb, &(struct accel_attn){
		.q = accel_at(qkv, 0), .k = accel_at(qkv, QR * 4),
		.v = accel_at(qkv, (QR + KR) * 4), .k_cache = accel_at(kc, 0),
		.v_cache = accel_at(vc, 0), .o = accel_at(o, 0), .m = M,
		.n_head = H, .n_kv_head = KVH, .head_dim = HD, .max_ctx = CTX,
		.pos = 0, .q_stride = qkvr, .kv_stride = qkvr });
	/* Decode one more token at the position read from memory. */
	err |= accel_cmd_attn_decode(j->cb, &(struct accel_attn){
		.q = accel_at(qkv, (M - 1) * qkvr),
		.k = accel_at(qkv, (M - 1) * qkvr + QR * 4),
		.v = accel_at(qkv, (M - 1) * qkvr + (QR + KR) * 4),
		.k_cache = accel_at(kc, 0), .v_cache = accel_at(vc, 0),
		.o = accel_at(o, M * QR * 4), .pos_addr = accel_at(pos, 0),
		.m = 1, .n_head = H, .n_kv_head = KVH, .head_dim = HD,
		.max_ctx = CTX });
	err |= accel_cmd_argmax(j->cb, &(struct accel_argmax){
		.x = accel_at(hr, 0), .y = accel_at(am, 0), .m = M, .n = F });
	err |= accel_cmd_topk(j->cb, &(struct accel_topk){
		.x = accel_at(o, 0), .idx = accel_at(tki, 0),
		.val = accel_at(tkv, 0), .n = QR, .k = 8 });
	err |= accel_cmd_sample(j->cb, &(struct accel_sample){
		.logits = accel_at(h, 0), .out = accel_at(tok, 0),
		.counter_addr = accel_at(ctr, 0), .seed = 0x5eed, .n = F,
		.top_k = 20, .temperature = 0.8f, .top_p = 0.9f,
		.flags = LLA_SAMPLE_F_ADVANCE });
	return err;
}

/* QMM in both formats, element-wise ops, copy and fill. */
static int build_misc(struct job *j)
{
	enum { M = 3, N = 40, K = 72, E = 300 };
	accel_bo *x8 = jbo(j, M * K, 0), *xs = jbo(j, M * 4, 0);
	accel_bo *w8 = jbo(j, N * K, ACCEL_BO_DEVICE_RO), *ws = jbo(j, N * 4, 0);
	accel_bo *xf = jbo(j, M * K * 4, 0), *wf = jbo(j, N * K * 2, 0);
	accel_bo *y8 = jbo(j, M * 4 * 4, 0), *yf = jbo(j, M * N * 4, 0);
	accel_bo *ysc = jbo(j, M * 4, 0), *res = jbo(j, M * N * 4, 0);
	accel_bo *a = jbo(j, E * 4, 0), *b = jbo(j, E * 4, 0);
	accel_bo *c = jbo(j, E * 4, 0), *cp = jbo(j, 5000, 0);
	int err = 0;

	rnd_i8(x8, M * K);
	rnd_i8(w8, N * K);
	for (int i = 0; i < M; i++)
		((float *)map(xs))[i] = 20.0f + (float)i;
	rnd_f32(ws, N, 0.05f);
	rnd_f32(xf, M * K, 2);
	rnd_f16(wf, N * K, 1);
	rnd_f32(res, M * N, 3);
	rnd_f32(a, E, 4);
	rnd_f32(b, E, 4);
	for (int i = 0; i < M; i++)
		((float *)map(ysc))[i] = 0.5f + (float)i;
	err |= accel_cmd_qmm(j->cb, &(struct accel_qmm){
		.x = accel_at(x8, 0), .x_scale = accel_at(xs, 0),
		.w = accel_at(w8, 0), .w_scale = accel_at(ws, 0),
		.y = accel_at(y8, 0), .m = M, .n = 16, .k = K,
		.wfmt = LLA_WFMT_I8,
		.epi = { .y_scale = accel_at(ysc, 0), .act = LLA_ACT_SILU,
			 .out_dtype = LLA_DTYPE_I8 } });
	err |= accel_cmd_qmm(j->cb, &(struct accel_qmm){
		.x = accel_at(xf, 0), .w = accel_at(wf, 0), .y = accel_at(yf, 0),
		.m = M, .n = N, .k = K, .wfmt = LLA_WFMT_F16,
		.epi = { .residual = accel_at(res, 0),
			 .out_dtype = LLA_DTYPE_F32 } });
	err |= accel_cmd_eltwise(j->cb, &(struct accel_eltwise){
		.a = accel_at(a, 0), .b = accel_at(b, 0), .y = accel_at(c, 0),
		.count = E, .op = LLA_ELT_MUL });
	err |= accel_cmd_eltwise(j->cb, &(struct accel_eltwise){
		.a = accel_at(c, 0), .b = accel_at(a, 0), .y = accel_at(c, 0),
		.count = E, .op = LLA_ELT_ADD });
	err |= accel_cmd_eltwise(j->cb, &(struct accel_eltwise){
		.a = accel_at(c, 0), .y = accel_at(b, 0), .count = E,
		.op = LLA_ELT_SCALE, .imm = -0.3f });
	err |= accel_cmd_fill(j->cb, accel_at(cp, 0), 4096, 0xdeadbeefu);
	err |= accel_cmd_copy(j->cb, accel_at(cp, 1000), accel_at(a, 0), E * 4);
	return err;
}

/* Work, then a write into a device-read-only buffer: MMU_PERM. */
static int build_fault(struct job *j)
{
	accel_bo *a = jbo(j, 8192, 0), *ro = jbo(j, 8192, ACCEL_BO_DEVICE_RO);
	int err = 0;

	rnd_f32(a, 2048, 1);
	err |= accel_cmd_fill(j->cb, accel_at(a, 4096), 64, 0x01020304u);
	err |= accel_cmd_copy(j->cb, accel_at(ro, 4096 + 256),
			      accel_at(a, 0), 128);
	err |= accel_cmd_nop(j->cb);
	return err;
}

/* A command the device itself rejects (built unchecked). */
static int build_invalid(struct job *j)
{
	accel_bo *a = jbo(j, 4096, 0);
	struct lla_cmd_fill f;
	int err = 0;

	memset(&f, 0, sizeof(f));
	f.hdr.opcode = LLA_OP_FILL;
	f.hdr.size = sizeof(f);
	f.dst_iova = accel_bo_iova(a) + 2;	/* misaligned */
	f.len = 64;
	err |= accel_cmd_fill(j->cb, accel_at(a, 0), 32, 7);
	err |= accel_cmd_raw(j->cb, &f, sizeof(f), ACCEL_RAW_UNCHECKED);
	err |= accel_cmdbuf_use_bo(j->cb, a);
	return err;
}

/* ---------------- running ---------------- */

/* Offset of @iova into a buffer of the job, or the raw value ~0 + 1. */
static uint64_t rel_fault(const struct job *j, uint64_t iova)
{
	for (int i = 0; i < j->nbo; i++) {
		uint64_t b = accel_bo_iova(j->bo[i]);

		if (iova >= b && iova < b + accel_bo_size(j->bo[i]))
			return ((uint64_t)i << 32) | (iova - b);
	}
	return iova ? UINT64_MAX : 0;
}

static void run(struct job *j, uint32_t queue, uint32_t want_status)
{
	struct accel_job_result r;
	struct lla_job_result dr;
	struct snap sn = { 0 };
	int err, same = 1;

	for (int i = 0; i < j->nbo; i++)
		snap_bo(&sn, j->bo[i]);
	err = submit_wait(j->cb, queue, &r);
	tap_ok(want_status ? err == -EIO : !err,
	       "%s: job completes with %s (%s)", j->name,
	       accel_hw_error_name(want_status), accel_hw_error_name(r.status));
	tap_ok(r.status == want_status, "%s: status %s", j->name,
	       accel_hw_error_name(r.status));
	if (caps.result_fields & ACCEL_RESULT_CLOCK)
		tap_ok(r.end_cycle == r.start_cycle + r.cycles &&
		       r.end_cycle > r.start_cycle,
		       "%s: device clock %llu..%llu spans the %llu cycles",
		       j->name, (unsigned long long)r.start_cycle,
		       (unsigned long long)r.end_cycle,
		       (unsigned long long)r.cycles);
	if (j->compare) {
		run_direct(&sn, j->cb, &dr);
		for (int i = 0; i < j->nbo; i++)
			same &= !memcmp(map(j->bo[i]), snap_data(&sn, j->bo[i]),
					accel_bo_size(j->bo[i]));
		tap_ok(same && dr.status == r.status &&
		       dr.cmd_index == r.cmd_index && dr.cycles == r.cycles,
		       "%s: every buffer, the status and the %llu cycles equal the rtl-model run directly",
		       j->name, (unsigned long long)r.cycles);
	}
	snap_free(&sn);

	fnv64(&dig_out, r.status);
	fnv64(&dig_out, r.cmd_index);
	fnv64(&dig_out, rel_fault(j, r.fault_iova));
	if (caps.result_fields & ACCEL_RESULT_FAULT_WRITE)
		fnv64(&dig_out, r.fault_write);
	for (int i = 0; i < j->nbo; i++)
		fnv(&dig_out, map(j->bo[i]), accel_bo_size(j->bo[i]));
	fnv64(&dig_cyc, r.cycles);
	tap_diag("%s: status %s, command %u, fault %#llx%s, %llu cycles",
		 j->name, accel_hw_error_name(r.status), r.cmd_index,
		 (unsigned long long)rel_fault(j, r.fault_iova),
		 r.fault_write ? " (write)" : "",
		 (unsigned long long)r.cycles);
}

static void job_init(struct job *j, const char *name, int compare)
{
	memset(j, 0, sizeof(*j));
	j->name = name;
	j->compare = compare;
	if (accel_cmdbuf_create(dev, &j->cb)) {
		tap_ok(0, "cmdbuf_create: %s", accel_last_error());
		exit(tap_done());
	}
}

static void job_fini(struct job *j)
{
	accel_cmdbuf_destroy(j->cb);
	for (int i = 0; i < j->nbo; i++)
		accel_bo_free(j->bo[i]);
}

/* Compare with (or write) the digest file of the environment. */
static void digest_file(void)
{
	const char *want = getenv("LIBACCEL_DIGEST_FILE");
	const char *out = getenv("LIBACCEL_DIGEST_WRITE");
	char line[256];
	unsigned long long o = 0, c = 0;
	char preset[64] = "";
	FILE *fp;

	tap_diag("digest: outputs %016llx, cycles %016llx (preset %s)",
		 (unsigned long long)dig_out, (unsigned long long)dig_cyc,
		 caps.preset_name);
	if (out && *out) {
		fp = fopen(out, "w");
		tap_ok(fp && fprintf(fp, "outputs %016llx\ncycles %s %016llx\n",
				     (unsigned long long)dig_out,
				     caps.preset_name,
				     (unsigned long long)dig_cyc) > 0 &&
		       !fclose(fp), "digest written to %s", out);
	}
	if (!want || !*want)
		return;
	fp = fopen(want, "r");
	tap_ok(fp != NULL, "expected digest file %s opens", want);
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "outputs %llx", &o) == 1)
			continue;
		sscanf(line, "cycles %63s %llx", preset, &c);
	}
	fclose(fp);
	tap_ok(o == dig_out,
	       "outputs are bit-identical to the other backend's run (digest %016llx, expected %016llx)",
	       (unsigned long long)dig_out, o);
	if (!strcmp(preset, caps.preset_name))
		tap_ok(c == dig_cyc,
		       "modeled cycles equal the other backend's (preset %s, digest %016llx, expected %016llx)",
		       preset, (unsigned long long)dig_cyc, c);
	else
		tap_ok(1, "# SKIP cycles: preset %s here, %s in the digest file",
		       caps.preset_name, preset);
}

int main(void)
{
	struct job j;
	int err;

	if (accel_device_open("first", 0, &dev) || accel_device_caps(dev, &caps)) {
		tap_ok(0, "open the first device: %s", accel_last_error());
		return tap_done();
	}
	tap_diag("backend %s, device %s, preset %s",
		 accel_backend_name(caps.backend), caps.name, caps.preset_name);

	job_init(&j, "block", 1);
	err = build_block(&j);
	tap_ok(!err && accel_cmdbuf_count(j.cb) == 11,
	       "block: 11 commands built (%s)", err ? accel_last_error() : "");
	run(&j, 0, LLA_OK);
	/* The same command buffer again, on another queue: SAMPLE advanced. */
	run(&j, caps.num_queues - 1, LLA_OK);
	job_fini(&j);

	job_init(&j, "misc", 1);
	err = build_misc(&j);
	tap_ok(!err, "misc: 7 commands built (%s)",
	       err ? accel_last_error() : "");
	run(&j, 0, LLA_OK);
	job_fini(&j);

	job_init(&j, "fault", 0);
	err = build_fault(&j);
	tap_ok(!err, "fault: built (%s)", err ? accel_last_error() : "");
	run(&j, 0, LLA_ERR_MMU_PERM);
	tap_ok(((uint32_t *)map(j.bo[0]))[1024] == 0x01020304u,
	       "fault: the command before the fault took effect");
	job_fini(&j);

	job_init(&j, "invalid", 1);
	err = build_invalid(&j);
	tap_ok(!err, "invalid: built (%s)", err ? accel_last_error() : "");
	run(&j, 0, LLA_ERR_MISALIGNED);
	job_fini(&j);

	digest_file();
	accel_device_close(dev);
	return tap_done();
}
