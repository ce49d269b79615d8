// SPDX-License-Identifier: MIT
/*
 * Concurrent submission stress, backend independent.  Four threads share
 * one device; each submits many small jobs over all queues and keeps
 * every fence, so that more jobs are in flight or unread than the kernel
 * driver keeps job records for (1024 per file): the kernel backend must
 * read each outcome before its record is reused.  The fences are then
 * waited on in reverse order (the oldest last, long after its record was
 * recycled) and every job must report its own result and have written
 * its own values.  A second round submits without keeping fences (the
 * device close must still wait for them), with dependencies between the
 * threads' jobs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "helpers.h"

#define NTHREADS	4
#define NJOBS		320	/* per thread: 1280 > 1024 records */
#define NFIRE		100

struct worker {
	int id;
	accel_bo *bo;
	int ok_submit, ok_results, ok_data, ok_fire;
	char msg[256];
};

static accel_fence *shared_dep;
static pthread_mutex_t dep_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail(struct worker *w, int *flag, const char *what, int i)
{
	if (*flag)
		snprintf(w->msg, sizeof(w->msg), "%s %d: %s", what, i,
			 accel_last_error());
	*flag = 0;
}

static void *submitter(void *arg)
{
	struct worker *w = arg;
	accel_fence **f = calloc(NJOBS, sizeof(*f));
	accel_cmdbuf *cb = NULL;
	uint32_t *p = map(w->bo);

	w->ok_submit = w->ok_results = w->ok_data = w->ok_fire = 1;
	if (!f || accel_cmdbuf_create(dev, &cb)) {
		w->ok_submit = 0;
		free(f);
		return NULL;
	}
	for (int i = 0; i < NJOBS; i++) {
		struct accel_submit_opts o = {
			.queue = (uint32_t)(w->id + i) % caps.num_queues,
			.priority = ACCEL_PRIO_NORMAL,
		};

		int err;

		/* 1..5 NOPs: each job's record has its own command count. */
		accel_cmdbuf_reset(cb);
		err = accel_cmd_fill(cb, accel_at(w->bo, (uint64_t)i * 16), 16,
				     (uint32_t)(w->id << 16 | i));
		for (int k = 0; k <= i % 5; k++)
			err |= accel_cmd_nop(cb);
		if (err || accel_submit(cb, &o, &f[i]))
			fail(w, &w->ok_submit, "submit", i);
	}
	for (int i = NJOBS - 1; i >= 0; i--) {
		struct accel_job_result r;

		if (!f[i])
			continue;
		if (accel_fence_wait(f[i], MS(60000)) ||
		    accel_fence_result(f[i], &r) || r.status != LLA_OK ||
		    r.cmd_index != 2u + (uint32_t)(i % 5))
			fail(w, &w->ok_results, "result of job", i);
		accel_fence_release(f[i]);
	}
	for (int i = 0; i < NJOBS; i++)
		for (int k = 0; k < 4; k++)
			if (p[i * 4 + k] != (uint32_t)(w->id << 16 | i)) {
				if (w->ok_data)
					snprintf(w->msg, sizeof(w->msg),
						 "job %d wrote %#x", i,
						 p[i * 4 + k]);
				w->ok_data = 0;
			}

	/* Fire and forget, each job after the latest job of any thread. */
	for (int i = 0; i < NFIRE; i++) {
		struct accel_submit_opts o = {
			.queue = (uint32_t)(w->id + i) % caps.num_queues,
			.priority = ACCEL_PRIO_NORMAL,
		};
		accel_fence *mine = NULL, *dep;
		int err;

		accel_cmdbuf_reset(cb);
		accel_cmd_fill(cb, accel_at(w->bo, 8192 + (uint64_t)i * 4), 4,
			       (uint32_t)i + 1);
		pthread_mutex_lock(&dep_lock);
		dep = shared_dep;
		o.deps = &dep;
		o.ndeps = dep ? 1 : 0;
		err = accel_submit(cb, &o, &mine);
		if (!err) {
			accel_fence_release(shared_dep);
			shared_dep = mine;
		}
		pthread_mutex_unlock(&dep_lock);
		if (err)
			fail(w, &w->ok_fire, "fire-and-forget submit", i);
	}
	accel_cmdbuf_destroy(cb);
	free(f);
	return NULL;
}

