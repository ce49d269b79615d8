// SPDX-License-Identifier: MIT
/*
 * Weights and KV caches read in place (lla_mem.map_read) against the
 * same bytes copied through lla_mem.read: TLMM (T2, T5), QMM (I8, F16)
 * and ATTN (prefill, decode) jobs run through lla_execute on the same
 * memory image held four ways:
 *
 *   copy       a paged memory whose map_read is NULL (every read copies:
 *              the reference behaviour);
 *   scattered  the same pages in separate host buffers of 1..5 pages
 *              (each exactly its size, so ASan sees any read past a
 *              span), map_read returning one span per host run: rows
 *              straddle spans and are gathered;
 *   contiguous the same pages in one host buffer: one span;
 *   flat       lla_flat_mem_init (its map_read), no holes.
 *
 * Per job: status, failing command, fault address and direction, byte
 * counters and MACs equal, and the whole images memcmp-equal.  Jobs with
 * M above and below the in-place limit, padded weight strides (copied),
 * weights over several blocks, weights that run past the end of the
 * image and weights with an unmapped page in the middle (faults), with
 * the table-lookup engine or the fast one.  Every mapping is unmapped.
 * (QMM F16 weights are always copied, op_matmul.c: its cases check that
 * a map_read memory changes nothing there.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "llmaccel_model.h"
#include "tap.h"

#define PG		LLA_PAGE_SIZE
#define IMG_BASE	0x100000ull
#define IMG_PAGES	768u
#define IMG_SIZE	((uint64_t)IMG_PAGES * PG)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static float rnd_f(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() & 0xffffff) * 0x1p-24f;
}

/* ---------------- a paged memory ---------------- */

struct pmem {
	uint8_t *pg[IMG_PAGES];		/* host address of each page */
	uint8_t *runs[IMG_PAGES];	/* allocations to free */
	uint32_t nruns;
	uint8_t ok[IMG_PAGES];		/* mapped (readable, writable) */
	long held;			/* mappings not yet unmapped */
	long maps;
};

static void pm_init(struct pmem *m, int scattered)
{
	memset(m, 0, sizeof(*m));
	for (uint32_t p = 0; p < IMG_PAGES;) {
		uint32_t n = scattered ? rnd_in(1, 5) : IMG_PAGES;
		uint8_t *b;

		if (n > IMG_PAGES - p)
			n = IMG_PAGES - p;
		b = malloc(n * PG);
		m->runs[m->nruns++] = b;
		for (uint32_t i = 0; i < n; i++)
			m->pg[p + i] = b + i * PG;
		p += n;
	}
	memset(m->ok, 1, sizeof(m->ok));
}

static void pm_free(struct pmem *m)
{
	for (uint32_t i = 0; i < m->nruns; i++)
		free(m->runs[i]);
}

static void pm_load(struct pmem *m, const uint8_t *img)
{
	for (uint32_t p = 0; p < IMG_PAGES; p++)
		memcpy(m->pg[p], img + p * PG, PG);
}

static void pm_save(const struct pmem *m, uint8_t *img)
{
	for (uint32_t p = 0; p < IMG_PAGES; p++)
		memcpy(img + p * PG, m->pg[p], PG);
}

/* Check [iova, iova + len) page by page: the first failing address. */
static int pm_check(const struct pmem *m, uint64_t iova, uint64_t len,
		    uint64_t *fault)
{
	uint64_t a = iova, end = iova + len;

	if (len > ~0ull - iova)
		end = ~0ull;
	while (a < end) {
		uint64_t pstart = a & ~(PG - 1);

		if (a < IMG_BASE || a - IMG_BASE >= IMG_SIZE ||
		    !m->ok[(a - IMG_BASE) / PG]) {
			*fault = a;
			return LLA_ERR_MMU_FAULT;
		}
		a = pstart + PG;
	}
	return LLA_OK;
}

static int pm_xfer(struct pmem *m, uint64_t iova, uint8_t *rd,
		   const uint8_t *wr, uint64_t len, uint64_t *fault)
{
	while (len) {
		uint64_t n = PG - (iova & (PG - 1));
		uint8_t *h;
		int err = pm_check(m, iova, 1, fault);

		if (err)
			return err;	/* partial transfer, like a device */
		if (n > len)
			n = len;
		h = m->pg[(iova - IMG_BASE) / PG] + (iova & (PG - 1));
		if (rd) {
			memcpy(rd, h, n);
			rd += n;
		} else {
			memcpy(h, wr, n);
			wr += n;
		}
		iova += n;
		len -= n;
	}
	return LLA_OK;
}

