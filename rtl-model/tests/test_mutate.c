// SPDX-License-Identifier: MIT
/*
 * Randomised mutation test of validate + execute: jobs built from valid
 * sample commands are corrupted (fields set to edge values, bytes flipped,
 * headers and lengths broken) and run against a bounded memory image.
 * Properties: no crash (run under ASan+UBSan), every status is a defined
 * code, a job the validator rejects writes nothing, a job it accepts never
 * fails with a validation-class code, and no access leaves the image.
 * LLA_MUTATE_ITERS sets the iteration count (default 100000).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "cmd_samples.h"

struct guard {
	struct lla_flat_mem flat;
	uint64_t writes;	/* bytes written by the job */
	uint64_t outside;	/* accesses that left the image */
	int64_t held;		/* map_read mappings not yet unmapped */
	uint64_t bad_spans;	/* max_spans too small for a mapping */
};

static int g_read(void *opaque, uint64_t iova, void *dst, uint64_t len,
		  uint64_t *fault)
{
	struct guard *g = opaque;

	if (iova < g->flat.base || iova - g->flat.base > g->flat.size ||
	    len > g->flat.size - (iova - g->flat.base)) {
		g->outside++;
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	memcpy(dst, g->flat.data + (iova - g->flat.base), len);
	return LLA_OK;
}

/*
 * map_read in the form an MMU gives it: one span per page (here adjacent
 * in the host, so the engine's gathering of rows across spans runs),
 * the same checks and faults as g_read.
 */
static int g_map_read(void *opaque, uint64_t iova, uint64_t len,
		      struct lla_span *spans, uint32_t max_spans,
		      uint32_t *nspans, void **cookie, uint64_t *fault)
{
	struct guard *g = opaque;
	uint64_t done = 0;

	if (iova < g->flat.base || iova - g->flat.base > g->flat.size ||
	    len > g->flat.size - (iova - g->flat.base)) {
		g->outside++;
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	if (lla_mem_max_spans(iova, len) > max_spans)
		g->bad_spans++;
	*nspans = 0;
	while (done < len && *nspans < max_spans) {
		uint64_t a = iova + done;
		uint64_t n = LLA_PAGE_SIZE - (a & (LLA_PAGE_SIZE - 1));

		if (n > len - done)
			n = len - done;
		spans[*nspans].p = g->flat.data + (a - g->flat.base);
		spans[*nspans].len = n;
		(*nspans)++;
		done += n;
	}
	*cookie = g;
	g->held++;
	return LLA_OK;
}

static void g_unmap(void *opaque, void *cookie)
{
	struct guard *g = opaque;

	if (cookie == g)
		g->held--;
}

static int g_write(void *opaque, uint64_t iova, const void *src,
		   uint64_t len, uint64_t *fault)
{
	struct guard *g = opaque;

	if (iova < g->flat.base || iova - g->flat.base > g->flat.size ||
	    len > g->flat.size - (iova - g->flat.base)) {
		g->outside++;
		*fault = iova;
		return LLA_ERR_MMU_FAULT;
	}
	memcpy(g->flat.data + (iova - g->flat.base), src, len);
	g->writes += len;
	return LLA_OK;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t edge_value(void)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 5, 7, 8, 16, 31, 32, 33, 64, 127, 128, 255, 256,
		0x3f800000, 0x7f800000, 0x7fc00000, 0xbf800000, 0x80000000,
		0xffff, 0x10000, 0xffffffff, 0x100000000ull, UINT64_MAX,
		LLA_MAX_M, LLA_MAX_M + 1, LLA_MAX_K, LLA_MAX_K + 1, LLA_MAX_N,
		LLA_MAX_N + 1, LLA_MAX_CTX, LLA_MAX_HEADS, LLA_MAX_HEAD_DIM,
		LLA_MAX_TOPK, LLA_MAX_TOPK + 1, LLA_IOVA_LIMIT,
		LLA_IOVA_LIMIT - 4, LLA_IOVA_MIN - 4, SMP_BASE,
		SMP_BASE + SMP_SIZE - 4, SMP_BASE + SMP_SIZE,
	};

	switch (rnd() % 4) {
	case 0:
		return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return R(rnd() % 48) + (rnd() % 4 ? 0 : rnd() % 8);
	case 2:
		return rnd() % 512;
	default:
		return rnd();
	}
}

/* One mutation somewhere in the job. */
static void mutate(uint8_t *buf, uint32_t *len, uint32_t *offs, int ncmd)
{
	int ci = (int)(rnd() % ncmd);
	uint8_t *cmd = buf + offs[ci];
	struct lla_cmd_hdr *h = (void *)cmd;
	const struct lla_cmd_desc *d = lla_cmd_desc_get(h->opcode);
	uint64_t v;

	switch (rnd() % 8) {
	case 0: case 1: case 2: case 3:	/* a field to an edge value */
		if (d && d->nfields) {
			const struct lla_field_desc *f =
				&d->fields[rnd() % d->nfields];
			v = edge_value();
			if (d->size <= *len - offs[ci])
				memcpy(cmd + f->offset, &v, f->size);
		}
		break;
	case 4:				/* flip a byte */
		if (*len)
			buf[rnd() % *len] ^= (uint8_t)(1u << (rnd() % 8));
		break;
	case 5:				/* header */
		switch (rnd() % 4) {
		case 0:
			h->opcode = (uint8_t)rnd();
			break;
		case 1:
			h->size = (uint32_t)edge_value();
			break;
		case 2:
			h->version = (uint8_t)(rnd() % 3);
			break;
		default:
			h->flags = (uint16_t)edge_value();
			break;
		}
		break;
	case 6: {			/* truncate the buffer */
		uint32_t cut = 8 * (uint32_t)(1 + rnd() % 2);

		if (*len > cut)
			*len -= cut;
		break;
	}
	default:			/* misalign the length */
		if (*len >= 8)
			*len -= (uint32_t)(rnd() % 8);
		break;
	}
}

static int validation_class(int err)
{
	return err >= LLA_ERR_BAD_OPCODE && err <= LLA_ERR_CMDBUF;
}

int main(void)
{
	const char *env = getenv("LLA_MUTATE_ITERS");
	long iters = env ? atol(env) : 100000;
	struct guard g = { { NULL, SMP_BASE, SMP_SIZE }, 0, 0, 0, 0 };
	struct lla_mem copy_mem = { &g, g_read, g_write, NULL, NULL };
	struct lla_mem map_mem = { &g, g_read, g_write, g_map_read, g_unmap };
	long leaked = 0;
	uint64_t storage[1024];
	uint8_t *buf = (uint8_t *)storage, *pristine;
	long crashes_avoided = 0, bad_status = 0, wrote_rejected = 0;
	long val_after_ok = 0, ok_count_bad = 0, accepted = 0;
	long per_status[LLA_ERR_COUNT + 1] = { 0 };

	g.flat.data = malloc(SMP_SIZE);
	pristine = malloc(SMP_SIZE);
	for (uint64_t i = 0; i < SMP_SIZE; i++)
		pristine[i] = (uint8_t)rnd();
	/* Integer operands the samples read must hold small valid values. */
	memset(pristine + (SMP_IDS - SMP_BASE), 0, 0x10000);
	memset(pristine + (SMP_COUNTER - SMP_BASE), 0, 0x10000);
	memset(pristine + (SMP_SEM - SMP_BASE), 0, 0x20000);

	for (long it = 0; it < iters; it++) {
		struct lla_exec_opts opts = {
			.use_lut = (uint32_t)(rnd() & 1),
		};
		struct lla_job_result res;
		uint32_t offs[8], len = 0, idx;
		int ncmd = 1 + (int)(rnd() % 6), nmut, verr;

		if (it % 2000 == 0)
			memcpy(g.flat.data, pristine, SMP_SIZE);
		for (int c = 0; c < ncmd; c++) {
			offs[c] = len;
			len += smp_cmd((unsigned int)(rnd() % LLA_OP_COUNT),
				       buf + len);
		}
		nmut = (int)(rnd() % 4);
		for (int m = 0; m < nmut; m++)
			mutate(buf, &len, offs, ncmd);

		verr = lla_validate(buf, len, &idx);
		g.writes = 0;
		/* Every other job reads its weights in place (map_read). */
		lla_execute(buf, len, it & 1 ? &map_mem : &copy_mem, &opts,
			    &res);
		if (g.held) {
			leaked++;
			g.held = 0;
		}
		crashes_avoided++;
		if (res.status > LLA_ERR_COUNT && res.status != LLA_EXEC_BLOCKED)
			bad_status++;
		else
			per_status[res.status == LLA_EXEC_BLOCKED ?
				   LLA_ERR_COUNT : res.status]++;
		if (verr) {
			if (g.writes || res.bytes_written || res.commands ||
			    res.status != (uint32_t)verr)
				wrote_rejected++;
		} else {
			accepted++;
			if (validation_class((int)res.status))
				val_after_ok++;
			if (res.status == LLA_OK &&
			    res.commands != (uint32_t)ncmd && nmut == 0)
				ok_count_bad++;
		}
	}

	tap_diag("%ld mutated jobs, %ld passed validation", iters, accepted);
	for (int s = 0; s <= LLA_ERR_COUNT; s++)
		if (per_status[s])
			tap_diag("  %-14s %ld", s == LLA_ERR_COUNT ? "BLOCKED" :
				 lla_error_name(s), per_status[s]);
	tap_ok(crashes_avoided == iters, "%ld jobs ran without a crash",
	       crashes_avoided);
	tap_ok(bad_status == 0, "every status is a defined code (%ld bad)",
	       bad_status);
	tap_ok(wrote_rejected == 0,
	       "rejected jobs wrote nothing and reported the validator's code (%ld bad)",
	       wrote_rejected);
	tap_ok(val_after_ok == 0,
	       "accepted jobs never fail with a validation code (%ld bad)",
	       val_after_ok);
	tap_ok(ok_count_bad == 0, "unmutated jobs complete every command");
	/* The first access outside the image ends the job: one per fault. */
	tap_ok(g.outside == (uint64_t)per_status[LLA_ERR_MMU_FAULT],
	       "each access outside the image ended its job as an MMU fault (%llu)",
	       (unsigned long long)g.outside);
	tap_ok(leaked == 0 && g.bad_spans == 0,
	       "every in-place read was unmapped, with room for its spans (%ld, %llu)",
	       leaked, (unsigned long long)g.bad_spans);
	tap_ok(accepted > iters / 20 && accepted < iters,
	       "the mix exercises both accepted and rejected jobs");
	free(g.flat.data);
	free(pristine);
	return tap_done();
}
