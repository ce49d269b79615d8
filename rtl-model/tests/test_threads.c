// SPDX-License-Identifier: MIT
/*
 * One TLMM/QMM command split across host threads (lla_exec_opts.threads,
 * pool.c) gives the same bits, faults and counters for every thread
 * count.
 *
 * 1. TLMM T2 and T5, without and with an epilogue (bias, activation,
 *    gate, residual; f32, f16 and int8 outputs), and QMM I8 and F16, on
 *    shapes whose N (the rows split between threads) is below, equal to
 *    and not a multiple of the thread counts, with M on both sides of
 *    the in-place limit (MM_MAP_ROWS) and weights over several blocks:
 *    every engine (reference, fast, table lookup) on 1, 2, 3 and 7
 *    threads, and lla_execute with opts.threads, memcmp-equal (the
 *    whole memory image) to the reference on one thread.
 * 2. The progress callback is called only on the calling thread and
 *    adds up to M * N * K; every memory access is made on the calling
 *    thread.
 * 3. Weights past the end of memory: same error, fault address and
 *    byte counters on every thread count.
 * 4. Two threads running commands at once share the pool (one runs its
 *    items alone); both results still equal the reference.
 * 5. The pool survives fork: a child runs a threaded command.
 * 6. lla_pfor itself: every item once, slots below the thread count
 *    and each slot on one thread, and the workers really take items.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "internal.h"
#include "kern.h"
#include "pool.h"
#include "tap.h"

#define IMG_BASE	0x200000ull
#define IMG_SIZE	(4u << 20)

/* Bytes of the image in use: copied and compared per run. */
static uint64_t img_span = IMG_SIZE;

static const uint32_t thread_counts[] = { 1, 2, 3, 7 };
#define NTC	(sizeof(thread_counts) / sizeof(thread_counts[0]))

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static float rnd_f(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) * 0x1p-24f;
}

/* ---------------- memory image ---------------- */

struct img {
	uint8_t *data;
	uint64_t top;
};

static uint64_t img_alloc(struct img *im, uint64_t len)
{
	uint64_t off = im->top;

	im->top = (off + len + 63) & ~63ull;
	if (im->top > IMG_SIZE)
		abort();
	return IMG_BASE + off;
}

static uint64_t img_rand(struct img *im, uint64_t len)
{
	uint64_t iova = img_alloc(im, len);

	for (uint64_t i = 0; i < len; i++)
		im->data[iova - IMG_BASE + i] = (uint8_t)rnd();
	return iova;
}

static uint64_t img_floats(struct img *im, uint64_t count, float lo,
			   float hi)
{
	uint64_t iova = img_alloc(im, 4 * count);

	for (uint64_t i = 0; i < count; i++) {
		float v = rnd_f(lo, hi);

		memcpy(im->data + (iova - IMG_BASE) + 4 * i, &v, 4);
	}
	return iova;
}

static uint32_t out_size(uint8_t dt)
{
	return dt == LLA_DTYPE_F32 ? 4 : dt == LLA_DTYPE_F16 ? 2 : 1;
}

/* @epi 0: plain f32 output; 1: every epilogue stage, out dtype @dt. */
static void make_epi(struct img *im, struct lla_epilogue *e, uint32_t m,
		     uint32_t n, int epi, uint8_t dt)
{
	memset(e, 0, sizeof(*e));
	e->out_dtype = epi ? dt : LLA_DTYPE_F32;
	if (!epi)
		return;
	e->act = (uint8_t)(1 + rnd() % (LLA_ACT_COUNT - 1));
	e->bias_iova = img_floats(im, n, -2.0f, 2.0f);
	e->gate_stride = 4 * n + 8;
	e->gate_iova = img_floats(im, (uint64_t)m * e->gate_stride / 4,
				  -3.0f, 3.0f);
	e->residual_stride = 4 * n;
	e->residual_iova = img_floats(im, (uint64_t)m * n, -50.0f, 50.0f);
	if (dt == LLA_DTYPE_I8)
		e->y_scale_iova = img_alloc(im, 4ull * m);
}