/* A dependency only orders: the job after a failed one still runs. */
static void test_failed_dep(accel_bo *bo)
{
	struct lla_cmd_hdr bad = { .opcode = 0x7f, .size = 8 };
	struct accel_submit_opts o = { .priority = ACCEL_PRIO_NORMAL };
	accel_cmdbuf *a = NULL, *b = NULL;
	accel_fence *fa = NULL, *fb = NULL;
	struct accel_job_result r = { .status = 0xffff };
	int ea, eb;

	accel_cmdbuf_create(dev, &a);
	accel_cmdbuf_create(dev, &b);
	accel_cmd_raw(a, &bad, sizeof(bad), ACCEL_RAW_UNCHECKED);
	accel_cmd_fill(b, accel_at(bo, 12288), 4, 0xabcd);
	accel_submit(a, &o, &fa);
	o.queue = caps.num_queues - 1;
	o.deps = &fa;
	o.ndeps = 1;
	accel_submit(b, &o, &fb);
	ea = accel_fence_wait(fa, MS(60000));
	eb = accel_fence_wait(fb, MS(60000));
	accel_fence_result(fa, &r);
	tap_ok(ea == -EIO && r.status == LLA_ERR_BAD_OPCODE,
	       "a job with a bad opcode fails (%d, %s)", ea,
	       accel_hw_error_name(r.status));
	tap_ok(eb == 0 && ((uint32_t *)map(bo))[3072] == 0xabcd,
	       "the job depending on it still runs (%d: %s)", eb,
	       eb ? accel_last_error() : "ok");
	accel_fence_release(fa);
	accel_fence_release(fb);
	accel_cmdbuf_destroy(a);
	accel_cmdbuf_destroy(b);
}

int main(void)
{
	struct worker wk[NTHREADS];
	pthread_t th[NTHREADS];
	struct accel_counters c0, c1;
	uint64_t t0;
	int ok;

	if (accel_device_open("first", 0, &dev) ||
	    accel_device_caps(dev, &caps)) {
		tap_ok(0, "open the first device: %s", accel_last_error());
		return tap_done();
	}
	tap_diag("backend %s, %u queues", accel_backend_name(caps.backend),
		 caps.num_queues);
	accel_device_counters(dev, &c0);
	t0 = (uint64_t)clock();
	for (int i = 0; i < NTHREADS; i++) {
		wk[i].id = i;
		wk[i].msg[0] = '\0';
		wk[i].bo = alloc(16384, 0);
		pthread_create(&th[i], NULL, submitter, &wk[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		if (wk[i].msg[0])
			tap_diag("thread %d: %s", i, wk[i].msg);
		tap_ok(wk[i].ok_submit, "thread %d: %d jobs submitted, fences kept",
		       i, NJOBS);
		tap_ok(wk[i].ok_results,
		       "thread %d: every fence, waited newest first, reports its own job (OK, its 2..6 commands)",
		       i);
		tap_ok(wk[i].ok_data, "thread %d: every job wrote its own values",
		       i);
		tap_ok(wk[i].ok_fire,
		       "thread %d: %d fire-and-forget jobs chained across threads submitted",
		       i, NFIRE);
	}
	/* The last job of the chain implies every earlier one completed. */
	ok = shared_dep && !accel_fence_wait(shared_dep, MS(60000));
	tap_ok(ok, "the last job of the cross-thread chain completes");
	accel_fence_release(shared_dep);
	ok = 1;
	for (int i = 0; i < NTHREADS; i++) {
		uint32_t *p = map(wk[i].bo);

		for (int k = 0; k < NFIRE; k++)
			ok &= p[2048 + k] == (uint32_t)k + 1;
	}
	tap_ok(ok, "every fire-and-forget job wrote its value");
	accel_device_counters(dev, &c1);
	tap_ok(c1.total.jobs - c0.total.jobs == NTHREADS * (NJOBS + NFIRE) &&
	       c1.total.errors == c0.total.errors,
	       "counters saw %d jobs (%llu), no errors", NTHREADS * (NJOBS + NFIRE),
	       (unsigned long long)(c1.total.jobs - c0.total.jobs));
	tap_diag("%d jobs in %.2f s of process CPU time",
		 NTHREADS * (NJOBS + NFIRE),
		 (double)((uint64_t)clock() - t0) / CLOCKS_PER_SEC);
	test_failed_dep(wk[0].bo);
	for (int i = 0; i < NTHREADS; i++)
		accel_bo_free(wk[i].bo);
	accel_device_close(dev);
	return tap_done();
}
