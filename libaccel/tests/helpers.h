/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libaccel test suites: the device under test, a
 * deterministic RNG, error expectations, and a snapshot of buffers as an
 * lla_mem so the rtl-model can run a job directly on the same contents
 * and addresses (results compared with memcmp).
 */
#ifndef LIBACCEL_TEST_HELPERS_H
#define LIBACCEL_TEST_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "libaccel.h"
#include "llmaccel_model.h"
#include "tap.h"

#define UNUSED __attribute__((unused))

static accel_device *dev;
static struct accel_caps caps;

#define MS(x) ((int64_t)(x) * 1000000)

/* ---------------- helpers ---------------- */

static uint64_t rng_state = 0x1234567887654321ull;

UNUSED
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

UNUSED
static float rndf(void)
{
	return (float)(rnd() % 20001) / 10000.0f - 1.0f;
}

/* rc must be @want and the thread's message must contain @needle. */
UNUSED
static int expect(int rc, int want, const char *needle, const char *what)
{
	const char *msg = accel_last_error();
	int ok = rc == want && (!needle || strstr(msg, needle));

	if (!ok)
		tap_diag("%s: got %d (%s), message '%s'", what, rc,
			 accel_strerror(rc), msg);
	return tap_ok(ok, "%s -> %d naming '%s'", what, want,
		      needle ? needle : "");
}

UNUSED
static void *map(accel_bo *bo)
{
	void *p = NULL;

	accel_bo_map(bo, &p);
	return p;
}

UNUSED
static accel_bo *alloc(uint64_t size, uint32_t flags)
{
	accel_bo *bo = NULL;
	int err = accel_bo_alloc(dev, size, flags, &bo);

	if (err) {
		tap_diag("accel_bo_alloc(%llu): %s", (unsigned long long)size,
			 accel_last_error());
		exit(1);
	}
	return bo;
}

/*
 * A snapshot of buffers (and a command buffer) as an lla_mem, so the
 * rtl-model can run a job directly, as the device would, on the same
 * contents and addresses.
 */
#define SNAP_MAX 64
#define SNAP_CMD_IOVA (LLA_IOVA_LIMIT - (1ull << 32))

struct snap {
	int n;
	struct {
		uint64_t iova, size;
		uint8_t *data;
	} r[SNAP_MAX];
};

UNUSED
static int snap_find(struct snap *s, uint64_t iova, uint64_t len,
		     uint64_t *fault)
{
	for (int i = 0; i < s->n; i++)
		if (iova >= s->r[i].iova && len <= s->r[i].size &&
		    iova - s->r[i].iova <= s->r[i].size - len)
			return i;
	*fault = iova;
	return -1;
}

UNUSED
static int snap_read(void *o, uint64_t iova, void *dst, uint64_t len,
		     uint64_t *fault)
{
	struct snap *s = o;
	int i = snap_find(s, iova, len, fault);

	if (i < 0)
		return LLA_ERR_MMU_FAULT;
	memcpy(dst, s->r[i].data + (iova - s->r[i].iova), len);
	return LLA_OK;
}

UNUSED
static int snap_write(void *o, uint64_t iova, const void *src, uint64_t len,
		      uint64_t *fault)
{
	struct snap *s = o;
	int i = snap_find(s, iova, len, fault);

	if (i < 0)
		return LLA_ERR_MMU_FAULT;
	memcpy(s->r[i].data + (iova - s->r[i].iova), src, len);
	return LLA_OK;
}

UNUSED
static void snap_region(struct snap *s, uint64_t iova, const void *p,
			uint64_t size)
{
	if (s->n == SNAP_MAX) {
		tap_ok(0, "snapshot table full");
		exit(tap_done());
	}
	s->r[s->n].iova = iova;
	s->r[s->n].size = size;
	s->r[s->n].data = malloc(size);
	memcpy(s->r[s->n].data, p, size);
	s->n++;
}

UNUSED
static void snap_bo(struct snap *s, accel_bo *bo)
{
	snap_region(s, accel_bo_iova(bo), map(bo), accel_bo_size(bo));
}

UNUSED
static uint8_t *snap_data(struct snap *s, accel_bo *bo)
{
	for (int i = 0; i < s->n; i++)
		if (s->r[i].iova == accel_bo_iova(bo))
			return s->r[i].data;
	return NULL;
}

UNUSED
static void snap_free(struct snap *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->r[i].data);
	s->n = 0;
}

/* Run @cb through lla_run_job on the snapshot, like the device does. */
UNUSED
static int run_direct(struct snap *s, accel_cmdbuf *cb,
		      struct lla_job_result *r)
{
	struct lla_mem mem = { s, snap_read, snap_write, NULL, NULL };
	struct lla_exec_opts o = {
		.uarch = lla_uarch_preset_id(caps.preset),
		.use_lut = (caps.caps & LLA_CAP_LUT_TLMM) ? 1u : 0u,
	};
	int err;

	snap_region(s, SNAP_CMD_IOVA, accel_cmdbuf_data(cb),
		    accel_cmdbuf_bytes(cb));
	err = lla_run_job(&mem, SNAP_CMD_IOVA, accel_cmdbuf_bytes(cb), &o, r);
	/* The device adds its per-job overhead once (see lla_run_job). */
	r->cycles += o.uarch->job_overhead_cycles;
	free(s->r[--s->n].data);
	return err;
}

UNUSED
static int submit_wait(accel_cmdbuf *cb, uint32_t queue,
		       struct accel_job_result *res)
{
	struct accel_submit_opts o = { .queue = queue };
	accel_fence *f = NULL;
	int err = accel_submit(cb, &o, &f);

	if (err) {
		tap_diag("submit: %s", accel_last_error());
		return err;
	}
	err = accel_fence_wait(f, MS(20000));
	if (res)
		accel_fence_result(f, res);
	accel_fence_release(f);
	return err;
}

#endif /* LIBACCEL_TEST_HELPERS_H */