static void build_tlmm(struct img *im, struct lla_cmd_tlmm *c, uint8_t f,
		       uint32_t m, uint32_t n, uint32_t k, int epi,
		       uint8_t dt)
{
	uint32_t rb = lla_wfmt_row_bytes(f, k);

	memset(c, 0, sizeof(*c));
	c->hdr.opcode = LLA_OP_TLMM;
	c->hdr.size = sizeof(*c);
	c->m = m;
	c->n = n;
	c->k = k;
	c->wfmt = f;
	c->x_stride = k + 3;
	c->w_stride = rb + (n % 2 ? 5 : 0);	/* strided rows are copied */
	c->w_scale = lla_f32_bits(rnd_f(0.01f, 2.0f));
	c->x_iova = img_rand(im, (uint64_t)m * c->x_stride);
	c->x_scale_iova = img_floats(im, m, 0.01f, 300.0f);
	c->w_iova = img_rand(im, (uint64_t)n * c->w_stride);
	make_epi(im, &c->epi, m, n, epi, dt);
	c->y_stride = n * out_size(c->epi.out_dtype) + 4;
	c->y_iova = img_rand(im, (uint64_t)m * c->y_stride);
}

static void build_qmm(struct img *im, struct lla_cmd_qmm *c, uint8_t f,
		      uint32_t m, uint32_t n, uint32_t k, int epi, uint8_t dt)
{
	uint32_t xsz = f == LLA_WFMT_I8 ? 1 : 4, wsz = f == LLA_WFMT_I8 ? 1 : 2;

	memset(c, 0, sizeof(*c));
	c->hdr.opcode = LLA_OP_QMM;
	c->hdr.size = sizeof(*c);
	c->m = m;
	c->n = n;
	c->k = k;
	c->wfmt = f;
	c->x_stride = k * xsz;
	c->w_stride = k * wsz;
	if (f == LLA_WFMT_I8) {
		c->x_iova = img_rand(im, (uint64_t)m * c->x_stride);
		c->w_iova = img_rand(im, (uint64_t)n * c->w_stride);
		c->x_scale_iova = img_floats(im, m, 0.01f, 300.0f);
		c->w_scale_iova = img_floats(im, n, 0.0001f, 0.1f);
	} else {
		c->x_iova = img_floats(im, (uint64_t)m * k, -4.0f, 4.0f);
		c->w_iova = img_alloc(im, (uint64_t)n * c->w_stride);
		for (uint64_t i = 0; i < (uint64_t)n * k; i++) {
			uint16_t h = lla_f32_to_f16(rnd_f(-1.0f, 1.0f));

			memcpy(im->data + (c->w_iova - IMG_BASE) + 2 * i,
			       &h, 2);
		}
	}
	make_epi(im, &c->epi, m, n, epi, dt);
	c->y_stride = n * out_size(c->epi.out_dtype);
	c->y_iova = img_rand(im, (uint64_t)m * c->y_stride);
}

/* ---------------- running ---------------- */

/*
 * A flat memory that counts accesses made off the thread that owns it,
 * and a progress callback that adds up the MACs and does the same.
 */
struct watched {
	struct lla_flat_mem flat;
	struct lla_mem inner, mem;
	pthread_t owner;
	int foreign;		/* accesses / progress calls off owner */
	uint64_t macs;
};

static int w_read(void *o, uint64_t iova, void *dst, uint64_t len,
		  uint64_t *fault)
{
	struct watched *w = o;

	w->foreign += !pthread_equal(pthread_self(), w->owner);
	return w->inner.read(w->inner.opaque, iova, dst, len, fault);
}

static int w_write(void *o, uint64_t iova, const void *src, uint64_t len,
		   uint64_t *fault)
{
	struct watched *w = o;

	w->foreign += !pthread_equal(pthread_self(), w->owner);
	return w->inner.write(w->inner.opaque, iova, src, len, fault);
}

static int w_map(void *o, uint64_t iova, uint64_t len, struct lla_span *sp,
		 uint32_t max, uint32_t *nsp, void **cookie, uint64_t *fault)
{
	struct watched *w = o;

	w->foreign += !pthread_equal(pthread_self(), w->owner);
	return w->inner.map_read(w->inner.opaque, iova, len, sp, max, nsp,
				 cookie, fault);
}