static int pm_read(void *o, uint64_t iova, void *dst, uint64_t len,
		   uint64_t *fault)
{
	return pm_xfer(o, iova, dst, NULL, len, fault);
}

static int pm_write(void *o, uint64_t iova, const void *src, uint64_t len,
		    uint64_t *fault)
{
	return pm_xfer(o, iova, NULL, src, len, fault);
}

static int pm_map_read(void *o, uint64_t iova, uint64_t len,
		       struct lla_span *spans, uint32_t max_spans,
		       uint32_t *nspans, void **cookie, uint64_t *fault)
{
	struct pmem *m = o;
	uint32_t n = 0;
	int err = pm_check(m, iova, len, fault);

	if (err)
		return err;
	if (lla_mem_max_spans(iova, len) > max_spans)
		return LLA_ERR_DMA;	/* the engine's promise broken */
	for (uint64_t a = iova; a < iova + len;) {
		uint64_t c = PG - (a & (PG - 1));
		const uint8_t *h = m->pg[(a - IMG_BASE) / PG] + (a & (PG - 1));

		if (c > iova + len - a)
			c = iova + len - a;
		if (n && spans[n - 1].p + spans[n - 1].len == h) {
			spans[n - 1].len += c;
		} else {
			spans[n].p = h;
			spans[n].len = c;
			n++;
		}
		a += c;
	}
	*nspans = n;
	*cookie = m;
	m->held++;
	m->maps++;
	return LLA_OK;
}

static void pm_unmap(void *o, void *cookie)
{
	struct pmem *m = o;

	if (cookie == m)
		m->held--;
}

/* ---------------- jobs ---------------- */

struct img {
	uint8_t *data;
	uint64_t top;
};

static uint64_t img_alloc(struct img *im, uint64_t bytes, uint32_t align)
{
	uint64_t at = (im->top + rnd() % 300 + align - 1) / align * align;

	im->top = at + bytes;
	return IMG_BASE + at;
}

static void fill_rand(struct img *im, uint64_t iova, uint64_t bytes)
{
	for (uint64_t i = 0; i < bytes; i++)
		im->data[iova - IMG_BASE + i] = (uint8_t)rnd();
}

static void fill_floats(struct img *im, uint64_t iova, uint64_t n, float lo,
			float hi)
{
	for (uint64_t i = 0; i < n; i++) {
		float f = rnd_f(lo, hi);

		memcpy(im->data + (iova - IMG_BASE) + 4 * i, &f, 4);
	}
}

enum placement { PL_NORMAL, PL_PAST_END, PL_HOLE };

/*
 * One TLMM or QMM command into @cmd over a fresh image: returns the
 * weights' IOVA and byte extent in *w_iova / *w_len.
 */
static uint32_t build(struct img *im, void *cmd, int kind, uint32_t m,
		      enum placement pl, uint64_t *w_iova, uint64_t *w_len)
{
	static const uint8_t wf[4] = { LLA_WFMT_T2, LLA_WFMT_T5,
				       LLA_WFMT_I8, LLA_WFMT_F16 };
	uint8_t f = wf[kind];
	uint32_t k = rnd_in(1, f == LLA_WFMT_F16 ? 1500 : 3000);
	uint32_t n = rnd_in(1, f == LLA_WFMT_F16 ? 120 : 300);
	uint64_t rb = f == LLA_WFMT_F16 ? 2ull * k :
		      f == LLA_WFMT_I8 ? k : lla_wfmt_row_bytes(f, k);
	uint32_t wal = f == LLA_WFMT_F16 ? 2 : 1;
	uint32_t pad = rnd() % 5 == 0 ? wal * rnd_in(1, 20) : 0;
	uint64_t ws = rb + pad, xe = f == LLA_WFMT_F16 ? 4 : 1;
	uint64_t x, xs = 0, w, wsc = 0, y;

