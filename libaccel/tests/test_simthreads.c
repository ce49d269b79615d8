// SPDX-License-Identifier: MIT
/*
 * LIBACCEL_SIM_THREADS: the sim backend splits each TLMM/QMM across
 * host threads with the same bits for every count.  One job (TLMM T2
 * with an epilogue and T5 without, QMM I8 and the F16 head; N not a
 * multiple of the thread counts, one shape with fewer rows than
 * threads) runs on sim devices opened with LIBACCEL_SIM_THREADS = 1, 2,
 * 3, 7 and unset (the online CPUs); every buffer must equal the one
 * thread run and lla_run_job() run directly on a snapshot (the
 * reference, copying every read), as must the completion records.
 * The device is opened as "sim" explicitly, so this runs on any backend
 * selection.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helpers.h"

#define BO_SIZE	(4ull << 20)

struct layout {
	uint64_t off;
};

static uint64_t take(struct layout *l, uint64_t len)
{
	uint64_t o = l->off;

	l->off = (o + len + 63) & ~63ull;
	if (l->off > BO_SIZE)
		abort();
	return o;
}

/* Offsets are fixed; only the buffer's device address varies. */
static void put_f32(uint8_t *p, uint64_t off, uint64_t n, float lo,
		    float hi)
{
	for (uint64_t i = 0; i < n; i++) {
		float v = lo + (hi - lo) * (float)(rnd() % 65536) / 65536.0f;

		memcpy(p + off + 4 * i, &v, 4);
	}
}

/* Without a command buffer build_job only fills the operands. */
static int emit(accel_cmdbuf *cb, const void *cmd, uint32_t size)
{
	return cb ? accel_cmd_raw(cb, cmd, size, 0) : 0;
}

static int build_job(accel_cmdbuf *cb, uint64_t base, uint8_t *p,
		     int fill)
{
	struct layout l = { 0 };
	struct lla_cmd_tlmm t;
	struct lla_cmd_qmm q;
	uint64_t o;
	int err = 0;

	/* TLMM T2, M 3, N 301, K 640, bias + SiLU, f16 out. */
	memset(&t, 0, sizeof(t));
	t.hdr.opcode = LLA_OP_TLMM;
	t.hdr.size = sizeof(t);
	t.m = 3; t.n = 301; t.k = 640; t.wfmt = LLA_WFMT_T2;
	t.x_stride = 640; t.w_stride = 160; t.y_stride = 2 * 301;
	t.w_scale = lla_f32_bits(0.75f);
	t.x_iova = base + take(&l, 3 * 640);
	t.x_scale_iova = base + (o = take(&l, 4 * 3));
	if (fill)
		put_f32(p, o, 3, 1.0f, 200.0f);
	t.w_iova = base + take(&l, 301 * 160);
	t.epi.bias_iova = base + (o = take(&l, 4 * 301));
	if (fill)
		put_f32(p, o, 301, -1.0f, 1.0f);
	t.epi.act = LLA_ACT_SILU;
	t.epi.out_dtype = LLA_DTYPE_F16;
	t.y_iova = base + take(&l, 3 * 2 * 301);
	err |= emit(cb, &t, sizeof(t));

	/* TLMM T5, M 1 (decode, weights read in place), N 5, K 2560. */
	memset(&t, 0, sizeof(t));
	t.hdr.opcode = LLA_OP_TLMM;
	t.hdr.size = sizeof(t);
	t.m = 1; t.n = 5; t.k = 2560; t.wfmt = LLA_WFMT_T5;
	t.x_stride = 2560; t.w_stride = 512; t.y_stride = 4 * 5;
	t.w_scale = lla_f32_bits(1.5f);
	t.x_iova = base + take(&l, 2560);
	t.x_scale_iova = base + (o = take(&l, 4));
	if (fill)
		put_f32(p, o, 1, 1.0f, 200.0f);
	t.w_iova = base + take(&l, 5 * 512);
	t.y_iova = base + take(&l, 4 * 5);
	err |= emit(cb, &t, sizeof(t));

	/* TLMM T5, M 1, N 1000, K 2560: several weight blocks. */
	t.n = 1000; t.y_stride = 4 * 1000;
	t.w_iova = base + take(&l, 1000 * 512);
	t.y_iova = base + take(&l, 4 * 1000);
	err |= emit(cb, &t, sizeof(t));

	/* QMM I8, M 2, N 67, K 1000, int8 out with row scales. */
	memset(&q, 0, sizeof(q));
	q.hdr.opcode = LLA_OP_QMM;
	q.hdr.size = sizeof(q);
	q.m = 2; q.n = 67; q.k = 1000; q.wfmt = LLA_WFMT_I8;
	q.x_stride = 1000; q.w_stride = 1000; q.y_stride = 67;
	q.x_iova = base + take(&l, 2 * 1000);
	q.x_scale_iova = base + (o = take(&l, 8));
	if (fill)
		put_f32(p, o, 2, 1.0f, 200.0f);
	q.w_iova = base + take(&l, 67 * 1000);
	q.w_scale_iova = base + (o = take(&l, 4 * 67));
	if (fill)
		put_f32(p, o, 67, 0.001f, 0.05f);
	q.epi.out_dtype = LLA_DTYPE_I8;
	q.y_iova = base + take(&l, 2 * 67);
	q.epi.y_scale_iova = base + take(&l, 8);
	err |= emit(cb, &q, sizeof(q));

	/* QMM F16 head, M 1, N 131, K 512, f32 logits. */
	memset(&q, 0, sizeof(q));
	q.hdr.opcode = LLA_OP_QMM;
	q.hdr.size = sizeof(q);
	q.m = 1; q.n = 131; q.k = 512; q.wfmt = LLA_WFMT_F16;
	q.x_stride = 4 * 512; q.w_stride = 2 * 512; q.y_stride = 4 * 131;
	q.x_iova = base + (o = take(&l, 4 * 512));
	if (fill)
		put_f32(p, o, 512, -2.0f, 2.0f);
	q.w_iova = base + (o = take(&l, 2 * 512 * 131));
	if (fill)
		for (uint64_t i = 0; i < 512 * 131; i++) {
			uint16_t h = (uint16_t)(rnd() % 0x3c00) |
				     (uint16_t)(rnd() & 0x8000);

			memcpy(p + o + 2 * i, &h, 2);
		}
	q.epi.out_dtype = LLA_DTYPE_F32;
	q.y_iova = base + take(&l, 4 * 131);
	err |= emit(cb, &q, sizeof(q));
	return err;
}