static void w_progress(void *o, uint64_t macs)
{
	struct watched *w = o;

	w->foreign += !pthread_equal(pthread_self(), w->owner);
	w->macs += macs;
}

static void watched_init(struct watched *w, uint8_t *data)
{
	memset(w, 0, sizeof(*w));
	w->flat.data = data;
	w->flat.base = IMG_BASE;
	w->flat.size = IMG_SIZE;
	lla_flat_mem_init(&w->inner, &w->flat);
	w->mem.opaque = w;
	w->mem.read = w_read;
	w->mem.write = w_write;
	w->mem.map_read = w_map;
	w->owner = pthread_self();
}

struct outcome {
	int rc;
	struct lla_job_result res;
	int foreign;
	uint64_t macs;
};

/*
 * @cmd on a copy of @base with @threads threads: engine @eng through
 * lla_tlmm_run/lla_qmm_run, or lla_execute with use_lut @exec_lut when
 * that is >= 0.
 */
static struct outcome run_on(const uint8_t *base, uint8_t *copy,
			     const void *cmd, int eng, int exec_lut,
			     uint32_t threads)
{
	const struct lla_cmd_hdr *h = cmd;
	struct watched w;
	struct outcome o;
	struct lla_exec x;

	memcpy(copy, base, img_span);
	watched_init(&w, copy);
	memset(&o, 0, sizeof(o));
	if (exec_lut >= 0) {
		struct lla_exec_opts opts = {
			.use_lut = (uint32_t)exec_lut, .threads = threads,
			.progress = w_progress, .progress_arg = &w,
		};

		o.rc = lla_execute(cmd, h->size, &w.mem, &opts, &o.res);
	} else {
		memset(&x, 0, sizeof(x));
		x.mem = &w.mem;
		x.res = &o.res;
		x.threads = threads;
		x.progress = w_progress;
		x.progress_arg = &w;
		o.rc = h->opcode == LLA_OP_TLMM ?
		       lla_tlmm_run(&x, cmd, (enum lla_mm_engine)eng) :
		       lla_qmm_run(&x, cmd, (enum lla_mm_engine)eng);
	}
	o.foreign = w.foreign;
	o.macs = w.macs;
	return o;
}

static int same(const struct outcome *a, const uint8_t *ia,
		const struct outcome *b, const uint8_t *ib)
{
	return a->rc == b->rc && a->res.bytes_read == b->res.bytes_read &&
	       a->res.bytes_written == b->res.bytes_written &&
	       a->res.fault_iova == b->res.fault_iova &&
	       a->res.fault_write == b->res.fault_write &&
	       memcmp(ia, ib, img_span) == 0;
}

struct tally {
	int runs, differ, not_ok, foreign, macs_bad;
};

/*
 * Every engine and lla_execute on every thread count against the
 * reference on one thread.  QMM has no table lookup (LLA_ENG_LUT runs
 * its fast engine), which is checked all the same.
 */
static void all_counts(struct tally *t, const uint8_t *base, uint8_t **imgs,
		       const void *cmd, uint64_t macs)
{
	struct outcome ref, o;

	ref = run_on(base, imgs[0], cmd, LLA_ENG_REF, -1, 1);
	t->not_ok += ref.rc != LLA_OK;
	t->foreign += ref.foreign;
	t->macs_bad += ref.macs != macs;
	for (size_t i = 0; i < NTC; i++) {
		uint32_t n = thread_counts[i];

		for (int e = 0; e < 5; e++) {
			/* 0-2: the engines; 3, 4: lla_execute lut 0 / 1 */
			o = run_on(base, imgs[1], cmd, e < 3 ? e : 0,
				   e < 3 ? -1 : e - 3, n);
			t->runs++;
			t->differ += !same(&ref, imgs[0], &o, imgs[1]);
			t->foreign += o.foreign;
			t->macs_bad += e < 3 && o.macs != macs;
		}
	}
}

static const char *fmt_name(uint8_t f)
{
	return f == LLA_WFMT_T2 ? "T2" : f == LLA_WFMT_T5 ? "T5" :
	       f == LLA_WFMT_I8 ? "I8" : "F16";
}