	if (rnd() % 4 == 0 && f != LLA_WFMT_F16) {	/* several blocks */
		uint64_t hi = (600u << 10) / ws;

		hi = hi > 4000 ? 4000 : hi < 300 ? 300 : hi;
		n = rnd_in(300, (uint32_t)hi);
	}
	x = img_alloc(im, m * xe * k, 4);
	if (f == LLA_WFMT_F16)
		fill_floats(im, x, (uint64_t)m * k, -2.0f, 2.0f);
	else
		fill_rand(im, x, (uint64_t)m * k);
	if (f != LLA_WFMT_F16) {
		xs = img_alloc(im, 4ull * m, 4);
		fill_floats(im, xs, m, 1.0f, 200.0f);
	}
	if (f == LLA_WFMT_I8) {
		wsc = img_alloc(im, 4ull * n, 4);
		fill_floats(im, wsc, n, 0.001f, 2.0f);
	}
	y = img_alloc(im, 4ull * m * n, 4);
	fill_rand(im, y, 4ull * m * n);
	if (pl == PL_PAST_END) {
		/* Starts inside the image, ends beyond it. */
		uint64_t ext = (uint64_t)(n - 1) * ws + rb;

		if (ext < 2)
			n = 2, ext = ws + rb;
		w = IMG_BASE + IMG_SIZE - ext / 2;
		w -= w % wal;
	} else {
		w = img_alloc(im, (uint64_t)(n - 1) * ws + rb, wal);
	}
	*w_iova = w;
	*w_len = (uint64_t)(n - 1) * ws + rb;
	if (f == LLA_WFMT_F16) {
		for (uint64_t i = 0; i < *w_len / 2 &&
		     w + 2 * i + 2 <= IMG_BASE + IMG_SIZE; i++) {
			uint16_t h = lla_f32_to_f16(rnd_f(-1.5f, 1.5f));

			memcpy(im->data + (w - IMG_BASE) + 2 * i, &h, 2);
		}
	} else {
		for (uint64_t i = 0; i < *w_len &&
		     w + i < IMG_BASE + IMG_SIZE; i++)
			im->data[w - IMG_BASE + i] = (uint8_t)rnd();
	}
	if (kind < 2) {
		struct lla_cmd_tlmm *c = cmd;

		memset(c, 0, sizeof(*c));
		c->hdr.opcode = LLA_OP_TLMM;
		c->hdr.size = sizeof(*c);
		c->m = m, c->n = n, c->k = k, c->wfmt = f;
		c->x_iova = x, c->x_scale_iova = xs, c->x_stride = k;
		c->w_iova = w, c->w_stride = (uint32_t)ws;
		c->w_scale = lla_f32_bits(rnd_f(0.01f, 3.0f));
		c->y_iova = y, c->y_stride = 4 * n;
		c->epi.out_dtype = LLA_DTYPE_F32;
		return sizeof(*c);
	} else {
		struct lla_cmd_qmm *c = cmd;

		memset(c, 0, sizeof(*c));
		c->hdr.opcode = LLA_OP_QMM;
		c->hdr.size = sizeof(*c);
		c->m = m, c->n = n, c->k = k, c->wfmt = f;
		c->x_iova = x, c->x_scale_iova = xs;
		c->x_stride = (uint32_t)(xe * k);
		c->w_iova = w, c->w_scale_iova = wsc, c->w_stride = (uint32_t)ws;
		c->y_iova = y, c->y_stride = 4 * n;
		c->epi.out_dtype = LLA_DTYPE_F32;
		return sizeof(*c);
	}
}

/* fp16 values in (-1.5, 1.5) over the part of [iova, iova + bytes) inside. */
static void fill_halves(struct img *im, uint64_t iova, uint64_t bytes)
{
	for (uint64_t i = 0; i + 2 <= bytes &&
	     iova + i + 2 <= IMG_BASE + IMG_SIZE; i += 2) {
		uint16_t h = lla_f32_to_f16(rnd_f(-1.5f, 1.5f));

		memcpy(im->data + (iova - IMG_BASE) + i, &h, 2);
	}
}

/*
 * An ATTN command (decode when M = 1) whose K or V cache, chosen at
 * random, is placed as @pl says; *w_iova / *w_len: the cache rows the
 * command reads, [0, pos + M).
 */
