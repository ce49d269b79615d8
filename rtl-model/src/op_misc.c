// SPDX-License-Identifier: MIT
/*
 * Element-wise commands: ROPE (NEOX), ELTWISE and EMBED (row gather).
 * Per element, so the kernels of lla_kern_isa() (kern_misc.h) give the
 * reference's bits without any order of their own.
 */
#include <stdlib.h>
#include "kern.h"
#include "kern_misc.h"

#define LLA_ELT_CHUNK	(1u << 16)	/* elements per staging buffer */

/* The position of row 0: the u32 at @pos_iova, else the immediate. */
static int rope_base(struct lla_exec *x, const struct lla_cmd_rope *c,
		     uint64_t *base)
{
	uint32_t p;
	int err = lla_rd_pos(x, c->pos_iova, c->pos, &p);

	*base = p;
	return err;
}

/* Rotate one row of n_head heads in place with angle row @t. */
static void rope_row(int isa, float *row, const float *t, uint32_t n_head,
		     uint32_t hd)
{
	uint32_t half = hd / 2;

	for (uint32_t h = 0; h < n_head; h++) {
		float *v = row + (uint64_t)h * hd;

		if (isa >= LLA_ISA_AVX2 && lla_kmisc_rope_head(isa, v, t, hd))
			continue;
		for (uint32_t i = 0; i < half; i++) {
			float cs = t[2 * i], sn = t[2 * i + 1];
			float x0 = v[i], x1 = v[i + half];

			v[i] = x0 * cs - x1 * sn;
			v[i + half] = x0 * sn + x1 * cs;
		}
	}
}

int lla_op_rope(struct lla_exec *x, const struct lla_cmd_rope *c)
{
	uint64_t row_bytes = (uint64_t)c->n_head * c->head_dim * sizeof(float);
	uint64_t tab_bytes = (uint64_t)c->head_dim * sizeof(float);
	float *row = NULL, *tab = NULL;
	int isa = lla_kern_isa();
	uint64_t base;
	int err;

	err = rope_base(x, c, &base);
	if (err)
		return err;
	/* Every position must be in the table; check before writing. */
	if (base + c->m > c->table_len)
		return LLA_ERR_INDEX;
	err = LLA_ERR_NOMEM;
	row = lla_alloc(row_bytes, 1);
	tab = lla_alloc(tab_bytes, 1);
	if (!row || !tab)
		goto out;
	for (uint32_t m = 0; m < c->m; m++) {
		uint64_t xa = c->x_iova + (uint64_t)m * c->x_stride;

		err = lla_rd(x, c->table_iova + (base + m) * tab_bytes, tab,
			     tab_bytes);
		if (err)
			goto out;
		err = lla_rd(x, xa, row, row_bytes);
		if (err)
			goto out;
		rope_row(isa, row, tab, c->n_head, c->head_dim);
		err = lla_wr(x, xa, row, row_bytes);
		if (err)
			goto out;
	}
	err = LLA_OK;
out:
	free(row);
	free(tab);
	return err;
}

/*
 * The reference of one ELTWISE chunk (@b: the second operand of ADD and
 * MUL, else unused): the fast kernel's tail and the tests call it too.
 */
void lla_elt_ref(uint8_t op, float imm, float *a, const float *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		switch (op) {
		case LLA_ELT_ADD:
			a[i] = a[i] + b[i];
			break;
		case LLA_ELT_MUL:
			a[i] = a[i] * b[i];
			break;
		case LLA_ELT_SCALE:
			a[i] = a[i] * imm;
			break;
		case LLA_ELT_RELU:
			a[i] = lla_act(LLA_ACT_RELU, a[i]);
			break;
		case LLA_ELT_RELU2:
			a[i] = lla_act(LLA_ACT_RELU2, a[i]);
			break;
		default:
			a[i] = lla_act(LLA_ACT_SILU, a[i]);
			break;
		}
	}
}

int lla_op_eltwise(struct lla_exec *x, const struct lla_cmd_eltwise *c)
{
	int binary = c->op == LLA_ELT_ADD || c->op == LLA_ELT_MUL;
	uint32_t chunk = c->count < LLA_ELT_CHUNK ? c->count : LLA_ELT_CHUNK;
	float *a = lla_alloc(chunk, sizeof(float));
	float *b = binary ? lla_alloc(chunk, sizeof(float)) : NULL;
	int isa = lla_kern_isa();
	int err = LLA_ERR_NOMEM;

	if (!a || (binary && !b))
		goto out;
	err = LLA_OK;
	for (uint64_t off = 0; off < c->count; off += chunk) {
		uint32_t n = (uint32_t)(c->count - off < chunk ?
					c->count - off : chunk);
		uint64_t bytes = (uint64_t)n * sizeof(float);
		uint64_t boff = off * sizeof(float);

		err = lla_rd(x, c->a_iova + boff, a, bytes);
		if (!err && binary)
			err = lla_rd(x, c->b_iova + boff, b, bytes);
		if (err)
			break;
		if (isa < LLA_ISA_AVX2 ||
		    !lla_kmisc_elt(isa, c->op, lla_bits_f32(c->imm), a, b, n))
			lla_elt_ref(c->op, lla_bits_f32(c->imm), a, b, n);
		err = lla_wr(x, c->y_iova + boff, a, bytes);
		if (err)
			break;
	}
out:
	free(a);
	free(b);
	return err;
}

/* Gather one table row as fp32 into @y (dim elements). */
static int embed_row(struct lla_exec *x, const struct lla_cmd_embed *c,
		     int isa, uint32_t id, void *raw, float *y)
{
	uint64_t esz = c->dtype == LLA_DTYPE_F16 ? 2 : 4;
	uint64_t addr = c->table_iova + (uint64_t)id * c->table_stride;
	int err;

	if (esz == 4)
		return lla_rd(x, addr, y, (uint64_t)c->dim * 4);
	err = lla_rd(x, addr, raw, (uint64_t)c->dim * 2);
	if (err)
		return err;
	if (isa >= LLA_ISA_AVX2) {
		lla_kmisc_h2f(isa, raw, y, c->dim);
		return LLA_OK;
	}
	for (uint32_t i = 0; i < c->dim; i++)
		y[i] = lla_f16_to_f32(((const uint16_t *)raw)[i]);
	return LLA_OK;
}

int lla_op_embed(struct lla_exec *x, const struct lla_cmd_embed *c)
{
	int32_t *ids = lla_alloc(c->m, sizeof(int32_t));
	uint16_t *raw = lla_alloc(c->dim, sizeof(uint16_t));
	float *y = lla_alloc(c->dim, sizeof(float));
	int isa = lla_kern_isa();
	int err = LLA_ERR_NOMEM;

	if (!ids || !raw || !y)
		goto out;
	err = lla_rd(x, c->ids_iova, ids, (uint64_t)c->m * sizeof(int32_t));
	if (err)
		goto out;
	/* All ids are checked before any row is written. */
	for (uint32_t m = 0; m < c->m; m++) {
		if (ids[m] < 0 || (uint32_t)ids[m] >= c->vocab) {
			err = LLA_ERR_INDEX;
			goto out;
		}
	}
	for (uint32_t m = 0; m < c->m; m++) {
		err = embed_row(x, c, isa, (uint32_t)ids[m], raw, y);
		if (err)
			goto out;
		err = lla_wr(x, c->y_iova + (uint64_t)m * c->y_stride, y,
			     (uint64_t)c->dim * sizeof(float));
		if (err)
			goto out;
	}
out:
	free(ids);
	free(raw);
	free(y);
	return err;
}