/*
 * (M, N, K): N of 1 to 6 (fewer rows than 7 threads), 13 and 61 (prime),
 * 130 and 301; M of 1 (decode), 3, 9 (above MM_MAP_ROWS: copied) and 33;
 * the K = 2560 shapes span several weight blocks (MM_W_BYTES).
 */
static const uint32_t shapes[][3] = {
	{ 1, 1, 100 }, { 1, 2, 37 }, { 2, 3, 640 }, { 1, 5, 161 },
	{ 3, 6, 129 }, { 1, 13, 300 }, { 5, 61, 257 }, { 9, 130, 1001 },
	{ 1, 301, 2560 }, { 33, 67, 320 }, { 4, 450, 2560 },
	{ 1, 1100, 2560 }, { 9, 900, 2560 },
};
#define NSHAPES	(sizeof(shapes) / sizeof(shapes[0]))

static void test_tlmm(uint8_t *base, uint8_t **imgs)
{
	static const uint8_t fmts[] = { LLA_WFMT_T2, LLA_WFMT_T5 };

	for (size_t fi = 0; fi < 2; fi++) {
		for (int epi = 0; epi < 2; epi++) {
			struct tally t = { 0 };

			for (size_t s = 0; s < NSHAPES; s++) {
				struct img im = { base, 0 };
				struct lla_cmd_tlmm c;
				uint32_t m = shapes[s][0], n = shapes[s][1];
				uint32_t k = shapes[s][2];

				memset(base, 0, IMG_SIZE);
				build_tlmm(&im, &c, fmts[fi], m, n, k, epi,
					   (uint8_t)(s % LLA_DTYPE_COUNT));
				img_span = im.top;
				t.not_ok += lla_validate_cmd(&c.hdr,
							     sizeof(c)) != 0;
				all_counts(&t, base, imgs, &c,
					   (uint64_t)m * n * k);
			}
			tap_ok(t.differ == 0 && t.not_ok == 0,
			       "TLMM %s %s: reference, fast and LUT engines and lla_execute (use_lut 0/1) on 1, 2, 3 and 7 threads memcmp-identical to the reference on one thread (%zu shapes, N 1..1100, M 1..33; memory image, status, fault, byte counters): %d of %d runs differ, %d not OK",
			       fmt_name(fmts[fi]),
			       epi ? "with epilogue (bias, act, gate, residual; f32/f16/i8 out)" :
			       "without epilogue", NSHAPES, t.differ, t.runs,
			       t.not_ok);
			tap_ok(t.foreign == 0 && t.macs_bad == 0,
			       "TLMM %s %s: every memory access and progress call on the calling thread (%d elsewhere); progress adds up to M*N*K on every thread count (%d wrong)",
			       fmt_name(fmts[fi]), epi ? "epilogue" : "plain",
			       t.foreign, t.macs_bad);
		}
	}
}

static void test_qmm(uint8_t *base, uint8_t **imgs)
{
	static const uint8_t fmts[] = { LLA_WFMT_I8, LLA_WFMT_F16 };

	for (size_t fi = 0; fi < 2; fi++) {
		for (int epi = 0; epi < 2; epi++) {
			struct tally t = { 0 };

			for (size_t s = 0; s < NSHAPES; s++) {
				struct img im = { base, 0 };
				struct lla_cmd_qmm c;
				uint32_t m = shapes[s][0], n = shapes[s][1];
				uint32_t k = shapes[s][2];

				/* F16 weights are 2 bytes: keep the image. */
				if (fmts[fi] == LLA_WFMT_F16 && n > 500)
					n = n / 3;
				memset(base, 0, IMG_SIZE);
				build_qmm(&im, &c, fmts[fi], m, n, k, epi,
					  (uint8_t)(s % LLA_DTYPE_COUNT));
				img_span = im.top;
				t.not_ok += lla_validate_cmd(&c.hdr,
							     sizeof(c)) != 0;
				all_counts(&t, base, imgs, &c,
					   (uint64_t)m * n * k);
			}
			tap_ok(t.differ == 0 && t.not_ok == 0,
			       "QMM %s %s: reference and fast engines and lla_execute on 1, 2, 3 and 7 threads memcmp-identical to the reference on one thread (%zu shapes): %d of %d runs differ, %d not OK",
			       fmt_name(fmts[fi]),
			       epi ? "with epilogue" : "without epilogue",
			       NSHAPES, t.differ, t.runs, t.not_ok);
			tap_ok(t.foreign == 0 && t.macs_bad == 0,
			       "QMM %s %s: memory and progress on the calling thread only (%d elsewhere); progress totals M*N*K (%d wrong)",
			       fmt_name(fmts[fi]), epi ? "epilogue" : "plain",
			       t.foreign, t.macs_bad);
		}
	}
}