static uint32_t build_attn(struct img *im, struct lla_cmd_attn *c, uint32_t m,
			   enum placement pl, uint64_t *w_iova, uint64_t *w_len)
{
	uint32_t hd = 4 * rnd_in(1, 32), kvh = rnd_in(1, 4);
	uint32_t nh = kvh * rnd_in(1, 3), pos = rnd_in(0, 300);
	uint32_t max_ctx = pos + m + rnd_in(0, 40);
	uint64_t row = 2ull * kvh * hd, used = (uint64_t)(pos + m) * row;
	uint64_t qrow = 4ull * nh * hd, kvrow = 4ull * kvh * hd;
	uint64_t cache = (uint64_t)max_ctx * row, placed;
	int in_v = rnd() & 1;

	memset(c, 0, sizeof(*c));
	c->hdr.opcode = m == 1 ? LLA_OP_ATTN_DECODE : LLA_OP_ATTN_PREFILL;
	c->hdr.size = sizeof(*c);
	c->m = m, c->n_head = nh, c->n_kv_head = kvh, c->head_dim = hd;
	c->max_ctx = max_ctx, c->pos = pos;
	c->q_stride = (uint32_t)qrow, c->kv_stride = (uint32_t)kvrow;
	c->o_stride = (uint32_t)qrow;
	c->scale = lla_f32_bits(rnd_f(0.05f, 0.5f));
	c->kv_dtype = LLA_DTYPE_F16;
	c->mask_mode = LLA_MASK_CAUSAL;
	c->q_iova = img_alloc(im, m * qrow, 4);
	fill_floats(im, c->q_iova, m * qrow / 4, -2.0f, 2.0f);
	c->k_iova = img_alloc(im, m * kvrow, 4);
	fill_floats(im, c->k_iova, m * kvrow / 4, -2.0f, 2.0f);
	c->v_iova = img_alloc(im, m * kvrow, 4);
	fill_floats(im, c->v_iova, m * kvrow / 4, -2.0f, 2.0f);
	c->o_iova = img_alloc(im, m * qrow, 4);
	fill_rand(im, c->o_iova, m * qrow);
	if (in_v) {
		c->k_cache_iova = img_alloc(im, cache, 2);
		fill_halves(im, c->k_cache_iova, used);
	} else {
		c->v_cache_iova = img_alloc(im, cache, 2);
		fill_halves(im, c->v_cache_iova, used);
	}
	if (pl == PL_PAST_END) {
		placed = IMG_BASE + IMG_SIZE - used / 2;
		placed -= placed % 2;
	} else {
		placed = img_alloc(im, cache, 2);
	}
	fill_halves(im, placed, used);
	if (in_v)
		c->v_cache_iova = placed;
	else
		c->k_cache_iova = placed;
	*w_iova = placed;
	*w_len = used;
	return sizeof(*c);
}

static int same_res(const struct lla_job_result *a,
		    const struct lla_job_result *b)
{
	return a->status == b->status && a->cmd_index == b->cmd_index &&
	       a->fault_iova == b->fault_iova &&
	       a->fault_write == b->fault_write &&
	       a->commands == b->commands && a->macs == b->macs &&
	       a->cycles == b->cycles &&
	       a->bytes_read == b->bytes_read &&
	       a->bytes_written == b->bytes_written;
}

struct tally {
	int cases, bad_res, bad_img, faults, not_ok, leaks;
};