/* Random bytes where build_job put no floats (ids, codes, outputs). */
static void pristine_fill(uint8_t *p)
{
	for (uint64_t i = 0; i < BO_SIZE; i++)
		p[i] = (uint8_t)rnd();
	build_job(NULL, 0, p, 1);
}

struct run {
	int ok;
	struct accel_job_result res;
	struct lla_job_result ref;
	int ref_same;		/* buffer and record equal the direct run */
};

/* One sim device with LIBACCEL_SIM_THREADS = @val (NULL: unset). */
static struct run run_with(const char *val, const uint8_t *pristine,
			   uint8_t *out)
{
	struct run r;
	accel_cmdbuf *cb = NULL;
	accel_bo *bo = NULL;
	struct snap s = { 0 };

	memset(&r, 0, sizeof(r));
	if (val)
		setenv("LIBACCEL_SIM_THREADS", val, 1);
	else
		unsetenv("LIBACCEL_SIM_THREADS");
	if (accel_device_open("sim", 0, &dev) ||
	    accel_device_caps(dev, &caps)) {
		tap_diag("open sim: %s", accel_last_error());
		return r;
	}
	if (accel_bo_alloc(dev, BO_SIZE, 0, &bo) ||
	    accel_cmdbuf_create(dev, &cb)) {
		tap_diag("setup: %s", accel_last_error());
		goto out;
	}
	memcpy(map(bo), pristine, BO_SIZE);
	if (build_job(cb, accel_bo_iova(bo), NULL, 0)) {
		tap_diag("build: %s", accel_last_error());
		goto out;
	}
	snap_bo(&s, bo);
	if (submit_wait(cb, 0, &r.res))
		goto out;
	memcpy(out, map(bo), BO_SIZE);
	run_direct(&s, cb, &r.ref);
	r.ref_same = !memcmp(out, snap_data(&s, bo), BO_SIZE) &&
		     r.ref.status == r.res.status &&
		     r.ref.cycles == r.res.cycles &&
		     r.ref.macs == r.res.macs;
	r.ok = r.res.status == LLA_OK;
out:
	snap_free(&s);
	accel_cmdbuf_destroy(cb);
	accel_bo_free(bo);
	accel_device_close(dev);
	dev = NULL;
	return r;
}

/*
 * Threads of this process: the rtl-model's pool keeps its workers, so
 * after a run this shows how many threads the sim device asked for.
 */
static int task_count(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int main(void)
{
	static const char *const vals[] = { "1", "2", "3", "7", NULL, "0" };
	uint8_t *pristine = malloc(BO_SIZE), *one = malloc(BO_SIZE);
	uint8_t *got = malloc(BO_SIZE);
	struct run base, r;

	/* Share every matmul run, however small: the shapes here are. */
	setenv("LLA_SHARE_MACS", "0", 1);

	if (!pristine || !one || !got)
		return 2;
	pristine_fill(pristine);
	base = run_with("1", pristine, one);
	tap_ok(base.ok && base.ref_same,
	       "LIBACCEL_SIM_THREADS=1: the job completes (%s) and every byte and the record equal lla_run_job() run directly",
	       accel_hw_error_name(base.res.status));
	tap_ok(memcmp(one, pristine, BO_SIZE) != 0,
	       "the job wrote its outputs (the comparisons below are not vacuous)");
	tap_ok(task_count() == 1,
	       "one thread: no worker started (%d threads after the device closed)",
	       task_count());
	for (size_t i = 1; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const char *v = vals[i] ? vals[i] : "unset";

		r = run_with(vals[i], pristine, got);
		tap_ok(r.ok && r.ref_same && !memcmp(got, one, BO_SIZE) &&
		       r.res.cycles == base.res.cycles &&
		       r.res.macs == base.res.macs,
		       "LIBACCEL_SIM_THREADS=%s: TLMM T2+epilogue, T5 (N 5 and 1000), QMM I8 and F16 memcmp-identical to one thread and to the reference; same cycles and MACs",
		       v);
		if (vals[i] && !strcmp(vals[i], "7"))
			tap_ok(task_count() >= 7,
			       "LIBACCEL_SIM_THREADS=7 reached the engine: %d threads alive after the device closed (the pool's 6 workers and this one)",
			       task_count());
	}
	free(pristine);
	free(one);
	free(got);
	return tap_done();
}