/* ---------------- 3. faults ---------------- */

static void test_fault(uint8_t *base, uint8_t **imgs)
{
	int bad = 0, cases = 0;

	for (int i = 0; i < 6; i++) {
		struct img im = { base, 0 };
		struct lla_cmd_tlmm c;
		struct outcome ref, o;
		uint8_t f = i & 1 ? LLA_WFMT_T5 : LLA_WFMT_T2;

		memset(base, 0, IMG_SIZE);
		build_tlmm(&im, &c, f, i < 3 ? 1 : 12, 700, 2560, 0, 0);
		img_span = IMG_SIZE;
		/* The weights' last rows lie beyond the memory's end. */
		c.w_iova = IMG_BASE + IMG_SIZE - (uint64_t)c.w_stride *
			   (c.n / 2);
		ref = run_on(base, imgs[0], &c, LLA_ENG_REF, -1, 1);
		bad += ref.rc == LLA_OK;
		for (size_t t = 0; t < NTC; t++)
			for (int e = 0; e < 3; e++) {
				o = run_on(base, imgs[1], &c, e, -1,
					   thread_counts[t]);
				cases++;
				bad += !same(&ref, imgs[0], &o, imgs[1]);
			}
	}
	tap_ok(bad == 0, "weights past the end of memory: every engine on 1, 2, 3 and 7 threads fails as the reference on one (error, fault address, byte counts, memory): %d of %d differ",
	       bad, cases);
}

/* ---------------- 4. concurrent callers ---------------- */

struct conc {
	const uint8_t *base;
	uint8_t *img;
	const struct lla_cmd_tlmm *c;
	const uint8_t *want;
	int bad;
};

static void *conc_main(void *p)
{
	struct conc *cc = p;

	for (int i = 0; i < 20; i++) {
		struct outcome o = run_on(cc->base, cc->img, cc->c, 0, 0, 3);

		cc->bad += o.rc != LLA_OK || o.foreign ||
			   memcmp(cc->img, cc->want, img_span);
	}
	return NULL;
}

static void test_concurrent(uint8_t *base, uint8_t **imgs)
{
	struct img im = { base, 0 };
	struct lla_cmd_tlmm c;
	struct conc cc[2];
	pthread_t th[2];
	int bad = 0, started = 0;

	memset(base, 0, IMG_SIZE);
	build_tlmm(&im, &c, LLA_WFMT_T2, 2, 600, 2560, 1, LLA_DTYPE_F16);
	img_span = im.top;
	run_on(base, imgs[0], &c, LLA_ENG_REF, -1, 1);
	for (int i = 0; i < 2; i++) {
		cc[i] = (struct conc){ base, imgs[1 + i], &c, imgs[0], 0 };
		started += pthread_create(&th[i], NULL, conc_main,
					  &cc[i]) == 0;
	}
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		bad += cc[i].bad;
	}
	tap_ok(started == 2 && bad == 0,
	       "two threads running 3-thread TLMMs at once (one finds the pool busy and runs alone): 40 results equal the reference, %d differ",
	       bad);
}

/* ---------------- 5. fork ---------------- */

static void test_fork(uint8_t *base, uint8_t **imgs)
{
	struct img im = { base, 0 };
	struct lla_cmd_tlmm c;
	int st = -1;
	pid_t pid;

	memset(base, 0, IMG_SIZE);
	build_tlmm(&im, &c, LLA_WFMT_T5, 1, 500, 1280, 0, 0);
	img_span = im.top;
	run_on(base, imgs[0], &c, LLA_ENG_REF, -1, 1);
	/* The parent's pool has workers (the tests above started them). */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct outcome o = run_on(base, imgs[1], &c, LLA_ENG_FAST, -1,
					  7);

		_exit(o.rc == LLA_OK && !memcmp(imgs[0], imgs[1], img_span) ?
		      0 : 1);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	tap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	       "a forked child (no workers of its own) runs a 7-thread TLMM and gets the reference's bits");
}