int main(void)
{
	static const char *kinds[5] = { "TLMM T2", "TLMM T5", "QMM I8",
					"QMM F16", "ATTN" };
	static const char *plname[3] = { "inside", "past the end",
					  "over a hole" };
	uint8_t *img = malloc(IMG_SIZE), *out0 = malloc(IMG_SIZE);
	uint8_t *out = malloc(IMG_SIZE), *flat_data = malloc(IMG_SIZE);
	struct pmem *cp = malloc(sizeof(*cp)), *sc = malloc(sizeof(*sc));
	struct pmem *ct = malloc(sizeof(*ct));
	struct lla_mem m_copy = { cp, pm_read, pm_write, NULL, NULL };
	struct lla_mem m_sc = { sc, pm_read, pm_write, pm_map_read, pm_unmap };
	struct lla_mem m_ct = { ct, pm_read, pm_write, pm_map_read, pm_unmap };
	struct lla_flat_mem flat = { flat_data, IMG_BASE, IMG_SIZE };
	struct lla_mem m_flat;
	struct tally t[3][5];
	long in_place = 0;

	memset(t, 0, sizeof(t));
	lla_flat_mem_init(&m_flat, &flat);
	pm_init(cp, 1);
	pm_init(sc, 1);
	pm_init(ct, 0);
	tap_ok(m_flat.map_read != NULL && m_flat.unmap == NULL,
	       "lla_flat_mem_init offers map_read");

	for (int it = 0; it < 600; it++) {
		int kind = it % 5;
		enum placement pl = (enum placement)(it / 5 % 3);
		uint32_t m = rnd() % 3 == 0 ? rnd_in(9, 20) : rnd_in(1, 8);
		struct lla_exec_opts o = { .use_lut = rnd() & 1 };
		struct lla_job_result r0, r;
		struct img im = { img, 0 };
		uint64_t cmd[64], w_iova, w_len;
		uint32_t len, hole = 0;
		struct tally *ty = &t[pl][kind];
		int ok_res = 1, ok_img = 1;

		memset(img, 0, IMG_SIZE);
		len = kind < 4 ? build(&im, cmd, kind, m, pl, &w_iova, &w_len) :
		      build_attn(&im, (struct lla_cmd_attn *)cmd, m, pl,
				 &w_iova, &w_len);
		if (pl == PL_HOLE) {
			/* An unmapped page somewhere in the weights. */
			uint64_t a = w_iova + rnd() % w_len;

			hole = (uint32_t)((a - IMG_BASE) / PG);
		}
		cp->ok[hole] = sc->ok[hole] = ct->ok[hole] = pl != PL_HOLE;

		pm_load(cp, img);
		lla_execute(cmd, len, &m_copy, &o, &r0);
		pm_save(cp, out0);

		pm_load(sc, img);
		lla_execute(cmd, len, &m_sc, &o, &r);
		pm_save(sc, out);
		ok_res &= same_res(&r0, &r);
		ok_img &= !memcmp(out0, out, IMG_SIZE);

		pm_load(ct, img);
		lla_execute(cmd, len, &m_ct, &o, &r);
		pm_save(ct, out);
		ok_res &= same_res(&r0, &r);
		ok_img &= !memcmp(out0, out, IMG_SIZE);

		if (pl != PL_HOLE) {
			memcpy(flat_data, img, IMG_SIZE);
			lla_execute(cmd, len, &m_flat, &o, &r);
			ok_res &= same_res(&r0, &r);
			ok_img &= !memcmp(out0, flat_data, IMG_SIZE);
		}
		cp->ok[hole] = sc->ok[hole] = ct->ok[hole] = 1;

		ty->cases++;
		ty->bad_res += !ok_res;
		ty->bad_img += !ok_img;
		ty->faults += r0.status == LLA_ERR_MMU_FAULT;
		ty->not_ok += r0.status != LLA_OK;
		ty->leaks += sc->held != 0 || ct->held != 0;
		sc->held = ct->held = 0;
		if (!ok_res)
			tap_diag("%s %s M=%u: status %u/%u fault %#llx/%#llx read %llu/%llu",
				 kinds[kind], plname[pl], m, r0.status,
				 r.status, (unsigned long long)r0.fault_iova,
				 (unsigned long long)r.fault_iova,
				 (unsigned long long)r0.bytes_read,
				 (unsigned long long)r.bytes_read);
	}
	in_place = sc->maps + ct->maps;
	for (int p = 0; p < 3; p++) {
		for (int k = 0; k < 5; k++) {
			struct tally *ty = &t[p][k];
			const char *what = k == 4 ? "KV cache" : "weights";

			tap_ok(ty->bad_res == 0 && ty->bad_img == 0 &&
			       ty->leaks == 0,
			       "%s, %s %s: in place == copied on %d jobs (results %d bad, images %d bad, unmaps %d missing)",
			       kinds[k], what, plname[p], ty->cases,
			       ty->bad_res, ty->bad_img, ty->leaks);
			if (p == PL_NORMAL)
				tap_ok(ty->not_ok == 0,
				       "%s, %s inside: every job completes",
				       kinds[k], what);
			else
				tap_ok(ty->faults == ty->cases,
				       "%s, %s %s: every job is an MMU fault (%d of %d)",
				       kinds[k], what, plname[p], ty->faults,
				       ty->cases);
		}
	}
	tap_ok(in_place > 100, "weights were read in place (%ld mappings)",
	       in_place);
	pm_free(cp);
	pm_free(sc);
	pm_free(ct);
	free(cp);
	free(sc);
	free(ct);
	free(img);
	free(out0);
	free(out);
	free(flat_data);
	return tap_done();
}