/* ---------------- 6. the parallel-for ---------------- */

#define PF_ITEMS	200u

struct pf {
	_Atomic int runs[PF_ITEMS];
	pthread_t slot_thread[LLA_POOL_MAX_THREADS];
	_Atomic int slot_seen[LLA_POOL_MAX_THREADS];
	_Atomic int bad_slot;
	_Atomic int worker_items;	/* items run off the calling thread */
	pthread_t caller;
};

static uint64_t pf_item(void *arg, uint32_t item, uint32_t slot)
{
	struct pf *p = arg;

	if (slot >= LLA_POOL_MAX_THREADS) {
		p->bad_slot++;
		return 1;
	}
	if (!p->slot_seen[slot]++)
		p->slot_thread[slot] = pthread_self();
	else if (!pthread_equal(p->slot_thread[slot], pthread_self()))
		p->bad_slot++;
	if (!pthread_equal(pthread_self(), p->caller))
		p->worker_items++;
	p->runs[item]++;
	/*
	 * The caller's first item waits (up to 10 s) for a worker to take
	 * one, so the test sees the workers work even on a loaded host.
	 */
	if (item == 0 && pthread_equal(pthread_self(), p->caller))
		for (int i = 0; i < 10000 && !p->worker_items; i++)
			usleep(1000);
	return item + 1;
}

static uint64_t pf_total;

static void pf_progress(void *arg, uint64_t macs)
{
	(void)arg;
	pf_total += macs;
}

static void test_pfor(void)
{
	static struct pf p;
	int once = 1, slots_ok = 1;

	for (size_t t = 0; t < NTC; t++) {
		uint32_t n = thread_counts[t];

		memset(&p, 0, sizeof(p));
		p.caller = pthread_self();
		pf_total = 0;
		lla_pfor(n, PF_ITEMS, pf_item, &p, pf_progress, NULL);
		for (uint32_t i = 0; i < PF_ITEMS; i++)
			once &= p.runs[i] == 1;
		for (uint32_t s = n; s < LLA_POOL_MAX_THREADS; s++)
			slots_ok &= !p.slot_seen[s];
		slots_ok &= !p.bad_slot &&
			    pf_total == (uint64_t)PF_ITEMS * (PF_ITEMS + 1) / 2;
		tap_ok(n == 1 ? p.worker_items == 0 : p.worker_items > 0,
		       "lla_pfor on %u thread%s: %d of %u items ran on worker threads",
		       n, n > 1 ? "s" : "", p.worker_items, PF_ITEMS);
	}
	tap_ok(once && slots_ok,
	       "lla_pfor: every item exactly once, slots below the thread count, one thread per slot, progress totals the items' returns");
}

int main(void)
{
	uint8_t *base = malloc(IMG_SIZE), *imgs[3];

	for (int i = 0; i < 3; i++)
		imgs[i] = malloc(IMG_SIZE);
	if (!base || !imgs[0] || !imgs[1] || !imgs[2])
		return 2;
	/* Share every matmul run, however small: the shapes here are. */
	setenv("LLA_SHARE_MACS", "0", 1);
	tap_diag("fast path %s; thread counts 1, 2, 3, 7; lla_pool_threads(0) = %u",
		 lla_kern_isa_name(lla_kern_isa()), lla_pool_threads(0));
	tap_ok(lla_pool_threads(0) == 1 && lla_pool_threads(1) == 1 &&
	       lla_pool_threads(7) == 7 &&
	       lla_pool_threads(100000) == LLA_POOL_MAX_THREADS,
	       "threads 0 means one; counts above %u are capped",
	       LLA_POOL_MAX_THREADS);
	test_pfor();
	test_tlmm(base, imgs);
	test_qmm(base, imgs);
	test_fault(base, imgs);
	test_concurrent(base, imgs);
	test_fork(base, imgs);
	free(base);
	for (int i = 0; i < 3; i++)
		free(imgs[i]);
	return tap_done();
}
